package metrics_test

import (
	"testing"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/exitcode"
	_ "github.com/minik6/minik6/js/modules/metrics"
	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/minik6test"
	"github.com/minik6/minik6/testrun"
)

type result struct {
	engine   *metrics.Engine
	registry *metrics.Registry
	console  []string
	warnings []string
	errors   []string // logged errors (exceptions in iterations)
	err      error
}

// run runs script through the real runner with its exported options.
func run(t *testing.T, script string, subs ...string) result {
	t.Helper()
	logger, logs := logtest.NewNullLogger()
	console, consoles := logtest.NewNullLogger()
	test, err := minik6test.LoadScript(script, logger, console, nil)
	if err != nil {
		return result{err: err}
	}
	res := result{registry: test.Registry}
	run, out := minik6test.RunTest(t, test, testrun.Config{Logger: logger, SubMetrics: subs})
	res.engine, res.err = run.Engine(), out.Err
	for _, e := range consoles.AllEntries() {
		res.console = append(res.console, e.Message)
	}
	for _, e := range logs.AllEntries() {
		switch e.Level {
		case logrus.WarnLevel:
			res.warnings = append(res.warnings, e.Message)
		case logrus.ErrorLevel:
			res.errors = append(res.errors, e.Message)
		}
	}
	return res
}

func TestCustomMetrics(t *testing.T) {
	t.Parallel()
	res := run(t, `import { Counter, Gauge, Rate, Trend } from 'k6/metrics';
		export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 2, iterations: 2 } } };
		const c = new Counter('my_counter');
		const g = Gauge('my_gauge');
		const r = new Rate('my_rate');
		const tr = new Trend('my_trend', true);
		const plain = new Trend('my_plain_trend');
		export default function () {
			console.log([c.name, c.add(2), g.add(7), r.add(true), r.add(0), tr.add(10, { kind: 'x' }), plain.add(1)].join(' '));
		}`, "my_trend{kind:x}")
	require.NoError(t, res.err)
	assert.Equal(t, []string{"my_counter true true true true true true"}, unique(res.console))

	s, err := res.engine.Summary(metrics.SummaryOptions{TrendStats: []string{"count", "avg"}})
	require.NoError(t, err)
	assert.Equal(t, 8.0, s.Metric("my_counter").Values["count"])
	assert.Equal(t, 7.0, s.Metric("my_gauge").Values["value"])
	assert.Equal(t, 0.5, s.Metric("my_rate").Values["rate"])
	assert.Equal(t, 4.0, s.Metric("my_trend").Values["count"])
	assert.Equal(t, 4.0, s.Metric("my_trend{kind:x}").Values["count"], "add()'s tags reach the sample")
	assert.Equal(t, metrics.Time, res.registry.Get("my_trend").Contains)
	assert.Equal(t, metrics.Default, res.registry.Get("my_plain_trend").Contains)
	assert.Equal(t, metrics.Gauge, res.registry.Get("my_gauge").Type)
}

func TestAddValues(t *testing.T) {
	t.Parallel()
	res := run(t, `import { Counter } from 'k6/metrics';
		export const options = { iterations: 1 };
		const c = new Counter('values');
		export default function () {
			console.log([c.add(1), c.add(true), c.add(false), c.add('abc'), c.add(NaN), c.add(), c.add(null), c.add({})].join(' '));
		}`)
	require.NoError(t, res.err)
	assert.Equal(t, []string{"true true true false false false false false"}, res.console)
	assert.Equal(t, []string{
		"'abc' is an invalid value for metric 'values', a number or a boolean value is expected",
		"'NaN' is an invalid value for metric 'values', a number or a boolean value is expected",
		"no value was provided for metric 'values', a number or a boolean value is expected",
		"'null' is an invalid value for metric 'values', a number or a boolean value is expected",
		"'[object Object]' is an invalid value for metric 'values', a number or a boolean value is expected",
	}, res.warnings)
	s, err := res.engine.Summary(metrics.SummaryOptions{})
	require.NoError(t, err)
	assert.Equal(t, 2.0, s.Metric("values").Values["count"], "1 + true + false")
}

func TestMetricErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, script, want string
	}{
		{"declared in an iteration", `import { Counter } from 'k6/metrics';
			export const options = { iterations: 1 };
			export default function () { new Counter('late'); }`, "metrics must be declared in the init context"},
		{"added in the init context", `import { Counter } from 'k6/metrics';
			const c = new Counter('early'); c.add(1);
			export default function () {}`, "Adding to metrics in the init context is not supported"},
		{"invalid name", `import { Counter } from 'k6/metrics';
			const c = new Counter('bad name!');
			export default function () {}`, "bad name!"},
		{"existing name, other type", `import { Counter, Trend } from 'k6/metrics';
			const c = new Trend('iterations');
			export default function () {}`, "metric 'iterations' already exists but with type counter, instead of trend"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := run(t, tt.script)
			if res.err != nil {
				assert.Equal(t, exitcode.ScriptException, exitcode.Of(res.err))
				assert.Contains(t, res.err.Error(), tt.want)
				return
			}
			// In an iteration the exception ends the iteration; nothing is registered.
			require.Len(t, res.errors, 1)
			assert.Contains(t, res.errors[0], tt.want)
			assert.Nil(t, res.registry.Get("late"))
		})
	}
}

func unique(lines []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range lines {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}

// add() takes its value as k6 does: a Date adds its time, a numeric string its
// number; tags that are not strings, numbers or booleans throw, naming the
// metric; with the throw option an invalid value throws instead of warning.
func TestAddAsK6(t *testing.T) {
	t.Parallel()
	res := run(t, `import { Counter, Trend } from 'k6/metrics';
		export const options = { iterations: 1, throw: true };
		const c = new Counter('tagged');
		const dates = new Trend('dates');
		export default function () {
			console.log([dates.add(new Date(5000)), c.add(' 2 '), c.add(1, { s: 'x', n: 1, b: true })].join(' '));
			for (const f of [() => c.add(1, { a: {} }), () => c.add('abc'), () => c.add()]) {
				try { f(); console.log('no error'); } catch (e) { console.log(e.message); }
			}
		}`, "tagged{n:1,b:true,s:x}")
	require.NoError(t, res.err)
	assert.Equal(t, []string{
		"true true true",
		"cannot add tags for the 'tagged' custom metric: invalid value for metric tag 'a': " +
			"only String, Boolean and Number types are accepted as a metric tag values",
		"'abc' is an invalid value for metric 'tagged', a number or a boolean value is expected",
		"no value was provided for metric 'tagged', a number or a boolean value is expected",
	}, res.console)
	assert.Empty(t, res.warnings)
	s, err := res.engine.Summary(metrics.SummaryOptions{TrendStats: []string{"max"}})
	require.NoError(t, err)
	assert.Equal(t, 5000.0, s.Metric("dates").Values["max"])
	assert.Equal(t, 3.0, s.Metric("tagged").Values["count"])
	assert.Equal(t, 1.0, s.Metric("tagged{n:1,b:true,s:x}").Values["count"])
}
