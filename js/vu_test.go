package js_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/js"
	"github.com/minik6/minik6/load"
	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/minik6test"
	"github.com/minik6/minik6/runner"
	"github.com/minik6/minik6/testrun"
)

func TestErrorPositions(t *testing.T) {
	t.Parallel()
	// Where an exception is thrown, as file:line:col, for ES modules and CommonJS
	// files alike (the column of the `new Error` expression).
	tests := []struct {
		name, script, want string
	}{
		{"ES module, line 1", "throw new Error('x');\nexport default function () {}\n", "file:///test/script.js:1:7"},
		{"ES module, line 2", "\nthrow new Error('x');\nexport default function () {}\n", "file:///test/script.js:2:7"},
		{"CommonJS, line 2", "\nthrow new Error('x');\nexports.default = function () {};\n", "file:///test/script.js:2:7"},
		{"CommonJS, line 1", "throw new Error('x');\nexports.default = function () {};\n", "file:///test/script.js:1:7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := newHost(tt.script, nil).bundle()
			require.Error(t, err)
			assert.Equal(t, exitcode.ScriptException, exitcode.Of(err))
			assert.Contains(t, err.Error(), tt.want+"(")
		})
	}
}

func TestOpen(t *testing.T) {
	t.Parallel()
	h := newHost(`
		import { fromSub } from './sub/lib.js';
		const text = open('./data.txt');
		const abs = open('/test/sub/data.txt');
		const bin = open('./bin.dat', 'b');
		export function probe() {
			return {
				text, abs, fromSub,
				isBuffer: bin instanceof ArrayBuffer, size: bin.byteLength, bytes: Array.from(new Uint8Array(bin)),
			};
		}
		export function late() { return open('./data.txt'); }
		export default function () {}`,
		map[string]string{
			"/test/data.txt":     "top level\n",
			"/test/bin.dat":      "\x00\x01\xfe\xff",
			"/test/sub/data.txt": "in sub",
			"/test/sub/lib.js":   `export const fromSub = open('./data.txt');`,
		})
	v, _ := h.vu(t)
	assert.JSONEq(t, `{"text":"top level\n","abs":"in sub","fromSub":"in sub",
		"isBuffer":true,"size":4,"bytes":[0,1,254,255]}`, call(t, v, "probe"))

	_, err := v.Call(context.Background(), "late", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `the "open" function is only available in the init stage`)
}

func TestOpenInIteration(t *testing.T) {
	t.Parallel()
	h := newHost(`export default function () { open('./data.txt'); }`, map[string]string{"/test/data.txt": "x"})
	v, _ := h.vu(t)
	err := v.RunIteration(context.Background(), "default")
	var se *runner.ScriptError
	require.ErrorAs(t, err, &se)
	assert.Contains(t, se.Message, `the "open" function is only available in the init stage`)
	assert.Contains(t, se.Message, "file:///test/script.js:1:")
}

func TestGlobals(t *testing.T) {
	t.Parallel()
	h := newHost(`
		const initVU = __VU;
		const initEnv = __ENV.FOO;
		let seen = [];
		export default function () { seen.push([__VU, __ITER, __ENV.FOO, __ENV.ONLY_RUN]); }
		export function probe() { return { initVU, initEnv, seen }; }`, nil)
	h.env = map[string]string{"FOO": "run", "ONLY_RUN": "yes"}
	b := h.mustBundle(t)
	st := h.state(t, 7)
	v, err := b.NewVU(context.Background(), st)
	require.NoError(t, err)
	defer v.Close()

	ctx := context.Background()
	for i := int64(0); i < 2; i++ {
		st.IterationInInstance = i
		require.NoError(t, v.RunIteration(ctx, "default"))
	}
	// A scenario with its own env: its variables win, the others stay.
	st.Scenario = &runner.ScenarioState{Name: "other", Env: map[string]string{"FOO": "scenario"}}
	st.IterationInInstance = 2
	require.NoError(t, v.RunIteration(ctx, "default"))
	// Back in a scenario without env.
	st.Scenario = &runner.ScenarioState{Name: "third"}
	st.IterationInInstance = 3
	require.NoError(t, v.RunIteration(ctx, "default"))

	assert.JSONEq(t, `{"initVU":7,"initEnv":"run","seen":[
		[7,0,"run","yes"],[7,1,"run","yes"],[7,2,"scenario","yes"],[7,3,"run","yes"]]}`, call(t, v, "probe"))
}

