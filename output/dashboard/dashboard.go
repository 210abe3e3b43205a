// Package dashboard is the web-dashboard output (--out web-dashboard, or
// K6_WEB_DASHBOARD=true): a page on 127.0.0.1:5665 that updates live through
// server-sent events with the run's numbers, thresholds, checks and charts
// over time, and at the end, with K6_WEB_DASHBOARD_EXPORT, the same report as
// one self-contained HTML file. Its settings are k6's: K6_WEB_DASHBOARD_HOST,
// _PORT (-1 serves nothing but still exports), _PERIOD, _OPEN and _EXPORT,
// or the output's argument "host=…&port=…&period=…&open=…&export=…", which
// wins.
package dashboard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/minik6/minik6/load"
	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/output"
	"github.com/minik6/minik6/report"
)

func init() {
	output.Register("web-dashboard", func(arg string, p output.Params) (metrics.Output, error) {
		cfg, err := parseConfig(arg, p.Env)
		if err != nil {
			return nil, fmt.Errorf("web-dashboard: %w", err)
		}
		if p.Engine == nil {
			return nil, errors.New("web-dashboard: no metrics engine")
		}
		logger := p.Logger
		if logger == nil {
			logger = logrus.New()
		}
		return &Output{cfg: cfg, engine: p.Engine, logger: logger, title: "test", done: make(chan struct{})}, nil
	})
}

// Config is the dashboard's settings.
type Config struct {
	Host   string
	Port   int // -1: no server
	Period time.Duration
	Open   bool
	Export string
}

// parseConfig reads the K6_WEB_DASHBOARD_* variables, then the argument.
func parseConfig(arg string, env map[string]string) (Config, error) {
	cfg := Config{Host: "127.0.0.1", Port: 5665, Period: 10 * time.Second}
	set := func(key, v string) error {
		var err error
		switch key {
		case "host":
			cfg.Host = v
		case "port":
			if cfg.Port, err = strconv.Atoi(v); err != nil || cfg.Port < -1 || cfg.Port > 65535 {
				return fmt.Errorf("port %q: want a port number, 0 for any, or -1 for no server", v)
			}
		case "period":
			d, perr := options.ParseDuration(v)
			if perr != nil || d <= 0 {
				return fmt.Errorf("period %q: want a positive duration such as 10s", v)
			}
			cfg.Period = d
		case "open":
			if cfg.Open, err = strconv.ParseBool(v); err != nil {
				return fmt.Errorf("open %q: want true or false", v)
			}
		case "export":
			cfg.Export = v
		default:
			return fmt.Errorf("unknown setting %q: want host, port, period, open or export", key)
		}
		return nil
	}
	for _, key := range []string{"host", "port", "period", "open", "export"} {
		if v, ok := env["K6_WEB_DASHBOARD_"+strings.ToUpper(key)]; ok && v != "" {
			if err := set(key, v); err != nil {
				return cfg, fmt.Errorf("K6_WEB_DASHBOARD_%s: %w", strings.ToUpper(key), err)
			}
		}
	}
	if arg != "" {
		q, err := url.ParseQuery(arg)
		if err != nil {
			return cfg, fmt.Errorf("%q: want key=value pairs joined by &", arg)
		}
		for key, vs := range q {
			if err := set(key, vs[len(vs)-1]); err != nil {
				return cfg, err
			}
		}
	}
	return cfg, nil
}

// Output is the web dashboard.
type Output struct {
	cfg    Config
	engine *metrics.Engine
	logger logrus.FieldLogger
	title  string

	rec     *report.Recorder
	started time.Time
	srv     *http.Server
	addr    string
	done    chan struct{}
	once    sync.Once

	batchDone func([]metrics.Sample)
}

var (
	_ output.TestReceiver  = (*Output)(nil)
	_ output.BatchRecycler = (*Output)(nil)
	_ output.MetricFilter  = (*Output)(nil)
)

// WantsMetric: the counts come from the engine; of the samples, the
// dashboard needs the request latency's only, per period.
func (o *Output) WantsMetric(m *metrics.Metric) bool { return report.WantsMetric(m) }

// SetBatchDone: the dashboard reads a batch only inside AddSamples.
func (o *Output) SetBatchDone(done func([]metrics.Sample)) { o.batchDone = done }

// SetTest takes the script's name for the page's title.
func (o *Output) SetTest(t *load.Test) { o.title = path.Base(t.Entry) }

