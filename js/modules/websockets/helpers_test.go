package websockets_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/minik6test"
	"github.com/minik6/minik6/output"
	"github.com/minik6/minik6/testrun"
)

// collector is an output that keeps every sample of a run.
type collector struct {
	mu      sync.Mutex
	samples []metrics.Sample
}

func (c *collector) Description() string { return "collector" }
func (c *collector) Start() error        { return nil }
func (c *collector) Stop() error         { return nil }
func (c *collector) AddSamples(b []metrics.Sample) {
	c.mu.Lock()
	c.samples = append(c.samples, b...)
	c.mu.Unlock()
}

var (
	collectorsMu sync.Mutex
	collectors   = map[string]*collector{}
	collectorID  atomic.Int64
)

func init() {
	output.Register("websockets-test-collector", func(arg string, _ output.Params) (metrics.Output, error) {
		collectorsMu.Lock()
		defer collectorsMu.Unlock()
		return collectors[arg], nil
	})
}

// outcome is what a test run left: its result, console lines, log entries
// and samples.
type outcome struct {
	res     testrun.Result
	console []string
	logs    []*logrus.Entry
	samples []metrics.Sample
}

// of returns the samples of metric name.
func (o *outcome) of(name string) []metrics.Sample {
	var out []metrics.Sample
	for _, s := range o.samples {
		if s.Metric.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// sum adds the values of metric name.
func (o *outcome) sum(name string) float64 {
	var v float64
	for _, s := range o.of(name) {
		v += s.Value
	}
	return v
}

// logText is every log message with its error field, one a line.
func (o *outcome) logText() string {
	var b strings.Builder
	for _, e := range o.logs {
		b.WriteString(e.Message)
		if err, ok := e.Data["error"]; ok {
			fmt.Fprintf(&b, " error=%v", err)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// run runs src (with $URL replaced by url) through a real test run.
func run(t testing.TB, src, url string) *outcome {
	t.Helper()
	src = strings.ReplaceAll(src, "$URL", url)
	logger, logHook := logtest.NewNullLogger()
	console, consoleHook := logtest.NewNullLogger()
	test, err := minik6test.LoadScript(src, logger, console, nil)
	require.NoError(t, err)
	id := fmt.Sprint(collectorID.Add(1))
	c := &collector{}
	collectorsMu.Lock()
	collectors[id] = c
	collectorsMu.Unlock()
	_, res := minik6test.RunTest(t, test, testrun.Config{Logger: logger, Outputs: []string{"websockets-test-collector=" + id}})
	o := &outcome{res: res, logs: logHook.AllEntries()}
	for _, e := range consoleHook.AllEntries() {
		o.console = append(o.console, e.Message)
	}
	c.mu.Lock()
	o.samples = append(o.samples, c.samples...)
	c.mu.Unlock()
	return o
}

// server is a WebSocket server on 127.0.0.1 for one test.
type server struct {
	url      string // ws://127.0.0.1:port
	open     atomic.Int64
	mu       sync.Mutex
	requests []*http.Request
}

// handshakes returns the requests of the handshakes so far.
func (s *server) handshakes() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.requests...)
}

// newServer serves WebSockets on 127.0.0.1: the path says what to do with a
// connection; "/echo" (and any other) echoes every message, "/close/CODE"
// closes with CODE and reason "bye", "/ping" pings first, then echoes,
// "/silent" reads and never answers. respHeader are extra headers of the
// handshake's response (nil for none).
func newServer(t testing.TB, respHeader http.Header) *server {
	t.Helper()
	s := &server{}
	srv := httptest.NewServer(s.handler(respHeader))
	t.Cleanup(srv.Close)
	s.url = "ws" + strings.TrimPrefix(srv.URL, "http")
	return s
}

// newTLSServer is newServer over TLS (wss://), with httptest's certificate.
func newTLSServer(t testing.TB) *server {
	t.Helper()
	s := &server{}
	srv := httptest.NewTLSServer(s.handler(nil))
	t.Cleanup(srv.Close)
	s.url = "wss" + strings.TrimPrefix(srv.URL, "https")
	return s
}

func (s *server) handler(respHeader http.Header) http.Handler {
	up := websocket.Upgrader{EnableCompression: true, Subprotocols: []string{"chat", "superchat"}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r)
		s.mu.Unlock()
		if r.URL.Path == "/refuse" {
			http.Error(w, "no sockets here", http.StatusForbidden)
			return
		}
		c, err := up.Upgrade(w, r, respHeader)
		if err != nil {
			return
		}
		s.open.Add(1)
		defer s.open.Add(-1)
		defer c.Close()
		var code int
		if _, err := fmt.Sscanf(r.URL.Path, "/close/%d", &code); err == nil {
			_ = c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(code, "bye"))
			_, _, _ = c.ReadMessage()
			return
		}
		if r.URL.Path == "/ping" {
			_ = c.WriteMessage(websocket.PingMessage, []byte("hi"))
		}
		for {
			kind, data, err := c.ReadMessage()
			if err != nil {
				return
			}
			if r.URL.Path == "/silent" {
				continue
			}
			if err := c.WriteMessage(kind, data); err != nil {
				return
			}
		}
	})
}