func TestBundleInitSeesVUZero(t *testing.T) {
	t.Parallel()
	// The bundle runs the init context once to read the options: there, __VU is 0.
	h := newHost(`export const options = { tags: { vu: String(__VU), iter: String(__ITER) } };
		export default function () {}`, nil)
	b := h.mustBundle(t)
	assert.JSONEq(t, `{"tags":{"vu":"0","iter":"0"}}`, string(b.OptionsJSON()))
}

func TestConsole(t *testing.T) {
	t.Parallel()
	h := newHost(`
		console.log('from init');
		export default function () {
			console.log('a', 1, true, null, undefined, { x: 1 }, [1, 'b']);
			console.info('info');
			console.warn('warn');
			console.error('error', new Error('boom'));
			console.debug('debug');
			console.log(function named() {});
		}`, nil)
	b := h.mustBundle(t)
	h.consoles.Reset() // the bundle's own init
	v, err := b.NewVU(context.Background(), h.state(t, 1))
	require.NoError(t, err)
	defer v.Close()
	require.NoError(t, v.RunIteration(context.Background(), "default"))

	type line struct {
		level logrus.Level
		msg   string
	}
	var got []line
	for _, e := range h.consoles.AllEntries() {
		assert.Equal(t, "console", e.Data["source"], "%q", e.Message)
		got = append(got, line{e.Level, e.Message})
	}
	require.Len(t, got, 7)
	assert.Equal(t, []line{
		{logrus.InfoLevel, "from init"},
		{logrus.InfoLevel, `a 1 true null undefined {"x":1} [1,"b"]`},
		{logrus.InfoLevel, "info"},
		{logrus.WarnLevel, "warn"},
		{logrus.ErrorLevel, "error Error: boom"},
		{logrus.DebugLevel, "debug"},
	}, got[:6])
	assert.Contains(t, got[6].msg, "function named()")
	assert.Empty(t, h.logs.AllEntries(), "console output goes to the console logger only")
}

func TestRunIteration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		script    string
		fn        string
		wantErr   []string // substrings of the ScriptError; nil: no error
		wantProbe string   // probe() afterwards, when set
	}{
		{name: "plain function", script: `let n = 0; export default function () { n++; }
			export function probe() { return n; }`, wantProbe: `1`},
		{name: "exception with its stack",
			script:  "export default function () {\n  helper();\n}\nfunction helper() {\n  throw new Error('boom');\n}\n",
			wantErr: []string{"Error: boom", "at helper (file:///test/script.js:5:", "at default (file:///test/script.js:2:"}},
		{name: "thrown string", script: `export default function () { throw 'oops'; }`, wantErr: []string{"oops"}},
		{name: "async function", script: `let n = 0;
			export default async function () { await null; await Promise.resolve(); n++; }
			export function probe() { return n; }`, wantProbe: `1`},
		{name: "rejected promise",
			script:  "export default async function () {\n  await null;\n  throw new Error('async boom');\n}\n",
			wantErr: []string{"async boom", "file:///test/script.js:3:"}},
		{name: "another exported function", fn: "other",
			script: `let who = ''; export default function () { who = 'default'; } export function other() { who = 'other'; }
			export function probe() { return who; }`, wantProbe: `"other"`},
		{name: "function not exported", fn: "nope", script: `export default function () {}`,
			wantErr: []string{"function 'nope' not found in exports"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, _ := newHost(tt.script, nil).vu(t)
			fn := tt.fn
			if fn == "" {
				fn = "default"
			}
			err := v.RunIteration(context.Background(), fn)
			if tt.wantErr == nil {
				require.NoError(t, err)
			} else {
				require.Error(t, err)
				assert.NotErrorIs(t, err, runner.ErrInterrupted, "an exception does not interrupt the iteration")
				if fn != "nope" {
					var se *runner.ScriptError
					require.ErrorAs(t, err, &se)
				}
				for _, w := range tt.wantErr {
					assert.Contains(t, err.Error(), w)
				}
			}
			if tt.wantProbe != "" {
				assert.JSONEq(t, tt.wantProbe, call(t, v, "probe"))
			}
		})
	}
}

