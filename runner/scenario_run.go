package runner

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/segment"
)

// executor runs one scenario's VUs and iterations; there is one implementation per
// executor type, each in its own file.
type executor interface {
	// initialVUs is how many VUs the scenario takes from the pool when it starts.
	initialVUs() int64
	// maxDuration is the longest the scenario can run, graceful stop excluded.
	maxDuration() time.Duration
	// run runs the scenario; it returns when every VU it used is back in the pool.
	run(ctx context.Context, sr *scenarioRun)
}

// newExecutor builds the executor for a scenario's configuration, scaled to this
// instance's segment.
func newExecutor(sc options.Scenario, t *segment.Tuple) (executor, error) {
	switch c := sc.(type) {
	case options.SharedIterationsConfig:
		return newSharedIterations(c, t), nil
	case options.PerVUIterationsConfig:
		return newPerVUIterations(c, t), nil
	case options.ConstantVUsConfig:
		return newConstantVUs(c, t), nil
	case options.RampingVUsConfig:
		return newRampingVUs(c, t), nil
	case options.ConstantArrivalRateConfig:
		return newConstantArrivalRate(c, t), nil
	case options.RampingArrivalRateConfig:
		return newRampingArrivalRate(c, t), nil
	}
	return nil, fmt.Errorf("the %s executor is not supported by minik6 yet", sc.Type())
}

// scenarioRun is one scenario being run.
type scenarioRun struct {
	r     *Runner
	cfg   options.Scenario
	state *ScenarioState
	ex    executor
	start time.Time
}

// run starts the scenario's clock and its executor.
func (sr *scenarioRun) run(ctx context.Context) {
	sr.start = time.Now()
	sr.state.markStarted(sr.start)
	sr.ex.run(ctx, sr)
	sr.state.markEnded(time.Now())
}

// hardStop returns a context that ends gracefulStop after the scenario's planned
// end, or with ctx: iterations still running then are interrupted.
func (sr *scenarioRun) hardStop(ctx context.Context, planned time.Duration) (context.Context, context.CancelFunc) {
	return context.WithDeadline(ctx, sr.start.Add(planned+sr.cfg.GetGracefulStop()))
}

// stopFlag is set when no new iteration may start: the planned end has come or the
// run is stopping. Reading it is one atomic load.
type stopFlag struct{ v atomic.Bool }

func (f *stopFlag) set()        { f.v.Store(true) }
func (f *stopFlag) isSet() bool { return f.v.Load() }

// armStop sets the flag at the planned end of the scenario or when ctx ends; the
// returned function releases the timers.
func (sr *scenarioRun) armStop(ctx context.Context, f *stopFlag, planned time.Duration) func() {
	t := time.AfterFunc(time.Until(sr.start.Add(planned)), f.set)
	stop := context.AfterFunc(ctx, f.set)
	return func() { t.Stop(); stop() }
}

// take takes n distinct VUs from the pool for this scenario before any of them
// starts, so a VU that finishes early can't be handed out twice; it returns fewer
// when ctx ends first.
func (sr *scenarioRun) take(ctx context.Context, n int64) []*pooledVU {
	vus := make([]*pooledVU, 0, n)
	for int64(len(vus)) < n {
		v, ok := sr.r.pool.get(ctx)
		if !ok {
			break
		}
		vus = append(vus, v)
	}
	return vus
}

// eachVU takes n VUs for the scenario and runs body on each in its own
// goroutine, active; it returns when every one is back in the pool.
func (sr *scenarioRun) eachVU(ctx context.Context, n int64, body func(v *pooledVU)) {
	var wg sync.WaitGroup
	for _, v := range sr.take(ctx, n) {
		sr.bind(v)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer sr.r.recoverPanic()
			defer sr.deactivate(v)
			body(v)
		}()
	}
	wg.Wait()
}

