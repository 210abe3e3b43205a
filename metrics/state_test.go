package metrics

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stateWorkload feeds a deterministic mix of samples to the engines: sample i
// goes to engine i%len(engines), as the instances of a segmented test share
// out the iterations.
func stateWorkload(t *testing.T, n int, engines ...*testRun) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	start := time.Unix(1_700_000_000, 0)
	for i := range n {
		r := engines[i%len(engines)]
		at := start.Add(time.Duration(i) * time.Millisecond)
		// every instance meets the groups in the same order, as instances
		// of one script do: the merged tree keeps the order of the first
		group := []string{"", "::login", "::login::form", "::browse"}[i/12%4]
		scenario := []string{"default", "api", "web"}[i%3]
		tags := r.vu.With("group", group).With("scenario", scenario).With("status", []string{"200", "404"}[i%7/6])
		lat := rng.ExpFloat64() * 80
		if i%50 == 0 {
			lat = -rng.Float64() // a custom trend may hold negative values
		}
		ok := 0.0
		if rng.Float64() < 0.9 {
			ok = 1
		}
		batch := []Sample{
			{Metric: r.reg.Get("latency"), Tags: tags, Time: at, Value: lat},
			{Metric: r.reg.Get(IterationsName), Tags: tags, Time: at, Value: 1},
			{Metric: r.reg.Get("inflight"), Tags: tags, Time: at, Value: float64(i % 97)},
			{Metric: r.reg.Get(ChecksName), Tags: tags.With("check", "status is 200"), Time: at, Value: ok},
			{Metric: r.reg.Get("errors"), Tags: tags, Time: at, Value: 1 - ok},
		}
		if group != "" {
			batch = append(batch, Sample{Metric: r.reg.Get(GroupDurationName), Tags: tags, Time: at, Value: lat})
		}
		r.e.AddSamples(batch)
	}
}

func stateRun(t *testing.T, opts ...EngineOption) *testRun {
	declare := func(reg *Registry) {
		reg.MustNewMetric("latency", Trend, Time)
		reg.MustNewMetric("inflight", Gauge)
		reg.MustNewMetric("errors", Rate)
	}
	th := map[string][]ThresholdConfig{
		"latency":              {{Source: "p(95)<200"}, {Source: "avg<1", AbortOnFail: true, DelayAbortEval: 10 * time.Second}},
		"latency{status:404}":  {{Source: "max<10000"}},
		"errors":               {{Source: "rate<0.5"}},
		"iterations":           {{Source: "count>10"}},
		"inflight{scenario:x}": {{Source: "value<5"}},
	}
	r := newTestRun(t, declare, th, append(opts, WithSubMetrics("iterations{scenario:api}"))...)
	r.e.SetTestRunDuration(7 * time.Second)
	return r
}

// roundTrip writes a state and reads it back.
func roundTrip(t *testing.T, e *Engine) *State {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, e.WriteState(&buf, State{Producer: "test"}))
	s, err := ReadState(&buf)
	require.NoError(t, err)
	return s
}

func TestMergedStatesEqualTheWholeRun(t *testing.T) {
	for _, n := range []int{600, 20_000} { // exact percentiles, then histogram ones
		whole := stateRun(t, WithBreakdown())
		parts := []*testRun{stateRun(t, WithBreakdown()), stateRun(t, WithBreakdown()), stateRun(t, WithBreakdown())}
		stateWorkload(t, n, whole)
		stateWorkload(t, n, parts...)

		var states []*State
		for _, p := range parts {
			states = append(states, roundTrip(t, p.e))
		}
		merged, err := MergeStates(states...)
		require.NoError(t, err)

		opts := SummaryOptions{TrendStats: []string{"avg", "min", "med", "max", "p(90)", "p(95)", "p(99.9)", "count"}}
		want, err := whole.e.Summary(opts)
		require.NoError(t, err)
		got, err := merged.Summary(opts)
		require.NoError(t, err)

		require.Len(t, got.Metrics, len(want.Metrics))
		for i, wm := range want.Metrics {
			gm := got.Metrics[i]
			require.Equal(t, wm.Name, gm.Name)
			for stat, wv := range wm.Values {
				assertStat(t, n, wm.Name+" "+stat, stat, wv, gm.Values[stat])
			}
		}
		assert.Equal(t, want.RootGroup, got.RootGroup)
		assert.Equal(t, want.Checks, got.Checks)
		require.Len(t, got.Scenarios, len(want.Scenarios))
		for i := range want.Scenarios {
			assertBreakdown(t, n, want.Scenarios[i], got.Scenarios[i])
		}
		require.Len(t, got.Groups, len(want.Groups))
		for i := range want.Groups {
			assertBreakdown(t, n, want.Groups[i], got.Groups[i])
		}

		assert.Equal(t, whole.e.FinalizeThresholds(7*time.Second), merged.FinalizeThresholds(7*time.Second))
		assert.Equal(t, whole.e.ThresholdResults()["errors"], merged.ThresholdResults()["errors"])
	}
}

