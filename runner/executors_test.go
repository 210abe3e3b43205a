package runner

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/options"
)

// byVU groups the records by VU id, in the order they happened.
func byVU(recs []iterRecord) map[uint64][]iterRecord {
	out := map[uint64][]iterRecord{}
	for _, r := range recs {
		out[r.vu] = append(out[r.vu], r)
	}
	return out
}

func localNumbers(recs []iterRecord) []int64 {
	out := make([]int64, len(recs))
	for i, r := range recs {
		out[i] = r.scenarioIterLocal
	}
	return out
}

// assertVUCounters checks that every VU numbered its iterations 0, 1, 2, … in the
// scenario and in the instance (single-scenario runs).
func assertVUCounters(t *testing.T, recs []iterRecord) {
	t.Helper()
	for id, list := range byVU(recs) {
		for i, r := range list {
			assert.Equal(t, int64(i), r.iterInScenario, "VU %d iteration %d: iterationInScenario", id, i)
			assert.Equal(t, int64(i), r.iterInInstance, "VU %d iteration %d: iterationInInstance", id, i)
		}
	}
}

func TestSharedIterations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		vus, iterations int64
	}{
		{"one VU", 1, 5},
		{"three VUs share twenty", 3, 20},
		{"as many iterations as VUs", 4, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// Every VU's first iteration waits for all the others: the VUs run at
			// the same time, and each gets at least one iteration.
			b := newBarrier(int(tt.vus))
			s := &fakeScript{iter: func(_ context.Context, v *fakeVU, _ <-chan struct{}) error {
				if v.state.IterationInScenario == 0 && !b.wait(20*time.Second) {
					return fmt.Errorf("VU %d: the other VUs did not start", v.state.IDInInstance)
				}
				return nil
			}}
			tr := newTestRun(t, fmt.Sprintf(`{"scenarios":{"s":{"executor":"shared-iterations","vus":%d,"iterations":%d}}}`,
				tt.vus, tt.iterations), s, nil)
			_, _, err := tr.run(30 * time.Second)
			require.NoError(t, err)

			recs := s.iterations()
			assert.Equal(t, seq(0, tt.iterations), sortedInts(localNumbers(recs)), "each iteration number once")
			vus := byVU(recs)
			assert.Len(t, vus, int(tt.vus), "every VU ran")
			for id := range vus {
				assert.True(t, id >= 1 && id <= uint64(tt.vus), "VU id %d out of 1..%d", id, tt.vus)
			}
			for _, r := range recs {
				assert.Equal(t, r.scenarioIterLocal, r.scenarioIterInTest, "whole test: in-test = in-instance")
				assert.Equal(t, uint64(r.vu), r.vuInTest)
				assert.Equal(t, "s", r.scenario)
			}
			assertVUCounters(t, recs)
			for _, e := range tr.hook.AllEntries() {
				if e.Level <= logrus.WarnLevel {
					t.Errorf("logged: %s %v", e.Message, e.Data)
				}
			}

			ex := tr.r.Execution()
			assert.Equal(t, tt.iterations, ex.IterationsCompleted())
			assert.Zero(t, ex.IterationsInterrupted())
			assert.Zero(t, ex.VUsActive(), "no VU active after the run")
			assert.Equal(t, tt.vus, ex.VUsInitialized())
			assert.Equal(t, float64(tt.iterations), tr.counter("iterations"))
			assert.Zero(t, tr.counter("dropped_iterations"))
			assert.Equal(t, 1.0, tr.r.scenarios[0].state.Progress())
		})
	}
}

