package k6_test

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/js"
	_ "github.com/minik6/minik6/js/modules/execution"
	_ "github.com/minik6/minik6/js/modules/k6"
	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/minik6test"
	"github.com/minik6/minik6/runner"
	"github.com/minik6/minik6/testrun"
)

// run runs script through the real runner with its exported options; the engine
// tracks subs.
func run(t *testing.T, script string, subs ...string) (*metrics.Engine, *runner.Runner, []string, error) {
	t.Helper()
	logger, _ := logtest.NewNullLogger()
	console, consoles := logtest.NewNullLogger()
	test, err := minik6test.LoadScript(script, logger, console, nil)
	require.NoError(t, err)
	run, res := minik6test.RunTest(t, test, testrun.Config{Logger: logger, SubMetrics: subs})
	r, engine, err := run.Runner(), run.Engine(), res.Err
	var lines []string
	for _, e := range consoles.AllEntries() {
		if e.Level <= logrus.InfoLevel {
			lines = append(lines, e.Message)
		}
	}
	return engine, r, lines, err
}

func summary(t *testing.T, e *metrics.Engine) *metrics.Summary {
	t.Helper()
	s, err := e.Summary(metrics.SummaryOptions{TrendStats: []string{"count", "max"}})
	require.NoError(t, err)
	return s
}

func TestCheck(t *testing.T) {
	t.Parallel()
	engine, _, lines, err := run(t, `import { check } from 'k6';
		export const options = { iterations: 2 };
		export default function () {
			const all = check(5, { 'is five': (v) => v === 5, 'is six': (v) => v === 6, 'truthy value': 1 }, { extra: 't' });
			const none = check(5, {});
			console.log(all + ' ' + none);
		}`, "checks{check:is five}", "checks{extra:t}")
	require.NoError(t, err)
	assert.Equal(t, []string{"false true", "false true"}, lines)
	s := summary(t, engine)
	assert.Equal(t, 2.0, s.Metric("checks{check:is five}").Values["passes"])
	assert.Equal(t, 6.0, s.Metric("checks{extra:t}").Values["passes"]+s.Metric("checks{extra:t}").Values["fails"],
		"extra tags on every check sample")
	got := map[string][2]int64{}
	for _, c := range s.Checks {
		got[c.Name] = [2]int64{c.Passes, c.Fails}
	}
	assert.Equal(t, map[string][2]int64{"is five": {2, 0}, "is six": {0, 2}, "truthy value": {2, 0}}, got)
}

func TestGroup(t *testing.T) {
	t.Parallel()
	engine, _, lines, err := run(t, `import { group, check } from 'k6';
		import exec from 'k6/execution';
		export const options = { iterations: 1 };
		export default function () {
			const r = group('outer', () => {
				const inner = group('inner', () => { check(1, { c: (v) => v === 1 }); return exec.vu.metrics.tags.group; });
				return [inner, exec.vu.metrics.tags.group];
			});
			let threw = '';
			try { group('bad', () => { throw new Error('inside'); }); } catch (e) { threw = e.message; }
			try { group('a::b', () => {}); } catch (e) { console.log('name: ' + e.message); }
			console.log(JSON.stringify(r) + ' after=' + JSON.stringify(exec.vu.metrics.tags.group) + ' threw=' + threw);
		}`, "group_duration{group:::outer}", "group_duration{group:::outer::inner}")
	require.NoError(t, err)
	assert.Equal(t, []string{
		"name: group and check names may not contain '::'",
		`["::outer::inner","::outer"] after="" threw=inside`,
	}, lines)
	s := summary(t, engine)
	assert.Equal(t, 1.0, s.Metric("group_duration{group:::outer}").Values["count"])
	assert.Equal(t, 1.0, s.Metric("group_duration{group:::outer::inner}").Values["count"])
	require.NotEmpty(t, s.RootGroup.Groups)
	outer := s.RootGroup.Groups[0]
	assert.Equal(t, "::outer", outer.Path)
	require.Len(t, outer.Groups, 1)
	require.Len(t, outer.Groups[0].Checks, 1)
	assert.Equal(t, "::outer::inner::c", outer.Groups[0].Checks[0].Path)
	assert.Equal(t, int64(1), outer.Groups[0].Checks[0].Passes)
}

func TestSleepStopsWithTheScenario(t *testing.T) {
	t.Parallel()
	start := time.Now()
	_, r, lines, err := run(t, `import { sleep } from 'k6';
		export const options = { scenarios: { s: { executor: 'constant-vus', vus: 4, duration: '1s', gracefulStop: '0s' } } };
		export default function () { sleep(30); console.log('after sleep'); }`)
	require.NoError(t, err)
	assert.Less(t, time.Since(start), 20*time.Second, "a 30s sleep does not hold the run")
	assert.Empty(t, lines, "no iteration goes on after sleep() returns at the hard stop")
	assert.Equal(t, int64(4), r.Execution().IterationsInterrupted())
	assert.Zero(t, r.Execution().IterationsCompleted())
}

