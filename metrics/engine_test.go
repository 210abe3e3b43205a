package metrics

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testRun drives an engine the way the runner and the JS modules do.
type testRun struct {
	t   *testing.T
	reg *Registry
	b   *Builtins
	e   *Engine
	vu  *TagSet // the emitting VU's tags
}

func newTestRun(t *testing.T, declare func(reg *Registry), thresholds map[string][]ThresholdConfig,
	opts ...EngineOption,
) *testRun {
	t.Helper()
	reg := NewRegistry()
	b := RegisterBuiltins(reg)
	if declare != nil {
		declare(reg)
	}
	e, err := NewEngine(reg, thresholds, opts...)
	require.NoError(t, err)
	return &testRun{t: t, reg: reg, b: b, e: e, vu: NewTagSet(map[string]string{"scenario": "default", "group": ""})}
}

// th builds a thresholds option from plain expressions.
func th(kv ...any) map[string][]ThresholdConfig {
	out := map[string][]ThresholdConfig{}
	for i := 0; i < len(kv); i += 2 {
		for _, s := range kv[i+1].([]string) {
			out[kv[i].(string)] = append(out[kv[i].(string)], ThresholdConfig{Source: s})
		}
	}
	return out
}

// add emits one sample of the named metric with the VU's tags plus extra
// key/value pairs.
func (r *testRun) add(name string, v float64, kv ...string) {
	r.t.Helper()
	m := r.reg.Get(name)
	require.NotNil(r.t, m, name)
	tags := r.vu
	for i := 0; i < len(kv); i += 2 {
		tags = tags.With(kv[i], kv[i+1])
	}
	r.e.AddSamples([]Sample{{Metric: m, Tags: tags, Time: time.Now(), Value: v}})
}

func (r *testRun) iteration(ms float64) {
	r.add(DataSentName, 0)
	r.add(DataReceivedName, 0)
	r.add(IterationDurationName, ms)
	r.add(IterationsName, 1)
}

func (r *testRun) check(group, name string, pass bool) {
	v := 0.0
	if pass {
		v = 1
	}
	r.add(ChecksName, v, TagGroup, group, TagCheck, name)
}

func (r *testRun) summary(opts SummaryOptions) *Summary {
	r.t.Helper()
	s, err := r.e.Summary(opts)
	require.NoError(r.t, err)
	return s
}

func TestEngineSubMetrics(t *testing.T) {
	t.Parallel()
	r := newTestRun(t, func(reg *Registry) { reg.MustNewMetric("my_counter", Counter) },
		th("my_counter{k:tagged}", []string{"count==4"},
			"http_req_duration{status:200,method:GET}", []string{"max<1000"},
			"http_req_duration{method:GET, status:200}", []string{"avg<1000"}, // same tags: same sub-metric
			"checks{group:::setup}", []string{"rate==1"}),
		WithSubMetrics(ExpectedResponseSubMetric))

	for range 2 {
		r.add("my_counter", 1)
		r.add("my_counter", 2, "k", "tagged")
		r.add("my_counter", 5, "k", "other")
	}
	r.add(HTTPReqDurationName, 10, "status", "200", "method", "GET", "expected_response", "true")
	r.add(HTTPReqDurationName, 30, "status", "200", "method", "POST", "expected_response", "true")
	r.add(HTTPReqDurationName, 50, "status", "503", "method", "GET", "expected_response", "false")
	r.check("::setup", "setup check", true)
	r.check("", "top", false)

	s := r.summary(SummaryOptions{})
	names := []string{}
	for _, m := range s.Metrics {
		names = append(names, m.Name)
	}
	assert.Equal(t, []string{
		"checks", "checks{group:::setup}",
		"http_req_duration", "http_req_duration{expected_response:true}",
		"http_req_duration{method:GET, status:200}", // equal selectors: named by the first key in order
		"my_counter", "my_counter{k:tagged}",
	}, names, "observed metrics, each sub-metric after its metric")

	assert.Equal(t, 16.0, s.Metric("my_counter").Values["count"])
	assert.Equal(t, 4.0, s.Metric("my_counter{k:tagged}").Values["count"])
	assert.Equal(t, "my_counter", s.Metric("my_counter{k:tagged}").Parent)
	assert.Equal(t, map[string]string{"k": "tagged"}, s.Metric("my_counter{k:tagged}").Tags.Map())
	assert.Equal(t, 50.0, s.Metric("http_req_duration").Values["max"])
	assert.Equal(t, 30.0, s.Metric("http_req_duration{expected_response:true}").Values["max"])
	sub := s.Metric("http_req_duration{method:GET, status:200}")
	assert.Equal(t, 10.0, sub.Values["max"])
	assert.Len(t, sub.Thresholds, 2, "thresholds of equal selectors share the sub-metric")
	assert.Equal(t, 1.0, s.Metric("checks{group:::setup}").Values["rate"])
	assert.Equal(t, 0.5, s.Metric("checks").Values["rate"])

	assert.NoError(t, r.e.FinalizeThresholds(time.Second))
}

