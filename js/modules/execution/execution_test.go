package execution_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/js"
	_ "github.com/minik6/minik6/js/modules/execution"
	_ "github.com/minik6/minik6/js/modules/k6"
	"github.com/minik6/minik6/load"
	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/minik6test"
	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/runner"
	"github.com/minik6/minik6/testrun"
)

// env is a script with its loggers and metrics, and one VU's state.
type env struct {
	logger   *logrus.Logger
	logs     *logtest.Hook
	consoles *logtest.Hook
	registry *metrics.Registry
	builtins *metrics.Builtins
	test     *load.Test
	bundle   *js.Bundle
	state    *runner.VUState
}

func newEnv(t testing.TB, script string) (*env, error) {
	t.Helper()
	logger, logs := logtest.NewNullLogger()
	logger.SetLevel(logrus.DebugLevel)
	console, consoles := logtest.NewNullLogger()
	test, err := minik6test.LoadScript(script, logger, console, nil)
	if err != nil {
		return nil, err
	}
	reg := test.Registry
	e := &env{logger: logger, logs: logs, consoles: consoles, registry: reg, builtins: test.Builtins, test: test, bundle: test.Bundle}
	engine, err := metrics.NewEngine(reg, nil)
	require.NoError(t, err)
	opts := options.Options{}
	e.state = &runner.VUState{
		IDInInstance: 1,
		IDInTest:     1,
		Scenario:     &runner.ScenarioState{Name: "default", Executor: "shared-iterations", Exec: "default"},
		Tags:         runner.NewTags(map[string]string{"scenario": "default", "group": ""}),
		Metadata:     runner.NewMetadata(),
		Options:      &opts, ScriptOptions: []byte(`{}`),
		Execution: runner.NewExecutionState(),
		Registry:  reg, Builtins: e.builtins,
		Samples: runner.NewSampleBuffer(engine),
		Logger:  logger,
	}
	return e, nil
}

func mustEnv(t testing.TB, script string) *env {
	t.Helper()
	e, err := newEnv(t, script)
	require.NoError(t, err)
	return e
}

// vu runs the init context for a VU with the env's state.
func (e *env) vu(t testing.TB) runner.VU {
	t.Helper()
	v, err := e.bundle.NewVU(context.Background(), e.state)
	require.NoError(t, err)
	t.Cleanup(v.Close)
	return v
}

func (e *env) consoleLines() []string {
	var out []string
	for _, en := range e.consoles.AllEntries() {
		out = append(out, en.Message)
	}
	return out
}

func (e *env) warnings() []string {
	var out []string
	for _, en := range e.logs.AllEntries() {
		if en.Level == logrus.WarnLevel {
			out = append(out, en.Message)
		}
	}
	return out
}

func call(t testing.TB, v runner.VU, fn string) string {
	t.Helper()
	out, err := v.Call(context.Background(), fn, nil)
	require.NoError(t, err)
	return string(out)
}

const initProbe = `
import exec from 'k6/execution';
const found = [];
function probe(label, fn) {
	try {
		const v = fn();
		found.push(label + ': ok (' + typeof v + ')');
	} catch (e) {
		found.push(label + ': throws: ' + e.message);
	}
}
probe('exec', () => exec);
probe('exec.instance', () => exec.instance);
probe('exec.instance.vusActive', () => exec.instance.vusActive);
probe('exec.instance.currentTestRunDuration', () => exec.instance.currentTestRunDuration);
probe('exec.scenario', () => exec.scenario);
probe('exec.scenario.name', () => exec.scenario.name);
probe('exec.vu', () => exec.vu);
probe('exec.vu.idInTest', () => exec.vu.idInTest);
probe('exec.vu.metrics.tags', () => exec.vu.metrics.tags);
probe('exec.test', () => exec.test);
probe('exec.test.options', () => exec.test.options);
probe('exec.test.options.paused', () => exec.test.options.paused);
probe('exec.test.abort', () => exec.test.abort);
probe('exec.test.fail', () => exec.test.fail);
probe('exec.test.fail()', () => exec.test.fail('called from init'));
export function results() { return found; }
export default function () {}
`

