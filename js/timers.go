package js

import (
	"errors"
	"time"

	"github.com/grafana/sobek"
)

// timers are a VU's setTimeout and setInterval timers. They count down on Go
// timers; when one fires, its callback is queued on the VU's event loop (see
// eventloop.go), where it runs on the VU's goroutine. An armed timer is
// outstanding work of the loop: as in k6, an iteration (or setup, teardown,
// handleSummary) lasts until its timers are done, and a stop clears them.
type timers struct {
	vu      *VU
	loop    *eventLoop
	nextID  int64
	pending map[int64]*timer // VU goroutine only
}

// timer is one pending setTimeout or setInterval.
type timer struct {
	id       int64
	t        *time.Timer
	fn       sobek.Callable
	args     []sobek.Value
	interval time.Duration // 0 for setTimeout
	due      time.Time     // when it fires next
}

func newTimers(vu *VU, loop *eventLoop) *timers {
	ts := &timers{vu: vu, loop: loop, pending: map[int64]*timer{}}
	loop.timers = ts
	return ts
}

// setTimeout and setInterval are the globals of those names.
func (ts *timers) setTimeout(c sobek.FunctionCall) sobek.Value  { return ts.set(c, false) }
func (ts *timers) setInterval(c sobek.FunctionCall) sobek.Value { return ts.set(c, true) }

func (ts *timers) set(call sobek.FunctionCall, repeat bool) sobek.Value {
	rt := ts.vu.rt
	if ts.vu.State() == nil {
		panic(rt.NewGoError(errors.New("timers (setTimeout, setInterval) can't be used in the init context")))
	}
	fn, ok := sobek.AssertFunction(call.Argument(0))
	if !ok {
		panic(rt.NewTypeError("the first argument of setTimeout/setInterval must be a function"))
	}
	ms := call.Argument(1).ToFloat()
	if !(ms > 0) { // negative, NaN or missing: at once
		ms = 0
	}
	delay := time.Duration(ms * float64(time.Millisecond))
	ts.nextID++
	tm := &timer{id: ts.nextID, fn: fn}
	if len(call.Arguments) > 2 {
		tm.args = append([]sobek.Value(nil), call.Arguments[2:]...)
	}
	if repeat {
		tm.interval = max(delay, time.Millisecond) // as browsers and Node: never a busy loop
	}
	loop := ts.loop
	task := loopTask{epoch: loop.reserve(), timer: tm}
	tm.due = time.Now().Add(delay)
	tm.t = time.AfterFunc(delay, func() { loop.enqueue(task) })
	ts.pending[tm.id] = tm
	return rt.ToValue(tm.id)
}

// clear is clearTimeout and clearInterval.
func (ts *timers) clear(call sobek.FunctionCall) sobek.Value {
	id := call.Argument(0).ToInteger()
	if tm, ok := ts.pending[id]; ok {
		delete(ts.pending, id)
		// Stopped before it fired: its slot in the loop is free. Otherwise its
		// callback is queued or running, and the loop frees the slot when it
		// takes it.
		if tm.t.Stop() {
			ts.loop.pending--
		}
	}
	return sobek.Undefined()
}

// run runs a fired timer's callback, unless it was cleared since, and arms an
// interval again; the loop calls it on the VU's goroutine.
func (ts *timers) run(tm *timer) error {
	if ts.pending[tm.id] != tm {
		return nil // cleared after it fired
	}
	if tm.interval == 0 {
		delete(ts.pending, tm.id)
	}
	if _, err := tm.fn(sobek.Undefined(), tm.args...); err != nil {
		return err
	}
	if tm.interval > 0 && ts.pending[tm.id] == tm {
		// The next tick is due an interval after this one was, not after its
		// callback ended: a 10 ms interval fires 100 times a second. A tick
		// already late fires at once, and missed ones are not made up.
		ts.loop.pending++
		tm.due = tm.due.Add(tm.interval)
		wait := time.Until(tm.due)
		if wait < 0 {
			tm.due, wait = time.Now(), 0
		}
		tm.t.Reset(wait)
	}
	return nil
}

// clearAll stops every timer; the loop abandons their slots.
func (ts *timers) clearAll() {
	for id, tm := range ts.pending {
		tm.t.Stop()
		delete(ts.pending, id)
	}
}