func TestEngineObservedMetrics(t *testing.T) {
	t.Parallel()
	r := newTestRun(t, func(reg *Registry) {
		reg.MustNewMetric("never", Trend)
		reg.MustNewMetric("with_threshold", Counter)
	}, th("with_threshold", []string{"count<1"}, "iterations{scenario:none}", []string{"count==0"}))
	r.iteration(1)
	s := r.summary(SummaryOptions{})
	assert.Nil(t, s.Metric("never"), "a metric without samples is absent")
	assert.NotNil(t, s.Metric("with_threshold"), "a metric with thresholds is always shown")
	assert.NotNil(t, s.Metric("iterations{scenario:none}"), "so is a sub-metric with thresholds")
	assert.Nil(t, s.Metric(GroupDurationName))
	assert.Nil(t, s.Metric(ExpectedResponseSubMetric), "not tracked without the option")
}

func TestEngineThresholdEvaluation(t *testing.T) {
	t.Parallel()
	r := newTestRun(t, func(reg *Registry) {
		reg.MustNewMetric("my_counter", Counter)
		reg.MustNewMetric("my_gauge", Gauge)
		reg.MustNewMetric("my_rate", Rate)
		reg.MustNewMetric("my_trend", Trend)
		reg.MustNewMetric("my_ok_counter", Counter)
		reg.MustNewMetric("my_empty_rate", Rate)
		reg.MustNewMetric("my_empty_counter", Counter)
	}, th( // conformance case 16, plus empty sinks
		"my_trend", []string{"p(95)<10", "avg>=100", "min===0", "max<100", "med==0", "p(99.9)<50"},
		"my_rate", []string{"rate<0.5", "rate!=0.75"},
		"my_gauge", []string{"value<5", "value>5", "value==5"},
		"my_counter", []string{"count<=9", "count==10"},
		"my_ok_counter", []string{"count==1"},
		"my_empty_rate", []string{"rate>0.5"},
		"my_empty_counter", []string{"count>0"},
	))
	failed, abort := r.e.EvaluateThresholds(time.Second)
	assert.False(t, failed, "nothing to evaluate yet: empty sinks are skipped during the run")
	assert.Nil(t, abort)

	r.add("my_counter", 10)
	r.add("my_gauge", 5)
	for _, v := range []float64{1, 1, 1, 0} {
		r.add("my_rate", v)
	}
	for i := 1; i <= 100; i++ {
		r.add("my_trend", float64(i))
	}
	r.add("my_ok_counter", 1)

	failed, abort = r.e.EvaluateThresholds(time.Second)
	assert.True(t, failed)
	assert.Nil(t, abort, "no abortOnFail")
	assert.Equal(t, []string{"my_counter", "my_gauge", "my_rate", "my_trend"}, r.e.CrossedThresholds())

	err := r.e.FinalizeThresholds(2 * time.Second)
	require.EqualError(t, err,
		"thresholds on metrics 'my_counter, my_empty_counter, my_gauge, my_rate, my_trend' have been crossed")
	var crossed *ThresholdsCrossedError
	require.ErrorAs(t, err, &crossed)

	ok := map[string]bool{}
	for _, m := range r.summary(SummaryOptions{}).Metrics {
		for _, th := range m.Thresholds {
			ok[m.Name+" "+th.Source] = th.OK
		}
	}
	assert.Equal(t, map[string]bool{
		"my_counter count<=9": false, "my_counter count==10": true,
		"my_gauge value<5": false, "my_gauge value>5": false, "my_gauge value==5": true,
		"my_ok_counter count==1": true,
		"my_rate rate<0.5":       false, "my_rate rate!=0.75": false,
		"my_trend p(95)<10": false, "my_trend avg>=100": false, "my_trend min===0": false,
		"my_trend max<100": false, "my_trend med==0": false, "my_trend p(99.9)<50": false,
		// k6: the rate of an empty rate sink is undefined; shown failed, not crossed
		"my_empty_rate rate>0.5":   false,
		"my_empty_counter count>0": false,
	}, ok)
}