func TestInitContextErrors(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, initProbe)
	v := e.vu(t)
	want := []string{
		"exec: ok (object)",
		"exec.instance: throws: getting instance information in the init context is not supported",
		"exec.instance.vusActive: throws: getting instance information in the init context is not supported",
		"exec.instance.currentTestRunDuration: throws: getting instance information in the init context is not supported",
		"exec.scenario: throws: getting scenario information outside of the VU context is not supported",
		"exec.scenario.name: throws: getting scenario information outside of the VU context is not supported",
		"exec.vu: throws: getting VU information in the init context is not supported",
		"exec.vu.idInTest: throws: getting VU information in the init context is not supported",
		"exec.vu.metrics.tags: throws: getting VU information in the init context is not supported",
		"exec.test: ok (object)",
		"exec.test.options: throws: getting test options in the init context is not supported",
		"exec.test.options.paused: throws: getting test options in the init context is not supported",
		"exec.test.abort: ok (function)",
		"exec.test.fail: ok (function)",
		"exec.test.fail(): throws: execution.test.fail() called outside of VU context",
	}
	var got []string
	require.NoError(t, json.Unmarshal([]byte(call(t, v, "results")), &got))
	assert.Equal(t, want, got)
	assert.Nil(t, e.state.Execution.FailReasons(), "fail() in the init context does not mark the run")
}

func TestUncaughtInitAccess(t *testing.T) {
	t.Parallel()
	_, err := newEnv(t, "import exec from 'k6/execution';\nconst id = exec.vu.idInTest;\nexport default function () {}\n")
	require.Error(t, err)
	assert.Equal(t, exitcode.ScriptException, exitcode.Of(err))
	assert.Contains(t, err.Error(), "getting VU information in the init context is not supported")
	assert.Contains(t, err.Error(), "file:///test/script.js:2:")
}

func TestRequire(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, `const exec = require('k6/execution');
		exports.probe = function () { return [Object.keys(exec).sort(), exec.vu.idInInstance, exec.scenario.name]; };
		exports.default = function () {};`)
	v := e.vu(t)
	assert.JSONEq(t, `[["instance","scenario","test","vu"],1,"default"]`, call(t, v, "probe"))
}

func TestSetupContext(t *testing.T) {
	t.Parallel()
	// setup() and teardown() run in VU 0, outside any scenario.
	e := mustEnv(t, `import exec from 'k6/execution';
		export function setup() {
			const out = { vu: [exec.vu.idInInstance, exec.vu.idInTest, exec.vu.iterationInInstance, exec.vu.iterationInScenario],
				active: typeof exec.instance.vusActive, paused: exec.test.options.paused };
			try { exec.scenario.name; } catch (e) { out.scenario = e.message; }
			return out;
		}
		export default function () {}`)
	e.state.IDInInstance, e.state.IDInTest, e.state.Scenario = 0, 0, nil
	e.state.ScriptOptions = []byte(`{"paused":null}`)
	v := e.vu(t)
	assert.JSONEq(t, `{"vu":[0,0,0,0],"active":"number","paused":null,
		"scenario":"getting scenario information outside of the VU context is not supported"}`, call(t, v, "setup"))
}

