package js_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/js"
	_ "github.com/minik6/minik6/js/modules/execution"
	_ "github.com/minik6/minik6/js/modules/k6"
	_ "github.com/minik6/minik6/js/modules/metrics"
	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/runner"
)

// The entry script of every test lives at /test/script.js; other files are
// given by their absolute path.
const entry = "/test/script.js"

// host is a bundle's surroundings: the in-memory files, the loggers with their
// test hooks, the metrics registry.
type host struct {
	files    fstest.MapFS
	env      map[string]string
	logger   *logrus.Logger
	logs     *logtest.Hook
	console  *logrus.Logger
	consoles *logtest.Hook
	registry *metrics.Registry
	builtins *metrics.Builtins
}

// newHost makes the surroundings for a script whose entry source is script and
// whose other files are given by absolute path.
func newHost(script string, files map[string]string) *host {
	fsys := fstest.MapFS{strings.TrimPrefix(entry, "/"): {Data: []byte(script)}}
	for p, src := range files {
		fsys[strings.TrimPrefix(p, "/")] = &fstest.MapFile{Data: []byte(src)}
	}
	logger, logs := logtest.NewNullLogger()
	logger.SetLevel(logrus.DebugLevel)
	console, consoles := logtest.NewNullLogger()
	console.SetLevel(logrus.DebugLevel)
	reg := metrics.NewRegistry()
	return &host{files: fsys, logger: logger, logs: logs, console: console, consoles: consoles,
		registry: reg, builtins: metrics.RegisterBuiltins(reg)}
}

// newBundleAt loads the bundle whose entry is at path instead of entry.
func newBundleAt(h *host, path string) (*js.Bundle, error) {
	return js.NewBundle(path, js.Config{FS: h.files, Env: h.env, Logger: h.logger, Console: h.console, Registry: h.registry})
}

func (h *host) bundle() (*js.Bundle, error) {
	return js.NewBundle(entry, js.Config{FS: h.files, Env: h.env, Logger: h.logger, Console: h.console, Registry: h.registry})
}

func (h *host) mustBundle(t testing.TB) *js.Bundle {
	t.Helper()
	b, err := h.bundle()
	require.NoError(t, err)
	return b
}

// state makes the state of a VU with the given id, running in scenario "default"
// (shared-iterations), with the test-wide tags and the run's loggers.
func (h *host) state(t testing.TB, id uint64) *runner.VUState {
	t.Helper()
	engine, err := metrics.NewEngine(h.registry, nil)
	require.NoError(t, err)
	opts := options.Options{}
	return &runner.VUState{
		IDInInstance: id,
		IDInTest:     id,
		Scenario: &runner.ScenarioState{Name: "default", Executor: "shared-iterations", Exec: "default",
			Tags: map[string]string{"scenario": "default"}},
		Tags:          runner.NewTags(map[string]string{"scenario": "default", "group": ""}),
		Metadata:      runner.NewMetadata(),
		Options:       &opts,
		ScriptOptions: []byte(`{}`),
		Execution:     runner.NewExecutionState(),
		Registry:      h.registry,
		Builtins:      h.builtins,
		Samples:       runner.NewSampleBuffer(engine),
		Logger:        h.logger,
	}
}

// vu makes a bundle and one VU with id 1.
func (h *host) vu(t testing.TB) (runner.VU, *runner.VUState) {
	t.Helper()
	b := h.mustBundle(t)
	st := h.state(t, 1)
	v, err := b.NewVU(context.Background(), st)
	require.NoError(t, err)
	t.Cleanup(v.Close)
	return v, st
}

// consoleLines returns the console messages, in order.
func (h *host) consoleLines() []string {
	var out []string
	for _, e := range h.consoles.AllEntries() {
		out = append(out, e.Message)
	}
	return out
}

// call calls fn with no argument and returns its result as JSON.
func call(t testing.TB, v runner.VU, fn string) string {
	t.Helper()
	out, err := v.Call(context.Background(), fn, nil)
	require.NoError(t, err)
	return string(out)
}

// within runs f, failing the test if it takes longer than limit (a hang).
func within(t testing.TB, limit time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("did not finish within %s", limit)
	}
}
