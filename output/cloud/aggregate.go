package cloud

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/minik6/minik6/metrics"
)

// aggregator sums samples up per time series (a metric and its full tag set)
// and per aggregation period, as the cloud's metrics push wants them
// (cloud-protocol §6.2). It is not safe for concurrent use.
type aggregator struct {
	period time.Duration
	// series are the known series by metric and tag-set hash; alias maps the
	// (metric, tag set pointer) pairs seen to their series, so that the samples
	// of one VU, which share a tag set, find theirs with one map lookup.
	series  map[seriesHash][]*series
	alias   map[seriesAlias]*series
	buckets map[int64]*bucket
	// dropTag reports, once per name, a tag the cloud reserves.
	dropTag func(name string)
}

type seriesHash struct {
	metric *metrics.Metric
	hash   uint64
}

type seriesAlias struct {
	metric *metrics.Metric
	tags   *metrics.TagSet
}

// maxAliases bounds the alias map: scripts that change a tag every iteration
// make a new tag set each time.
const maxAliases = 1 << 16

// series is one time series: its metric and labels (the tags the cloud takes,
// sorted by name).
type series struct {
	metric *metrics.Metric
	tags   *metrics.TagSet
	labels []label
}

type label struct{ name, value string }

// bucket holds one aggregation period's aggregates, by series.
type bucket struct {
	index  int64 // the period's number since the Unix epoch
	values map[*series]*aggregate
}

// aggregate is what one series gathered in one period.
type aggregate struct {
	samples uint64
	// Counter: sum. Gauge: last, min, max, sum (for the mean). Rate: nonzero
	// of samples. Trend: hist.
	sum, last, min, max float64
	nonzero             uint64
	hist                *metrics.Histogram
}

func newAggregator(period time.Duration, dropTag func(string)) *aggregator {
	return &aggregator{
		period: period, dropTag: dropTag,
		series:  map[seriesHash][]*series{},
		alias:   map[seriesAlias]*series{},
		buckets: map[int64]*bucket{},
	}
}

// add aggregates the samples.
func (a *aggregator) add(samples []metrics.Sample) {
	var last *bucket
	for i := range samples {
		s := &samples[i]
		if s.Metric == nil {
			continue
		}
		idx := s.Time.UnixNano() / int64(a.period)
		b := last
		if b == nil || b.index != idx {
			if b = a.buckets[idx]; b == nil {
				b = &bucket{index: idx, values: map[*series]*aggregate{}}
				a.buckets[idx] = b
			}
			last = b
		}
		sr := a.seriesOf(s.Metric, s.Tags)
		agg := b.values[sr]
		if agg == nil {
			agg = &aggregate{min: math.Inf(1), max: math.Inf(-1)}
			if s.Metric.Type == metrics.Trend {
				agg.hist = metrics.NewHistogram(metrics.CloudMinResolution)
			}
			b.values[sr] = agg
		}
		agg.add(s.Metric.Type, s.Value)
	}
}

func (g *aggregate) add(t metrics.MetricType, v float64) {
	g.samples++
	switch t {
	case metrics.Counter:
		g.sum += v
	case metrics.Gauge:
		g.last, g.sum = v, g.sum+v
		g.min, g.max = min(g.min, v), max(g.max, v)
	case metrics.Rate:
		if v != 0 {
			g.nonzero++
		}
	case metrics.Trend:
		g.hist.Add(v)
	}
}

// seriesOf finds or makes the series of a metric and tag set.
func (a *aggregator) seriesOf(m *metrics.Metric, tags *metrics.TagSet) *series {
	if sr, ok := a.alias[seriesAlias{m, tags}]; ok {
		return sr
	}
	key := seriesHash{m, tags.Hash()}
	var found *series
	for _, sr := range a.series[key] {
		if sr.tags.Equal(tags) {
			found = sr
			break
		}
	}
	if found == nil {
		found = &series{metric: m, tags: tags, labels: a.labels(tags)}
		a.series[key] = append(a.series[key], found)
	}
	if len(a.alias) >= maxAliases {
		clear(a.alias)
	}
	a.alias[seriesAlias{m, tags}] = found
	return found
}

// labels are the tags the cloud takes, sorted by name: those whose name starts
// with "__", and test_run_id, are reserved for the cloud and dropped.
func (a *aggregator) labels(tags *metrics.TagSet) []label {
	var out []label
	tags.Range(func(k, v string) bool {
		if strings.HasPrefix(k, "__") || k == "test_run_id" {
			a.dropTag(k)
			return true
		}
		out = append(out, label{k, v})
		return true
	})
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// collect removes and returns the buckets of periods up to and including
// upTo, oldest first.
func (a *aggregator) collect(upTo int64) []*bucket {
	var out []*bucket
	for idx, b := range a.buckets {
		if idx <= upTo {
			out = append(out, b)
			delete(a.buckets, idx)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].index < out[j].index })
	return out
}

// collectAll removes and returns every bucket, the open one too.
func (a *aggregator) collectAll() []*bucket { return a.collect(math.MaxInt64) }
