package minik6test

import (
	"fmt"
	"sort"
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

// LogText is every log message with its fields (sorted), one a line: for a
// failing assertion's message.
func (r *Recorded) LogText() string {
	var b strings.Builder
	for _, e := range r.Logs {
		b.WriteString(e.Message)
		keys := make([]string, 0, len(e.Data))
		for k := range e.Data {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%v", k, e.Data[k])
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// Warnings returns the messages of the warnings logged, each with its error
// field.
func (r *Recorded) Warnings() []string {
	var out []string
	for _, e := range r.Logs {
		if e.Level == logrus.WarnLevel {
			out = append(out, fmt.Sprint(e.Message, " ", e.Data["error"]))
		}
	}
	return out
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
// lines, log entries (info and above) and samples. Loading must succeed, or t
// fails.
func RunRecorded(t testing.TB, source string, files map[string]string) *Recorded {
	t.Helper()
	return RunRecordedAt(t, logrus.InfoLevel, source, files)
}

// RunRecordedAt is RunRecorded keeping the log entries from level up
// (logrus.DebugLevel for httpDebug's lines, say).
func RunRecordedAt(t testing.TB, level logrus.Level, source string, files map[string]string) *Recorded {
	t.Helper()
	logger, logHook := logtest.NewNullLogger()
	logger.SetLevel(level)
	console, consoleHook := logtest.NewNullLogger()
	test, err := LoadScript(source, logger, console, files)
	if err != nil {
		t.Fatalf("minik6test.RunRecordedAt: loading the script: %v", err)
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