// assertStat compares a statistic of the whole run and of the merge: exact,
// but for percentiles beyond TrendExactLimit values, within the histogram's
// 0.4 %, and sums, whose float additions run in another order.
func assertStat(t *testing.T, n int, what, stat string, want, got float64) {
	t.Helper()
	switch {
	case n > TrendExactLimit && (stat == "med" || strings.HasPrefix(stat, "p(")):
		assert.InEpsilon(t, want, got, 0.004, what)
	case stat == "avg" || stat == "rate" && want > 1:
		assert.InDelta(t, want, got, math.Abs(want)*1e-12, what)
	default:
		assert.Equal(t, want, got, what)
	}
}

func assertBreakdown(t *testing.T, n int, want, got *Breakdown) {
	t.Helper()
	require.Equal(t, want.Name, got.Name)
	require.Equal(t, want.Path, got.Path)
	require.Len(t, got.Metrics, len(want.Metrics), want.Path)
	for i, wm := range want.Metrics {
		for stat, wv := range wm.Values {
			assertStat(t, n, want.Name+want.Path+" "+wm.Name+" "+stat, stat, wv, got.Metrics[i].Values[stat])
		}
	}
	assert.Equal(t, want.Checks, got.Checks)
	require.Len(t, got.Groups, len(want.Groups))
	for i := range want.Groups {
		assertBreakdown(t, n, want.Groups[i], got.Groups[i])
	}
}

func TestMergedGaugeTakesTheLatestValue(t *testing.T) {
	a, b := stateRun(t), stateRun(t)
	g := a.reg.Get("inflight")
	at := time.Unix(100, 0)
	a.e.AddSamples([]Sample{{Metric: g, Tags: a.vu, Time: at.Add(2 * time.Second), Value: 3}})
	b.e.AddSamples([]Sample{{Metric: b.reg.Get("inflight"), Tags: b.vu, Time: at, Value: 9}})
	for _, order := range [][]*State{{roundTrip(t, a.e), roundTrip(t, b.e)}, {roundTrip(t, b.e), roundTrip(t, a.e)}} {
		merged, err := MergeStates(order...)
		require.NoError(t, err)
		s, err := merged.Summary(SummaryOptions{})
		require.NoError(t, err)
		assert.Equal(t, map[string]float64{"value": 3, "min": 3, "max": 9}, s.Metric("inflight").Values)
	}
}

func TestStateCarriesNonFiniteValues(t *testing.T) {
	r := stateRun(t)
	m := r.reg.Get("inflight")
	r.e.AddSamples([]Sample{{Metric: m, Tags: r.vu, Value: math.Inf(1)}, {Metric: r.reg.Get("latency"), Tags: r.vu, Value: math.Inf(-1)}})
	merged, err := MergeStates(roundTrip(t, r.e))
	require.NoError(t, err)
	s, err := merged.Summary(SummaryOptions{})
	require.NoError(t, err)
	assert.True(t, math.IsInf(s.Metric("inflight").Values["value"], 1))
	assert.True(t, math.IsInf(s.Metric("latency").Values["min"], -1))
}