func TestExceptionDoesNotBreakTheVU(t *testing.T) {
	t.Parallel()
	v, _ := newHost(`let n = 0;
		export default function () { n++; if (n % 2 === 1) throw new Error('odd ' + n); }
		export function probe() { return n; }`, nil).vu(t)
	ctx := context.Background()
	for i := 1; i <= 4; i++ {
		err := v.RunIteration(ctx, "default")
		if i%2 == 1 {
			assert.ErrorContains(t, err, fmt.Sprintf("odd %d", i))
		} else {
			assert.NoError(t, err)
		}
	}
	assert.Equal(t, "4", call(t, v, "probe"))
}

func TestInterrupt(t *testing.T) {
	t.Parallel()
	h := newHost(`
		export default function () { console.log('looping'); for (;;) {} }
		export function ok() { console.log('ok'); }`, nil)
	v, _ := h.vu(t)

	errs := make(chan error, 1)
	go func() { errs <- v.RunIteration(context.Background(), "default") }()
	require.Eventually(t, func() bool { return len(h.consoleLines()) > 0 }, 20*time.Second, time.Millisecond,
		"the iteration started")
	v.Interrupt(errors.New("stop"))
	select {
	case err := <-errs:
		assert.ErrorIs(t, err, runner.ErrInterrupted)
	case <-time.After(20 * time.Second):
		t.Fatal("Interrupt did not stop the endless loop")
	}

	// The interrupt is over: the VU runs its next iteration.
	assert.NoError(t, v.RunIteration(context.Background(), "ok"))
	assert.Equal(t, []string{"looping", "ok"}, h.consoleLines())
}

func TestRunIterationWithDoneContext(t *testing.T) {
	t.Parallel()
	h := newHost(`export default function () { console.log('ran'); }`, nil)
	v, _ := h.vu(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, v.RunIteration(ctx, "default"), runner.ErrInterrupted)
	assert.Empty(t, h.consoleLines(), "the function was not called")
}

func TestCall(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		script  string
		fn      string
		arg     string
		want    string // JSON; "" for none
		wantErr string
	}{
		{name: "setup returns data as JSON", fn: "setup",
			script: `export function setup() { return { a: 1, b: [1, 'x'], c: null, d: { e: true } }; }`,
			want:   `{"a":1,"b":[1,"x"],"c":null,"d":{"e":true}}`},
		{name: "setup returns nothing", fn: "setup", script: `export function setup() {}`},
		{name: "setup returns a string", fn: "setup", script: `export function setup() { return 'tok'; }`, want: `"tok"`},
		{name: "async setup", fn: "setup",
			script: `export async function setup() { const v = await Promise.resolve(41); return { v: v + 1 }; }`,
			want:   `{"v":42}`},
		{name: "teardown receives the data", fn: "teardown", arg: `{"a":1,"list":[2,3]}`,
			script: `export function teardown(data) { return data.a + data.list[0] + data.list[1]; }`, want: `6`},
		{name: "teardown without data", fn: "teardown",
			script: `export function teardown(data) { return typeof data; }`, want: `"undefined"`},
		{name: "exception in setup", fn: "setup",
			script:  "export function setup() {\n  throw new Error('setup failed');\n}\n",
			wantErr: "setup failed"},
		{name: "data that JSON cannot hold", fn: "setup",
			script: `export function setup() { return { n: 10n }; }`, wantErr: "can't be serialized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, _ := newHost(tt.script, nil).vu(t)
			var arg []byte
			if tt.arg != "" {
				arg = []byte(tt.arg)
			}
			out, err := v.Call(context.Background(), tt.fn, arg)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			if tt.want == "" {
				assert.Nil(t, out)
				return
			}
			assert.JSONEq(t, tt.want, string(out))
		})
	}
}

func TestCustomMetricsAcrossVUs(t *testing.T) {
	t.Parallel()
	// Every VU runs the init context, declaring the same metrics: they are one
	// metric in the registry.
	h := newHost(`import { Counter, Trend } from 'k6/metrics';
		const c = new Counter('my_counter'); const tr = new Trend('my_trend', true);
		export default function () { c.add(2); tr.add(5); }`, nil)
	b := h.mustBundle(t)
	for id := uint64(1); id <= 3; id++ {
		v, err := b.NewVU(context.Background(), h.state(t, id))
		require.NoError(t, err)
		v.Close()
	}
	m := h.registry.Get("my_counter")
	require.NotNil(t, m)
	assert.Equal(t, metrics.Counter, m.Type)
	tr := h.registry.Get("my_trend")
	require.NotNil(t, tr)
	assert.Equal(t, metrics.Time, tr.Contains)
}

