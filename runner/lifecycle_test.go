package runner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/metrics"
)

// waitIntr is setup() or teardown() that runs until the runner interrupts it.
func waitIntr(_ context.Context, _ *fakeVU, _ []byte, intr <-chan struct{}) ([]byte, error) {
	<-intr
	return nil, ErrInterrupted
}

func TestSetupTeardown(t *testing.T) {
	t.Parallel()
	type want struct {
		code       exitcode.Code
		msg        string // contained in the error
		called     []string
		iterations bool // whether iterations ran
	}
	tests := []struct {
		name    string
		opts    string
		exports []string
		calls   map[string]callFunc
		iter    iterFunc
		stopAt  int64 // call Stop when this many iterations have started (0: never)
		want    want
	}{
		{name: "no setup, no teardown", opts: `{"iterations":2}`,
			want: want{code: exitcode.OK, iterations: true}},
		{name: "setup and teardown run once each", opts: `{"iterations":2}`,
			exports: []string{"default", "setup", "teardown"},
			want:    want{code: exitcode.OK, called: []string{"setup", "teardown"}, iterations: true}},
		{name: "noSetup and noTeardown", opts: `{"iterations":2,"noSetup":true,"noTeardown":true}`,
			exports: []string{"default", "setup", "teardown"},
			want:    want{code: exitcode.OK, iterations: true}},
		{name: "setup timeout", opts: `{"iterations":2,"setupTimeout":"100ms"}`,
			exports: []string{"default", "setup", "teardown"},
			calls:   map[string]callFunc{"setup": waitIntr},
			want: want{code: exitcode.SetupTimeout, msg: "setup() execution timed out after 0.1 seconds",
				called: []string{"setup"}}},
		{name: "teardown timeout", opts: `{"iterations":2,"teardownTimeout":"150ms"}`,
			exports: []string{"default", "setup", "teardown"},
			calls:   map[string]callFunc{"teardown": waitIntr},
			want: want{code: exitcode.TeardownTimeout, msg: "teardown() execution timed out after 0.15 seconds",
				called: []string{"setup", "teardown"}, iterations: true}},
		{name: "exception in setup", opts: `{"iterations":2}`,
			exports: []string{"default", "setup", "teardown"},
			calls: map[string]callFunc{"setup": func(context.Context, *fakeVU, []byte, <-chan struct{}) ([]byte, error) {
				return nil, errBoom
			}},
			want: want{code: exitcode.ScriptException, msg: "Error: boom", called: []string{"setup"}}},
		{name: "exception in teardown", opts: `{"iterations":2}`,
			exports: []string{"default", "setup", "teardown"},
			calls: map[string]callFunc{"teardown": func(context.Context, *fakeVU, []byte, <-chan struct{}) ([]byte, error) {
				return nil, errBoom
			}},
			want: want{code: exitcode.ScriptException, msg: "Error: boom", called: []string{"setup", "teardown"}, iterations: true}},
		{name: "abort in setup skips iterations and teardown", opts: `{"iterations":2}`,
			exports: []string{"default", "setup", "teardown"},
			calls: map[string]callFunc{"setup": func(_ context.Context, v *fakeVU, _ []byte, intr <-chan struct{}) ([]byte, error) {
				v.state.Execution.Abort(AbortReason{Message: "no data"})
				<-intr // exec.test.abort() interrupts the script
				return nil, ErrInterrupted
			}},
			want: want{code: exitcode.ScriptAborted, msg: "test aborted: no data", called: []string{"setup"}}},
		{name: "abort in an iteration still runs teardown", opts: `{"vus":2,"iterations":50}`,
			exports: []string{"default", "teardown"},
			iter: func(_ context.Context, v *fakeVU, intr <-chan struct{}) error {
				if v.state.ScenarioIterationInInstance == 3 {
					v.state.Execution.Abort(AbortReason{})
					<-intr
					return ErrInterrupted
				}
				return sleepIter(time.Millisecond)(nil, v, intr)
			},
			want: want{code: exitcode.ScriptAborted, msg: "test aborted", called: []string{"teardown"}, iterations: true}},
		{name: "exception in an iteration is not fatal", opts: `{"iterations":3}`,
			exports: []string{"default", "teardown"},
			iter: func(context.Context, *fakeVU, <-chan struct{}) error {
				return &ScriptError{Message: "Error: oops\n\tat default (file:///s.js:4:11(3))"}
			},
			want: want{code: exitcode.OK, called: []string{"teardown"}, iterations: true}},
		{name: "Stop interrupts, runs teardown, exit 105", opts: `{"vus":2,"duration":"1m"}`,
			exports: []string{"default", "teardown"},
			iter:    blockUntilInterrupted, stopAt: 2,
			want: want{code: exitcode.ExternalAbort, msg: "signal received", called: []string{"teardown"}, iterations: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var started atomic.Int64
			var tr *testRun
			stopped := make(chan struct{})
			iter := tt.iter
			s := &fakeScript{exports: tt.exports, calls: tt.calls, iter: func(ctx context.Context, v *fakeVU, intr <-chan struct{}) error {
				if n := started.Add(1); tt.stopAt > 0 && n == tt.stopAt {
					go func() { tr.r.Stop(exitcode.Errorf(exitcode.ExternalAbort, "signal received")); close(stopped) }()
				}
				if iter == nil {
					return nil
				}
				return iter(ctx, v, intr)
			}}
			tr = newTestRun(t, tt.opts, s, nil)
			_, _, err := tr.run(30 * time.Second)
			assert.Equal(t, tt.want.code, exitcode.Of(err), "exit code of %v", err)
			if tt.want.msg != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.want.msg)
			}
			assert.Equal(t, tt.want.called, s.calledNames(), "setup/teardown calls")
			assert.Equal(t, tt.want.iterations, len(s.iterations()) > 0, "iterations ran")
			if tt.stopAt > 0 {
				<-stopped
				assert.Positive(t, tr.r.Execution().IterationsInterrupted())
			}
		})
	}
}

