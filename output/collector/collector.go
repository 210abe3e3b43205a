// Package collector is the collector output, --out collector=http://HOST:PORT:
// it pushes the run's mergeable state to a `minik6 collect` server every few
// seconds (K6_COLLECTOR_PUSH_INTERVAL, 2s by default) and once more, marked
// final, at the end, and stops the run when the collector says a threshold
// with abortOnFail failed over all instances (exit code 99). The samples
// themselves are not sent: the state carries everything the merged summary
// and thresholds need, in a size that does not grow with the test's length.
package collector

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/minik6/minik6/collector"
	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/load"
	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/output"
)

// defaultInterval is how often the state is pushed.
const defaultInterval = 2 * time.Second

// finalAttempts is how often the final push is tried before the output gives
// up and says so.
const finalAttempts = 5

func init() {
	output.Register("collector", func(arg string, p output.Params) (metrics.Output, error) {
		return New(arg, p)
	})
}

// Output pushes the run's state to a collector.
type Output struct {
	url      string
	interval time.Duration
	engine   *metrics.Engine
	api      string
	logger   logrus.FieldLogger
	client   *http.Client

	instance string
	about    metrics.State
	stop     func(cause error)
	release  func([]metrics.Sample)

	start   time.Time
	done    chan struct{}
	wg      sync.WaitGroup
	stopped sync.Once
}

var (
	_ output.TestReceiver  = (*Output)(nil)
	_ output.RunStopper    = (*Output)(nil)
	_ output.BatchRecycler = (*Output)(nil)
	_ output.MetricFilter  = (*Output)(nil)
)

// WantsMetric: the collector output sends the engine's state, no samples.
func (o *Output) WantsMetric(*metrics.Metric) bool { return false }

// New builds the output from its argument, the collector's base URL.
func New(arg string, p output.Params) (*Output, error) {
	u, err := url.Parse(arg)
	if arg == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("collector: %q: want the collector's URL, e.g. collector=http://127.0.0.1:6600", arg)
	}
	if p.Engine == nil {
		return nil, fmt.Errorf("collector: no metrics engine to read the state of")
	}
	interval := defaultInterval
	if v := p.Env["K6_COLLECTOR_PUSH_INTERVAL"]; v != "" {
		d, err := options.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("collector: K6_COLLECTOR_PUSH_INTERVAL=%q: want a positive duration such as 2s", v)
		}
		interval = d
	}
	logger := p.Logger
	if logger == nil {
		logger = logrus.New()
	}
	return &Output{
		url: strings.TrimSuffix(u.String(), "/") + collector.PushPath, interval: interval,
		engine: p.Engine, api: p.APIAddress, logger: logger,
		client: &http.Client{Timeout: 10 * time.Second}, done: make(chan struct{}),
	}, nil
}

// SetTest takes the instance's name and the summary settings from the test's
// options: the instance_id tag, or else the execution segment, or else the
// host and process.
func (o *Output) SetTest(t *load.Test) {
	opts := t.Options
	o.about = metrics.State{
		Tags: opts.Tags, SummaryTrendStats: opts.GetSummaryTrendStats(), SummaryTimeUnit: opts.SummaryTimeUnit.String,
	}
	if opts.ExecutionSegment != nil {
		o.about.ExecutionSegment = opts.ExecutionSegment.String()
	}
	switch {
	case opts.Tags["instance_id"] != "":
		o.instance = "instance_id=" + opts.Tags["instance_id"]
	case o.about.ExecutionSegment != "":
		o.instance = "segment " + o.about.ExecutionSegment
	default:
		host, _ := os.Hostname()
		o.instance = fmt.Sprintf("%s pid %d", host, os.Getpid())
	}
}

// SetRunStopper takes the function that stops the run.
func (o *Output) SetRunStopper(stop func(cause error)) { o.stop = stop }

// Description names the output.
func (o *Output) Description() string {
	return "collector (" + strings.TrimSuffix(o.url, collector.PushPath) + ")"
}

// Start pushes the empty state, so that a collector that cannot be reached
// stops the run before it begins, then pushes periodically.
func (o *Output) Start() error {
	o.start = time.Now()
	if err := o.push(context.Background(), false); err != nil {
		return fmt.Errorf("collector: %w", err)
	}
	o.wg.Add(1)
	go o.loop()
	return nil
}

func (o *Output) loop() {
	defer o.wg.Done()
	t := time.NewTicker(o.interval)
	defer t.Stop()
	for {
		select {
		case <-o.done:
			return
		case <-t.C:
			if err := o.push(context.Background(), false); err != nil {
				o.logger.WithError(err).Warn("collector: a push failed; the next one carries the state so far")
			}
		}
	}
}

// SetBatchDone: the output does not keep the batches it is given.
func (o *Output) SetBatchDone(done func([]metrics.Sample)) { o.release = done }

// AddSamples does nothing with the samples: the engine has aggregated them
// already.
func (o *Output) AddSamples(batch []metrics.Sample) {
	if o.release != nil {
		o.release(batch)
	}
}

// Stop ends the periodic pushes and pushes the final state, retrying.
func (o *Output) Stop() error {
	o.stopped.Do(func() { close(o.done) })
	o.wg.Wait()
	var err error
	for attempt := range finalAttempts {
		if attempt > 0 {
			time.Sleep(time.Duration(attempt) * 200 * time.Millisecond)
		}
		if err = o.push(context.Background(), true); err == nil {
			return nil
		}
	}
	return fmt.Errorf("collector: the final state did not reach the collector: %w", err)
}

// push sends the state so far; the reply may stop the run.
func (o *Output) push(ctx context.Context, final bool) error {
	state := o.engine.State()
	state.Producer = "minik6"
	state.Tags, state.ExecutionSegment = o.about.Tags, o.about.ExecutionSegment
	state.SummaryTrendStats, state.SummaryTimeUnit = o.about.SummaryTrendStats, o.about.SummaryTimeUnit
	if !final {
		state.TestRunDurationMs = float64(time.Since(o.start)) / float64(time.Millisecond)
	}
	body, err := json.Marshal(collector.Push{Instance: o.instance, API: o.api, Final: final, State: state})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := o.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(msg)))
	}
	var reply collector.Reply
	if err := json.NewDecoder(resp.Body).Decode(&reply); err != nil {
		return fmt.Errorf("the collector's reply: %w", err)
	}
	if reply.Abort != "" && o.stop != nil && !final {
		o.stop(exitcode.Errorf(exitcode.ThresholdsFailed, "%s", reply.Abort))
	}
	return nil
}
