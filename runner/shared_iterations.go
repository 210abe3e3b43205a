package runner

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/segment"
)

// sharedIterations runs a fixed number of iterations shared by a fixed number of
// VUs: each VU takes the next iteration number until they run out or maxDuration
// passes.
type sharedIterations struct {
	vus, iterations int64
	maxDur          time.Duration
}

func newSharedIterations(c options.SharedIterationsConfig, t *segment.Tuple) *sharedIterations {
	return &sharedIterations{vus: t.Scale(c.GetVUs()), iterations: t.Scale(c.GetIterations()), maxDur: c.GetMaxDuration()}
}

func (e *sharedIterations) initialVUs() int64          { return e.vus }
func (e *sharedIterations) maxDuration() time.Duration { return e.maxDur }

func (e *sharedIterations) run(ctx context.Context, sr *scenarioRun) {
	var done atomic.Int64
	sr.state.setProgress(countProgress(&done, e.iterations))
	sr.state.setDetail(func(p *ScenarioProgress) {
		p.VUs, p.Duration, p.Done, p.Total = e.vus, e.maxDur, done.Load(), e.iterations
	})
	hard, cancel := sr.hardStop(ctx, e.maxDur)
	defer cancel()
	var stop stopFlag
	defer sr.armStop(ctx, &stop, e.maxDur)()

	var claimed atomic.Int64
	next := func() (int64, bool) {
		if stop.isSet() {
			return 0, false
		}
		n := claimed.Add(1) - 1
		if n >= e.iterations {
			return 0, false
		}
		local, _ := sr.state.nextIteration()
		return local, true
	}
	sr.eachVU(ctx, e.vus, func(v *pooledVU) { sr.runLoop(hard, v, next, &done) })
	sr.emitDropped(e.iterations - min(claimed.Load(), e.iterations))
}
