package js

import (
	"reflect"

	"github.com/grafana/sobek"
)

// Sobek drops a runtime's value stack whenever a call from Go returns to the top
// level (and runs the promise jobs then). For a loop of short iterations, growing
// that stack again on every call is a large share of the cost. Loop therefore runs
// a VU's iterations inside one JavaScript frame, where each call keeps the stack.
// Promise jobs only run at the top level, so the loop leaves the frame whenever
// one is pending (and the next iteration re-enters); a VU whose function returns
// promises (an async function) or uses the event loop (timers, module callbacks:
// see eventloop.go) runs its iterations from the top level, one call each, so
// that promise jobs run after each of the loop's callbacks.
//
// The first iteration runs from the top level, to learn which kind the function
// is. A later iteration may be the first to use promises or the event loop while
// in the frame: its loop then runs there, and the promise jobs it leaves run
// when Loop leaves the frame, right after it (what they start in turn belongs to
// the next iteration); from then on, the iterations run from the top level.

// jobQueueField is the index of sobek.Runtime's job queue, read (never written)
// to tell whether promise jobs are pending; -1 turns the optimisation off if
// Sobek's layout changes.
var jobQueueField = func() int {
	f, ok := reflect.TypeOf(sobek.Runtime{}).FieldByName("jobQueue")
	if !ok || f.Type.Kind() != reflect.Slice || len(f.Index) != 1 {
		return -1
	}
	return f.Index[0]
}()

// enterName is the source name of enterProgram, whose frame stack traces leave
// out (see internalFrame).
const enterName = "enter.js"

// enterProgram calls its argument, a Go function, from JavaScript.
var enterProgram = sobek.MustCompile(enterName, "(function (body) { body(); })", true)

// pendingJobs reports whether promise jobs wait for the top level.
func (vu *VU) pendingJobs() bool {
	return reflect.ValueOf(vu.rt).Elem().Field(jobQueueField).Len() > 0
}

// Loop calls next until it returns false; next runs one iteration through
// RunIteration. It implements runner.Looper.
func (vu *VU) Loop(next func() bool) {
	if jobQueueField < 0 || vu.topLevelOnly {
		for next() {
		}
		return
	}
	if vu.enter == nil {
		fn, err := vu.rt.RunProgram(enterProgram)
		if err != nil {
			vu.topLevelOnly = true
			vu.Loop(next)
			return
		}
		vu.enter, _ = sobek.AssertFunction(fn)
		vu.body = vu.rt.ToValue(func(sobek.FunctionCall) sobek.Value {
			for {
				if !vu.next() {
					vu.loopDone = true
					return sobek.Undefined()
				}
				if vu.topLevelOnly || vu.pendingJobs() {
					return sobek.Undefined()
				}
			}
		})
	}
	// The first iteration runs from the top level, to learn whether the
	// function returns promises.
	if !vu.probed {
		vu.probed = true
		if !next() {
			return
		}
		if vu.topLevelOnly {
			vu.Loop(next)
			return
		}
	}
	vu.next, vu.loopDone = next, false
	defer func() { vu.next = nil }()
	for !vu.loopDone && !vu.topLevelOnly {
		vu.inLoop = true
		_, err := vu.enter(sobek.Undefined(), vu.body)
		vu.inLoop = false
		if err != nil && !vu.loopDone {
			// Interrupted between iterations, outside any script code: the next
			// iteration sees the stop.
			continue
		}
	}
	if !vu.loopDone {
		for next() {
		}
	}
}
