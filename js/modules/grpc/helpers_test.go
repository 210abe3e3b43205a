package grpc_test

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

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
	output.Register("grpc-test-collector", func(arg string, _ output.Params) (metrics.Output, error) {
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

// logText is every log message with its error field.
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

// fixture is the test's route_guide.proto.
func fixture(t testing.TB) string {
	t.Helper()
	data, err := os.ReadFile("testdata/route_guide.proto")
	require.NoError(t, err)
	return string(data)
}

// run runs src (with $ADDR replaced by addr) through a real test run, with
// route_guide.proto beside the script.
func run(t testing.TB, src, addr string) *outcome {
	t.Helper()
	return runFiles(t, src, addr, map[string]string{"/test/route_guide.proto": fixture(t)})
}

func runFiles(t testing.TB, src, addr string, files map[string]string) *outcome {
	t.Helper()
	src = strings.ReplaceAll(src, "$ADDR", addr)
	logger, logHook := logtest.NewNullLogger()
	console, consoleHook := logtest.NewNullLogger()
	test, err := minik6test.LoadScript(src, logger, console, files)
	require.NoError(t, err)
	id := fmt.Sprint(collectorID.Add(1))
	c := &collector{}
	collectorsMu.Lock()
	collectors[id] = c
	collectorsMu.Unlock()
	_, res := minik6test.RunTest(t, test, testrun.Config{Logger: logger, Outputs: []string{"grpc-test-collector=" + id}})
	o := &outcome{res: res, logs: logHook.AllEntries()}
	for _, e := range consoleHook.AllEntries() {
		o.console = append(o.console, e.Message)
	}
	c.mu.Lock()
	o.samples = append(o.samples, c.samples...)
	c.mu.Unlock()
	return o
}
