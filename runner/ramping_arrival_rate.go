package runner

import (
	"context"
	"math"
	"time"

	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/segment"
)

// rampingArrivalRate starts iterations at a rate that moves linearly along stages,
// from startRate to each stage's target.
//
// Within a stage that goes from rate r0 to r1 (iterations per nanosecond) over d,
// the arrivals counted since the stage began are A(x) = r0·x + (r1−r0)·x²/(2d).
// The test's n-th iteration is due when the count reaches n+1: the root of that
// quadratic in [0, d] (a plain division when r0 = r1).
type rampingArrivalRate struct {
	arrivals
	stages []rateStage
}

// rateStage is one stage with its rates in iterations per nanosecond and the
// arrivals counted before it.
type rateStage struct {
	offset, d time.Duration
	r0, r1    float64
	before    float64
}

func newRampingArrivalRate(c options.RampingArrivalRateConfig, t *segment.Tuple) *rampingArrivalRate {
	unit := float64(c.GetTimeUnit())
	e := &rampingArrivalRate{}
	rate := float64(c.GetStartRate()) / unit
	var offset time.Duration
	var count float64
	for _, s := range c.Stages {
		d := s.Duration.ValueOr(0)
		target := float64(s.Target.Int64) / unit
		e.stages = append(e.stages, rateStage{offset: offset, d: d, r0: rate, r1: target, before: count})
		count += (rate + target) / 2 * float64(d)
		rate = target
		offset += d
	}
	pre := t.Scale(c.GetPreAllocatedVUs())
	e.arrivals = arrivals{
		preAllocated: pre,
		maxVUs:       max(pre, t.Scale(c.GetMaxVUs())),
		total:        offset,
		rate:         func(at time.Duration) float64 { return e.rateAt(at) * share(t) * float64(time.Second) },
		at:           e.due,
	}
	return e
}

// rateAt is the test's arrival rate at elapsed time at, in iterations per
// nanosecond.
func (e *rampingArrivalRate) rateAt(at time.Duration) float64 {
	for _, s := range e.stages {
		if at < s.offset+s.d && s.d > 0 {
			return s.r0 + (s.r1-s.r0)*float64(at-s.offset)/float64(s.d)
		}
	}
	if len(e.stages) == 0 {
		return 0
	}
	return e.stages[len(e.stages)-1].r1
}

// due is when the test's n-th iteration (from 0) starts: when the arrivals
// counted reach n+1, as in k6, so a ramp from rate 0 starts nothing at once and
// the scenario starts as many iterations as the area under its rate curve (the
// last one at its very end).
func (e *rampingArrivalRate) due(n int64) (time.Duration, bool) {
	want := float64(n + 1)
	for i, s := range e.stages {
		got := want - s.before
		inStage := (s.r0 + s.r1) / 2 * float64(s.d)
		if s.d == 0 || got > inStage*(1+1e-12) {
			continue
		}
		if got >= inStage && i < len(e.stages)-1 {
			continue
		}
		if got >= inStage {
			return s.offset + s.d, true
		}
		var x float64
		if a := (s.r1 - s.r0) / (2 * float64(s.d)); math.Abs(a) < 1e-30 {
			x = got / s.r0
		} else {
			x = (-s.r0 + math.Sqrt(s.r0*s.r0+4*a*got)) / (2 * a)
		}
		return s.offset + time.Duration(x), true
	}
	return 0, false
}

func (e *rampingArrivalRate) initialVUs() int64          { return e.preAllocated }
func (e *rampingArrivalRate) maxDuration() time.Duration { return e.total }
func (e *rampingArrivalRate) run(ctx context.Context, sr *scenarioRun) {
	e.arrivals.run(ctx, sr)
}
