package progress

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/minik6/minik6/runner"
	"github.com/minik6/minik6/testrun"
)

func TestFixedLength(t *testing.T) {
	for _, tc := range []struct {
		d, total time.Duration
		want     string
	}{
		{5 * time.Second, 30 * time.Second, "05.0s"},
		{1600 * time.Millisecond, 30 * time.Second, "01.6s"},
		{48700 * time.Millisecond, 10 * time.Minute, "00m48.7s"},
		{44600 * time.Millisecond, 4 * time.Minute, "0m44.6s"},
		{59*time.Minute + 58900*time.Millisecond, time.Hour, "0h59m58.9s"},
		{4*time.Minute + 2200*time.Millisecond, time.Hour, "0h04m02.2s"},
		{-time.Second, 30 * time.Second, "00.0s"},
	} {
		assert.Equal(t, tc.want, fixedLength(tc.d, tc.total), "%s of %s", tc.d, tc.total)
	}
}

func TestBar(t *testing.T) {
	assert.Equal(t, "[>-------------------------------------]", bar(0, true))
	assert.Equal(t, "[===================>------------------]", bar(0.5, true))
	assert.Equal(t, "[======================================]", bar(1, true))
	assert.Equal(t, "[  50% ]", bar(0.5, false))
	assert.Equal(t, "[ 100% ]", bar(1.2, false))
}

func TestRenderEachExecutor(t *testing.T) {
	now := time.Now()
	st := testrun.Status{
		Status: runner.StatusRunning, VUs: 7, VUsMax: 60, Completed: 123, Interrupted: 2, Duration: 12300 * time.Millisecond,
		Scenarios: []testrun.ScenarioStatus{
			{Name: "shared", Executor: "shared-iterations", Started: now, Progress: 0.4,
				Detail: runner.ScenarioProgress{VUs: 10, Duration: 10 * time.Minute, Elapsed: 1300 * time.Millisecond, Done: 12, Total: 30}},
			{Name: "pervu", Executor: "per-vu-iterations", Started: now, Progress: 1,
				Detail: runner.ScenarioProgress{VUs: 50, Duration: 30 * time.Second, Elapsed: 1600 * time.Millisecond, Done: 50, Total: 50, PerVU: 1}},
			{Name: "car", Executor: "constant-arrival-rate", Started: now, Progress: 0.25,
				Detail: runner.ScenarioProgress{VUs: 3, MaxVUs: 100, Duration: 40 * time.Second, Elapsed: 10 * time.Second, Rate: 10}},
			{Name: "ramp", Executor: "ramping-vus", Started: now, Progress: 0.5,
				Detail: runner.ScenarioProgress{VUs: 5, MaxVUs: 10, Duration: 20 * time.Second, Elapsed: 10 * time.Second}},
			{Name: "const", Executor: "constant-vus", Started: now, Progress: 1,
				Detail: runner.ScenarioProgress{VUs: 10, Duration: 30 * time.Second, Elapsed: 30 * time.Second}},
			{Name: "later", Executor: "constant-vus"},
		},
	}
	plan := Plan{MaxDuration: 10*time.Minute + 30*time.Second, StartTimes: map[string]time.Duration{"later": time.Minute}}
	assert.Equal(t, []string{
		"running (00m12.3s), 07/60 VUs, 123 complete and 2 interrupted iterations",
		"shared   [  40% ] 10 VUs       00m01.3s/10m0s  12/30 shared iters",
		"pervu  ✓ [ 100% ] 50 VUs       01.6s/30s  50/50 iters, 1 per VU",
		"car      [  25% ] 003/100 VUs  10.0s/40s  10.00 iters/s",
		"ramp     [  50% ] 05/10 VUs    10.0s/20s",
		"const  ✓ [ 100% ] 10 VUs       30s",
		"later  • [   0% ] waiting      0m47.7s",
	}, Render(st, plan, false))

	st.Stopped = true
	lines := Render(st, plan, true)
	assert.Equal(t, "shared ✗ [===============>----------------------] 10 VUs       00m01.3s/10m0s  12/30 shared iters", lines[1])
}
