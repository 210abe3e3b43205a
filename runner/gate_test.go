package runner

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/options"
)

// A paused run initialises its VUs and then waits, before setup(), until
// resumed.
func TestPausedRunWaitsForResume(t *testing.T) {
	t.Parallel()
	s := &fakeScript{exports: []string{"default", "setup"}}
	tr := newTestRun(t, `{"vus": 2, "iterations": 4, "paused": true}`, s, nil)
	done := make(chan error, 1)
	go func() { _, err := tr.r.Run(context.Background()); done <- err }()

	require.Eventually(t, func() bool { return tr.r.Status() == StatusPausedBeforeRun }, 5*time.Second, 5*time.Millisecond)
	assert.True(t, tr.r.Paused())
	assert.EqualValues(t, 2, tr.r.Execution().VUsInitialized())
	time.Sleep(50 * time.Millisecond)
	assert.Empty(t, s.calledNames(), "nothing, not even setup, runs while paused")
	assert.Empty(t, s.iterations())
	assert.EqualError(t, tr.r.Pause(), "execution is already paused")

	require.NoError(t, tr.r.Resume())
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the resumed run did not end")
	}
	assert.Equal(t, []string{"setup"}, s.calledNames())
	assert.Len(t, s.iterations(), 4)
	assert.Equal(t, StatusEnded, tr.r.Status())
	assert.ErrorIs(t, tr.r.Resume(), ErrNotPaused)
	assert.EqualError(t, tr.r.Pause(),
		"shared-iterations executor 'default' doesn't support pause and resume operations after its start")
}

// A stop while paused ends the run with the stop's cause, without setup.
func TestStopWhilePaused(t *testing.T) {
	t.Parallel()
	s := &fakeScript{exports: []string{"default", "setup", "teardown"}}
	tr := newTestRun(t, `{"paused": true}`, s, nil)
	done := make(chan error, 1)
	go func() { _, err := tr.r.Run(context.Background()); done <- err }()
	require.Eventually(t, func() bool { return tr.r.Status() == StatusPausedBeforeRun }, 5*time.Second, 5*time.Millisecond)
	tr.r.Stop(exitcode.Errorf(exitcode.StoppedViaREST, "stopped via the REST API"))
	select {
	case err := <-done:
		assert.Equal(t, exitcode.StoppedViaREST, exitcode.Of(err))
	case <-time.After(10 * time.Second):
		t.Fatal("the stopped run did not end")
	}
	assert.Empty(t, s.calledNames())
}

// The status walks through k6's phases, and a stop's cause is the run's error.
func TestStatusAndStopCause(t *testing.T) {
	t.Parallel()
	seen := make(chan ExecutionStatus, 1)
	var tr *testRun
	s := &fakeScript{exports: []string{"default", "setup", "teardown"}}
	s.calls = map[string]callFunc{
		"setup": func(context.Context, *fakeVU, []byte, <-chan struct{}) ([]byte, error) {
			seen <- tr.r.Status()
			return nil, nil
		},
		"teardown": func(context.Context, *fakeVU, []byte, <-chan struct{}) ([]byte, error) {
			seen <- tr.r.Status()
			return nil, nil
		},
	}
	var once sync.Once
	s.iter = func(ctx context.Context, _ *fakeVU, intr <-chan struct{}) error {
		once.Do(func() {
			seen <- tr.r.Status()
			tr.r.Stop(exitcode.Errorf(exitcode.ExternalAbort, "signal"))
		})
		select {
		case <-intr:
		case <-ctx.Done():
		}
		return ErrInterrupted
	}
	tr = newTestRun(t, `{"vus": 1, "duration": "10s"}`, s, nil)
	assert.Equal(t, StatusCreated, tr.r.Status())
	done := make(chan error, 1)
	go func() { _, err := tr.r.Run(context.Background()); done <- err }()
	assert.Equal(t, StatusSetup, <-seen)
	assert.Equal(t, StatusRunning, <-seen)
	assert.Equal(t, StatusTeardown, <-seen)
	select {
	case err := <-done:
		assert.Equal(t, exitcode.ExternalAbort, exitcode.Of(err))
		assert.EqualError(t, err, "signal")
	case <-time.After(10 * time.Second):
		t.Fatal("the stopped run did not end")
	}
	assert.Equal(t, StatusEnded, tr.r.Status())
}

// Metadata a VU sets in one scenario does not follow it into the next.
func TestMetadataResetsBetweenScenarios(t *testing.T) {
	t.Parallel()
	s := &fakeScript{}
	var before []string
	s.iter = func(_ context.Context, v *fakeVU, _ <-chan struct{}) error {
		if v.state.Scenario.Name == "second" {
			before = v.state.Metadata.Keys()
		}
		v.state.Metadata.Set("trace_id", "abc")
		return nil
	}
	tr := newTestRun(t, `{"scenarios": {
		"first": {"executor": "per-vu-iterations", "vus": 1, "iterations": 1},
		"second": {"executor": "per-vu-iterations", "vus": 1, "iterations": 1, "startTime": "100ms"}}}`, s, nil)
	_, _, err := tr.run(10 * time.Second)
	require.NoError(t, err)
	assert.Empty(t, before, "the second scenario starts without the first one's metadata")
}

func TestExecutionRequirements(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, opts string
		want       Requirements
	}{
		{"constant vus", `{"vus": 10, "duration": "30s"}`, Requirements{MaxVUs: 10, TotalDuration: time.Minute}},
		{"shared iterations", `{"vus": 2, "iterations": 4}`, Requirements{MaxVUs: 2, TotalDuration: 10*time.Minute + 30*time.Second}},
		{"arrival rate counts maxVUs", `{"scenarios": {"a": {"executor": "constant-arrival-rate", "rate": 5, "duration": "1m",
			"preAllocatedVUs": 2, "maxVUs": 20, "gracefulStop": "0s"}}}`, Requirements{MaxVUs: 20, TotalDuration: time.Minute}},
		{"overlapping scenarios add up, consecutive ones share VUs", `{"scenarios": {
			"a": {"executor": "constant-vus", "vus": 3, "duration": "10s", "gracefulStop": "0s"},
			"b": {"executor": "constant-vus", "vus": 4, "duration": "10s", "startTime": "5s", "gracefulStop": "0s"},
			"c": {"executor": "constant-vus", "vus": 5, "duration": "10s", "startTime": "15s", "gracefulStop": "0s"}}}`,
			Requirements{MaxVUs: 7, TotalDuration: 25 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := options.Parse([]byte(tt.opts))
			require.NoError(t, err)
			o, _, err = o.WithDefaults().DeriveScenarios()
			require.NoError(t, err)
			got, err := ExecutionRequirements(o, nil)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}
