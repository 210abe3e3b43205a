package js_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/grafana/sobek"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/js/modules"
	"github.com/minik6/minik6/runner"
)

// loophooks (k6/x/loophooks, test-only) gives the tests control over the event
// loop's callbacks: hold(key) reserves a slot and leaves its enqueue function to
// the test under key, failLater(msg) enqueues a callback that fails, twice()
// calls its enqueue function twice.
type loophooks struct{ vu modules.VU }

// held is a slot a script reserved with hold(key).
type held struct {
	enqueue func(func() error)
	resolve func(any) error
}

var (
	heldMu    sync.Mutex
	heldSlots = map[string]held{}
	// twiceRuns counts the callbacks of twice() that ran, by key.
	twiceRuns sync.Map // string → *atomic.Int64
)

func init() {
	modules.Register("k6/x/loophooks", modules.ModuleFunc(func(vu modules.VU) modules.Instance {
		return &loophooks{vu: vu}
	}))
}

func (m *loophooks) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{
		"hold": func(key string) *sobek.Promise {
			p, resolve, _ := m.vu.Runtime().NewPromise()
			enqueue := m.vu.RegisterCallback()
			heldMu.Lock()
			heldSlots[key] = held{enqueue: enqueue, resolve: resolve}
			heldMu.Unlock()
			return p
		},
		"failLater": func(msg string) {
			enqueue := m.vu.RegisterCallback()
			go enqueue(func() error { return errors.New(msg) })
		},
		"twice": func(key string) *sobek.Promise {
			p, resolve, _ := m.vu.Runtime().NewPromise()
			enqueue := m.vu.RegisterCallback()
			runs, _ := twiceRuns.LoadOrStore(key, new(atomic.Int64))
			go func() {
				for i := 0; i < 2; i++ {
					enqueue(func() error {
						runs.(*atomic.Int64).Add(1)
						return resolve(i)
					})
				}
			}()
			return p
		},
	}}
}

// keys makes the keys of hold() and twice() unique across tests and -count runs.
var keys atomic.Int64

func uniqueKey(t *testing.T) string {
	return fmt.Sprintf("%s#%d", t.Name(), keys.Add(1))
}

func toJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// waitHeld waits until a script has reserved the slot key with hold(key).
func waitHeld(t *testing.T, key string) held {
	t.Helper()
	var h held
	require.Eventually(t, func() bool {
		heldMu.Lock()
		defer heldMu.Unlock()
		var ok bool
		h, ok = heldSlots[key]
		return ok
	}, 10*time.Second, time.Millisecond, "the script reserved %s", key)
	return h
}