func TestSetupDataReachesIterationsAndTeardown(t *testing.T) {
	t.Parallel()
	const data = `{"token":"abc","n":[1,2,3]}`
	var setupState, teardownState struct {
		id       uint64
		scenario *ScenarioState
		group    string
	}
	s := &fakeScript{
		exports: []string{"default", "setup", "teardown"},
		calls: map[string]callFunc{
			"setup": func(_ context.Context, v *fakeVU, arg []byte, _ <-chan struct{}) ([]byte, error) {
				setupState.id, setupState.scenario = v.state.IDInInstance, v.state.Scenario
				setupState.group, _ = v.state.Tags.Get("group")
				if arg != nil {
					return nil, errors.New("setup got an argument")
				}
				return []byte(data), nil
			},
			"teardown": func(_ context.Context, v *fakeVU, _ []byte, _ <-chan struct{}) ([]byte, error) {
				teardownState.id, teardownState.scenario = v.state.IDInInstance, v.state.Scenario
				teardownState.group, _ = v.state.Tags.Get("group")
				return nil, nil
			},
		},
	}
	tr := newTestRun(t, `{"scenarios":{
		"a":{"executor":"per-vu-iterations","vus":3,"iterations":2},
		"b":{"executor":"constant-arrival-rate","rate":20,"timeUnit":"1s","duration":"300ms","preAllocatedVUs":1,"maxVUs":3}}}`,
		s, nil)
	res, _, err := tr.run(30 * time.Second)
	require.NoError(t, err)
	assert.Equal(t, data, string(res.SetupData))
	assert.Positive(t, res.Duration)

	recs := s.iterations()
	require.NotEmpty(t, recs)
	for _, r := range recs {
		assert.Equal(t, data, r.setupData, "VU %d in %s", r.vu, r.scenario)
	}
	s.mu.Lock()
	assert.Equal(t, data, string(s.callArg["teardown"]))
	s.mu.Unlock()

	assert.Zero(t, setupState.id, "setup runs in VU 0")
	assert.Nil(t, setupState.scenario, "setup runs outside any scenario")
	assert.Equal(t, "::setup", setupState.group)
	assert.Zero(t, teardownState.id)
	assert.Nil(t, teardownState.scenario)
	assert.Equal(t, "::teardown", teardownState.group)
}