func TestReadStateRefusesWhatItCannotMerge(t *testing.T) {
	for name, tc := range map[string]struct{ doc, err string }{
		"not json":      {`{`, "not a summary state"},
		"other format":  {`{"format":"k6-summary","version":1}`, `the format is "k6-summary"`},
		"newer version": {`{"format":"minik6-summary-state","version":99}`, "version 99: this minik6 reads versions 1 to 1"},
	} {
		_, err := ReadState(strings.NewReader(tc.doc))
		assert.ErrorContains(t, err, tc.err, name)
	}

	bad := map[string]string{
		"type clash":     `{"format":"minik6-summary-state","version":1,"metrics":[{"name":"iterations","type":"trend","contains":"default","sink":{"n":0}}]}`,
		"bucket count":   `{"format":"minik6-summary-state","version":1,"metrics":[{"name":"latency","type":"trend","contains":"time","sink":{"n":2000,"pos":{"resolution":9.313225746154785e-10,"count":2000,"sum":1,"min":0,"max":1,"buckets":[5,3]}}}]}`,
		"bucket range":   `{"format":"minik6-summary-state","version":1,"metrics":[{"name":"latency","type":"trend","contains":"time","sink":{"n":1,"pos":{"resolution":9.313225746154785e-10,"count":1,"sum":1,"min":0,"max":1,"buckets":[99999999,1]}}}]}`,
		"exact missing":  `{"format":"minik6-summary-state","version":1,"metrics":[{"name":"latency","type":"trend","contains":"time","sink":{"n":1,"pos":{"resolution":9.313225746154785e-10,"count":1,"sum":1,"min":1,"max":1,"buckets":[1073741824,1]}}}]}`,
		"rate":           `{"format":"minik6-summary-state","version":1,"metrics":[{"name":"errors","type":"rate","contains":"default","sink":{"trues":3,"total":2}}]}`,
		"bad sub-metric": `{"format":"minik6-summary-state","version":1,"metrics":[{"name":"errors","type":"rate","contains":"default","submetrics":[{"name":"other{a:b}","sink":{}}]}]}`,
	}
	r := stateRun(t)
	good := roundTrip(t, r.e)
	for name, doc := range bad {
		s, err := ReadState(strings.NewReader(doc))
		require.NoError(t, err, name)
		_, err = MergeStates(good, s)
		assert.ErrorContains(t, err, "state 2: ", name)
	}
}

// BenchmarkMergeStates merges 50 instances' states of a test with 100
// metrics, trends beyond the exact limit among them (the goal: well under a
// second, decoding included).
func BenchmarkMergeStates(b *testing.B) {
	var docs [][]byte
	for i := range 50 {
		reg := NewRegistry()
		tags := NewTagSet(map[string]string{"scenario": "default"})
		var batch []Sample
		rng := rand.New(rand.NewPCG(uint64(i), 7))
		for j := range 100 {
			m := reg.MustNewMetric("m"+strconv.Itoa(j), MetricType(j%4+1))
			for range 2000 {
				batch = append(batch, Sample{Metric: m, Tags: tags, Value: rng.ExpFloat64() * 100})
			}
		}
		e, err := NewEngine(reg, nil)
		require.NoError(b, err)
		e.AddSamples(batch)
		var buf bytes.Buffer
		require.NoError(b, e.WriteState(&buf, State{}))
		docs = append(docs, buf.Bytes())
	}
	b.ResetTimer()
	for range b.N {
		states := make([]*State, len(docs))
		for i, d := range docs {
			s, err := ReadState(bytes.NewReader(d))
			require.NoError(b, err)
			states[i] = s
		}
		_, err := MergeStates(states...)
		require.NoError(b, err)
	}
}

func TestMergedVUsAddUp(t *testing.T) {
	a, b := stateRun(t), stateRun(t)
	a.e.AddSamples([]Sample{{Metric: a.reg.Get(VUsName), Tags: a.vu, Time: time.Unix(5, 0), Value: 4}})
	b.e.AddSamples([]Sample{{Metric: b.reg.Get(VUsName), Tags: b.vu, Time: time.Unix(1, 0), Value: 2}})
	merged, err := MergeStates(roundTrip(t, a.e), roundTrip(t, b.e))
	require.NoError(t, err)
	s, err := merged.Summary(SummaryOptions{})
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{"value": 6, "min": 6, "max": 6}, s.Metric(VUsName).Values)
}
