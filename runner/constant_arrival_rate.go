package runner

import (
	"context"
	"math"
	"math/bits"
	"time"

	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/segment"
)

// constantArrivalRate starts iterations at a fixed rate for a duration: the test's
// n-th iteration (from 0) is due at n·timeUnit/rate.
type constantArrivalRate struct{ arrivals }

func newConstantArrivalRate(c options.ConstantArrivalRateConfig, t *segment.Tuple) *constantArrivalRate {
	unit, rate, total := uint64(c.GetTimeUnit()), uint64(c.GetRate()), c.GetDuration()
	pre := t.Scale(c.GetPreAllocatedVUs())
	return &constantArrivalRate{arrivals{
		preAllocated: pre,
		maxVUs:       max(pre, t.Scale(c.GetMaxVUs())),
		total:        total,
		rate: func(time.Duration) float64 {
			return float64(rate) * share(t) / time.Duration(unit).Seconds()
		},
		at: func(n int64) (time.Duration, bool) {
			if rate == 0 {
				return 0, false
			}
			// n·timeUnit/rate in 128-bit integers: exact, so the arrival that
			// would fall on the end of the scenario is never pulled before it.
			hi, lo := bits.Mul64(uint64(n), unit)
			if hi >= rate {
				return 0, false
			}
			q, _ := bits.Div64(hi, lo, rate)
			if q > math.MaxInt64 || time.Duration(q) >= total {
				return 0, false
			}
			return time.Duration(q), true
		},
	}}
}

func (e *constantArrivalRate) initialVUs() int64          { return e.preAllocated }
func (e *constantArrivalRate) maxDuration() time.Duration { return e.total }
func (e *constantArrivalRate) run(ctx context.Context, sr *scenarioRun) {
	e.arrivals.run(ctx, sr)
}
