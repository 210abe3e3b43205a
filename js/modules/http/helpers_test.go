package http_test

import (
	"fmt"
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
	output.Register("http-test-collector", func(arg string, _ output.Params) (metrics.Output, error) {
		collectorsMu.Lock()
		defer collectorsMu.Unlock()
		return collectors[arg], nil
	})
}

// outcome is what a test run left: its result, console lines, log entries and
// samples.
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

// warnings returns the messages and error fields of the warnings logged.
func (o *outcome) warnings() []string {
	var out []string
	for _, e := range o.logs {
		if e.Level == logrus.WarnLevel {
			out = append(out, fmt.Sprint(e.Message, " ", e.Data["error"]))
		}
	}
	return out
}

// logText is every log message with its fields.
func (o *outcome) logText() string {
	var b strings.Builder
	for _, e := range o.logs {
		b.WriteString(e.Message)
		for k, v := range e.Data {
			fmt.Fprintf(&b, " %s=%v", k, v)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// run runs src (with $BASE replaced by base) through a real test run.
func run(t *testing.T, src, base string) *outcome {
	t.Helper()
	src = strings.ReplaceAll(src, "$BASE", base)
	logger, logHook := logtest.NewNullLogger()
	logger.SetLevel(logrus.DebugLevel)
	console, consoleHook := logtest.NewNullLogger()
	test, err := minik6test.LoadScript(src, logger, console, nil)
	require.NoError(t, err)
	id := fmt.Sprint(collectorID.Add(1))
	c := &collector{}
	collectorsMu.Lock()
	collectors[id] = c
	collectorsMu.Unlock()
	_, res := minik6test.RunTest(t, test, testrun.Config{Logger: logger, Outputs: []string{"http-test-collector=" + id}})
	o := &outcome{res: res, logs: logHook.AllEntries()}
	for _, e := range consoleHook.AllEntries() {
		o.console = append(o.console, e.Message)
	}
	c.mu.Lock()
	o.samples = append(o.samples, c.samples...)
	c.mu.Unlock()
	return o
}