// Description names the output and where it serves.
func (o *Output) Description() string {
	switch {
	case o.addr != "":
		return "web-dashboard (http://" + o.addr + ")"
	case o.cfg.Port < 0:
		return "web-dashboard (export " + o.cfg.Export + ")"
	}
	return "web-dashboard (http://" + net.JoinHostPort(o.cfg.Host, strconv.Itoa(o.cfg.Port)) + ")"
}

// Start starts recording and, unless the port is -1, serving the page.
func (o *Output) Start() error {
	o.started = time.Now()
	o.rec = report.NewRecorder(o.started, o.cfg.Period)
	o.rec.UseSnapshots()
	go o.snapshots()
	if o.cfg.Port < 0 {
		return nil
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(o.cfg.Host, strconv.Itoa(o.cfg.Port)))
	if err != nil {
		return fmt.Errorf("web-dashboard: %w", err)
	}
	o.addr = ln.Addr().String()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", o.serveIndex)
	mux.HandleFunc("GET /events", o.serveEvents)
	mux.HandleFunc("GET /report", o.serveReport)
	o.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = o.srv.Serve(ln) }()
	o.logger.Infof("web dashboard: http://%s", o.addr)
	if o.cfg.Open {
		o.open("http://" + o.addr)
	}
	return nil
}

// snapshots records the engine's counts a few times per period, until Stop.
func (o *Output) snapshots() {
	t := time.NewTicker(min(o.cfg.Period/2, time.Second))
	defer t.Stop()
	for {
		select {
		case <-o.done:
			return
		case now := <-t.C:
			o.rec.Snapshot(now, report.CountsOf(o.engine))
		}
	}
}

// open opens the page in the desktop's browser, saying so when it cannot.
func (o *Output) open(u string) {
	opener, err := exec.LookPath("xdg-open")
	if err != nil {
		o.logger.Warnf("web-dashboard: no browser to open (xdg-open not found); open %s yourself", u)
		return
	}
	if err := exec.Command(opener, u).Start(); err != nil { //nolint:gosec // the dashboard's own URL
		o.logger.WithError(err).Warnf("web-dashboard: could not open %s", u)
	}
}

// AddSamples records the samples for the charts.
func (o *Output) AddSamples(batch []metrics.Sample) {
	o.rec.Add(batch)
	if o.batchDone != nil {
		o.batchDone(batch)
	}
}

// Stop ends the live updates, writes the export and stops serving.
func (o *Output) Stop() error {
	o.once.Do(func() { close(o.done) })
	o.rec.Snapshot(time.Now(), report.CountsOf(o.engine)) // the last counts
	var err error
	if o.cfg.Export != "" {
		var buf bytes.Buffer
		if err = report.Write(&buf, o.run(true), nil); err == nil {
			err = os.WriteFile(o.cfg.Export, buf.Bytes(), 0o644)
		}
		if err != nil {
			err = fmt.Errorf("web-dashboard: writing the report: %w", err)
		}
	}
	if o.srv != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = o.srv.Shutdown(ctx)
	}
	return err
}

// run is the report's view of the run now; final once the run has ended.
func (o *Output) run(final bool) report.Run {
	sum, _ := o.engine.Summary(report.SummaryOptions) // valid trend stats: no error
	if !final {
		// The engine learns the run's duration at the end: rates so far are
		// over the time since the start.
		elapsed := time.Since(o.started).Seconds()
		for _, m := range sum.Metrics {
			if m.Type == metrics.Counter && elapsed > 0 {
				m.Values["rate"] = m.Values["count"] / elapsed
			}
		}
		sum.TestRunDuration = time.Since(o.started)
	}
	return report.Run{
		Title: o.title, Started: o.started, Summary: sum,
		Thresholds: o.engine.ThresholdResults(), Series: o.rec.Series(),
	}
}

func (o *Output) serveIndex(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = report.WriteDashboard(w, o.run(false))
}

func (o *Output) serveReport(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = report.Write(w, o.run(false), nil)
}

// serveEvents streams an "update" event with the page's new body every
// period (and at once), and "done" when the run ends.
func (o *Output) serveEvents(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	send := func(event, data string) bool {
		var b strings.Builder
		b.WriteString("event: " + event + "\n")
		for _, l := range strings.Split(data, "\n") {
			b.WriteString("data: " + l + "\n")
		}
		b.WriteString("\n")
		if _, err := w.Write([]byte(b.String())); err != nil {
			return false
		}
		flusher.Flush()
		return true
	}
	interval := min(o.cfg.Period, 2*time.Second) // the page keeps up even with long periods
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if !send("update", string(report.Body(o.run(false), nil))) {
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-o.done:
			send("update", string(report.Body(o.run(true), nil)))
			send("done", "")
			return
		case <-t.C:
		}
	}
}