func TestAbortDuringIterations(t *testing.T) {
	t.Parallel()
	// One VU aborts; the other VUs, in endless iterations, are interrupted.
	all := newBarrier(3)
	s := &fakeScript{
		exports: []string{"default", "teardown"},
		iter: func(_ context.Context, v *fakeVU, intr <-chan struct{}) error {
			if v.state.IterationInScenario == 0 && !all.wait(20*time.Second) {
				return errors.New("the VUs did not all start")
			}
			if v.state.IDInInstance == 1 && v.state.IterationInScenario == 2 {
				v.state.Execution.Abort(AbortReason{Message: "enough"})
				<-intr
				return ErrInterrupted
			}
			if v.state.IDInInstance == 1 {
				return nil
			}
			return blockUntilInterrupted(context.TODO(), v, intr)
		},
	}
	tr := newTestRun(t, `{"vus":3,"duration":"1m"}`, s, nil)
	_, took, err := tr.run(30 * time.Second)
	assert.Equal(t, exitcode.ScriptAborted, exitcode.Of(err))
	require.Error(t, err)
	assert.Equal(t, "test aborted: enough", err.Error())
	assert.Less(t, took, 20*time.Second, "the abort ends the 1m scenario")
	assert.Equal(t, []string{"teardown"}, s.calledNames())

	ex := tr.r.Execution()
	require.NotNil(t, ex.Aborted())
	assert.Equal(t, "enough", ex.Aborted().Message)
	assert.Equal(t, int64(3), ex.IterationsInterrupted(), "the aborting iteration and the two endless ones")
	assert.Equal(t, int64(2), ex.IterationsCompleted())
	assert.Zero(t, ex.VUsActive())
	for _, v := range s.vus {
		if v.state.IDInInstance > 0 {
			assert.Positive(t, v.interrupts.Load(), "VU %d interrupted", v.state.IDInInstance)
		}
	}
}

func TestAbortInSetupIsMarked(t *testing.T) {
	t.Parallel()
	s := &fakeScript{
		exports: []string{"default", "setup", "teardown"},
		calls: map[string]callFunc{"setup": func(_ context.Context, v *fakeVU, _ []byte, intr <-chan struct{}) ([]byte, error) {
			v.state.Execution.Abort(AbortReason{})
			<-intr
			return nil, ErrInterrupted
		}},
	}
	tr := newTestRun(t, `{"iterations":1}`, s, nil)
	_, _, err := tr.run(30 * time.Second)
	assert.Equal(t, exitcode.ScriptAborted, exitcode.Of(err))
	assert.EqualError(t, err, "test aborted")
	require.NotNil(t, tr.r.Execution().Aborted())
	assert.Equal(t, []string{"setup"}, s.calledNames(), "an abort in setup skips teardown")
	assert.Empty(t, s.iterations())
}

