package minik6test

import (
	"context"
	"io"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"github.com/minik6/minik6/load"
	"github.com/minik6/minik6/testrun"
)

// ScriptPath is where LoadScript puts the script in its in-memory file system.
const ScriptPath = "/test/script.js"

// LoadScript loads source as the script at ScriptPath of an in-memory file
// system (with more files by absolute path, if given), its own options only,
// logging to logger and console. The error is loading's, for the test to judge.
func LoadScript(source string, logger, console logrus.FieldLogger, files map[string]string) (*load.Test, error) {
	fsys := fstest.MapFS{strings.TrimPrefix(ScriptPath, "/"): {Data: []byte(source)}}
	for p, data := range files {
		fsys[strings.TrimPrefix(p, "/")] = &fstest.MapFile{Data: []byte(data)}
	}
	return load.Load(ScriptPath, load.Config{FS: fsys, Pwd: "/test", Logger: logger, Console: console})
}

// RunTest runs a loaded test through a real test run in this process, with cfg
// (its Logger defaults to a discarding one). It fails t when the run can't be
// built or lasts more than a minute; the result's error is the run's own, for
// the test to judge, and the run is there to inspect (engine, runner, status).
func RunTest(t testing.TB, test *load.Test, cfg testrun.Config) (*testrun.Run, testrun.Result) {
	t.Helper()
	if cfg.Logger == nil {
		l := logrus.New()
		l.SetOutput(io.Discard)
		cfg.Logger = l
	}
	run, err := testrun.New(test, cfg)
	if err != nil {
		t.Fatalf("minik6test.RunTest: %v", err)
	}
	if err := run.Start(context.Background()); err != nil {
		t.Fatalf("minik6test.RunTest: %v", err)
	}
	select {
	case <-run.Done():
		return run, run.Wait()
	case <-time.After(time.Minute):
		t.Fatal("minik6test.RunTest: the run did not end within a minute")
		return nil, testrun.Result{}
	}
}

// Outcome is what RunSource saw of a run: the console lines, the messages
// logged (exceptions in iterations, warnings), and the run's result.
type Outcome struct {
	Console, Logged []string
	testrun.Result
}

// RunSource loads source (with files, by absolute path, as LoadScript) and
// runs it through a real test run with its own options, collecting what the
// console and the logger got. Loading must succeed, or t fails.
func RunSource(t testing.TB, source string, files map[string]string) Outcome {
	t.Helper()
	logger, logs := logtest.NewNullLogger()
	console, lines := logtest.NewNullLogger()
	test, err := LoadScript(source, logger, console, files)
	if err != nil {
		t.Fatalf("minik6test.RunSource: loading the script: %v", err)
	}
	_, res := RunTest(t, test, testrun.Config{Logger: logger})
	out := Outcome{Result: res}
	for _, e := range lines.AllEntries() {
		out.Console = append(out.Console, e.Message)
	}
	for _, e := range logs.AllEntries() {
		out.Logged = append(out.Logged, e.Message)
	}
	return out
}
