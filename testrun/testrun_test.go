package testrun_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/js/modules"
	_ "github.com/minik6/minik6/js/modules/execution"
	_ "github.com/minik6/minik6/js/modules/k6"
	"github.com/minik6/minik6/load"
	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/minik6test"
	"github.com/minik6/minik6/output"
	"github.com/minik6/minik6/runner"
	"github.com/minik6/minik6/testrun"
)

// recorder is an output that takes every optional interface and records what
// it was given.
type recorder struct {
	mu         sync.Mutex
	arg        string
	test       *load.Test
	stop       func(error)
	samples    int
	thresholds map[string][]metrics.ThresholdResult
	status     output.RunStatus
	runErr     error
	stopped    bool
}

func (r *recorder) Description() string { return "recorder" }
func (r *recorder) Start() error        { return nil }
func (r *recorder) Stop() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopped = true
	return nil
}

func (r *recorder) AddSamples(b []metrics.Sample) {
	r.mu.Lock()
	r.samples += len(b)
	stop := r.stop
	r.mu.Unlock()
	if r.arg == "stop" && stop != nil {
		stop(exitcode.Errorf(exitcode.ExternalAbort, "the output asked to stop"))
	}
}
func (r *recorder) SetTest(t *load.Test)                 { r.test = t }
func (r *recorder) SetRunStopper(stop func(cause error)) { r.mu.Lock(); r.stop = stop; r.mu.Unlock() }
func (r *recorder) SetThresholdResults(res map[string][]metrics.ThresholdResult) {
	r.mu.Lock()
	r.thresholds = res
	r.mu.Unlock()
}
func (r *recorder) SetRunStatus(s output.RunStatus, err error) {
	r.mu.Lock()
	r.status, r.runErr = s, err
	r.mu.Unlock()
}

var (
	recordersMu sync.Mutex
	recorders   = map[string]*recorder{}
)

func init() {
	output.Register("testrun-recorder", func(arg string, _ output.Params) (metrics.Output, error) {
		r := &recorder{arg: arg}
		recordersMu.Lock()
		recorders[arg] = r
		recordersMu.Unlock()
		return r, nil
	})
}

func loadScript(t *testing.T, src string) *load.Test {
	t.Helper()
	logger, _ := logtest.NewNullLogger()
	test, err := minik6test.LoadScript(src, logger, logger, nil)
	require.NoError(t, err)
	return test
}

func TestOutputsGetWhatTheyAskFor(t *testing.T) {
	t.Parallel()
	test := loadScript(t, `import { check } from 'k6';
		export const options = { iterations: 3, thresholds: { checks: ['rate==1'], iterations: ['count>100'] } };
		export default function () { check(1, { ok: (v) => v === 1 }); }`)
	run, res := minik6test.RunTest(t, test, testrun.Config{Outputs: []string{"testrun-recorder=plain"}})
	recordersMu.Lock()
	rec := recorders["plain"]
	recordersMu.Unlock()
	require.NotNil(t, rec)
	assert.Same(t, test, rec.test)
	assert.True(t, rec.stopped)
	assert.Positive(t, rec.samples)
	assert.Equal(t, exitcode.ThresholdsFailed, exitcode.Of(res.Err))
	assert.Equal(t, output.RunFinished, rec.status, "thresholds that fail at the end: finished")
	assert.Equal(t, res.Err, rec.runErr)
	require.Len(t, rec.thresholds["checks"], 1)
	assert.True(t, rec.thresholds["checks"][0].OK)
	require.Len(t, rec.thresholds["iterations"], 1)
	assert.False(t, rec.thresholds["iterations"][0].OK)
	assert.Equal(t, float64(3), rec.thresholds["iterations"][0].Value)
	assert.Equal(t, runner.StatusEnded, run.Status().Status)
}

