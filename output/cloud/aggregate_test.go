package cloud

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/cloud/metricspb"
	"github.com/minik6/minik6/metrics"
)

func TestAggregateAndEncode(t *testing.T) {
	t.Parallel()
	reg := metrics.NewRegistry()
	counter, err := reg.NewMetric("hits", metrics.Counter, metrics.Default)
	require.NoError(t, err)
	gauge, err := reg.NewMetric("level", metrics.Gauge, metrics.Default)
	require.NoError(t, err)
	rate, err := reg.NewMetric("ok", metrics.Rate, metrics.Default)
	require.NoError(t, err)
	trend, err := reg.NewMetric("took", metrics.Trend, metrics.Time)
	require.NoError(t, err)

	var dropped []string
	a := newAggregator(3*time.Second, func(name string) { dropped = append(dropped, name) })
	base := time.Unix(300, 0) // period 100
	tagsA := metrics.NewTagSet(map[string]string{"group": "", "scenario": "s", "__secret": "x", "test_run_id": "9"})
	tagsA2 := metrics.NewTagSet(map[string]string{"group": "", "scenario": "s", "__secret": "x", "test_run_id": "9"}) // equal, another pointer
	tagsB := metrics.NewTagSet(map[string]string{"scenario": "t"})
	a.add([]metrics.Sample{
		{Metric: counter, Tags: tagsA, Time: base, Value: 1},
		{Metric: counter, Tags: tagsA2, Time: base.Add(time.Second), Value: 2},
		{Metric: counter, Tags: tagsB, Time: base, Value: 5},
		{Metric: counter, Tags: tagsA, Time: base.Add(3 * time.Second), Value: 4}, // next period
		{Metric: gauge, Tags: tagsB, Time: base, Value: -3},
		{Metric: gauge, Tags: tagsB, Time: base, Value: -1},
		{Metric: rate, Tags: tagsB, Time: base, Value: 1},
		{Metric: rate, Tags: tagsB, Time: base, Value: 0},
		{Metric: rate, Tags: tagsB, Time: base, Value: 1},
		{Metric: trend, Tags: tagsB, Time: base, Value: 100},
		{Metric: trend, Tags: tagsB, Time: base, Value: 100.4},
		{Metric: trend, Tags: tagsB, Time: base, Value: 501.56},
		{Metric: trend, Tags: tagsB, Time: base, Value: -2},
		{Tags: tagsB, Time: base, Value: 1}, // no metric: skipped
	})
	assert.Equal(t, []string{"__secret", "test_run_id"}, dropped, "reserved tags are dropped, each reported once")

	assert.Empty(t, a.collect(99))
	first := a.collect(100)
	require.Len(t, first, 1)
	rest := a.collectAll()
	require.Len(t, rest, 1)
	assert.Empty(t, a.collectAll())

	msgs := messages("123", 3*time.Second, append(first, rest...), 1000)
	require.Len(t, msgs, 1)
	set := msgs[0].set
	assert.EqualValues(t, 13, msgs[0].samples)
	assert.Equal(t, "123", set.TestRunId)
	assert.EqualValues(t, 3, set.AggregationPeriod)
	byName := map[string]*metricspb.Metric{}
	for _, m := range set.Metrics {
		byName[m.Name] = m
	}
	require.Len(t, byName, 4)

	hits := byName["hits"]
	assert.Equal(t, metricspb.MetricType_METRIC_TYPE_COUNTER, hits.Type)
	require.Len(t, hits.TimeSeries, 2, "equal tag sets are one series")
	a0 := hits.TimeSeries[0]
	assert.Equal(t, []string{"group=", "scenario=s"}, labelStrings(a0.Labels))
	vals := a0.GetCounterSamples().Values
	require.Len(t, vals, 2, "one value per period")
	assert.Equal(t, 3.0, vals[0].Value)
	assert.EqualValues(t, 300, vals[0].Time.Seconds)
	assert.Equal(t, 4.0, vals[1].Value)
	assert.EqualValues(t, 303, vals[1].Time.Seconds)

	g := byName["level"].TimeSeries[0].GetGaugeSamples().Values[0]
	assert.Equal(t, -1.0, g.Last)
	assert.EqualValues(t, 2, g.Count)
	assert.Equal(t, -3.0, g.Min)
	assert.Equal(t, -1.0, g.Max)
	assert.Equal(t, -2.0, g.Avg)

	r := byName["ok"].TimeSeries[0].GetRateSamples().Values[0]
	assert.EqualValues(t, 2, r.NonzeroCount)
	assert.EqualValues(t, 3, r.TotalCount)

	tr := byName["took"].TimeSeries[0].GetTrendHdrSamples().Values[0]
	assert.EqualValues(t, 4, tr.Count)
	assert.InDelta(t, 699.96, tr.Sum, 1e-9)
	assert.Equal(t, -2.0, tr.MinValue)
	assert.Equal(t, 501.56, tr.MaxValue)
	assert.Equal(t, 0.001, tr.MinResolution)
	require.NotNil(t, tr.ExtraLowValuesCounter)
	assert.EqualValues(t, 1, *tr.ExtraLowValuesCounter)
	assert.Nil(t, tr.ExtraHighValuesCounter)
	// 100 ms is bucket 1347 (the protocol's worked example), 100.4 ms the
	// next one, 501.56 ms bucket 1652.
	assert.Equal(t, []uint32{1, 1, 1}, tr.Counters)
	require.Len(t, tr.Spans, 2)
	assert.EqualValues(t, 1347, tr.Spans[0].Offset)
	assert.EqualValues(t, 2, tr.Spans[0].Length)
	assert.EqualValues(t, 1652-1349, tr.Spans[1].Offset, "the empty buckets skipped")
	assert.EqualValues(t, 1, tr.Spans[1].Length)
}

func TestMessagesAreBatchedBySeries(t *testing.T) {
	t.Parallel()
	reg := metrics.NewRegistry()
	c, err := reg.NewMetric("cc", metrics.Counter, metrics.Default)
	require.NoError(t, err)
	a := newAggregator(time.Second, func(string) {})
	var batch []metrics.Sample
	for i := 0; i < 10; i++ {
		batch = append(batch, metrics.Sample{Metric: c, Tags: metrics.NewTagSet(map[string]string{"i": string(rune('a' + i))}), Time: time.Unix(5, 0), Value: 1})
	}
	a.add(batch)
	msgs := messages("r", time.Second, a.collectAll(), 4)
	require.Len(t, msgs, 3)
	var n int
	for _, m := range msgs {
		for _, metric := range m.set.Metrics {
			n += len(metric.TimeSeries)
			assert.LessOrEqual(t, len(metric.TimeSeries), 4)
		}
	}
	assert.Equal(t, 10, n)
}

func labelStrings(ls []*metricspb.Label) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Name + "=" + l.Value
	}
	return out
}
