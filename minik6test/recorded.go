package minik6test

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/output"
	"github.com/minik6/minik6/testrun"
)

// Recorded is what RunRecorded saw of a run: its result, the console lines,
// the log entries and every sample, in the order the outputs got them.
type Recorded struct {
	Result  testrun.Result
	Console []string
	Logs    []*logrus.Entry
	Samples []metrics.Sample
}

// Of returns the samples of the named metric.
func (r *Recorded) Of(name string) []metrics.Sample {
	var out []metrics.Sample
	for _, s := range r.Samples {
		if s.Metric.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// Sum adds the values of the named metric's samples.
func (r *Recorded) Sum(name string) float64 {
	var v float64
	for _, s := range r.Of(name) {
		v += s.Value
	}
	return v
}

// LogText is every log message with its error field, one a line: for a
// failing assertion's message.
func (r *Recorded) LogText() string {
	var b strings.Builder
	for _, e := range r.Logs {
		b.WriteString(e.Message)
		if err, ok := e.Data["error"]; ok {
			fmt.Fprintf(&b, " error=%v", err)
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// recorder is the output through which RunRecorded keeps a run's samples.
type recorder struct {
	mu      sync.Mutex
	samples []metrics.Sample
}

func (c *recorder) Description() string { return "minik6test recorder" }
func (c *recorder) Start() error        { return nil }
func (c *recorder) Stop() error         { return nil }
func (c *recorder) AddSamples(b []metrics.Sample) {
	c.mu.Lock()
	c.samples = append(c.samples, b...)
	c.mu.Unlock()
}

// recorderOutput is the name the recorder output is registered under.
const recorderOutput = "minik6test-recorder"

var (
	recordersMu sync.Mutex
	recorders   = map[string]*recorder{}
	recorderID  atomic.Int64
)

func init() {
	output.Register(recorderOutput, func(arg string, _ output.Params) (metrics.Output, error) {
		recordersMu.Lock()
		defer recordersMu.Unlock()
		return recorders[arg], nil
	})
}

// RunRecorded loads source (with files, by absolute path, as LoadScript) and
// runs it through a real test run with its own options, keeping its console
// lines, log entries and samples. Loading must succeed, or t fails.
func RunRecorded(t testing.TB, source string, files map[string]string) *Recorded {
	t.Helper()
	logger, logHook := logtest.NewNullLogger()
	console, consoleHook := logtest.NewNullLogger()
	test, err := LoadScript(source, logger, console, files)
	if err != nil {
		t.Fatalf("minik6test.RunRecorded: loading the script: %v", err)
	}
	id := fmt.Sprint(recorderID.Add(1))
	rec := &recorder{}
	recordersMu.Lock()
	recorders[id] = rec
	recordersMu.Unlock()
	defer func() {
		recordersMu.Lock()
		delete(recorders, id)
		recordersMu.Unlock()
	}()
	_, res := RunTest(t, test, testrun.Config{Logger: logger, Outputs: []string{recorderOutput + "=" + id}})
	r := &Recorded{Result: res, Logs: logHook.AllEntries()}
	for _, e := range consoleHook.AllEntries() {
		r.Console = append(r.Console, e.Message)
	}
	rec.mu.Lock()
	r.Samples = append(r.Samples, rec.samples...)
	rec.mu.Unlock()
	return r
}