func TestIterationExceptionIsLogged(t *testing.T) {
	t.Parallel()
	const stack = "Error: oops\n\tat default (file:///s.js:4:11(3))"
	s := &fakeScript{iter: func(context.Context, *fakeVU, <-chan struct{}) error {
		return &ScriptError{Message: stack}
	}}
	tr := newTestRun(t, `{"scenarios":{"sc":{"executor":"shared-iterations","iterations":2}}}`, s, nil)
	_, _, err := tr.run(30 * time.Second)
	require.NoError(t, err)
	assert.Equal(t, int64(2), tr.r.Execution().IterationsCompleted(), "an exception ends the iteration normally")
	assert.Equal(t, 2.0, tr.counter("iterations"))
	var logged int
	for _, e := range tr.hook.AllEntries() {
		if e.Level != logrus.ErrorLevel {
			continue
		}
		logged++
		assert.Equal(t, stack, e.Message)
		assert.Equal(t, "stacktrace", e.Data["source"])
		assert.Equal(t, "sc", e.Data["scenario"])
		assert.Equal(t, "shared-iterations", e.Data["executor"])
	}
	assert.Equal(t, 2, logged)
}

func TestNewRejectsMissingExec(t *testing.T) {
	t.Parallel()
	o := `{"scenarios":{"s":{"executor":"shared-iterations","exec":"nope"}}}`
	cfg, _ := newConfig(t, o, &fakeScript{}, nil)
	_, err := New(cfg)
	require.Error(t, err)
	assert.Equal(t, exitcode.InvalidConfig, exitcode.Of(err))
	assert.Equal(t, "executor s: function 'nope' not found in exports", err.Error())

	s := &fakeScript{exports: []string{"default", "nope"}}
	cfg, _ = newConfig(t, o, s, nil)
	_, err = New(cfg)
	assert.NoError(t, err)
}

func TestVUInitError(t *testing.T) {
	t.Parallel()
	boom := errors.New("init failed in VU 3")
	s := &fakeScript{newVUErr: func(id uint64) error {
		if id == 3 {
			return boom
		}
		return nil
	}}
	tr := newTestRun(t, `{"vus":5,"iterations":5}`, s, nil)
	_, _, err := tr.run(30 * time.Second)
	assert.ErrorIs(t, err, boom)
	assert.Empty(t, s.iterations())
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.vus {
		assert.True(t, v.closed.Load(), "VU %d closed", v.state.IDInInstance)
	}
}

func TestStartTime(t *testing.T) {
	t.Parallel()
	s := &fakeScript{}
	tr := newTestRun(t, `{"scenarios":{
		"late":{"executor":"per-vu-iterations","vus":1,"iterations":1,"startTime":"300ms"},
		"early":{"executor":"per-vu-iterations","vus":1,"iterations":1}}}`, s, nil)
	runStart := time.Now()
	_, took, err := tr.run(30 * time.Second)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, took, 300*time.Millisecond)

	first := map[string]iterRecord{}
	for _, r := range s.iterations() {
		if _, ok := first[r.scenario]; !ok {
			first[r.scenario] = r
		}
	}
	require.Len(t, first, 2)
	early, late := first["early"], first["late"]
	assert.GreaterOrEqual(t, late.scenarioStartMillis-runStart.UnixMilli(), int64(300),
		"exec.scenario.startTime of the late scenario")
	assert.GreaterOrEqual(t, late.scenarioStartMillis-early.scenarioStartMillis, int64(200))
	assert.GreaterOrEqual(t, late.start.Sub(runStart), 300*time.Millisecond, "its first iteration starts late")
	assert.GreaterOrEqual(t, late.start.Sub(early.start), 200*time.Millisecond)
}