func TestPerVUIterations(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		vus, iterations int64
	}{
		{"one VU", 1, 3},
		{"three VUs four each", 3, 4},
		{"five VUs one each", 5, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// As in TestSharedIterations, the VUs meet in their first iteration
			// (TestPerVUIterationsDistinctVUs covers VUs that finish early).
			b := newBarrier(int(tt.vus))
			s := &fakeScript{iter: func(_ context.Context, v *fakeVU, _ <-chan struct{}) error {
				if v.state.IterationInScenario == 0 && !b.wait(20*time.Second) {
					return fmt.Errorf("VU %d: the other VUs did not start", v.state.IDInInstance)
				}
				return nil
			}}
			tr := newTestRun(t, fmt.Sprintf(`{"scenarios":{"s":{"executor":"per-vu-iterations","vus":%d,"iterations":%d}}}`,
				tt.vus, tt.iterations), s, nil)
			_, _, err := tr.run(30 * time.Second)
			require.NoError(t, err)

			recs := s.iterations()
			vus := byVU(recs)
			require.Len(t, vus, int(tt.vus))
			for id := uint64(1); id <= uint64(tt.vus); id++ {
				assert.Len(t, vus[id], int(tt.iterations), "VU %d runs its own count", id)
			}
			assertVUCounters(t, recs)
			total := tt.vus * tt.iterations
			assert.Equal(t, seq(0, total), sortedInts(localNumbers(recs)), "scenario iteration numbers 0..n-1 once")
			assert.Equal(t, total, tr.r.Execution().IterationsCompleted())
			assert.Equal(t, float64(total), tr.counter("iterations"))
			assert.Zero(t, tr.counter("dropped_iterations"))
		})
	}
}

func TestPerVUIterationsDistinctVUs(t *testing.T) {
	t.Parallel()
	// Each of the 30 VUs runs its one iteration, even when the first VUs are done
	// before the last ones start.
	const vus = 30
	s := &fakeScript{}
	tr := newTestRun(t, fmt.Sprintf(`{"scenarios":{"s":{"executor":"per-vu-iterations","vus":%d,"iterations":1}}}`, vus), s, nil)
	_, _, err := tr.run(30 * time.Second)
	require.NoError(t, err)
	recs := s.iterations()
	require.Len(t, recs, vus)
	seen := byVU(recs)
	var twice []uint64
	for id, list := range seen {
		if len(list) > 1 {
			twice = append(twice, id)
		}
	}
	if len(seen) != vus {
		t.Fatalf("per-vu-iterations with %d VUs × 1 iteration ran on %d distinct VUs; VUs %v ran more than "+
			"their one iteration (a VU that finished went back to the pool and was activated again for another "+
			"VU's share)", vus, len(seen), twice)
	}
	for id, list := range seen {
		assert.Zero(t, list[0].iterInScenario, "VU %d", id)
	}
}

func TestConstantVUs(t *testing.T) {
	t.Parallel()
	const vus = 3
	const duration = 400 * time.Millisecond
	b := newBarrier(vus)
	var mu sync.Mutex
	var activeAtBarrier []int64
	s := &fakeScript{iter: func(_ context.Context, v *fakeVU, intr <-chan struct{}) error {
		if v.state.IterationInScenario == 0 {
			a := v.state.Execution.VUsActive()
			mu.Lock()
			activeAtBarrier = append(activeAtBarrier, a)
			mu.Unlock()
			if !b.wait(20 * time.Second) {
				return fmt.Errorf("the VUs did not all start")
			}
		}
		return sleepIter(10*time.Millisecond)(nil, v, intr)
	}}
	tr := newTestRun(t, `{"vus":3,"duration":"400ms"}`, s, nil)
	_, took, err := tr.run(30 * time.Second)
	require.NoError(t, err)

	assert.GreaterOrEqual(t, took, duration, "the scenario lasts its duration")
	assert.Less(t, took, duration+10*time.Second)

	recs := s.iterations()
	require.NotEmpty(t, recs)
	assert.Len(t, byVU(recs), vus, "every VU runs")
	assert.Equal(t, seq(0, int64(len(recs))), sortedInts(localNumbers(recs)))
	assertVUCounters(t, recs)
	for _, r := range recs {
		assert.LessOrEqual(t, r.vusActive, int64(vus), "never more than vus active")
		assert.GreaterOrEqual(t, r.vusActive, int64(1))
		assert.Equal(t, "default", r.scenario)
		// No iteration starts after the scenario's end (generous for slow machines).
		assert.LessOrEqual(t, r.start.UnixMilli()-r.scenarioStartMillis, (duration + time.Second).Milliseconds())
	}
	mu.Lock()
	assert.Contains(t, activeAtBarrier, int64(vus), "all VUs were active at once")
	mu.Unlock()
	ex := tr.r.Execution()
	assert.Zero(t, ex.VUsActive())
	assert.Equal(t, int64(len(recs)), ex.IterationsCompleted())
	assert.Zero(t, ex.IterationsInterrupted())
	assert.Zero(t, tr.counter("dropped_iterations"))
	assert.Equal(t, 1.0, tr.r.scenarios[0].state.Progress())
}