// runScript loads a script and runs it through a real test run with its own
// options.
func runScript(t *testing.T, h *host, subs ...string) (*runner.Runner, *metrics.Engine, error) {
	t.Helper()
	test, err := load.Load(entry, load.Config{FS: h.files, Pwd: "/test", SystemEnv: h.env, Logger: h.logger, Console: h.console})
	require.NoError(t, err)
	run, res := minik6test.RunTest(t, test, testrun.Config{Logger: h.logger, SubMetrics: subs})
	return run.Runner(), run.Engine(), res.Err
}

func TestScriptThroughRunner(t *testing.T) {
	t.Parallel()
	h := newHost(`
		import exec from 'k6/execution';
		import { check } from 'k6';
		export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 2 } } };
		export function setup() { return { token: 'abc', n: [1, 2] }; }
		export default function (data) {
			check(data, { 'has token': (d) => d.token === 'abc' });
			console.log(exec.vu.idInInstance + ':' + exec.vu.iterationInScenario + ':' + data.token + ':' + data.n.length);
			if (exec.vu.idInInstance === 2 && exec.vu.iterationInScenario === 1) throw new Error('planned');
		}
		export function teardown(data) { console.log('teardown ' + JSON.stringify(data)); }`, nil)
	r, engine, err := runScript(t, h)
	require.NoError(t, err, "an exception in an iteration does not fail the run")

	lines := h.consoleLines()
	require.NotEmpty(t, lines)
	assert.Equal(t, `teardown {"token":"abc","n":[1,2]}`, lines[len(lines)-1])
	iters := append([]string(nil), lines[:len(lines)-1]...)
	sort.Strings(iters)
	assert.Equal(t, []string{"1:0:abc:2", "1:1:abc:2", "2:0:abc:2", "2:1:abc:2"}, iters)
	assert.Equal(t, int64(4), r.Execution().IterationsCompleted())

	var logged []string
	for _, e := range h.logs.AllEntries() {
		if e.Level == logrus.ErrorLevel {
			logged = append(logged, e.Message)
		}
	}
	require.Len(t, logged, 1, "the exception is logged")
	assert.Contains(t, logged[0], "Error: planned")
	assert.Contains(t, logged[0], "file:///test/script.js:9:")

	s, err := engine.Summary(metrics.SummaryOptions{})
	require.NoError(t, err)
	checks := s.Metric("checks")
	require.NotNil(t, checks)
	assert.Equal(t, 4.0, checks.Values["passes"])
	assert.Equal(t, 4.0, s.Metric("iterations").Values["count"])
}

func TestScriptAbortExitCodes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script string
		code   exitcode.Code
		lines  []string
	}{
		{"abort in setup: no iterations, no teardown", `import exec from 'k6/execution';
			export const options = { iterations: 2 };
			export function setup() { exec.test.abort('no setup'); console.log('after abort'); }
			export default function () { console.log('default'); }
			export function teardown() { console.log('teardown'); }`,
			exitcode.ScriptAborted, nil},
		{"abort in default: teardown runs", `import exec from 'k6/execution';
			export const options = { iterations: 5 };
			export default function () { console.log('default ' + exec.scenario.iterationInTest); exec.test.abort('stop'); console.log('after'); }
			export function teardown() { console.log('teardown'); }`,
			exitcode.ScriptAborted, []string{"default 0", "teardown"}},
		{"exception in setup", `export const options = { iterations: 1 };
			export function setup() { throw new Error('bad setup'); }
			export default function () { console.log('default'); }`,
			exitcode.ScriptException, nil},
		{"setup timeout", `export const options = { iterations: 1, setupTimeout: '200ms' };
			export function setup() { for (;;) {} }
			export default function () { console.log('default'); }`,
			exitcode.SetupTimeout, nil},
		{"teardown timeout", `export const options = { iterations: 1, teardownTimeout: '200ms' };
			export default function () { console.log('default'); }
			export function teardown() { console.log('teardown'); for (;;) {} }`,
			exitcode.TeardownTimeout, []string{"default", "teardown"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHost(tt.script, nil)
			_, _, err := runScript(t, h)
			assert.Equal(t, tt.code, exitcode.Of(err), "%v", err)
			assert.Equal(t, tt.lines, h.consoleLines())
		})
	}
}