func TestEngineCounterRateThreshold(t *testing.T) {
	t.Parallel()
	r := newTestRun(t, func(reg *Registry) { reg.MustNewMetric("cc", Counter) }, th("cc", []string{"rate>=5"}))
	for range 10 {
		r.add("cc", 1)
	}
	failed, _ := r.e.EvaluateThresholds(2 * time.Second)
	assert.False(t, failed, "10 in 2 s is 5/s")
	failed, _ = r.e.EvaluateThresholds(4 * time.Second)
	assert.True(t, failed, "10 in 4 s is 2.5/s")
}

func TestEngineAbortOnFail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		cfg       ThresholdConfig
		elapsed   time.Duration
		wantAbort bool
	}{
		{"abortOnFail aborts", ThresholdConfig{Source: "count<1", AbortOnFail: true}, 2 * time.Second, true},
		{"without abortOnFail, no abort", ThresholdConfig{Source: "count<1"}, 2 * time.Second, false},
		{"before delayAbortEval", ThresholdConfig{Source: "count<1", AbortOnFail: true, DelayAbortEval: 10 * time.Second},
			2 * time.Second, false},
		{"after delayAbortEval", ThresholdConfig{Source: "count<1", AbortOnFail: true, DelayAbortEval: 10 * time.Second},
			12 * time.Second, true},
		{"passing threshold", ThresholdConfig{Source: "count<100", AbortOnFail: true}, 2 * time.Second, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newTestRun(t, nil, map[string][]ThresholdConfig{"iterations": {tc.cfg},
				"checks": {{Source: "rate==1"}}})
			r.iteration(50)
			r.check("", "c", false)
			failed, abort := r.e.EvaluateThresholds(tc.elapsed)
			assert.True(t, failed)
			if !tc.wantAbort {
				assert.Nil(t, abort)
				return
			}
			require.NotNil(t, abort)
			assert.Equal(t, "iterations", abort.Metric)
			assert.Equal(t, tc.cfg.Source, abort.Source)
			assert.Equal(t, []string{"checks", "iterations"}, abort.Crossed)
			assert.EqualError(t, abort, "thresholds on metrics 'checks, iterations' were crossed; "+
				"at least one has abortOnFail enabled, stopping test prematurely")
			_, again := r.e.EvaluateThresholds(tc.elapsed + time.Second)
			assert.Nil(t, again, "an abort is reported once")
		})
	}
}

