package runner

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/segment"
)

// rampingVUs changes the number of looping VUs along stages: within a stage the
// count moves linearly from the previous target to the stage's target, one VU at
// a time, evenly spaced. A VU that is no longer needed finishes its iteration
// (gracefulRampDown at most) and rests until it is needed again.
type rampingVUs struct {
	steps    []rampStep
	maxVUs   int64
	total    time.Duration
	rampDown time.Duration
}

// rampStep says that from at on, vus VUs should loop.
type rampStep struct {
	at  time.Duration
	vus int64
}

func newRampingVUs(c options.RampingVUsConfig, t *segment.Tuple) *rampingVUs {
	e := &rampingVUs{rampDown: c.GetGracefulRampDown()}
	cur := t.Scale(c.GetStartVUs())
	e.steps = append(e.steps, rampStep{0, cur})
	e.maxVUs = cur
	var offset time.Duration
	for _, s := range c.Stages {
		target := t.Scale(s.Target.Int64)
		d := s.Duration.ValueOr(0)
		e.steps = append(e.steps, linearSteps(offset, d, cur, target)...)
		if target > e.maxVUs {
			e.maxVUs = target
		}
		cur = target
		offset += d
	}
	e.total = offset
	return e
}

// linearSteps spreads the change from `from` to `to` VUs over d, starting at
// offset: the k-th of the n = |to-from| changes happens at offset + d·k/n, so the
// count reaches `to` exactly when the stage ends.
func linearSteps(offset, d time.Duration, from, to int64) []rampStep {
	n := to - from
	dir := int64(1)
	if n < 0 {
		n, dir = -n, -1
	}
	steps := make([]rampStep, 0, n)
	for k := int64(1); k <= n; k++ {
		steps = append(steps, rampStep{offset + time.Duration(float64(d)*float64(k)/float64(n)), from + dir*k})
	}
	return steps
}

// vusAt is the number of VUs wanted at elapsed time t.
func (e *rampingVUs) vusAt(t time.Duration) int64 {
	i := sort.Search(len(e.steps), func(i int) bool { return e.steps[i].at > t })
	if i == 0 {
		return 0
	}
	return e.steps[i-1].vus
}

// nextChange returns the first time after t at which slot's activity becomes
// want (true: needed, false: not needed), and false when that never happens.
func (e *rampingVUs) nextChange(t time.Duration, slot int64, want bool) (time.Duration, bool) {
	for _, s := range e.steps {
		if s.at > t && (s.vus > slot) == want {
			return s.at, true
		}
	}
	return 0, false
}

func (e *rampingVUs) initialVUs() int64          { return e.maxVUs }
func (e *rampingVUs) maxDuration() time.Duration { return e.total + e.rampDown }

func (e *rampingVUs) run(ctx context.Context, sr *scenarioRun) {
	sr.state.setProgress(timeProgress(&sr.start, e.total))
	sr.state.setDetail(func(p *ScenarioProgress) { p.MaxVUs, p.Duration = e.maxVUs, e.total })
	hard, cancel := sr.hardStop(ctx, e.total)
	defer cancel()
	var stop stopFlag
	defer sr.armStop(ctx, &stop, e.total)()

	var wg sync.WaitGroup
	for slot, v := range sr.take(ctx, e.maxVUs) {
		slot := int64(slot)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer sr.r.recoverPanic()
			defer sr.r.pool.put(v)
			e.runSlot(hard, sr, v, slot, &stop)
		}()
	}
	wg.Wait()
}

// runSlot drives one VU slot: it loops while the slot is needed and rests when it
// is not.
func (e *rampingVUs) runSlot(ctx context.Context, sr *scenarioRun, v *pooledVU, slot int64, stop *stopFlag) {
	afterStop := context.AfterFunc(ctx, func() { v.vu.Interrupt(ErrInterrupted) })
	defer afterStop()
	rampDown := time.AfterFunc(time.Hour, func() { v.vu.Interrupt(ErrInterrupted) })
	rampDown.Stop()
	defer rampDown.Stop()
	active := false
	defer func() {
		if active {
			sr.r.addActive(-1)
		}
	}()
	for !stop.isSet() && ctx.Err() == nil {
		now := time.Since(sr.start)
		if e.vusAt(now) <= slot {
			if active {
				sr.r.addActive(-1)
				active = false
			}
			at, ok := e.nextChange(now, slot, true)
			if !ok || !sleepCtx(ctx, at-now) {
				return
			}
			continue
		}
		if !active {
			sr.bind(v)
			active = true
		}
		if end, ok := e.nextChange(now, slot, false); ok {
			rampDown.Reset(end + e.rampDown - now)
		}
		local, _ := sr.state.nextIteration()
		_, finished := sr.iterate(ctx, v, local, time.Now())
		rampDown.Stop()
		if !finished && ctx.Err() != nil {
			return
		}
	}
}

// sleepCtx waits d or until ctx ends; it reports whether d passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