// rampingConfig parses a ramping-vus scenario.
func rampingConfig(t *testing.T, js string) options.RampingVUsConfig {
	t.Helper()
	o, err := options.Parse([]byte(`{"scenarios":{"r":` + js + `}}`))
	require.NoError(t, err)
	c, ok := o.Scenarios["r"].(options.RampingVUsConfig)
	require.True(t, ok, "%T", o.Scenarios["r"])
	return c
}

func ms(n float64) time.Duration { return time.Duration(n * float64(time.Millisecond)) }

func TestLinearSteps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		offset   time.Duration
		d        time.Duration
		from, to int64
		want     []rampStep
	}{
		{"up by four over a second", 0, time.Second, 0, 4,
			[]rampStep{{ms(250), 1}, {ms(500), 2}, {ms(750), 3}, {time.Second, 4}}},
		{"down by two, offset", 2 * time.Second, time.Second, 4, 2,
			[]rampStep{{ms(2500), 3}, {3 * time.Second, 2}}},
		{"flat", time.Second, time.Second, 3, 3, []rampStep{}},
		{"instant jump", time.Second, 0, 0, 2, []rampStep{{time.Second, 1}, {time.Second, 2}}},
		{"thirds", 0, time.Second, 3, 0,
			[]rampStep{{333333333, 2}, {666666666, 1}, {time.Second, 0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := linearSteps(tt.offset, tt.d, tt.from, tt.to)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestRampingVUsSchedule(t *testing.T) {
	t.Parallel()
	const third, twoThirds = 166666666, 333333333 // of 500ms, truncated
	e := newRampingVUs(rampingConfig(t, `{"executor":"ramping-vus","startVUs":1,"stages":[
		{"duration":"1s","target":3},{"duration":"1s","target":3},{"duration":"500ms","target":0}]}`), nil)

	assert.Equal(t, []rampStep{
		{0, 1}, {ms(500), 2}, {time.Second, 3},
		{2*time.Second + third, 2}, {2*time.Second + twoThirds, 1}, {2500 * time.Millisecond, 0},
	}, e.steps)
	assert.Equal(t, int64(3), e.maxVUs)
	assert.Equal(t, int64(3), e.initialVUs())
	assert.Equal(t, 2500*time.Millisecond, e.total)
	assert.Equal(t, 2500*time.Millisecond+options.DefaultGracefulRampDown, e.maxDuration(), "default gracefulRampDown 30s")

	vusAt := []struct {
		at   time.Duration
		want int64
	}{
		{-time.Millisecond, 0}, {0, 1}, {ms(499), 1}, {ms(500), 2}, {ms(999), 2}, {time.Second, 3},
		{ms(2100), 3}, {2*time.Second + third, 2}, {ms(2400), 1}, {ms(2500), 0}, {time.Hour, 0},
	}
	for _, tt := range vusAt {
		assert.Equal(t, tt.want, e.vusAt(tt.at), "vusAt(%s)", tt.at)
	}

	changes := []struct {
		at     time.Duration
		slot   int64
		want   bool
		wantAt time.Duration
		wantOK bool
	}{
		{0, 1, true, ms(500), true},     // second VU joins at 500ms
		{0, 2, true, time.Second, true}, // third at 1s
		{time.Second, 2, false, 2*time.Second + third, true},
		{time.Second, 0, false, ms(2500), true}, // the first leaves last
		{ms(2500), 0, true, 0, false},           // never again
		{0, 3, true, 0, false},                  // a fourth slot is never needed
	}
	for _, tt := range changes {
		at, ok := e.nextChange(tt.at, tt.slot, tt.want)
		assert.Equal(t, tt.wantOK, ok, "nextChange(%s, %d, %v)", tt.at, tt.slot, tt.want)
		assert.Equal(t, tt.wantAt, at, "nextChange(%s, %d, %v)", tt.at, tt.slot, tt.want)
	}

	rd := newRampingVUs(rampingConfig(t, `{"executor":"ramping-vus","startVUs":0,"gracefulRampDown":"2s",
		"stages":[{"duration":"1s","target":2}]}`), nil)
	assert.Equal(t, 3*time.Second, rd.maxDuration())
	assert.Equal(t, int64(2), rd.initialVUs())
}

func TestRampingVUsFollowsStages(t *testing.T) {
	t.Parallel()
	const slack = 300 * time.Millisecond
	s := &fakeScript{iter: sleepIter(5 * time.Millisecond)}
	tr := newTestRun(t, `{"scenarios":{"r":{"executor":"ramping-vus","startVUs":0,"gracefulRampDown":"0s",
		"stages":[{"duration":"500ms","target":4},{"duration":"1s","target":4},{"duration":"500ms","target":0}]}}}`, s, nil)
	e := tr.r.scenarios[0].ex.(*rampingVUs)

	type sample struct {
		at     time.Duration
		active int64
	}
	var samples []sample
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			startMs := tr.r.scenarios[0].state.StartTime()
			if startMs == 0 {
				continue
			}
			active := tr.r.Execution().VUsActive()
			at := time.Since(time.UnixMilli(startMs))
			samples = append(samples, sample{at, active})
		}
	}()
	_, _, err := tr.run(30 * time.Second)
	close(stop)
	<-sampled
	require.NoError(t, err)
	require.NotEmpty(t, samples)

	var peak int64
	plateau := 0
	for _, smp := range samples {
		peak = max(peak, smp.active)
		lo, hi := int64(math.MaxInt64), int64(0)
		for d := smp.at - slack; d <= smp.at+slack; d += time.Millisecond {
			v := e.vusAt(d)
			lo, hi = min(lo, v), max(hi, v)
		}
		assert.True(t, smp.active >= lo && smp.active <= hi,
			"at %s: %d VUs active, want %d..%d", smp.at, smp.active, lo, hi)
		if smp.at > 500*time.Millisecond+slack && smp.at < 1500*time.Millisecond-slack {
			plateau++
		}
	}
	assert.Equal(t, int64(4), peak, "the ramp reaches its target")
	assert.NotZero(t, plateau, "sampled the plateau")
	assert.Zero(t, tr.r.Execution().VUsActive())
	for _, r := range s.iterations() {
		assert.True(t, r.vu >= 1 && r.vu <= 4)
	}
	assert.Equal(t, int64(4), tr.r.Execution().VUsInitialized())
}

func TestRampingVUsGracefulRampDown(t *testing.T) {
	t.Parallel()
	// VU 2 is not needed after 200ms; its endless iteration is interrupted
	// gracefulRampDown (100ms) later. VU 1's is interrupted at the hard stop
	// (1.6s + gracefulStop 100ms).
	var mu sync.Mutex
	ended := map[uint64]time.Time{}
	s := &fakeScript{iter: func(ctx context.Context, v *fakeVU, intr <-chan struct{}) error {
		err := blockUntilInterrupted(ctx, v, intr)
		mu.Lock()
		ended[v.state.IDInInstance] = time.Now()
		mu.Unlock()
		return err
	}}
	tr := newTestRun(t, `{"scenarios":{"r":{"executor":"ramping-vus","startVUs":2,"gracefulRampDown":"100ms","gracefulStop":"100ms",
		"stages":[{"duration":"200ms","target":1},{"duration":"1400ms","target":1}]}}}`, s, nil)
	_, took, err := tr.run(30 * time.Second)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, took, 1700*time.Millisecond)

	ex := tr.r.Execution()
	assert.Equal(t, int64(2), ex.IterationsInterrupted())
	assert.Zero(t, ex.IterationsCompleted())
	assert.Zero(t, tr.counter("iterations"), "interrupted iterations are not counted as iterations")

	start := time.UnixMilli(tr.r.scenarios[0].state.StartTime())
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, ended, 2)
	assert.GreaterOrEqual(t, ended[2].Sub(start), 290*time.Millisecond, "ramp-down waits gracefulRampDown")
	assert.Less(t, ended[2].Sub(start), 1300*time.Millisecond, "ramp-down does not wait for the end")
	assert.GreaterOrEqual(t, ended[1].Sub(start), 1690*time.Millisecond, "the last VU runs to the hard stop")
}

