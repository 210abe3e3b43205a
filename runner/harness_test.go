package runner

import (
	"context"
	"errors"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/segment"
)

// The runner is driven here by a fake script: no JavaScript, just Go functions
// that play the exported functions and record what the runner showed them.

// iterRecord is what one iteration saw of its VU's state when it started.
type iterRecord struct {
	vu                  uint64 // IDInInstance
	vuInTest            uint64 // IDInTest
	scenario            string
	iterInInstance      int64 // VU-level
	iterInScenario      int64 // VU-level
	scenarioIterLocal   int64 // ScenarioIterationInInstance
	scenarioIterInTest  int64 // ScenarioIterationInTest
	setupData           string
	vusActive           int64
	start               time.Time
	scenarioStartMillis int64
}

// iterFunc plays an exported function in an iteration. interrupted is closed
// (once per iteration) when the runner calls Interrupt.
type iterFunc func(ctx context.Context, v *fakeVU, interrupted <-chan struct{}) error

// callFunc plays setup() or teardown().
type callFunc func(ctx context.Context, v *fakeVU, arg []byte, interrupted <-chan struct{}) ([]byte, error)

// fakeScript implements Script. The zero value exports "default" as a no-op.
type fakeScript struct {
	// exports are the exported function names; nil means just "default".
	exports []string
	// iter plays every iteration; nil is a no-op.
	iter iterFunc
	// calls plays setup/teardown by name; a missing entry returns nil, nil.
	calls map[string]callFunc
	// newVUErr fails NewVU for the VU with that instance id (0: never).
	newVUErr func(id uint64) error
	// noRecord skips recording (benchmarks).
	noRecord bool

	mu      sync.Mutex
	records []iterRecord
	vus     []*fakeVU
	called  []string // names of Call()s, in order
	callArg map[string][]byte
}

var _ Script = (*fakeScript)(nil)

func (s *fakeScript) NewVU(_ context.Context, st *VUState) (VU, error) {
	if s.newVUErr != nil {
		if err := s.newVUErr(st.IDInInstance); err != nil {
			return nil, err
		}
	}
	v := &fakeVU{s: s, state: st, intr: make(chan struct{})}
	s.mu.Lock()
	s.vus = append(s.vus, v)
	s.mu.Unlock()
	return v, nil
}

func (s *fakeScript) HasFunction(name string) bool {
	if s.exports == nil {
		return name == "default"
	}
	for _, e := range s.exports {
		if e == name {
			return true
		}
	}
	return false
}

func (s *fakeScript) iterations() []iterRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]iterRecord(nil), s.records...)
}

func (s *fakeScript) calledNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.called...)
}

// fakeVU implements VU. Interrupt closes the current iteration's channel, the
// way a runtime interrupt stops the running JavaScript; like the real VU, a new
// iteration clears a pending interrupt.
type fakeVU struct {
	s     *fakeScript
	state *VUState

	mu         sync.Mutex
	intr       chan struct{}
	intrClosed bool
	interrupts atomic.Int64
	reasons    []error
	closed     atomic.Bool
}

var _ VU = (*fakeVU)(nil)

func (v *fakeVU) clearInterrupt() <-chan struct{} {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.intrClosed {
		v.intr = make(chan struct{})
		v.intrClosed = false
	}
	return v.intr
}

func (v *fakeVU) RunIteration(ctx context.Context, fn string) error {
	intr := v.clearInterrupt()
	if ctx.Err() != nil {
		return ErrInterrupted
	}
	st := v.state
	if !v.s.noRecord {
		rec := iterRecord{
			vu: st.IDInInstance, vuInTest: st.IDInTest,
			iterInInstance: st.IterationInInstance, iterInScenario: st.IterationInScenario,
			scenarioIterLocal: st.ScenarioIterationInInstance, scenarioIterInTest: st.ScenarioIterationInTest,
			setupData: string(st.SetupData()), vusActive: st.Execution.VUsActive(), start: time.Now(),
		}
		if st.Scenario != nil {
			rec.scenario = st.Scenario.Name
			rec.scenarioStartMillis = st.Scenario.StartTime()
		}
		v.s.mu.Lock()
		v.s.records = append(v.s.records, rec)
		v.s.mu.Unlock()
	}
	if v.s.iter == nil {
		return nil
	}
	return v.s.iter(ctx, v, intr)
}

func (v *fakeVU) Call(ctx context.Context, fn string, arg []byte) ([]byte, error) {
	intr := v.clearInterrupt()
	v.s.mu.Lock()
	v.s.called = append(v.s.called, fn)
	if v.s.callArg == nil {
		v.s.callArg = map[string][]byte{}
	}
	v.s.callArg[fn] = arg
	f := v.s.calls[fn]
	v.s.mu.Unlock()
	if f == nil {
		return nil, nil
	}
	return f(ctx, v, arg, intr)
}

func (v *fakeVU) HandleSummary(context.Context, []byte) (map[string][]byte, error) {
	return nil, errors.New("the fake script has no handleSummary")
}