func TestPlannedVUs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		scenarios string
		want      int64
	}{
		{"one scenario", `"a":{"executor":"constant-vus","vus":3,"duration":"1s"}`, 3},
		{"sequential: the larger",
			`"a":{"executor":"constant-vus","vus":2,"duration":"1s","gracefulStop":"0s"},
			 "b":{"executor":"constant-vus","vus":3,"duration":"1s","startTime":"1s"}`, 3},
		{"overlapping: the sum",
			`"a":{"executor":"constant-vus","vus":2,"duration":"1s","gracefulStop":"0s"},
			 "b":{"executor":"constant-vus","vus":3,"duration":"1s","startTime":"500ms"}`, 5},
		{"gracefulStop makes them overlap",
			`"a":{"executor":"constant-vus","vus":2,"duration":"1s"},
			 "b":{"executor":"constant-vus","vus":3,"duration":"1s","startTime":"1s"}`, 5},
		{"shared-iterations may last maxDuration (10m)",
			`"a":{"executor":"shared-iterations","vus":2,"iterations":2},
			 "b":{"executor":"per-vu-iterations","vus":3,"startTime":"5m"}`, 5},
		{"three scenarios, peak of two overlaps",
			`"a":{"executor":"constant-vus","vus":2,"duration":"1s","gracefulStop":"0s"},
			 "b":{"executor":"constant-vus","vus":3,"duration":"1s","gracefulStop":"0s","startTime":"500ms"},
			 "c":{"executor":"constant-vus","vus":4,"duration":"1s","gracefulStop":"0s","startTime":"1s"}`, 7},
		{"ramping-vus needs its peak",
			`"a":{"executor":"ramping-vus","startVUs":1,"stages":[{"duration":"1s","target":6},{"duration":"1s","target":2}]}`, 6},
		{"arrival rate: preAllocatedVUs up front",
			`"a":{"executor":"constant-arrival-rate","rate":1,"duration":"1s","preAllocatedVUs":4,"maxVUs":10}`, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newTestRun(t, `{"scenarios":{`+tt.scenarios+`}}`, &fakeScript{}, nil)
			assert.Equal(t, tt.want, tr.r.plannedVUs())
		})
	}
}

func TestScenariosReuseVUs(t *testing.T) {
	t.Parallel()
	t.Run("sequential scenarios share the VUs", func(t *testing.T) {
		t.Parallel()
		s := &fakeScript{iter: sleepIter(5 * time.Millisecond)}
		tr := newTestRun(t, `{"scenarios":{
			"a":{"executor":"constant-vus","vus":2,"duration":"200ms","gracefulStop":"0s"},
			"b":{"executor":"per-vu-iterations","vus":2,"iterations":2,"startTime":"300ms"}}}`, s, nil)
		_, _, err := tr.run(30 * time.Second)
		require.NoError(t, err)
		assert.Equal(t, int64(2), tr.r.Execution().VUsInitialized())

		inA := map[uint64]int64{}
		for _, r := range s.iterations() {
			if r.scenario == "a" {
				inA[r.vu]++
			}
		}
		var inB int
		for _, r := range s.iterations() {
			if r.scenario != "b" {
				continue
			}
			inB++
			assert.Contains(t, []uint64{1, 2}, r.vu)
			assert.Equal(t, inA[r.vu]+r.iterInScenario, r.iterInInstance,
				"VU %d: iterationInInstance keeps counting across scenarios", r.vu)
			assert.Less(t, r.iterInScenario, int64(2), "iterationInScenario restarts")
		}
		assert.Equal(t, 4, inB)
	})
	t.Run("overlapping scenarios get their own VUs", func(t *testing.T) {
		t.Parallel()
		s := &fakeScript{iter: sleepIter(5 * time.Millisecond)}
		tr := newTestRun(t, `{"scenarios":{
			"a":{"executor":"constant-vus","vus":2,"duration":"400ms","gracefulStop":"0s"},
			"b":{"executor":"constant-vus","vus":2,"duration":"200ms","gracefulStop":"0s","startTime":"100ms"}}}`, s, nil)
		_, _, err := tr.run(30 * time.Second)
		require.NoError(t, err)
		assert.Equal(t, int64(4), tr.r.Execution().VUsInitialized())
		ids := map[string]map[uint64]bool{"a": {}, "b": {}}
		for _, r := range s.iterations() {
			ids[r.scenario][r.vu] = true
			assert.LessOrEqual(t, r.vusActive, int64(4))
		}
		assert.Equal(t, map[uint64]bool{1: true, 2: true}, ids["a"], "the first scenario takes VUs 1 and 2")
		assert.Equal(t, map[uint64]bool{3: true, 4: true}, ids["b"])
	})
}