// scheduleCount counts the arrivals an arrival-rate executor starts: those due
// before its end.
func scheduleCount(a *arrivals) int64 {
	var n int64
	for ; ; n++ {
		if _, ok := a.at(n); !ok {
			return n
		}
	}
}

func TestConstantArrivalRateSchedule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rate     int64
		timeUnit string
		duration string
		period   time.Duration
		want     int64 // rate × duration
	}{
		{50, "1s", "1s", 20 * time.Millisecond, 50},
		{10, "1s", "2s", 100 * time.Millisecond, 20},
		{120, "1m", "1s", 500 * time.Millisecond, 2},
		{7, "1s", "1s", 0, 7},
		{3, "1s", "2s", 0, 6},
		{3, "1s", "1m", 0, 180},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%d per %s for %s", tt.rate, tt.timeUnit, tt.duration)
		t.Run(name, func(t *testing.T) {
			o, err := options.Parse([]byte(fmt.Sprintf(`{"scenarios":{"c":{"executor":"constant-arrival-rate",
				"rate":%d,"timeUnit":%q,"duration":%q,"preAllocatedVUs":1}}}`, tt.rate, tt.timeUnit, tt.duration)))
			require.NoError(t, err)
			e := newConstantArrivalRate(o.Scenarios["c"].(options.ConstantArrivalRateConfig), nil)
			if tt.period > 0 {
				for n := int64(0); n < min(4, tt.want); n++ {
					due, ok := e.at(n)
					assert.True(t, ok)
					assert.Equal(t, time.Duration(n)*tt.period, due, "arrival %d", n)
				}
			}
			assert.Equal(t, tt.want, scheduleCount(&e.arrivals))
		})
	}
}