func (v *fakeVU) Interrupt(reason error) {
	v.interrupts.Add(1)
	v.mu.Lock()
	defer v.mu.Unlock()
	v.reasons = append(v.reasons, reason)
	if !v.intrClosed {
		close(v.intr)
		v.intrClosed = true
	}
}

func (v *fakeVU) Close() { v.closed.Store(true) }

// blockUntilInterrupted is an iteration that runs until the runner interrupts
// it, as an endless loop in a script would.
func blockUntilInterrupted(_ context.Context, _ *fakeVU, intr <-chan struct{}) error {
	<-intr
	return ErrInterrupted
}

// sleepIter is an iteration that takes d, or ends early as interrupted.
func sleepIter(d time.Duration) iterFunc {
	return func(_ context.Context, _ *fakeVU, intr <-chan struct{}) error {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return nil
		case <-intr:
			return ErrInterrupted
		}
	}
}

// testRun is a runner with a real metrics engine around a fake script.
type testRun struct {
	t      testing.TB
	r      *Runner
	script *fakeScript
	engine *metrics.Engine
	hook   *logtest.Hook
}

type runOpt func(*Config)

func withTuple(tu *segment.Tuple) runOpt { return func(c *Config) { c.Tuple = tu } }

// withSubMetrics is applied to the engine (see newTestRun).
type subMetrics []string

// newConfig parses the options JSON as a script's options would be, derives the
// scenarios, and wires a fresh registry, engine (tracking subs) and a logger with
// a test hook.
func newConfig(t testing.TB, optsJSON string, s *fakeScript, subs subMetrics, opts ...runOpt) (Config, *logtest.Hook) {
	t.Helper()
	o, err := options.Parse([]byte(optsJSON))
	require.NoError(t, err)
	o, _, err = o.WithDefaults().DeriveScenarios()
	require.NoError(t, err)

	reg := metrics.NewRegistry()
	builtins := metrics.RegisterBuiltins(reg)
	var engineOpts []metrics.EngineOption
	if len(subs) > 0 {
		engineOpts = append(engineOpts, metrics.WithSubMetrics(subs...))
	}
	engine, err := metrics.NewEngine(reg, nil, engineOpts...)
	require.NoError(t, err)
	logger, hook := logtest.NewNullLogger()
	logger.SetLevel(logrus.DebugLevel)
	cfg := Config{Options: o, Script: s, Engine: engine, Registry: reg, Builtins: builtins, Logger: logger}
	for _, f := range opts {
		f(&cfg)
	}
	return cfg, hook
}

// newTestRun builds a runner over the fake script (see newConfig).
func newTestRun(t testing.TB, optsJSON string, s *fakeScript, subs subMetrics, opts ...runOpt) *testRun {
	t.Helper()
	cfg, hook := newConfig(t, optsJSON, s, subs, opts...)
	r, err := New(cfg)
	require.NoError(t, err)
	return &testRun{t: t, r: r, script: s, engine: cfg.Engine, hook: hook}
}

// mustTuple makes the tuple of segment seg ("1/3:2/3") in sequence seq.
func mustTuple(t testing.TB, seg, seq string) *segment.Tuple {
	t.Helper()
	sg, err := segment.ParseSegment(seg)
	require.NoError(t, err)
	sq, err := segment.ParseSequence(seq)
	require.NoError(t, err)
	tu, err := segment.NewTuple(sg, sq)
	require.NoError(t, err)
	return tu
}

// run runs the test, failing it when the run does not end within limit.
func (tr *testRun) run(limit time.Duration) (Result, time.Duration, error) {
	tr.t.Helper()
	type out struct {
		res Result
		err error
	}
	done := make(chan out, 1)
	start := time.Now()
	go func() {
		res, err := tr.r.Run(context.Background())
		done <- out{res, err}
	}()
	select {
	case o := <-done:
		return o.res, time.Since(start), o.err
	case <-time.After(limit):
		tr.t.Fatalf("the run did not end within %s", limit)
		return Result{}, 0, nil
	}
}

// counter returns a counter's count in the engine (0 when it has no samples).
func (tr *testRun) counter(name string) float64 {
	tr.t.Helper()
	s, err := tr.engine.Summary(metrics.SummaryOptions{TrendStats: []string{"count"}})
	require.NoError(tr.t, err)
	m := s.Metric(name)
	if m == nil {
		return 0
	}
	if v, ok := m.Values["count"]; ok {
		return v
	}
	return 0
}

// sortedInts returns the values, sorted.
func sortedInts(vals []int64) []int64 {
	out := append([]int64(nil), vals...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func seq(from, n int64) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = from + int64(i)
	}
	return out
}

// barrier lets n parties wait for each other, or gives up after a timeout.
type barrier struct {
	mu   sync.Mutex
	n    int
	done chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, done: make(chan struct{})} }

// wait reports whether all n parties arrived within limit.
func (b *barrier) wait(limit time.Duration) bool {
	b.mu.Lock()
	b.n--
	if b.n == 0 {
		close(b.done)
	}
	b.mu.Unlock()
	select {
	case <-b.done:
		return true
	case <-time.After(limit):
		return false
	}
}

var errBoom = errors.New("Error: boom\n\tat setup (file:///script.js:3:9(4))")
