package runner

import (
	"context"
	"time"

	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/segment"
)

// constantVUs keeps a fixed number of VUs looping over iterations for a duration.
type constantVUs struct {
	vus      int64
	duration time.Duration
}

func newConstantVUs(c options.ConstantVUsConfig, t *segment.Tuple) *constantVUs {
	return &constantVUs{vus: t.Scale(c.GetVUs()), duration: c.GetDuration()}
}

func (e *constantVUs) initialVUs() int64          { return e.vus }
func (e *constantVUs) maxDuration() time.Duration { return e.duration }

func (e *constantVUs) run(ctx context.Context, sr *scenarioRun) {
	sr.state.setProgress(timeProgress(&sr.start, e.duration))
	sr.state.setDetail(func(p *ScenarioProgress) { p.VUs, p.Duration = e.vus, e.duration })
	hard, cancel := sr.hardStop(ctx, e.duration)
	defer cancel()
	var stop stopFlag
	defer sr.armStop(ctx, &stop, e.duration)()

	next := func() (int64, bool) {
		if stop.isSet() {
			return 0, false
		}
		n, _ := sr.state.nextIteration()
		return n, true
	}
	sr.eachVU(ctx, e.vus, func(v *pooledVU) { sr.runLoop(hard, v, next, nil) })
}