func TestConstantArrivalRate(t *testing.T) {
	t.Parallel()
	t.Run("fast iterations: every arrival starts", func(t *testing.T) {
		t.Parallel()
		s := &fakeScript{}
		tr := newTestRun(t, `{"scenarios":{"c":{"executor":"constant-arrival-rate","rate":50,"timeUnit":"1s",
			"duration":"1s","preAllocatedVUs":2,"maxVUs":5}}}`, s, nil)
		_, took, err := tr.run(30 * time.Second)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, took, 980*time.Millisecond, "the last arrival is due at 980ms")

		recs := s.iterations()
		assert.GreaterOrEqual(t, len(recs), 30, "an idle VU takes most arrivals")
		assert.Equal(t, seq(0, int64(len(recs))), sortedInts(localNumbers(recs)))
		ex := tr.r.Execution()
		assert.GreaterOrEqual(t, ex.VUsInitialized(), int64(2))
		assert.LessOrEqual(t, ex.VUsInitialized(), int64(5))
		assert.Equal(t, float64(len(recs)), tr.counter("iterations"))
		checkArrivals(t, 50, len(recs), tr.counter("dropped_iterations"))
	})
	t.Run("slow VU: drops, grows to maxVUs", func(t *testing.T) {
		t.Parallel()
		// Arrivals every 50ms for 1s (20), each iteration takes 300ms, at most 2 VUs.
		s := &fakeScript{iter: sleepIter(300 * time.Millisecond)}
		tr := newTestRun(t, `{"scenarios":{"c":{"executor":"constant-arrival-rate","rate":20,"timeUnit":"1s",
			"duration":"1s","preAllocatedVUs":1,"maxVUs":2}}}`, s, nil)
		assert.Equal(t, int64(1), tr.r.plannedVUs(), "preAllocatedVUs are initialized up front")
		_, _, err := tr.run(30 * time.Second)
		require.NoError(t, err)

		recs := s.iterations()
		dropped := tr.counter("dropped_iterations")
		assert.Positive(t, dropped)
		ex := tr.r.Execution()
		assert.Equal(t, int64(2), ex.VUsInitialized(), "grows to maxVUs, not beyond")
		assert.Equal(t, int64(2), ex.VUsMax())
		assert.Len(t, byVU(recs), 2, "the new VU runs iterations")
		assert.Zero(t, ex.VUsActive())
		checkArrivals(t, 20, len(recs), dropped)
	})
}

