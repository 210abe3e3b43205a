package runner

import (
	"context"
	"time"

	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/segment"
)

// constantArrivalRate starts iterations at a fixed rate for a duration: the test's
// n-th iteration is due at n·timeUnit/rate.
type constantArrivalRate struct{ arrivals }

func newConstantArrivalRate(c options.ConstantArrivalRateConfig, t *segment.Tuple) *constantArrivalRate {
	period := time.Duration(float64(c.GetTimeUnit()) / float64(c.GetRate()))
	pre := t.Scale(c.GetPreAllocatedVUs())
	return &constantArrivalRate{arrivals{
		preAllocated: pre,
		maxVUs:       max(pre, t.Scale(c.GetMaxVUs())),
		total:        c.GetDuration(),
		at: func(n int64) (time.Duration, bool) {
			if period <= 0 {
				return 0, false
			}
			return time.Duration(n) * period, true
		},
	}}
}

func (e *constantArrivalRate) initialVUs() int64          { return e.preAllocated }
func (e *constantArrivalRate) maxDuration() time.Duration { return e.total }
func (e *constantArrivalRate) run(ctx context.Context, sr *scenarioRun) {
	e.arrivals.run(ctx, sr)
}