func TestSamplesCarryScenarioTags(t *testing.T) {
	t.Parallel()
	s := &fakeScript{iter: func(_ context.Context, v *fakeVU, _ <-chan struct{}) error {
		if v.state.Scenario.Name == "beta" {
			v.state.Tags.Set("mytag", "x") // as exec.vu.metrics.tags.mytag = 'x'
		}
		return nil
	}}
	tr := newTestRun(t, `{"tags":{"env":"ci"},"scenarios":{
		"alpha":{"executor":"per-vu-iterations","vus":2,"iterations":3,"tags":{"kind":"read"}},
		"beta":{"executor":"shared-iterations","vus":1,"iterations":4}}}`, s,
		subMetrics{"iterations{scenario:alpha}", "iterations{scenario:beta}", "iteration_duration{scenario:alpha}",
			"iterations{env:ci}", "iterations{kind:read}", "iterations{mytag:x}", "iterations{scenario:beta,kind:read}"})
	_, _, err := tr.run(30 * time.Second)
	require.NoError(t, err)

	sum, err := tr.engine.Summary(metrics.SummaryOptions{TrendStats: []string{"count"}})
	require.NoError(t, err)
	count := func(name string) float64 {
		m := sum.Metric(name)
		if m == nil {
			return 0
		}
		return m.Values["count"]
	}
	assert.Equal(t, 10.0, count("iterations"))
	assert.Equal(t, 6.0, count("iterations{scenario:alpha}"))
	assert.Equal(t, 4.0, count("iterations{scenario:beta}"))
	assert.Equal(t, 6.0, count("iteration_duration{scenario:alpha}"), "one duration per iteration")
	assert.Equal(t, 10.0, count("iteration_duration"))
	assert.Equal(t, 10.0, count("iterations{env:ci}"), "test-wide tags")
	assert.Equal(t, 6.0, count("iterations{kind:read}"), "scenario tags stay in their scenario")
	assert.Zero(t, count("iterations{scenario:beta,kind:read}"))
	assert.Equal(t, 4.0, count("iterations{mytag:x}"), "VU tags set in an iteration")

	assert.Equal(t, int64(3), tr.r.Execution().VUsMax(), "both scenarios' VUs")
}

