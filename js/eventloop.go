package js

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/minik6/minik6/runner"
)

// eventLoop is a VU's event loop. Every call into the script that must run to
// completion (an iteration, setup, teardown, handleSummary, the init context)
// calls its function and then, when work is outstanding, runs the loop until none
// is left: timer callbacks and the callbacks that modules registered with
// RegisterCallback, each on the VU's goroutine (promise jobs run after each of
// them, when the call returns to the top level).
//
// Outstanding work is counted in pending, on the VU's goroutine only: one for
// every reservation made by RegisterCallback and not yet run, and one for every
// armed timer. Checking whether a call needs the loop is one integer compare, and
// nothing is allocated until a timer or a reservation is made.
//
// Other goroutines only append to queue, under mu. A hard stop, an error or the
// VU's end abandons what is outstanding: the loop's epoch moves on, and whatever
// an older epoch enqueues later is dropped.
type eventLoop struct {
	timers *timers

	// pending counts the outstanding reservations and armed timers; VU goroutine
	// only.
	pending int
	spare   []loopTask // the previous batch, reused as the next queue

	mu    sync.Mutex
	epoch uint64 // written on the VU goroutine under mu; read there without it
	queue []loopTask
	wake  chan struct{} // made with the first reservation; never replaced
}

// loopTask is one callback for the loop: a module's (fn) or a timer's.
type loopTask struct {
	epoch uint64
	fn    func() error
	timer *timer
}

// busy reports whether work is outstanding: the loop has to run.
func (l *eventLoop) busy() bool { return l.pending > 0 }

// reserve counts one more piece of outstanding work and returns the epoch to
// enqueue its callback with; VU goroutine only.
func (l *eventLoop) reserve() uint64 {
	if l.wake == nil {
		l.mu.Lock()
		l.wake = make(chan struct{}, 1)
		l.mu.Unlock()
	}
	l.pending++
	return l.epoch
}

// enqueue queues t for the VU's goroutine, or drops it when its epoch was
// abandoned; any goroutine, never blocks.
func (l *eventLoop) enqueue(t loopTask) {
	l.mu.Lock()
	if t.epoch != l.epoch {
		l.mu.Unlock()
		return
	}
	l.queue = append(l.queue, t)
	wake := l.wake
	l.mu.Unlock()
	select {
	case wake <- struct{}{}:
	default:
	}
}

// registerCallback implements modules.VU.RegisterCallback.
func (l *eventLoop) registerCallback() func(func() error) {
	epoch := l.reserve()
	var called atomic.Bool
	return func(fn func() error) {
		if called.Swap(true) {
			return // a second call: the slot was released by the first
		}
		l.enqueue(loopTask{epoch: epoch, fn: fn})
	}
}

// run runs the loop until no work is outstanding. It returns the first error of
// a callback, or runner.ErrInterrupted as soon as ctx is done; either way what
// is outstanding is abandoned.
func (l *eventLoop) run(ctx context.Context) error {
	for l.pending > 0 {
		if ctx.Err() != nil {
			l.abandon()
			return runner.ErrInterrupted
		}
		l.mu.Lock()
		batch := l.queue
		l.queue = l.spare[:0]
		l.mu.Unlock()
		if len(batch) == 0 {
			l.spare = batch
			select {
			case <-l.wake:
			case <-ctx.Done():
				l.abandon()
				return runner.ErrInterrupted
			}
			continue
		}
		for i := range batch {
			t := batch[i]
			batch[i] = loopTask{}
			l.pending--
			err := ctx.Err()
			if err != nil {
				err = runner.ErrInterrupted
			} else if t.timer != nil {
				err = l.timers.run(t.timer)
			} else {
				err = t.fn()
			}
			if err != nil {
				clear(batch[i:])
				l.spare = batch[:0]
				l.abandon()
				return err
			}
		}
		l.spare = batch[:0]
	}
	return nil
}

// abandon drops all outstanding work: it stops the timers and moves the epoch
// on, so that callbacks still to come are dropped when they are enqueued.
func (l *eventLoop) abandon() {
	l.timers.clearAll()
	l.mu.Lock()
	l.epoch++
	clear(l.queue)
	l.queue = l.queue[:0]
	l.mu.Unlock()
	l.pending = 0
}
