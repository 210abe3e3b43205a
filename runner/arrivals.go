package runner

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minik6/minik6/segment"
)

// arrivals is the machinery the two arrival-rate executors share: a scheduler
// starts iterations at the times a schedule gives, on whichever of the scenario's
// VUs is idle; when none is, the iteration is dropped and, below maxVUs, one more
// VU is initialized for the next arrivals.
//
// With an execution segment, the instance runs only its stripe of the test-wide
// arrivals: its j-th arrival is the test's arrival number GlobalIndex(j), at the
// time the schedule gives for that number. So instances together start exactly the
// test's arrivals, each once.
type arrivals struct {
	preAllocated, maxVUs int64
	total                time.Duration
	// rate is the instance's iterations per second at elapsed time t.
	rate func(t time.Duration) float64
	// at returns when the test-wide arrival number n is due, false when the
	// schedule has no such arrival within the scenario's duration.
	at func(n int64) (time.Duration, bool)
}

// share is the instance's part of the test's arrivals: its segment's length.
func share(t *segment.Tuple) float64 {
	f, _ := t.Segment().Length().Float64()
	return f
}

func (a *arrivals) run(ctx context.Context, sr *scenarioRun) {
	sr.state.setProgress(timeProgress(&sr.start, a.total))
	sr.state.setDetail(func(p *ScenarioProgress) {
		p.MaxVUs, p.Duration = max(a.maxVUs, a.preAllocated), a.total
		p.Rate = a.rate(min(time.Since(sr.start), a.total))
	})
	hard, cancel := sr.hardStop(ctx, a.total)
	defer cancel()

	// idle holds the workers waiting for an iteration; each worker has its own
	// channel, so handing out an iteration never blocks the scheduler.
	idle := make(chan chan struct{}, max(a.maxVUs, a.preAllocated))
	quit := make(chan struct{})
	var wg sync.WaitGroup
	var vus atomic.Int64
	startWorker := func(v *pooledVU) {
		sr.bind(v)
		vus.Add(1)
		wake := make(chan struct{}, 1)
		idle <- wake
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer sr.r.recoverPanic()
			defer sr.deactivate(v)
			stop := context.AfterFunc(hard, func() { v.vu.Interrupt(ErrInterrupted) })
			defer stop()
			for {
				select {
				case <-wake:
				case <-quit:
					// An arrival handed out just before the end still runs.
					select {
					case <-wake:
					default:
						return
					}
				case <-hard.Done():
					return
				}
				local, _ := sr.state.nextIteration()
				if _, ok := sr.iterate(hard, v, local, time.Now()); !ok && hard.Err() != nil {
					return
				}
				idle <- wake
			}
		}()
	}
	for _, v := range sr.take(ctx, a.preAllocated) {
		startWorker(v)
	}

	var growing atomic.Bool
	grow := func() {
		if vus.Load() >= a.maxVUs || !growing.CompareAndSwap(false, true) {
			return
		}
		go func() {
			defer growing.Store(false)
			defer sr.r.recoverPanic()
			v, err := sr.r.pool.grow(ctx)
			if err != nil {
				sr.r.cfg.Logger.WithError(err).Error("could not initialize a VU")
				return
			}
			v.state.setupData = sr.r.pool.setupData()
			select {
			case <-quit:
				sr.r.pool.put(v)
			default:
				startWorker(v)
			}
		}()
	}

	var dropped int64
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	tuple := sr.state.tuple
scheduling:
	for j := int64(0); ; j++ {
		due, ok := a.at(tuple.GlobalIndex(j))
		if !ok {
			break
		}
		if wait := time.Until(sr.start.Add(due)); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				timer.Stop()
				break scheduling
			}
		}
		select {
		case wake := <-idle:
			wake <- struct{}{}
		default:
			dropped++
			grow()
		}
	}
	close(quit)
	wg.Wait()
	for growing.Load() {
		time.Sleep(time.Millisecond)
	}
	sr.emitDropped(dropped)
}

// mostVUs is the most VUs the scenario may hold: it grows up to maxVUs.
func (a *arrivals) mostVUs() int64 { return max(a.maxVUs, a.preAllocated) }