func TestScenarioExecAndEnv(t *testing.T) {
	t.Parallel()
	h := newHost(`
		export const options = { scenarios: {
			a: { executor: 'per-vu-iterations', exec: 'fa', env: { WHO: 'scenario a' } },
			b: { executor: 'per-vu-iterations', exec: 'fb', startTime: '100ms' },
		} };
		export function fa() { console.log('fa ' + __ENV.WHO + ' ' + __ENV.BASE); }
		export function fb() { console.log('fb ' + __ENV.WHO + ' ' + __ENV.BASE); }`, nil)
	h.env = map[string]string{"WHO": "everyone", "BASE": "http://127.0.0.1"}
	_, _, err := runScript(t, h)
	require.NoError(t, err)
	assert.Equal(t, []string{"fa scenario a http://127.0.0.1", "fb everyone http://127.0.0.1"}, h.consoleLines())
}

var _ runner.Script = (*js.Bundle)(nil)

// __ENV behaves as a plain object of strings, and each VU's changes stay its
// own (the variables themselves are shared by every VU).
func TestEnvIsPerVU(t *testing.T) {
	t.Parallel()
	h := newHost(`
		export function change() {
			__ENV.ADDED = 'x'; __ENV.FOO = 'changed'; delete __ENV.GONE; __ENV.NUM = 5;
		}
		export function look() {
			return { keys: Object.keys(__ENV), json: JSON.stringify(__ENV), foo: __ENV.FOO, gone: __ENV.GONE,
				has: 'GONE' in __ENV, num: __ENV.NUM, missing: __ENV.NOPE, type: typeof __ENV.FOO };
		}`, nil)
	h.env = map[string]string{"FOO": "run", "GONE": "soon"}
	b := h.mustBundle(t)
	one, err := b.NewVU(context.Background(), h.state(t, 1))
	require.NoError(t, err)
	defer one.Close()
	two, err := b.NewVU(context.Background(), h.state(t, 2))
	require.NoError(t, err)
	defer two.Close()

	_, err = one.Call(context.Background(), "change", nil)
	require.NoError(t, err)
	assert.JSONEq(t, `{"keys":["ADDED","FOO","NUM"],"json":"{\"ADDED\":\"x\",\"FOO\":\"changed\",\"NUM\":5}",
		"foo":"changed","has":false,"num":5,"type":"string"}`, call(t, one, "look"))
	assert.JSONEq(t, `{"keys":["FOO","GONE"],"json":"{\"FOO\":\"run\",\"GONE\":\"soon\"}",
		"foo":"run","gone":"soon","has":true,"type":"string"}`, call(t, two, "look"))
}

// A Go module's exports are made on first use, and once: the default export's
// functions are the named ones.
func TestGoModuleExportsAreShared(t *testing.T) {
	t.Parallel()
	h := newHost(`import k6, { sleep, check } from 'k6';
		const { group } = require('k6');
		export default function () {}
		export function probe() {
			return { same: k6.sleep === sleep && k6.check === check && k6.group === group, type: typeof sleep };
		}`, nil)
	v, _ := h.vu(t)
	assert.JSONEq(t, `{"same":true,"type":"function"}`, call(t, v, "probe"))
}

// The lazy globals (console, timers) behave as plain globals.
func TestLazyGlobals(t *testing.T) {
	t.Parallel()
	h := newHost(`
		export default function () {}
		export function probe() {
			const before = Object.getOwnPropertyNames(globalThis).includes('setTimeout');
			const types = [typeof console, typeof setTimeout, typeof setInterval, typeof clearTimeout, typeof clearInterval].join(',');
			const own = Object.getOwnPropertyNames(globalThis).includes('setTimeout');
			const same = setTimeout === globalThis.setTimeout;
			globalThis.clearInterval = 5;
			setInterval = 'replaced';
			return { before, types, own, same, inGlobal: 'console' in globalThis, replaced: [clearInterval, setInterval],
				hasOwn: globalThis.hasOwnProperty('console'), unknown: typeof notAGlobal };
		}`, nil)
	v, _ := h.vu(t)
	assert.JSONEq(t, `{"before":false,"types":"object,function,function,function,function","own":true,"same":true,
		"inGlobal":true,"replaced":[5,"replaced"],"hasOwn":true,"unknown":"undefined"}`, call(t, v, "probe"))
}