// bind prepares a VU's state for this scenario: its tags start as the test's and
// the scenario's, its metadata empty, its scenario iteration count continues
// where it left off.
func (sr *scenarioRun) bind(v *pooledVU) {
	st := v.state
	st.Scenario = sr.state
	tags := NewTags(sr.r.testTags)
	for k, val := range sr.state.Tags {
		if k != "scenario" || sr.r.sysTags.Has("scenario") {
			tags.Set(k, val)
		}
	}
	if sr.r.sysTags.Has("group") {
		tags.Set("group", "")
	}
	if sr.r.sysTags.Has("vu") {
		tags.Set("vu", strconv.FormatUint(st.IDInTest, 10))
	}
	st.Tags = tags
	st.Metadata.Reset()
	sr.r.addActive(1)
	sr.state.activeVUs.Add(1)
}

// deactivate returns a VU to the pool.
func (sr *scenarioRun) deactivate(v *pooledVU) {
	sr.r.addActive(-1)
	sr.state.activeVUs.Add(-1)
	sr.r.pool.put(v)
}

// iterate runs one iteration with the given scenario-local number on v, started
// at start, and records it; it returns when it ended and false when it was
// interrupted.
func (sr *scenarioRun) iterate(ctx context.Context, v *pooledVU, local int64, start time.Time) (time.Time, bool) {
	st := v.state
	st.ScenarioIterationInInstance = local
	st.ScenarioIterationInTest = sr.state.tuple.GlobalIndex(local)
	st.IterationInInstance = st.iterationsDone
	st.IterationInScenario = st.scenarioIterDone[sr.state.index]
	if sr.r.sysTags.Has("iter") {
		// An optional system tag (off by default): it changes the VU's tag set
		// every iteration.
		st.Tags.Set("iter", strconv.FormatInt(st.IterationInInstance, 10))
	}
	err := v.vu.RunIteration(ctx, sr.state.Exec)
	// One monotonic clock read per iteration: the end is the start plus the
	// elapsed time, and a loop starts its next iteration there.
	end := start.Add(time.Since(start))
	st.iterationsDone++
	st.scenarioIterDone[sr.state.index]++
	if errors.Is(err, ErrInterrupted) {
		st.counters.interrupted.Add(1)
		return end, false
	}
	if err != nil {
		sr.r.cfg.Logger.WithField("source", "stacktrace").
			WithField("executor", sr.state.Executor).WithField("scenario", sr.state.Name).Error(err.Error())
	}
	st.counters.completed.Add(1)
	b := sr.r.cfg.Builtins
	st.Emit(b.DataSent, end, float64(st.DataSent))
	st.Emit(b.DataReceived, end, float64(st.DataReceived))
	st.DataSent, st.DataReceived = 0, 0
	st.Emit(b.IterationDuration, end, float64(end.Sub(start))/float64(time.Millisecond))
	st.Emit(b.Iterations, end, 1)
	return end, true
}

// runLoop runs iterations on a VU until next says stop, counting each finished
// one in done (when not nil); an interrupted iteration ends the loop too.
func (sr *scenarioRun) runLoop(ctx context.Context, v *pooledVU, next func() (int64, bool), done *atomic.Int64) {
	stop := context.AfterFunc(ctx, func() { v.vu.Interrupt(ErrInterrupted) })
	defer stop()
	start := time.Now()
	one := func() bool {
		if ctx.Err() != nil {
			return false
		}
		local, ok := next()
		if !ok {
			return false
		}
		var finished bool
		start, finished = sr.iterate(ctx, v, local, start)
		if done != nil {
			done.Add(1)
		}
		return finished
	}
	if l, ok := v.vu.(Looper); ok {
		l.Loop(one)
		return
	}
	for one() {
	}
}

// emitDropped records n iterations that could not run.
func (sr *scenarioRun) emitDropped(n int64) {
	if n <= 0 {
		return
	}
	st := sr.r.newState(0)
	st.Tags = NewTags(sr.r.testTags)
	for k, v := range sr.state.Tags {
		st.Tags.Set(k, v)
	}
	st.Emit(sr.r.cfg.Builtins.DroppedIterations, time.Now(), float64(n))
	st.Samples.Flush()
}
