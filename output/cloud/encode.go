package cloud

import (
	"sort"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/minik6/minik6/cloud/metricspb"
	"github.com/minik6/minik6/metrics"
)

// message is one MetricSet to push, and how many samples it carries.
type message struct {
	set     *metricspb.MetricSet
	samples uint64
}

// messages turns collected buckets into MetricSets (cloud-protocol §6.3): each
// series appears once per message with one value per bucket, and a message
// holds at most maxSeries series.
func messages(refID string, period time.Duration, buckets []*bucket, maxSeries int) []message {
	type seriesValues struct {
		sr      *series
		ts      *metricspb.TimeSeries
		samples uint64
	}
	bySeries := map[*series]*seriesValues{}
	var order []*seriesValues
	for _, b := range buckets {
		at := timestamppb.New(time.Unix(0, b.index*int64(period)))
		for sr, agg := range b.values {
			sv := bySeries[sr]
			if sv == nil {
				sv = &seriesValues{sr: sr, ts: newTimeSeries(sr)}
				bySeries[sr] = sv
				order = append(order, sv)
			}
			appendValue(sv.ts, at, agg)
			sv.samples += agg.samples
		}
	}
	// A stable order: by metric name, then labels.
	sort.Slice(order, func(i, j int) bool {
		a, b := order[i].sr, order[j].sr
		if a.metric.Name != b.metric.Name {
			return a.metric.Name < b.metric.Name
		}
		return labelsLess(a.labels, b.labels)
	})

	var out []message
	for start := 0; start < len(order); start += maxSeries {
		chunk := order[start:min(start+maxSeries, len(order))]
		set := &metricspb.MetricSet{TestRunId: refID, AggregationPeriod: uint32(period / time.Second)}
		var m *metricspb.Metric
		var samples uint64
		for _, sv := range chunk {
			if m == nil || m.Name != sv.sr.metric.Name {
				m = &metricspb.Metric{Name: sv.sr.metric.Name, Type: metricType(sv.sr.metric.Type)}
				set.Metrics = append(set.Metrics, m)
			}
			m.TimeSeries = append(m.TimeSeries, sv.ts)
			samples += sv.samples
		}
		out = append(out, message{set: set, samples: samples})
	}
	return out
}

func labelsLess(a, b []label) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			if a[i].name != b[i].name {
				return a[i].name < b[i].name
			}
			return a[i].value < b[i].value
		}
	}
	return len(a) < len(b)
}

func metricType(t metrics.MetricType) metricspb.MetricType {
	switch t {
	case metrics.Counter:
		return metricspb.MetricType_METRIC_TYPE_COUNTER
	case metrics.Gauge:
		return metricspb.MetricType_METRIC_TYPE_GAUGE
	case metrics.Rate:
		return metricspb.MetricType_METRIC_TYPE_RATE
	case metrics.Trend:
		return metricspb.MetricType_METRIC_TYPE_TREND
	}
	return metricspb.MetricType_METRIC_TYPE_UNSPECIFIED
}

// newTimeSeries makes a series' message with its labels and empty samples of
// its metric's kind.
func newTimeSeries(sr *series) *metricspb.TimeSeries {
	ts := &metricspb.TimeSeries{Labels: make([]*metricspb.Label, len(sr.labels))}
	for i, l := range sr.labels {
		ts.Labels[i] = &metricspb.Label{Name: l.name, Value: l.value}
	}
	switch sr.metric.Type {
	case metrics.Counter:
		ts.Samples = &metricspb.TimeSeries_CounterSamples{CounterSamples: &metricspb.CounterSamples{}}
	case metrics.Gauge:
		ts.Samples = &metricspb.TimeSeries_GaugeSamples{GaugeSamples: &metricspb.GaugeSamples{}}
	case metrics.Rate:
		ts.Samples = &metricspb.TimeSeries_RateSamples{RateSamples: &metricspb.RateSamples{}}
	case metrics.Trend:
		ts.Samples = &metricspb.TimeSeries_TrendHdrSamples{TrendHdrSamples: &metricspb.TrendHdrSamples{}}
	}
	return ts
}

// appendValue adds one period's aggregate to a series' message.
func appendValue(ts *metricspb.TimeSeries, at *timestamppb.Timestamp, g *aggregate) {
	switch s := ts.Samples.(type) {
	case *metricspb.TimeSeries_CounterSamples:
		s.CounterSamples.Values = append(s.CounterSamples.Values, &metricspb.CounterValue{Time: at, Value: g.sum})
	case *metricspb.TimeSeries_GaugeSamples:
		s.GaugeSamples.Values = append(s.GaugeSamples.Values, &metricspb.GaugeValue{
			Time: at, Last: g.last, Count: uint32(g.samples), Min: g.min, Max: g.max, Avg: g.sum / float64(g.samples),
		})
	case *metricspb.TimeSeries_RateSamples:
		s.RateSamples.Values = append(s.RateSamples.Values, &metricspb.RateValue{
			Time: at, NonzeroCount: uint32(g.nonzero), TotalCount: uint32(g.samples),
		})
	case *metricspb.TimeSeries_TrendHdrSamples:
		s.TrendHdrSamples.Values = append(s.TrendHdrSamples.Values, trendValue(at, g.hist))
	}
}

// trendValue is a histogram as the protocol's TrendHdrValue (§6.5): the
// counts of the non-empty buckets, and spans that cut their indices into runs
// of consecutive ones; a span's offset is the first index for the first span,
// the number of empty buckets skipped since the previous run for the others.
func trendValue(at *timestamppb.Timestamp, h *metrics.Histogram) *metricspb.TrendHdrValue {
	v := &metricspb.TrendHdrValue{
		Time: at, Sum: h.Sum(), Count: uint32(h.Count()), MinValue: h.Min(), MaxValue: h.Max(),
		MinResolution: h.MinResolution(),
	}
	var span *metricspb.BucketSpan
	var next uint32 // the index after the current run
	h.Buckets(func(index uint32, count uint64) bool {
		v.Counters = append(v.Counters, uint32(count))
		switch {
		case span == nil:
			span = &metricspb.BucketSpan{Offset: index, Length: 1}
			v.Spans = append(v.Spans, span)
		case index == next:
			span.Length++
		default:
			span = &metricspb.BucketSpan{Offset: index - next, Length: 1}
			v.Spans = append(v.Spans, span)
		}
		next = index + 1
		return true
	})
	if n := h.ExtraLow(); n > 0 {
		low := uint32(n)
		v.ExtraLowValuesCounter = &low
	}
	if n := h.ExtraHigh(); n > 0 {
		high := uint32(n)
		v.ExtraHighValuesCounter = &high
	}
	return v
}