func TestConstantArrivalRateExactCount(t *testing.T) {
	t.Parallel()
	// 7 iterations per second for a second is 7 iterations.
	s := &fakeScript{}
	tr := newTestRun(t, `{"scenarios":{"c":{"executor":"constant-arrival-rate","rate":7,"timeUnit":"1s",
		"duration":"1s","preAllocatedVUs":2,"maxVUs":2}}}`, s, nil)
	_, _, err := tr.run(30 * time.Second)
	require.NoError(t, err)
	got := float64(len(s.iterations())) + tr.counter("dropped_iterations")
	assert.Equal(t, 7.0, got, "rate 7/s for 1s starts or drops exactly 7 arrivals")
}

// rampingArrivalConfig parses a ramping-arrival-rate scenario.
func rampingArrival(t *testing.T, js string) *rampingArrivalRate {
	t.Helper()
	o, err := options.Parse([]byte(`{"scenarios":{"r":` + js + `}}`))
	require.NoError(t, err)
	c, ok := o.Scenarios["r"].(options.RampingArrivalRateConfig)
	require.True(t, ok, "%T", o.Scenarios["r"])
	return newRampingArrivalRate(c, nil)
}

func secs(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func TestRampingArrivalRateDue(t *testing.T) {
	t.Parallel()
	// Each shape lists when arrival n (from 1) is due: the time at which the area
	// under the rate curve (iterations started so far) reaches n; e.due counts
	// from 0, so e.due(n-1) must give it. The scenario starts as many iterations
	// as its area, the last one at its end.
	tests := []struct {
		name  string
		cfg   string
		due   func(n int64) time.Duration
		count int64 // area under the whole curve
	}{
		{"constant 10/s for 1s", `"startRate":10,"stages":[{"duration":"1s","target":10}]`,
			func(n int64) time.Duration { return time.Duration(n) * 100 * time.Millisecond }, 10},
		{"ramp 0→10/s over 2s: area 2.5·t²", `"startRate":0,"stages":[{"duration":"2s","target":10}]`,
			func(n int64) time.Duration { return secs(math.Sqrt(float64(n) / 2.5)) }, 10},
		{"ramp then plateau", `"startRate":0,"stages":[{"duration":"1s","target":10},{"duration":"1s","target":10}]`,
			func(n int64) time.Duration {
				if n < 5 {
					return secs(math.Sqrt(float64(n) / 5))
				}
				return time.Second + time.Duration(n-5)*100*time.Millisecond
			}, 15},
		{"ramp down 10→0/s over 1s: area 10t−5t²", `"startRate":10,"stages":[{"duration":"1s","target":0}]`,
			func(n int64) time.Duration { return secs((10 - math.Sqrt(100-20*float64(n))) / 10) }, 5},
		{"idle stage, then ramp", `"startRate":0,"stages":[{"duration":"500ms","target":0},{"duration":"1s","target":10}]`,
			func(n int64) time.Duration { return 500*time.Millisecond + secs(math.Sqrt(float64(n)/5)) }, 5},
		{"instant jump, then constant", `"startRate":0,"stages":[{"duration":"0s","target":10},{"duration":"1s","target":10}]`,
			func(n int64) time.Duration { return time.Duration(n) * 100 * time.Millisecond }, 10},
		{"timeUnit 1m: 120/min is 2/s", `"startRate":120,"timeUnit":"1m","stages":[{"duration":"2s","target":120}]`,
			func(n int64) time.Duration { return time.Duration(n) * 500 * time.Millisecond }, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := rampingArrival(t, `{"executor":"ramping-arrival-rate","preAllocatedVUs":1,`+tt.cfg+`}`)
			for n := int64(1); n <= tt.count; n++ {
				got, ok := e.due(n - 1)
				require.True(t, ok, "arrival %d", n)
				assert.InDelta(t, float64(tt.due(n)), float64(got), float64(time.Microsecond), "arrival %d", n)
			}
			assert.Equal(t, tt.count, scheduleCount(&e.arrivals), "arrivals up to the end")
			_, ok := e.due(tt.count)
			assert.False(t, ok, "nothing after the last stage")
		})
	}
}