func TestLiveValues(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, `import exec from 'k6/execution';
		let kept;
		export function keep() { kept = { vu: exec.vu, scenario: exec.scenario, instance: exec.instance }; }
		function read(o) {
			return {
				vu: [o.vu.idInInstance, o.vu.idInTest, o.vu.iterationInInstance, o.vu.iterationInScenario],
				scenario: [o.scenario.name, o.scenario.executor, o.scenario.iterationInInstance, o.scenario.iterationInTest,
					o.scenario.startTime, o.scenario.progress],
				instance: [o.instance.iterationsCompleted, o.instance.iterationsInterrupted, o.instance.vusActive,
					o.instance.vusInitialized],
				ints: [o.vu.idInTest, o.vu.iterationInInstance, o.scenario.iterationInTest].every(Number.isInteger),
			};
		}
		export function fresh() { return read(exec); }
		export function viaKept() { return read(kept); }
		export default function () {}`)
	st := e.state
	st.IDInInstance, st.IDInTest = 3, 9
	v := e.vu(t)
	call(t, v, "keep")

	set := func(inInstance, inScenario, scInInstance, scInTest int64) {
		st.IterationInInstance, st.IterationInScenario = inInstance, inScenario
		st.ScenarioIterationInInstance, st.ScenarioIterationInTest = scInInstance, scInTest
	}
	set(0, 0, 0, 0)
	want0 := `{"vu":[3,9,0,0],"scenario":["default","shared-iterations",0,0,0,0],"instance":[0,0,0,0],"ints":true}`
	assert.JSONEq(t, want0, call(t, v, "fresh"))
	assert.JSONEq(t, want0, call(t, v, "viaKept"))

	set(5, 2, 11, 33)
	st.Scenario = &runner.ScenarioState{Name: "second", Executor: "constant-vus"}
	want1 := `{"vu":[3,9,5,2],"scenario":["second","constant-vus",11,33,0,0],"instance":[0,0,0,0],"ints":true}`
	assert.JSONEq(t, want1, call(t, v, "fresh"), "reads see the state now")
	assert.JSONEq(t, want1, call(t, v, "viaKept"), "objects kept from earlier reads are live too")
}

func TestCurrentTestRunDuration(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, `import exec from 'k6/execution';
		export function d() { return exec.instance.currentTestRunDuration; }
		export default function () {}`)
	v := e.vu(t)
	assert.Equal(t, "0", call(t, v, "d"), "0 before the run starts")
	e.state.Execution.Start()
	time.Sleep(5 * time.Millisecond)
	first, err := strconv.ParseFloat(call(t, v, "d"), 64)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, first, 5.0, "milliseconds since the start")
	time.Sleep(5 * time.Millisecond)
	second, err := strconv.ParseFloat(call(t, v, "d"), 64)
	require.NoError(t, err)
	assert.Greater(t, second, first)
}

func TestInstanceCountersThroughRunner(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, `import exec from 'k6/execution';
		export const options = { scenarios: { s: { executor: 'shared-iterations', vus: 1, iterations: 4 } } };
		export default function () {
			const i = exec.instance, sc = exec.scenario, vu = exec.vu;
			console.log([i.iterationsCompleted, i.iterationsInterrupted, i.vusActive, i.vusInitialized,
				sc.progress, sc.iterationInInstance, vu.iterationInInstance, sc.name, sc.executor,
				sc.startTime > 1600000000000, i.currentTestRunDuration > 0].join(' '));
		}`)
	_, _, err := runBundle(t, e)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"0 0 1 1 0 0 0 s shared-iterations true true",
		"1 0 1 1 0.25 1 1 s shared-iterations true true",
		"2 0 1 1 0.5 2 2 s shared-iterations true true",
		"3 0 1 1 0.75 3 3 s shared-iterations true true",
	}, e.consoleLines())
}

// runBundle runs the env's script through a real test run.
func runBundle(t *testing.T, e *env, subs ...string) (*runner.Runner, *metrics.Engine, error) {
	t.Helper()
	run, res := minik6test.RunTest(t, e.test, testrun.Config{Logger: e.logger, SubMetrics: subs})
	return run.Runner(), run.Engine(), res.Err
}

const (
	tagMsg  = "invalid value for metric tag '%s': only String, Boolean and Number types are accepted as a metric tag values"
	metaMsg = "invalid value for metric metadata '%s': only String, Boolean and Number types are accepted as a metric metadata value"
)