func TestSegmentsStripeIDsAndIterations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		sequence string
		segments []string
		scenario string
		meet     bool               // the VUs meet in their first iteration, so that all of them run
		total    int64              // test-wide iterations
		vus      int64              // test-wide VUs
		want     map[string][]int64 // per segment: iterationInTest, sorted (nil: not checked)
		wantIDs  map[string][]int64 // per segment: idInTest, sorted
	}{
		{name: "halves, shared-iterations", sequence: "0,1/2,1", segments: []string{"0:1/2", "1/2:1"},
			scenario: `{"executor":"shared-iterations","vus":4,"iterations":10}`, meet: true, total: 10, vus: 4,
			want:    map[string][]int64{"0:1/2": {0, 2, 4, 6, 8}, "1/2:1": {1, 3, 5, 7, 9}},
			wantIDs: map[string][]int64{"0:1/2": {1, 3}, "1/2:1": {2, 4}}},
		{name: "thirds, shared-iterations", sequence: "0,1/3,2/3,1", segments: []string{"0:1/3", "1/3:2/3", "2/3:1"},
			scenario: `{"executor":"shared-iterations","vus":4,"iterations":11}`, meet: true, total: 11, vus: 4,
			want:    map[string][]int64{"0:1/3": {0, 3, 6, 9}, "1/3:2/3": {1, 4, 7, 10}, "2/3:1": {2, 5, 8}},
			wantIDs: map[string][]int64{"0:1/3": {1, 4}, "1/3:2/3": {2}, "2/3:1": {3}}},
		{name: "thirds, per-vu-iterations", sequence: "0,1/3,2/3,1", segments: []string{"0:1/3", "1/3:2/3", "2/3:1"},
			scenario: `{"executor":"per-vu-iterations","vus":3,"iterations":2}`, total: 6, vus: 3},
		{name: "halves, constant-arrival-rate", sequence: "0,1/2,1", segments: []string{"0:1/2", "1/2:1"},
			scenario: `{"executor":"constant-arrival-rate","rate":20,"timeUnit":"1s","duration":"500ms","preAllocatedVUs":4,"maxVUs":4}`,
			total:    10, vus: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			iters := map[int64]string{}
			ids := map[int64]string{}
			var wg sync.WaitGroup
			for _, segStr := range tt.segments {
				wg.Add(1)
				go func() {
					defer wg.Done()
					tuple := mustTuple(t, segStr, tt.sequence)
					s := &fakeScript{}
					if tt.meet {
						b := newBarrier(int(tuple.Scale(tt.vus)))
						s.iter = func(_ context.Context, v *fakeVU, _ <-chan struct{}) error {
							if v.state.IterationInScenario == 0 && !b.wait(20*time.Second) {
								return errors.New("the VUs did not all start")
							}
							return nil
						}
					}
					tr := newTestRun(t, `{"scenarios":{"s":`+tt.scenario+`}}`, s, nil, withTuple(tuple))
					_, _, err := tr.run(30 * time.Second)
					assert.NoError(t, err)
					var gotIters, gotIDs []int64
					seenID := map[int64]bool{}
					for _, r := range s.iterations() {
						gotIters = append(gotIters, r.scenarioIterInTest)
						if !seenID[int64(r.vuInTest)] {
							seenID[int64(r.vuInTest)] = true
							gotIDs = append(gotIDs, int64(r.vuInTest))
						}
					}
					if w, ok := tt.want[segStr]; ok {
						assert.Equal(t, w, sortedInts(gotIters), "%s: iterationInTest", segStr)
					}
					if w, ok := tt.wantIDs[segStr]; ok {
						assert.Equal(t, w, sortedInts(gotIDs), "%s: idInTest", segStr)
					}
					dropped := tr.counter("dropped_iterations")
					mu.Lock()
					defer mu.Unlock()
					for _, n := range gotIters {
						if other, dup := iters[n]; dup {
							t.Errorf("iterationInTest %d ran in %s and %s", n, other, segStr)
						}
						iters[n] = segStr
					}
					for _, id := range gotIDs {
						if other, dup := ids[id]; dup && other != segStr {
							t.Errorf("idInTest %d in %s and %s", id, other, segStr)
						}
						ids[id] = segStr
					}
					if dropped > 0 {
						t.Logf("%s dropped %v", segStr, dropped)
					}
				}()
			}
			wg.Wait()
			if tt.want != nil {
				assert.Len(t, iters, int(tt.total), "together the segments run every iteration once")
			}
			for n := range iters {
				assert.True(t, n >= 0 && n < tt.total, "iterationInTest %d out of range", n)
			}
			for id := range ids {
				assert.True(t, id >= 1 && id <= tt.vus, "idInTest %d out of 1..%d", id, tt.vus)
			}
		})
	}
}