// An output that stops the run gives it its cause's exit code, and the run
// status says the system, not the user, aborted it.
func TestOutputStopsTheRun(t *testing.T) {
	t.Parallel()
	test := loadScript(t, `import { sleep } from 'k6';
		export const options = { vus: 1, duration: '30s' };
		export default function () { sleep(0.01); }`)
	start := time.Now()
	_, res := minik6test.RunTest(t, test, testrun.Config{Outputs: []string{"testrun-recorder=stop"}})
	assert.Less(t, time.Since(start), 20*time.Second)
	assert.Equal(t, exitcode.ExternalAbort, exitcode.Of(res.Err))
	recordersMu.Lock()
	rec := recorders["stop"]
	recordersMu.Unlock()
	assert.Equal(t, output.RunAbortedSystem, rec.status)
}

func TestStatusStopAndResult(t *testing.T) {
	t.Parallel()
	test := loadScript(t, `import { sleep } from 'k6';
		export const options = { scenarios: { slow: { executor: 'constant-vus', vus: 3, duration: '30s', gracefulStop: '0s' } } };
		export function setup() { return { token: 'abc' }; }
		export default function () { sleep(0.05); }
		export function teardown() {}`)
	logger, _ := logtest.NewNullLogger()
	run, err := testrun.New(test, testrun.Config{Logger: logger})
	require.NoError(t, err)
	require.NoError(t, run.Start(context.Background()))
	require.Eventually(t, func() bool { st := run.Status(); return st.VUs == 3 && st.Completed > 0 }, 10*time.Second, 10*time.Millisecond)
	st := run.Status()
	assert.Equal(t, runner.StatusRunning, st.Status)
	assert.True(t, st.Running)
	assert.False(t, st.Stopped)
	assert.False(t, st.Paused)
	assert.EqualValues(t, 3, st.VUsMax)
	require.Len(t, st.Scenarios, 1)
	assert.Equal(t, "slow", st.Scenarios[0].Name)
	assert.Equal(t, "constant-vus", st.Scenarios[0].Executor)
	assert.False(t, st.Scenarios[0].Started.IsZero())

	run.Stop(exitcode.Errorf(exitcode.StoppedViaREST, "test run stopped via the REST API"))
	res := run.Wait()
	assert.Equal(t, exitcode.StoppedViaREST, exitcode.Of(res.Err))
	assert.JSONEq(t, `{"token":"abc"}`, string(res.SetupData))
	assert.Positive(t, res.Duration)
	st = run.Status()
	assert.True(t, st.Stopped)
	assert.False(t, st.Running)
	assert.Equal(t, runner.StatusEnded, st.Status)
	assert.Zero(t, st.VUs)
	assert.Positive(t, st.Completed)
}

func TestPauseAndResume(t *testing.T) {
	t.Parallel()
	test := loadScript(t, `export const options = { iterations: 2, paused: true };
		export default function () {}`)
	run, err := testrun.New(test, testrun.Config{})
	require.NoError(t, err)
	require.NoError(t, run.Start(context.Background()))
	require.Eventually(t, func() bool { return run.Status().Status == runner.StatusPausedBeforeRun }, 10*time.Second, 5*time.Millisecond)
	assert.True(t, run.Status().Paused)
	assert.Zero(t, run.Status().Completed)
	require.NoError(t, run.Resume())
	res := run.Wait()
	require.NoError(t, res.Err)
	assert.EqualValues(t, 2, run.Status().Completed)
}

func TestOutcomePrecedence(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		src  string
		want exitcode.Code
	}{
		"ok":                                   {`export default function () {}`, exitcode.OK},
		"fail":                                 {`import exec from 'k6/execution'; export default function () { exec.test.fail('x'); }`, exitcode.MarkedAsFailed},
		"abort":                                {`import exec from 'k6/execution'; export default function () { exec.test.abort('x'); }`, exitcode.ScriptAborted},
		"setup exception":                      {`export function setup() { throw new Error('boom'); } export default function () {}`, exitcode.ScriptException},
		"iteration exception is not the run's": {`export default function () { throw new Error('boom'); }`, exitcode.OK},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, res := minik6test.RunTest(t, loadScript(t, tc.src), testrun.Config{})
			assert.Equal(t, tc.want, exitcode.Of(res.Err), "%v", res.Err)
		})
	}
}