func TestTagsAndMetadata(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     string // runs with tags = exec.vu.metrics.tags, md = exec.vu.metrics.metadata
		want     string // the body's return value as JSON
		wantTags map[string]string
		wantMeta map[string]string
	}{
		{name: "initial tags, empty metadata",
			body: `return [Object.keys(tags).sort(), Object.keys(md), tags.scenario, tags.group];`,
			want: `[["group","scenario"],[],"default",""]`},
		{name: "values are stored as strings",
			body: `tags.s = 'str'; tags.n = 2; tags.f = 1.5; tags.b = true; tags.z = 0;
				return [tags.s, tags.n, tags.f, tags.b, tags.z];`,
			want:     `["str","2","1.5","true","0"]`,
			wantTags: map[string]string{"scenario": "default", "group": "", "s": "str", "n": "2", "f": "1.5", "b": "true", "z": "0"}},
		{name: "has, delete, keys, JSON",
			body: `tags.a = 'x'; const had = 'a' in tags; const json = JSON.stringify(tags); delete tags.a;
				return [had, 'a' in tags, tags.a === undefined, json, Object.keys(tags).sort()];`,
			want:     `[true,false,true,"{\"a\":\"x\",\"group\":\"\",\"scenario\":\"default\"}",["group","scenario"]]`,
			wantTags: map[string]string{"scenario": "default", "group": ""}},
		{name: "a tag may shadow a system tag",
			body:     `tags.scenario = 'mine'; tags.url = 'u'; tags.name = 'n'; return [tags.scenario, tags.url, tags.name];`,
			want:     `["mine","u","n"]`,
			wantTags: map[string]string{"scenario": "mine", "group": "", "url": "u", "name": "n"}},
		{name: "exec.vu.tags is the same set",
			body: `exec.vu.tags.x = 'via alias'; tags.y = 'via metrics'; const r = [tags.x, exec.vu.tags.y];
				delete exec.vu.tags.x; return r.concat(['x' in tags]);`,
			want:     `["via alias","via metrics",false]`,
			wantTags: map[string]string{"scenario": "default", "group": "", "y": "via metrics"}},
		{name: "metadata: conversion, has, delete, apart from tags",
			body: `md.trace_id = 'abc'; md.n = 3; md.b = false; const had = 'trace_id' in md; delete md.b;
				return [md.trace_id, md.n, had, 'b' in md, 'trace_id' in tags, Object.keys(md).sort()];`,
			want:     `["abc","3",true,false,false,["n","trace_id"]]`,
			wantMeta: map[string]string{"trace_id": "abc", "n": "3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := mustEnv(t, `import exec from 'k6/execution';
				export function probe() { const tags = exec.vu.metrics.tags, md = exec.vu.metrics.metadata; `+tt.body+` }
				export default function () {}`)
			v := e.vu(t)
			assert.JSONEq(t, tt.want, call(t, v, "probe"))
			if tt.wantTags != nil {
				got := map[string]string{}
				for _, k := range e.state.Tags.Keys() {
					got[k], _ = e.state.Tags.Get(k)
				}
				assert.Equal(t, tt.wantTags, got, "the VU's tags in Go")
			}
			if tt.wantMeta != nil {
				got := map[string]string{}
				for _, k := range e.state.Metadata.Keys() {
					got[k], _ = e.state.Metadata.Get(k)
				}
				assert.Equal(t, tt.wantMeta, got, "the VU's metadata in Go")
			}
			assert.Empty(t, e.warnings())
		})
	}
}

func TestInvalidTagValues(t *testing.T) {
	t.Parallel()
	bad := []struct{ name, value string }{
		{"object", `{ f1: 'value1', f2: 4 }`},
		{"emptyObject", `{}`},
		{"array", `[1, 3, 5]`},
		{"emptyArray", `[]`},
		{"null", `null`},
		{"undefined", `undefined`},
		{"function", `() => 1`},
		{"symbol", `Symbol('s')`},
	}
	for _, kind := range []struct{ name, expr, msg string }{
		{"tag", "exec.vu.metrics.tags", tagMsg},
		{"metadata", "exec.vu.metrics.metadata", metaMsg},
	} {
		for _, throw := range []bool{false, true} {
			for _, b := range bad {
				t.Run(kind.name+"/"+b.name+"/throw="+boolString(throw), func(t *testing.T) {
					t.Parallel()
					e := mustEnv(t, `import exec from 'k6/execution';
						export function probe() {
							const set = `+kind.expr+`;
							set.kept = 'original';
							const out = {};
							try { set.`+b.name+` = `+b.value+`; out.threw = false; } catch (e) { out.threw = e.name + ': ' + e.message; }
							try { set.kept = `+b.value+`; } catch (e) { out.overwriteThrew = e.name; }
							out.stored = '`+b.name+`' in set;
							out.kept = set.kept;
							return out;
						}
						export default function () {}`)
					e.state.Options.Throw.Valid, e.state.Options.Throw.Bool = true, throw
					v := e.vu(t)
					msg := strings.ReplaceAll(kind.msg, "%s", b.name)
					if throw {
						assert.JSONEq(t, `{"threw":"TypeError: `+msg+`","overwriteThrew":"TypeError","stored":false,"kept":"original"}`,
							call(t, v, "probe"))
						assert.Empty(t, e.warnings())
						return
					}
					assert.JSONEq(t, `{"threw":false,"stored":false,"kept":"original"}`, call(t, v, "probe"))
					assert.Equal(t, []string{msg, strings.ReplaceAll(kind.msg, "%s", "kept")}, e.warnings(),
						"a warning for each refused value")
				})
			}
		}
	}
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func TestTagsReachSamples(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, `import exec from 'k6/execution';
		export const options = { scenarios: { s: { executor: 'shared-iterations', vus: 1, iterations: 3 } } };
		export default function () {
			exec.vu.metrics.tags.mytag = 'value1';
			exec.vu.metrics.tags.mytag2 = 2;
			exec.vu.metrics.metadata.trace_id = 'abc';
			if (exec.vu.iterationInScenario === 0) { exec.vu.metrics.tags.once = 'yes'; }
			if (exec.vu.iterationInScenario === 2) { delete exec.vu.metrics.tags.mytag; }
		}`)
	_, engine, err := runBundle(t, e, "iterations{mytag:value1}", "iterations{mytag2:2}", "iterations{trace_id:abc}",
		"iterations{once:yes}", "iterations{scenario:s}")
	require.NoError(t, err)
	s, err := engine.Summary(metrics.SummaryOptions{})
	require.NoError(t, err)
	count := func(name string) float64 {
		if m := s.Metric(name); m != nil {
			return m.Values["count"]
		}
		return 0
	}
	assert.Equal(t, 3.0, count("iterations"))
	assert.Equal(t, 2.0, count("iterations{mytag:value1}"), "tags set in an iteration reach its samples; a deleted tag does not")
	assert.Equal(t, 3.0, count("iterations{mytag2:2}"), "numbers are stored as strings")
	assert.Zero(t, count("iterations{trace_id:abc}"), "metadata is not a tag")
	assert.Equal(t, 3.0, count("iterations{once:yes}"), "tags persist across the VU's iterations")
	assert.Equal(t, 3.0, count("iterations{scenario:s}"))
}

func TestTestOptions(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, `import exec from 'k6/execution';
		export function probe() {
			const o = exec.test.options;
			const out = {
				paused: o.paused, target: o.scenarios.default.stages[0].target,
				same: o === exec.test.options,
				frozen: [o, o.scenarios, o.scenarios.default, o.scenarios.default.stages, o.scenarios.default.stages[0]].map(Object.isFrozen),
			};
			try { o.paused = true; out.assign = 'allowed'; } catch (e) { out.assign = e.name; }
			try { o.scenarios.default.stages[0].target = 1; out.deepAssign = 'allowed'; } catch (e) { out.deepAssign = e.name; }
			try { o.added = 1; out.add = 'allowed'; } catch (e) { out.add = e.name; }
			out.after = [o.paused, o.scenarios.default.stages[0].target, 'added' in o];
			return out;
		}
		export default function () {}`)
	e.state.ScriptOptions = []byte(`{"paused":null,"scenarios":{"default":{"executor":"ramping-vus",` +
		`"stages":[{"duration":"5s","target":100},{"duration":"5s","target":50}]}}}`)
	v := e.vu(t)
	assert.JSONEq(t, `{"paused":null,"target":100,"same":true,"frozen":[true,true,true,true,true],
		"assign":"TypeError","deepAssign":"TypeError","add":"TypeError","after":[null,100,false]}`, call(t, v, "probe"))
}

func TestAbort(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, call, want, cause string
	}{
		{"with a reason", `exec.test.abort('this is the reason');`, "this is the reason",
			"test aborted: this is the reason at default (file:///test/script.js:3:"},
		{"without a reason", `exec.test.abort();`, "", "test aborted at default (file:///test/script.js:3:"},
		{"try/catch cannot stop it", `try { exec.test.abort('uncatchable'); } catch (e) { console.log('caught'); }
			finally { console.log('finally'); }`, "uncatchable", "test aborted: uncatchable at default (file:///test/script.js:3:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := mustEnv(t, `import exec from 'k6/execution';
				export default function () {
					console.log('before'); `+tt.call+` console.log('after'); }`)
			var stopped int
			e.state.Execution.SetOnAbort(func() { stopped++ })
			v := e.vu(t)
			err := v.RunIteration(context.Background(), "default")
			assert.ErrorIs(t, err, runner.ErrInterrupted)
			ab := e.state.Execution.Aborted()
			require.NotNil(t, ab)
			assert.Equal(t, tt.want, ab.Message)
			assert.Equal(t, exitcode.ScriptAborted, exitcode.Of(ab.Cause), "a script abort ends with exit code 108")
			assert.ErrorContains(t, ab.Cause, tt.cause, "the run's error names the place of the call, as in k6")
			assert.Equal(t, 1, stopped, "the run is stopped")
			assert.Equal(t, []string{"before"}, e.consoleLines(), "nothing runs after abort()")
		})
	}
}

func TestAbortInInit(t *testing.T) {
	t.Parallel()
	t.Run("in the bundle's init", func(t *testing.T) {
		t.Parallel()
		_, err := newEnv(t, `import exec from 'k6/execution'; exec.test.abort('no way'); export default function () {}`)
		require.Error(t, err)
		assert.Equal(t, exitcode.ScriptAborted, exitcode.Of(err))
		assert.Contains(t, err.Error(), "no way")
	})
	t.Run("in one VU's init", func(t *testing.T) {
		t.Parallel()
		e := mustEnv(t, `import exec from 'k6/execution'; if (__VU === 2) exec.test.abort(); export default function () {}`)
		e.state.IDInInstance = 2
		_, err := e.bundle.NewVU(context.Background(), e.state)
		require.Error(t, err)
		assert.Equal(t, exitcode.ScriptAborted, exitcode.Of(err))
	})
}

func TestFail(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, `import exec from 'k6/execution';
		export default function () {
			const r = exec.test.fail('marked ' + exec.vu.iterationInInstance);
			console.log('after fail: ' + r);
		}
		export function bare() { exec.test.fail(); }`)
	v := e.vu(t)
	for i := int64(0); i < 2; i++ {
		e.state.IterationInInstance = i
		require.NoError(t, v.RunIteration(context.Background(), "default"), "fail() does not interrupt")
	}
	require.NoError(t, v.RunIteration(context.Background(), "bare"))
	assert.Equal(t, []string{"marked 0", "marked 1", ""}, e.state.Execution.FailReasons())
	assert.Equal(t, []string{"after fail: undefined", "after fail: undefined"}, e.consoleLines())
	assert.Nil(t, e.state.Execution.Aborted(), "fail() does not abort")
}

func TestFailThroughRunner(t *testing.T) {
	t.Parallel()
	e := mustEnv(t, `import exec from 'k6/execution';
		export const options = { iterations: 10 };
		export default function () {
			if (exec.vu.iterationInInstance === 3) exec.test.fail('iteration 3');
			console.log('iteration ' + exec.vu.iterationInInstance);
		}`)
	r, _, err := runBundle(t, e)
	assert.Equal(t, exitcode.MarkedAsFailed, exitcode.Of(err), "the run ends with exit code 110")
	assert.Len(t, e.consoleLines(), 10, "every iteration runs")
	assert.Equal(t, []string{"iteration 3"}, r.Execution().FailReasons())
}