func TestSleepWaits(t *testing.T) {
	t.Parallel()
	start := time.Now()
	_, _, lines, err := run(t, `import { sleep } from 'k6';
		export const options = { iterations: 1 };
		export default function () { const t0 = Date.now(); sleep(0.1); sleep(0); sleep(-1); console.log(String(Date.now() - t0 >= 100)); }`)
	require.NoError(t, err)
	assert.Equal(t, []string{"true"}, lines)
	assert.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond)
}

func TestInitContextUse(t *testing.T) {
	t.Parallel()
	for _, fn := range []string{"check(1, { a: true })", "group('g', () => {})"} {
		name := fn[:strings.IndexByte(fn, '(')]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			logger, _ := logtest.NewNullLogger()
			_, err := js.NewBundle("/test/script.js", js.Config{
				FS:     fstest.MapFS{"test/script.js": {Data: []byte(`import { check, group } from 'k6'; ` + fn + `; export default function () {}`)}},
				Logger: logger,
			})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "Using "+name+"() in the init context is not supported")
		})
	}
}

func TestFailAndRandomSeed(t *testing.T) {
	t.Parallel()
	_, r, lines, err := run(t, `import { fail, randomSeed } from 'k6';
		export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 1 } } };
		export default function () {
			randomSeed(42);
			console.log('random ' + [Math.random(), Math.random()].join(','));
			fail('failed on purpose');
			console.log('not reached');
		}`)
	require.NoError(t, err, "fail() ends the iteration, not the run")
	require.Len(t, lines, 2)
	assert.Equal(t, lines[0], lines[1], "the same seed gives the same numbers in every VU")
	assert.Equal(t, int64(2), r.Execution().IterationsCompleted())
	assert.Nil(t, r.Execution().FailReasons(), "k6's fail() is not exec.test.fail()")
}

// check() and group() refuse what k6 refuses, with k6's messages.
func TestArgumentRules(t *testing.T) {
	t.Parallel()
	_, _, lines, err := run(t, `import { check, group } from 'k6';
		export const options = { iterations: 1 };
		const tries = [
			['check without checks', () => check(1)],
			['check with undefined checks', () => check(1, undefined)],
			['check with an async check', () => check(1, { a: async () => true })],
			['check with an object tag', () => check(1, { a: true }, { t: {} })],
			['group without a callback', () => group('g')],
			['group with a string callback', () => group('g', 'nope')],
			['group with an async callback', () => group('g', async () => {})],
		];
		export default function () {
			for (const [name, f] of tries) {
				try { f(); console.log(name + ': no error'); } catch (e) { console.log(name + ': ' + e.message); }
			}
		}`)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"check without checks: no checks provided to `check`",
		"check with undefined checks: Cannot convert undefined or null to object",
		"check with an async check: the built-in check() does not support async functions as arguments. " +
			"Use the JavaScript utils library as a replacement. " +
			"Refer to https://grafana.com/docs/k6/latest/javascript-api/jslib/utils/check/ for more info",
		"check with an object tag: invalid value for metric tag 't': " +
			"only String, Boolean and Number types are accepted as a metric tag values",
		"group without a callback: group() requires a callback as a second argument",
		"group with a string callback: group() requires a callback as a second argument",
		"group with an async callback: group() does not support async functions as arguments, " +
			"please see https://grafana.com/docs/k6/latest/javascript-api/k6/group/ for more info",
	}, lines)
}

// A check whose condition throws records a failed sample (tagged with the
// check's name and group) before the exception goes on; the checks after it do
// not run.
func TestCheckThatThrows(t *testing.T) {
	t.Parallel()
	engine, _, lines, err := run(t, `import { check, group } from 'k6';
		export const options = { iterations: 1 };
		export default function () {
			group('g', () => {
				try {
					check(1, { fine: true, boom: () => { throw new Error('in the check'); }, never: true });
				} catch (e) {
					console.log('caught ' + e.message);
				}
			});
		}`, "checks{check:boom,group:::g}")
	require.NoError(t, err)
	assert.Equal(t, []string{"caught in the check"}, lines)
	s := summary(t, engine)
	boom := s.Metric("checks{check:boom,group:::g}")
	require.NotNil(t, boom)
	assert.Equal(t, 0.0, boom.Values["passes"])
	assert.Equal(t, 1.0, boom.Values["fails"])
	require.Len(t, s.RootGroup.Groups, 1)
	got := map[string][2]int64{}
	for _, c := range s.RootGroup.Groups[0].Checks {
		got[c.Name] = [2]int64{c.Passes, c.Fails}
	}
	assert.Equal(t, map[string][2]int64{"fine": {1, 0}, "boom": {0, 1}}, got)
}