func TestRampingArrivalRateNoArrivalWhileRateIsZero(t *testing.T) {
	t.Parallel()
	// A ramp from 0 iterations/s has a rate of 0 at its start: k6 starts the
	// first iteration when the area under the rate curve reaches 1 (here at
	// √(1/2.5) s ≈ 632ms), as segment.Tuple.ArrivalAt's doc says too.
	e := rampingArrival(t, `{"executor":"ramping-arrival-rate","preAllocatedVUs":1,"startRate":0,
		"stages":[{"duration":"2s","target":10}]}`)
	first, ok := e.due(0)
	require.True(t, ok)
	assert.InDelta(t, float64(secs(math.Sqrt(1/2.5))), float64(first), float64(time.Microsecond))
}

func TestRampingArrivalRate(t *testing.T) {
	t.Parallel()
	// Area: 0→40/s over 500ms = 10, then 40/s for 500ms = 20.
	s := &fakeScript{}
	tr := newTestRun(t, `{"scenarios":{"r":{"executor":"ramping-arrival-rate","startRate":0,"timeUnit":"1s",
		"preAllocatedVUs":3,"maxVUs":5,"stages":[{"duration":"500ms","target":40},{"duration":"500ms","target":40}]}}}`, s, nil)
	_, _, err := tr.run(30 * time.Second)
	require.NoError(t, err)
	recs := s.iterations()
	assert.GreaterOrEqual(t, len(recs), 20)
	assert.Equal(t, seq(0, int64(len(recs))), sortedInts(localNumbers(recs)))
	assert.Equal(t, "ramping-arrival-rate", tr.r.scenarios[0].state.Executor)
	for _, r := range recs {
		assert.Equal(t, "r", r.scenario)
	}
	checkArrivals(t, 30, len(recs), tr.counter("dropped_iterations"))
}

// checkArrivals checks that each of the schedule's want arrivals either started
// an iteration or was counted in dropped_iterations.
func checkArrivals(t *testing.T, want, started int, dropped float64) {
	t.Helper()
	got := float64(started) + dropped
	assert.Equal(t, float64(want), got, "every arrival either starts or is dropped")
}