func TestStartFailsWithABadOutput(t *testing.T) {
	t.Parallel()
	test := loadScript(t, `export default function () {}`)
	_, err := testrun.New(test, testrun.Config{Outputs: []string{"nope"}})
	require.Error(t, err)
	assert.Equal(t, exitcode.InvalidConfig, exitcode.Of(err))
	assert.ErrorContains(t, err, "invalid output type 'nope'")
}

// panicky panics in the init context of its third instance: with one VU, the
// VU that runs setup(), made on the run's own goroutine.
var panickyInstances atomic.Int64

func init() {
	modules.Register("k6/x/testrun-panicky", modules.ModuleFunc(func(vu modules.VU) modules.Instance {
		if panickyInstances.Add(1) == 3 {
			panic("extension bug")
		}
		return panickyInstance{}
	}))
}

type panickyInstance struct{}

func (panickyInstance) Exports() modules.Exports { return modules.Exports{} }

// A Go panic on the run's own goroutine ends the run with exit code 109, not
// a crash.
func TestGoPanicIsTheRunsError(t *testing.T) {
	t.Parallel()
	panickyInstances.Store(0) // -count=N runs the test again
	test := loadScript(t, `import 'k6/x/testrun-panicky';
		export const options = { vus: 1, iterations: 1 };
		export default function () {}`)
	_, res := minik6test.RunTest(t, test, testrun.Config{})
	assert.Equal(t, exitcode.GoPanic, exitcode.Of(res.Err))
	assert.ErrorContains(t, res.Err, "extension bug")
}

// A stop before the run starts (a signal while the outputs start) ends it at
// once with the stop's cause.
func TestStopBeforeStart(t *testing.T) {
	t.Parallel()
	test := loadScript(t, `export const options = { vus: 1, duration: '30s' };
		export default function () {}`)
	run, err := testrun.New(test, testrun.Config{})
	require.NoError(t, err)
	run.Stop(exitcode.Errorf(exitcode.ExternalAbort, "signal"))
	start := time.Now()
	require.NoError(t, run.Start(context.Background()))
	res := run.Wait()
	assert.Equal(t, exitcode.ExternalAbort, exitcode.Of(res.Err))
	assert.Less(t, time.Since(start), 10*time.Second)
	assert.Zero(t, run.Status().Completed)
}

// Every way a run ends gives the cloud's run status (cloud-protocol §3.3).
func TestRunStatusOfEveryEnd(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		src  string
		want output.RunStatus
	}{
		"normal":            {`export default function () {}`, output.RunFinished},
		"iteration error":   {`export default function () { throw new Error('x'); }`, output.RunFinished},
		"thresholds at end": {`export const options = { thresholds: { iterations: ['count>5'] } }; export default function () {}`, output.RunFinished},
		"abortOnFail":       {`export const options = { vus: 1, duration: '30s', thresholds: { iterations: [{ threshold: 'count<1', abortOnFail: true }] } }; export default function () {}`, output.RunAbortedThreshold},
		"test.abort":        {`import exec from 'k6/execution'; export default function () { exec.test.abort(); }`, output.RunAbortedUser},
		"setup exception":   {`export function setup() { throw new Error('x'); } export default function () {}`, output.RunAbortedScriptError},
		"setup timeout":     {`export const options = { setupTimeout: '100ms' }; export function setup() { while (true) {} } export default function () {}`, output.RunAbortedLimit},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			arg := "status-" + strings.ReplaceAll(name, " ", "-")
			_, _ = minik6test.RunTest(t, loadScript(t, tc.src), testrun.Config{Outputs: []string{"testrun-recorder=" + arg}, ThresholdInterval: 100 * time.Millisecond})
			recordersMu.Lock()
			rec := recorders[arg]
			recordersMu.Unlock()
			assert.Equal(t, tc.want, rec.status)
		})
	}
}