// TestEventLoopInEveryCall: an iteration, setup, teardown and handleSummary all
// last until their timers and registered callbacks are done; the result is read
// after that.
func TestEventLoopInEveryCall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fn     string // default (an iteration, then probe()), setup, teardown, handleSummary
		script string
		want   string // JSON: probe() after the iteration, the result of setup or teardown, handleSummary's map
	}{
		{name: "timer awaited in setup", fn: "setup",
			script: `export async function setup() { await new Promise((r) => setTimeout(r, 10)); return { from: 'timer' }; }`,
			want:   `{"from":"timer"}`},
		{name: "timer not awaited in setup changes the result", fn: "setup",
			script: `export function setup() { const d = { n: 0 }; setTimeout(() => { d.n = 1; }, 10); return d; }`,
			want:   `{"n":1}`},
		{name: "interval in teardown", fn: "teardown",
			script: `export async function teardown() {
				let n = 0;
				await new Promise((r) => { const id = setInterval(() => { if (++n === 3) { clearInterval(id); r(); } }, 1); });
				return n;
			}`,
			want: `3`},
		{name: "timer awaited in handleSummary", fn: "handleSummary",
			script: `export async function handleSummary() { await new Promise((r) => setTimeout(r, 10)); return { stdout: 'after timer' }; }`,
			want:   `{"stdout":"after timer"}`},
		{name: "timer not awaited in handleSummary", fn: "handleSummary",
			script: `export function handleSummary() { const out = {}; setTimeout(() => { out.stdout = 'late'; }, 10); return out; }`,
			want:   `{"stdout":"late"}`},
		{name: "callback in an iteration", fn: "default",
			script: `import { resolveLater } from 'k6/x/sleepy';
				let got;
				export default async function () { got = await resolveLater(10); }
				export function probe() { return got; }`,
			want: `10`},
		{name: "callback not awaited in an iteration", fn: "default",
			script: `import { resolveLater } from 'k6/x/sleepy';
				let got = [];
				export default function () { resolveLater(10).then((v) => got.push(v)); got.push('returned'); }
				export function probe() { return got; }`,
			want: `["returned",10]`},
		{name: "callbacks and timers chained", fn: "default",
			script: `import { resolveLater } from 'k6/x/sleepy';
				let got = [];
				export default function () {
					resolveLater(5)
						.then((v) => { got.push(v); return new Promise((r) => setTimeout(() => r('timer'), 5)); })
						.then((v) => { got.push(v); return resolveLater(6); })
						.then((v) => got.push(v));
				}
				export function probe() { return got; }`,
			want: `[5,"timer",6]`},
		{name: "callback in setup", fn: "setup",
			script: `import { resolveLater } from 'k6/x/sleepy';
				export async function setup() { return { v: await resolveLater(10) }; }`,
			want: `{"v":10}`},
		{name: "callback in teardown", fn: "teardown",
			script: `import { resolveLater } from 'k6/x/sleepy';
				export function teardown() { return resolveLater(7); }`,
			want: `7`},
		{name: "callback in handleSummary", fn: "handleSummary",
			script: `import { resolveLater } from 'k6/x/sleepy';
				export async function handleSummary() { return { stdout: 'waited ' + await resolveLater(10) }; }`,
			want: `{"stdout":"waited 10"}`},
		{name: "top-level await in the init context", fn: "default",
			script: `import { resolveLater } from 'k6/x/sleepy';
				const first = await resolveLater(5);
				export default function () {}
				export function probe() { return first; }`,
			want: `5`},
		{name: "enqueue called twice runs the callback once", fn: "default",
			script: `import { twice } from 'k6/x/loophooks';
				let got;
				export default async function () { got = await twice(__ENV.KEY); }
				export function probe() { return got; }`,
			want: `0`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHost(tt.script, nil)
			key := uniqueKey(t)
			h.env = map[string]string{"KEY": key}
			v, _ := h.vu(t)
			ctx := context.Background()
			var got string
			within(t, 20*time.Second, func() {
				switch tt.fn {
				case "default":
					if err := v.RunIteration(ctx, "default"); err != nil {
						got = "error: " + err.Error()
						return
					}
					out, err := v.Call(ctx, "probe", nil)
					got, _ = string(out), err
				case "handleSummary":
					out, err := v.HandleSummary(ctx, []byte(`{}`))
					if err != nil {
						got = "error: " + err.Error()
						return
					}
					m := map[string]string{}
					for k, b := range out {
						m[k] = string(b)
					}
					got = toJSON(t, m)
				default:
					out, err := v.Call(ctx, tt.fn, nil)
					if err != nil {
						got = "error: " + err.Error()
						return
					}
					got = string(out)
				}
			})
			assert.JSONEq(t, tt.want, got)
			if runs, ok := twiceRuns.Load(key); ok {
				time.Sleep(20 * time.Millisecond) // a second callback would have arrived
				assert.Equal(t, int64(1), runs.(*atomic.Int64).Load(), "the second enqueue was ignored")
			}
		})
	}
}

