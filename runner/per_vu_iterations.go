package runner

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/segment"
)

// perVUIterations has each of a fixed number of VUs run the same number of
// iterations, until they are done or maxDuration passes.
type perVUIterations struct {
	vus, iterations int64
	maxDur          time.Duration
}

func newPerVUIterations(c options.PerVUIterationsConfig, t *segment.Tuple) *perVUIterations {
	return &perVUIterations{vus: t.Scale(c.GetVUs()), iterations: c.GetIterations(), maxDur: c.GetMaxDuration()}
}

func (e *perVUIterations) initialVUs() int64          { return e.vus }
func (e *perVUIterations) maxDuration() time.Duration { return e.maxDur }

func (e *perVUIterations) run(ctx context.Context, sr *scenarioRun) {
	var done atomic.Int64
	total := e.vus * e.iterations
	sr.state.setProgress(countProgress(&done, total))
	sr.state.setDetail(func(p *ScenarioProgress) {
		p.VUs, p.Duration, p.Done, p.Total, p.PerVU = e.vus, e.maxDur, done.Load(), total, e.iterations
	})
	hard, cancel := sr.hardStop(ctx, e.maxDur)
	defer cancel()
	var stop stopFlag
	defer sr.armStop(ctx, &stop, e.maxDur)()

	var started atomic.Int64
	sr.eachVU(ctx, e.vus, func(v *pooledVU) {
		left := e.iterations
		sr.runLoop(hard, v, func() (int64, bool) {
			if left == 0 || stop.isSet() {
				return 0, false
			}
			left--
			started.Add(1)
			n, _ := sr.state.nextIteration()
			return n, true
		}, &done)
	})
	sr.emitDropped(total - started.Load())
}
