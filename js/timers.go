package js

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/grafana/sobek"

	"github.com/minik6/minik6/runner"
)

// timers are a VU's setTimeout and setInterval timers. They count down on Go
// timers, but their callbacks run on the VU's goroutine, in the event loop that
// ends each iteration (and setup, teardown): as in k6, an iteration lasts until
// its timers are done, and a stop clears them.
type timers struct {
	vu      *VU
	nextID  int64
	pending map[int64]*timer

	mu     sync.Mutex
	fired  []int64
	notify chan struct{}
}

// timer is one pending setTimeout or setInterval.
type timer struct {
	t        *time.Timer
	fn       sobek.Callable
	args     []sobek.Value
	interval time.Duration // 0 for setTimeout
}

func newTimers(vu *VU) *timers {
	return &timers{vu: vu, pending: map[int64]*timer{}, notify: make(chan struct{}, 1)}
}

// install defines setTimeout, clearTimeout, setInterval and clearInterval.
func (ts *timers) install(rt *sobek.Runtime) error {
	for name, fn := range map[string]func(sobek.FunctionCall) sobek.Value{
		"setTimeout":    func(c sobek.FunctionCall) sobek.Value { return ts.set(c, false) },
		"setInterval":   func(c sobek.FunctionCall) sobek.Value { return ts.set(c, true) },
		"clearTimeout":  ts.clear,
		"clearInterval": ts.clear,
	} {
		if err := rt.Set(name, fn); err != nil {
			return err
		}
	}
	return nil
}

func (ts *timers) set(call sobek.FunctionCall, repeat bool) sobek.Value {
	rt := ts.vu.rt
	if ts.vu.State() == nil {
		panic(rt.NewGoError(errors.New("timers (setTimeout, setInterval) can't be used in the init context")))
	}
	fn, ok := sobek.AssertFunction(call.Argument(0))
	if !ok {
		panic(rt.NewTypeError("the first argument of setTimeout/setInterval must be a function"))
	}
	delay := time.Duration(call.Argument(1).ToFloat() * float64(time.Millisecond))
	if delay < 0 || delay != delay {
		delay = 0
	}
	tm := &timer{fn: fn}
	if len(call.Arguments) > 2 {
		tm.args = append([]sobek.Value(nil), call.Arguments[2:]...)
	}
	if repeat {
		tm.interval = max(delay, time.Millisecond) // as browsers and Node: never a busy loop
	}
	ts.nextID++
	id := ts.nextID
	tm.t = time.AfterFunc(delay, func() { ts.fire(id) })
	ts.pending[id] = tm
	return rt.ToValue(id)
}

func (ts *timers) clear(call sobek.FunctionCall) sobek.Value {
	id := call.Argument(0).ToInteger()
	if tm, ok := ts.pending[id]; ok {
		tm.t.Stop()
		delete(ts.pending, id)
	}
	return sobek.Undefined()
}

// fire queues a timer's callback for the event loop; it runs on the timer's
// goroutine.
func (ts *timers) fire(id int64) {
	ts.mu.Lock()
	ts.fired = append(ts.fired, id)
	ts.mu.Unlock()
	select {
	case ts.notify <- struct{}{}:
	default:
	}
}

// clearAll stops every pending timer.
func (ts *timers) clearAll() {
	for id, tm := range ts.pending {
		tm.t.Stop()
		delete(ts.pending, id)
	}
	ts.mu.Lock()
	ts.fired = nil
	ts.mu.Unlock()
}

// wait is the event loop: it runs the callbacks of the timers as they fire until
// none is pending, or until ctx ends (runner.ErrInterrupted) or a callback
// throws.
func (ts *timers) wait(ctx context.Context) error {
	for len(ts.pending) > 0 {
		select {
		case <-ts.notify:
		case <-ctx.Done():
			ts.clearAll()
			return runner.ErrInterrupted
		}
		ts.mu.Lock()
		ids := ts.fired
		ts.fired = nil
		ts.mu.Unlock()
		for _, id := range ids {
			tm, ok := ts.pending[id]
			if !ok {
				continue // cleared after it fired
			}
			if tm.interval == 0 {
				delete(ts.pending, id)
			}
			if _, err := tm.fn(sobek.Undefined(), tm.args...); err != nil {
				ts.clearAll()
				return err
			}
			if _, still := ts.pending[id]; still && tm.interval > 0 {
				tm.t.Reset(tm.interval)
			}
		}
	}
	return nil
}