// TestEventLoopErrors: an error returned by a callback ends the loop like an
// exception: a script error for an iteration, the error of setup or
// handleSummary; a rejected promise is an error once the loop is idle, and so
// is a still pending one but in an iteration (see TestUnsettledIterations).
func TestEventLoopErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, fn, script string
		want             []string
	}{
		{name: "callback error in an iteration", fn: "default",
			script: `import { failLater } from 'k6/x/loophooks';
				export default function () { failLater('callback failed'); setInterval(() => {}, 1); }`,
			want: []string{"callback failed"}},
		{name: "callback error in setup", fn: "setup",
			script: `import { failLater } from 'k6/x/loophooks';
				export function setup() { failLater('setup callback failed'); }`,
			want: []string{"setup callback failed"}},
		{name: "callback error in handleSummary", fn: "handleSummary",
			script: `import { failLater } from 'k6/x/loophooks';
				export function handleSummary() { failLater('summary callback failed'); return {}; }`,
			want: []string{"summary callback failed"}},
		{name: "exception in a timer", fn: "default",
			script: "export default function () {\n  setTimeout(() => {\n    throw new Error('timer boom');\n  }, 1);\n}\n",
			want:   []string{"Error: timer boom", "file:///test/script.js:3:"}},
		{name: "promise rejected in a callback", fn: "default",
			script: `import { resolveLater } from 'k6/x/sleepy';
				export default async function () { await resolveLater(1); throw new Error('after the callback'); }`,
			want: []string{"Uncaught (in promise)", "Error: after the callback"}},
		{name: "promise still pending in setup", fn: "setup",
			script: `export async function setup() { await new Promise((r) => setTimeout(() => {}, 1)); }`,
			want:   []string{"setup() returned a promise that never settled"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, _ := newHost(tt.script, nil).vu(t)
			ctx := context.Background()
			var err error
			within(t, 20*time.Second, func() {
				switch tt.fn {
				case "default":
					err = v.RunIteration(ctx, "default")
					var se *runner.ScriptError
					assert.ErrorAs(t, err, &se, "a script error, logged; the iteration counts as completed")
				case "handleSummary":
					_, err = v.HandleSummary(ctx, []byte(`{}`))
				default:
					_, err = v.Call(ctx, tt.fn, nil)
				}
			})
			require.Error(t, err)
			assert.NotErrorIs(t, err, runner.ErrInterrupted)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

// TestEventLoopAbandons: a hard stop, an exception or a callback's error ends the
// loop at once with a reservation still outstanding; its callback, enqueued
// later, never runs: not in the VU's next iteration either, which does not wait
// for it.
func TestEventLoopAbandons(t *testing.T) {
	t.Parallel()
	const script = `
		import { hold, failLater } from 'k6/x/loophooks';
		import { resolveLater } from 'k6/x/sleepy';
		let after = 0;
		export async function stopped() { setInterval(() => {}, 1); await hold(__ENV.KEY); after++; }
		export function thrown() { hold(__ENV.KEY).then(() => { after++; }); throw new Error('thrown'); }
		export function failed() { hold(__ENV.KEY).then(() => { after++; }); failLater('failed'); }
		export async function next() { await resolveLater(30); }
		export function probe() { return after; }`
	tests := []struct {
		fn      string
		stop    bool
		wantErr string
	}{
		{fn: "stopped", stop: true},
		{fn: "thrown", wantErr: "thrown"},
		{fn: "failed", wantErr: "failed"},
	}
	for _, tt := range tests {
		t.Run(tt.fn, func(t *testing.T) {
			t.Parallel()
			h := newHost(script, nil)
			key := uniqueKey(t)
			h.env = map[string]string{"KEY": key}
			v, _ := h.vu(t)

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			// As the runner does: a stop also interrupts the runtime.
			defer context.AfterFunc(ctx, func() { v.Interrupt(runner.ErrInterrupted) })()
			errs := make(chan error, 1)
			go func() { errs <- v.RunIteration(ctx, tt.fn) }()
			slot := waitHeld(t, key)
			if tt.stop {
				cancel()
			}
			select {
			case err := <-errs:
				if tt.stop {
					assert.ErrorIs(t, err, runner.ErrInterrupted)
				} else {
					var se *runner.ScriptError
					require.ErrorAs(t, err, &se)
					assert.Contains(t, se.Message, tt.wantErr)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the iteration did not end with its reservation outstanding")
			}

			// The late callback, enqueued now and while the next iteration runs:
			// dropped, without blocking or panicking.
			var ran atomic.Bool
			late := func() error { ran.Store(true); return slot.resolve(1) }
			within(t, 5*time.Second, func() { slot.enqueue(late) })
			nextDone := make(chan error, 1)
			start := time.Now()
			go func() { nextDone <- v.RunIteration(context.Background(), "next") }()
			within(t, 5*time.Second, func() { slot.enqueue(late) })
			select {
			case err := <-nextDone:
				require.NoError(t, err)
			case <-time.After(10 * time.Second):
				t.Fatal("the next iteration did not end")
			}
			assert.Less(t, time.Since(start), 5*time.Second)
			assert.False(t, ran.Load(), "the abandoned callback never ran")
			assert.Equal(t, "0", call(t, v, "probe"))
		})
	}
}

// TestEventLoopStopWhileWaiting: a stop ends an iteration that waits on a
// callback promptly, without an interrupt of the runtime: the loop selects on the
// context.
func TestEventLoopStopWhileWaiting(t *testing.T) {
	t.Parallel()
	h := newHost(`import { hold } from 'k6/x/loophooks';
		export default async function () { await hold(__ENV.KEY); }`, nil)
	key := uniqueKey(t)
	h.env = map[string]string{"KEY": key}
	v, _ := h.vu(t)
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	go func() { errs <- v.RunIteration(ctx, "default") }()
	waitHeld(t, key)
	stopped := time.Now()
	cancel()
	select {
	case err := <-errs:
		assert.ErrorIs(t, err, runner.ErrInterrupted)
		assert.Less(t, time.Since(stopped), 2*time.Second)
	case <-time.After(10 * time.Second):
		t.Fatal("the stop did not end the iteration")
	}
}

// TestLoopLeavesTheFrameForTheEventLoop: Loop runs a VU's synchronous iterations
// inside one frame; once an iteration uses the event loop, later ones run from
// the top level, and every callback and promise job runs.
func TestLoopLeavesTheFrameForTheEventLoop(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, script string }{
		{"callbacks from the third iteration", `import { resolveLater } from 'k6/x/sleepy';
			let i = 0, done = 0;
			export default function () { if (i++ >= 2) resolveLater(1).then(() => { done++; }); }
			export function probe() { return [i, done]; }`},
		{"awaited from the third iteration", `import { resolveLater } from 'k6/x/sleepy';
			let i = 0, done = 0;
			export default function () { if (i++ >= 2) return (async () => { await resolveLater(1); done++; })(); }
			export function probe() { return [i, done]; }`},
		{"timers from the third iteration", `
			let i = 0, done = 0;
			export default function () { if (i++ >= 2) setTimeout(() => { done++; }, 1); }
			export function probe() { return [i, done]; }`},
		// The first iteration that uses the loop runs in the frame, where promise
		// jobs wait until it ends: its chain may finish in the next iteration. From
		// then on, every iteration runs from the top level and waits for its chain.
		{"chained callbacks from the third iteration", `import { resolveLater } from 'k6/x/sleepy';
			let i = 0, done = 0;
			export default function () {
				i++;
				if (i >= 5 && done !== i - 3) throw new Error('iteration ' + i + ' started with ' + done + ' chains done');
				if (i >= 3) resolveLater(1).then(() => resolveLater(1)).then(() => { done++; });
			}
			export function probe() { return [i, done]; }`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, _ := newHost(tt.script, nil).vu(t)
			n := 0
			within(t, 20*time.Second, func() {
				v.(runner.Looper).Loop(func() bool {
					if n == 10 {
						return false
					}
					n++
					assert.NoError(t, v.RunIteration(context.Background(), "default"))
					return true
				})
			})
			assert.JSONEq(t, `[10,8]`, call(t, v, "probe"))
		})
	}
}