// The root_group of conformance case 06: checks by group, ids as md5 of paths.
func TestEngineGroupsAndChecks(t *testing.T) {
	t.Parallel()
	r := newTestRun(t, nil, nil)
	r.check("::setup", "setup check", true)
	for range 4 {
		r.check("", "top pass", true)
		r.check("", "top fail", false)
		r.add(GroupDurationName, 1, TagGroup, "::outer::inner")
		r.check("::outer", "outer check", true)
		r.check("::outer::inner", "inner check", false)
		r.add(GroupDurationName, 2, TagGroup, "::outer")
		r.add(GroupDurationName, 0.1, TagGroup, "::empty group")
	}
	r.check("::teardown", "teardown check", false)

	root := r.summary(SummaryOptions{}).RootGroup
	assert.Equal(t, "d41d8cd98f00b204e9800998ecf8427e", root.ID)
	require.Len(t, root.Checks, 2)
	assert.Equal(t, CheckResult{Name: "top pass", Path: "::top pass", ID: "70298f2cb9b24b830091551e7c6d8d98", Passes: 4},
		*root.Checks[0])
	assert.Equal(t, CheckResult{Name: "top fail", Path: "::top fail", ID: "ca4265b9429f21b1e1f02f8744bed1ca", Fails: 4},
		*root.Checks[1])
	var groups []string
	for _, g := range root.Groups {
		groups = append(groups, g.Name+" "+g.Path+" "+g.ID)
	}
	assert.Equal(t, []string{
		"setup ::setup 5c0f8025f7e0b6654089e5b00e950f1a",
		"outer ::outer c34b428ee7255085dfe7fef53d3394d5",
		"empty group ::empty group 50bf7578db318b82b5f8faa713f7defa",
		"teardown ::teardown a8a9942382e8ffe2e56ef29e664b8229",
	}, groups, "in the order first seen")
	inner := root.Groups[1].Groups[0]
	assert.Equal(t, "b6c425bc7b9e3d21a2d56ce7a6de3614", inner.ID)
	assert.Equal(t, CheckResult{Name: "inner check", Path: "::outer::inner::inner check",
		ID: "7d60a092567b5aa5b0972fef90fc47e9", Fails: 4}, *inner.Checks[0])
}

func TestEngineConcurrentIngestion(t *testing.T) {
	t.Parallel()
	r := newTestRun(t, func(reg *Registry) { reg.MustNewMetric("my_trend", Trend) },
		nil, WithSubMetrics("my_trend{vu_group:odd}"))
	const vus, iters = 16, 2000
	var wg sync.WaitGroup
	for vu := range vus {
		wg.Add(1)
		go func() {
			defer wg.Done()
			parity := "even"
			if vu%2 == 1 {
				parity = "odd"
			}
			tags := NewTagSet(map[string]string{"vu_group": parity, "group": ""})
			trend, iterations := r.reg.Get("my_trend"), r.b.Iterations
			batch := make([]Sample, 0, 64)
			for i := range iters {
				batch = append(batch, Sample{Metric: trend, Tags: tags, Value: float64(i)},
					Sample{Metric: iterations, Tags: tags, Value: 1})
				if len(batch) == cap(batch) || i == iters-1 {
					r.e.AddSamples(batch)
					batch = batch[:0]
				}
				if i%500 == 0 {
					r.e.EvaluateThresholds(time.Second)
					_, _ = r.e.Summary(SummaryOptions{})
				}
			}
		}()
	}
	wg.Wait()
	s := r.summary(SummaryOptions{TrendStats: []string{"count", "max"}})
	assert.Equal(t, float64(vus*iters), s.Metric("iterations").Values["count"])
	assert.Equal(t, float64(vus*iters), s.Metric("my_trend").Values["count"])
	assert.Equal(t, float64(vus*iters/2), s.Metric("my_trend{vu_group:odd}").Values["count"])
	assert.Equal(t, uint64(2*vus*iters), r.e.SampleCount())
}

func TestEngineLateMetricsAndForeignRegistry(t *testing.T) {
	t.Parallel()
	r := newTestRun(t, nil, nil, WithSubMetrics("late{k:v}"))
	late := r.reg.MustNewMetric("late", Counter) // registered after the engine
	r.e.AddSamples([]Sample{{Metric: late, Tags: NewTagSet(map[string]string{"k": "v"}), Value: 3}, {Metric: nil}})
	s := r.summary(SummaryOptions{})
	assert.Equal(t, 3.0, s.Metric("late").Values["count"])
	assert.Equal(t, 3.0, s.Metric("late{k:v}").Values["count"], "extra sub-metrics attach to late metrics")

	other := NewRegistry()
	RegisterBuiltins(other)
	assert.Panics(t, func() {
		r.e.AddSamples([]Sample{{Metric: other.Get(IterationsName), Value: 1}})
	}, "a metric of another registry is a programming error")

	_, err := NewEngine(r.reg, nil, WithSubMetrics("no_tags"))
	assert.Error(t, err)
	_, err = NewEngine(r.reg, nil, WithSubMetrics("bad{"))
	assert.Error(t, err)
	assert.False(t, r.e.HasThresholds())
}