func TestArrivalRateLastArrivalIsNotLost(t *testing.T) {
	t.Parallel()
	// The schedule has one arrival and an idle VU to take it. The run ends right
	// after it is handed over; the iteration must still run.
	tests := []struct{ name, scenario string }{
		{"constant-arrival-rate", `{"executor":"constant-arrival-rate","rate":1,"timeUnit":"1s","duration":"100ms","preAllocatedVUs":1}`},
		// Area 1: its one arrival is due at the very end of the stage.
		{"ramping-arrival-rate", `{"executor":"ramping-arrival-rate","startRate":10,"timeUnit":"1s","preAllocatedVUs":1,
			"stages":[{"duration":"100ms","target":10}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			const runs = 20
			lost := 0
			for i := 0; i < runs; i++ {
				s := &fakeScript{}
				tr := newTestRun(t, `{"scenarios":{"s":`+tt.scenario+`}}`, s, nil)
				_, _, err := tr.run(30 * time.Second)
				require.NoError(t, err)
				started, dropped := len(s.iterations()), tr.counter("dropped_iterations")
				assert.Zero(t, dropped, "an idle VU was there")
				if started == 0 {
					lost++
				} else {
					assert.Equal(t, 1, started)
				}
			}
			assert.Zero(t, lost, "runs in which the only arrival was handed to an idle VU and never ran")
		})
	}
}

func TestMaxDurationAndGracefulStop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		scenario    string
		iter        iterFunc
		minTook     time.Duration
		completed   int64
		interrupted int64
		dropped     float64
	}{
		{"shared-iterations: endless iteration cut at maxDuration+gracefulStop",
			`{"executor":"shared-iterations","vus":1,"iterations":5,"maxDuration":"200ms","gracefulStop":"100ms"}`,
			blockUntilInterrupted, 300 * time.Millisecond, 0, 1, 4},
		{"shared-iterations: slow iteration finishes within gracefulStop",
			`{"executor":"shared-iterations","vus":1,"iterations":5,"maxDuration":"100ms","gracefulStop":"5s"}`,
			sleepIter(250 * time.Millisecond), 250 * time.Millisecond, 1, 0, 4},
		{"shared-iterations: gracefulStop 0 interrupts at maxDuration",
			`{"executor":"shared-iterations","vus":2,"iterations":10,"maxDuration":"150ms","gracefulStop":"0s"}`,
			blockUntilInterrupted, 150 * time.Millisecond, 0, 2, 8},
		{"per-vu-iterations: endless iterations cut",
			`{"executor":"per-vu-iterations","vus":2,"iterations":3,"maxDuration":"100ms","gracefulStop":"100ms"}`,
			blockUntilInterrupted, 200 * time.Millisecond, 0, 2, 4},
		{"constant-vus: endless iterations cut, nothing dropped",
			`{"executor":"constant-vus","vus":2,"duration":"200ms","gracefulStop":"100ms"}`,
			blockUntilInterrupted, 300 * time.Millisecond, 0, 2, 0},
		{"constant-arrival-rate: endless iterations cut",
			`{"executor":"constant-arrival-rate","rate":10,"timeUnit":"1s","duration":"200ms","preAllocatedVUs":1,"maxVUs":1,"gracefulStop":"100ms"}`,
			blockUntilInterrupted, 300 * time.Millisecond, 0, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var ctxDone []bool
			s := &fakeScript{iter: func(ctx context.Context, v *fakeVU, intr <-chan struct{}) error {
				err := tt.iter(ctx, v, intr)
				if err != nil {
					mu.Lock()
					ctxDone = append(ctxDone, ctx.Err() != nil)
					mu.Unlock()
				}
				return err
			}}
			tr := newTestRun(t, `{"scenarios":{"s":`+tt.scenario+`}}`, s, nil)
			_, took, err := tr.run(30 * time.Second)
			require.NoError(t, err)
			assert.GreaterOrEqual(t, took, tt.minTook)
			assert.Less(t, took, tt.minTook+10*time.Second)

			ex := tr.r.Execution()
			assert.Equal(t, tt.completed, ex.IterationsCompleted(), "completed")
			assert.Equal(t, tt.interrupted, ex.IterationsInterrupted(), "interrupted")
			assert.Equal(t, tt.dropped, tr.counter("dropped_iterations"), "dropped")
			assert.Equal(t, float64(tt.completed), tr.counter("iterations"))
			mu.Lock()
			defer mu.Unlock()
			assert.Len(t, ctxDone, int(tt.interrupted))
			for _, done := range ctxDone {
				assert.True(t, done, "an interrupted iteration's context is done")
			}
			if tt.interrupted > 0 {
				var interrupts int64
				for _, v := range s.vus {
					interrupts += v.interrupts.Load()
				}
				assert.GreaterOrEqual(t, interrupts, tt.interrupted, "VU.Interrupt was called")
			}
		})
	}
}