func TestExecutionState(t *testing.T) {
	t.Parallel()
	s := NewExecutionState()
	assert.Zero(t, s.CurrentTestRunDuration(), "0 before Start")
	assert.Nil(t, s.Aborted())
	assert.Nil(t, s.FailReasons())

	var stops atomic.Int64
	s.SetOnAbort(func() { stops.Add(1) })
	s.Start()
	time.Sleep(2 * time.Millisecond)
	d1 := s.CurrentTestRunDuration()
	assert.Positive(t, d1)
	time.Sleep(2 * time.Millisecond)
	assert.Greater(t, s.CurrentTestRunDuration(), d1, "the clock runs")

	s.MarkFailed("first")
	s.MarkFailed("")
	assert.Equal(t, []string{"first", ""}, s.FailReasons())
	assert.Nil(t, s.Aborted(), "fail does not abort")

	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); s.Abort(AbortReason{Message: fmt.Sprint("reason ", i)}) }()
	}
	wg.Wait()
	require.NotNil(t, s.Aborted())
	assert.Contains(t, s.Aborted().Message, "reason ")
	first := s.Aborted().Message
	s.Abort(AbortReason{Message: "later"})
	assert.Equal(t, first, s.Aborted().Message, "only the first abort counts")
	assert.Equal(t, int64(1), stops.Load(), "the run is stopped once")

	assert.Equal(t, "test aborted", (&AbortError{}).Error())
	assert.Equal(t, "test aborted: why", (&AbortError{Reason: "why"}).Error())
}

func TestTagsAndMetadata(t *testing.T) {
	t.Parallel()
	initial := map[string]string{"a": "1"}
	tags := NewTags(initial)
	initial["a"] = "changed"
	v, ok := tags.Get("a")
	assert.True(t, ok)
	assert.Equal(t, "1", v, "NewTags copies")

	set1 := tags.TagSet()
	assert.Same(t, set1, tags.TagSet(), "unchanged tags reuse their TagSet")
	tags.Set("a", "1")
	assert.Same(t, set1, tags.TagSet(), "setting the same value changes nothing")
	tags.Set("b", "2")
	set2 := tags.TagSet()
	assert.NotSame(t, set1, set2)
	assert.Equal(t, map[string]string{"a": "1"}, set1.Map(), "an old TagSet is immutable")
	assert.Equal(t, map[string]string{"a": "1", "b": "2"}, set2.Map())
	assert.Equal(t, []string{"a", "b"}, tags.Keys())
	tags.Delete("missing")
	assert.Same(t, set2, tags.TagSet())
	tags.Delete("a")
	assert.Equal(t, map[string]string{"b": "2"}, tags.TagSet().Map())

	md := NewMetadata()
	assert.Nil(t, md.snapshot(), "no metadata, no map")
	md.Set("trace", "x")
	snap := md.snapshot()
	assert.Equal(t, map[string]string{"trace": "x"}, snap)
	md.Set("span", "y")
	assert.Equal(t, map[string]string{"trace": "x"}, snap, "a snapshot is immutable")
	assert.Equal(t, []string{"span", "trace"}, md.Keys())
	md.Delete("trace")
	md.Delete("span")
	assert.Nil(t, md.snapshot())
}

// countingSink records the batches it gets.
type countingSink struct {
	batches []int
	values  []float64
}

func (c *countingSink) AddSamples(batch []metrics.Sample) {
	c.batches = append(c.batches, len(batch))
	for _, s := range batch {
		c.values = append(c.values, s.Value)
	}
}

func TestSampleBuffer(t *testing.T) {
	t.Parallel()
	sink := &countingSink{}
	b := NewSampleBuffer(sink)
	now := time.Now()
	for i := 0; i < sampleBatchSize+3; i++ {
		b.Add(metrics.Sample{Time: now, Value: float64(i)})
	}
	assert.Equal(t, []int{sampleBatchSize}, sink.batches, "a full batch is flushed")
	b.Add(metrics.Sample{Time: now.Add(flushInterval), Value: -1})
	assert.Equal(t, []int{sampleBatchSize, 4}, sink.batches, "an old batch is flushed")
	b.Flush()
	assert.Len(t, sink.batches, 2, "flushing an empty buffer sends nothing")
	b.Add(metrics.Sample{Time: now, Value: 7})
	b.Flush()
	assert.Equal(t, []int{sampleBatchSize, 4, 1}, sink.batches)
	require.Len(t, sink.values, sampleBatchSize+5)
	assert.Equal(t, 7.0, sink.values[len(sink.values)-1], "samples arrive in order")
}
