package metrics

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Sink aggregates the values of one metric or sub-metric. The concrete types
// are [CounterSink], [GaugeSink], [RateSink] and [TrendSink]. Sinks are not safe
// for concurrent use; the [Engine] guards its own.
type Sink interface {
	// Add aggregates one value.
	Add(v float64)
	// IsEmpty reports whether no value was added.
	IsEmpty() bool
	// Clone returns an independent copy.
	Clone() Sink
}

// NewSink returns an empty sink for a metric type. It panics on an invalid
// type, a programming error.
func NewSink(t MetricType) Sink {
	switch t {
	case Counter:
		return &CounterSink{}
	case Gauge:
		return &GaugeSink{}
	case Rate:
		return &RateSink{}
	case Trend:
		return NewTrendSink()
	default:
		panic(fmt.Sprintf("metrics: no sink for metric type %d", int(t)))
	}
}

// CounterSink sums values.
type CounterSink struct {
	Sum float64 // the sum of the values
	N   uint64  // how many values were added
}

// Add adds v to the sum.
func (c *CounterSink) Add(v float64) {
	c.Sum += v
	c.N++
}

// IsEmpty reports whether no value was added (adding 0 counts).
func (c *CounterSink) IsEmpty() bool { return c.N == 0 }

// Clone returns a copy.
func (c *CounterSink) Clone() Sink { cp := *c; return &cp }

// Merge adds o's values.
func (c *CounterSink) Merge(o *CounterSink) {
	c.Sum += o.Sum
	c.N += o.N
}

// Rate returns the sum per second over d, or 0 when d is not positive.
func (c *CounterSink) Rate(d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return c.Sum / d.Seconds()
}

// GaugeSink keeps the last value and the extremes.
type GaugeSink struct {
	Value    float64 // the last value added
	Min, Max float64
	N        uint64
}

// Add records v as the current value.
func (g *GaugeSink) Add(v float64) {
	if g.N == 0 || v < g.Min {
		g.Min = v
	}
	if g.N == 0 || v > g.Max {
		g.Max = v
	}
	g.Value = v
	g.N++
}

// IsEmpty reports whether no value was added.
func (g *GaugeSink) IsEmpty() bool { return g.N == 0 }

// Clone returns a copy.
func (g *GaugeSink) Clone() Sink { cp := *g; return &cp }

// Merge folds o in, taking o's value as the latest.
func (g *GaugeSink) Merge(o *GaugeSink) {
	if o.N == 0 {
		return
	}
	if g.N == 0 {
		*g = *o
		return
	}
	g.Min = math.Min(g.Min, o.Min)
	g.Max = math.Max(g.Max, o.Max)
	g.Value = o.Value
	g.N += o.N
}

// RateSink counts non-zero values against all values.
type RateSink struct {
	Trues uint64 // values that were not zero
	Total uint64 // all values
}

// Add counts v, as a pass when it is not zero.
func (r *RateSink) Add(v float64) {
	r.Total++
	if v != 0 {
		r.Trues++
	}
}

// IsEmpty reports whether no value was added.
func (r *RateSink) IsEmpty() bool { return r.Total == 0 }

// Clone returns a copy.
func (r *RateSink) Clone() Sink { cp := *r; return &cp }

// Merge adds o's counts.
func (r *RateSink) Merge(o *RateSink) {
	r.Trues += o.Trues
	r.Total += o.Total
}

// Rate returns Trues/Total, or 0 when empty.
func (r *RateSink) Rate() float64 {
	if r.Total == 0 {
		return 0
	}
	return float64(r.Trues) / float64(r.Total)
}

// TrendSink keeps the statistics of a trend in bounded memory: count, sum,
// min and max exactly; percentiles exactly up to [TrendExactLimit] values
// (which it keeps, 8 KB at most), and beyond that from two [Histogram]s at
// [TrendResolution], one for values >= 0 and one for the magnitudes of negative
// values. A histogram percentile is within 0.4 % of the exact one (k6's
// interpolated rank), except for values closer to zero than 2.4e-7, where the
// error is below 1e-9 in absolute terms. Adding a value allocates only while
// the exact values grow and when a value opens a new power of two.
type TrendSink struct {
	pos    Histogram // values >= 0
	neg    Histogram // -v for values < 0
	exact  []float64 // every value while there are at most TrendExactLimit
	sorted bool      // exact is sorted
}

// TrendExactLimit is the number of values up to which a [TrendSink] keeps
// them all and computes exact percentiles.
const TrendExactLimit = 1000

// NewTrendSink returns an empty trend sink.
func NewTrendSink() *TrendSink {
	return &TrendSink{pos: Histogram{res: TrendResolution}, neg: Histogram{res: TrendResolution}}
}

// Add records v. NaN is ignored.
func (t *TrendSink) Add(v float64) {
	switch {
	case v != v: // NaN
		return
	case v < 0:
		t.neg.Add(-v)
	default:
		t.pos.Add(v)
	}
	if t.Count() <= TrendExactLimit {
		t.exact = append(t.exact, v)
		t.sorted = false
	} else if t.exact != nil {
		t.exact = nil
	}
}

// IsEmpty reports whether no value was added.
func (t *TrendSink) IsEmpty() bool { return t.Count() == 0 }

// Clone returns an independent copy.
func (t *TrendSink) Clone() Sink {
	c := &TrendSink{pos: *t.pos.Clone(), neg: *t.neg.Clone(), sorted: t.sorted}
	if t.exact != nil {
		c.exact = append(make([]float64, 0, len(t.exact)), t.exact...)
	}
	return c
}

// Merge adds o's values: afterwards t equals the sink of all values added to
// either.
func (t *TrendSink) Merge(o *TrendSink) {
	if t.Count()+o.Count() <= TrendExactLimit {
		t.exact = append(t.exact, o.exact...)
		t.sorted = false
	} else {
		t.exact = nil
	}
	_ = t.pos.Merge(&o.pos) // same resolution by construction
	_ = t.neg.Merge(&o.neg)
}

// Count returns the number of values.
func (t *TrendSink) Count() uint64 { return t.pos.count + t.neg.count }

// Sum returns the sum of the values.
func (t *TrendSink) Sum() float64 { return t.pos.sum - t.neg.sum }

// Min returns the smallest value, or 0 when empty.
func (t *TrendSink) Min() float64 {
	if t.neg.count > 0 {
		return -t.neg.max
	}
	return t.pos.min
}

// Max returns the largest value, or 0 when empty.
func (t *TrendSink) Max() float64 {
	if t.pos.count > 0 {
		return t.pos.max
	}
	if t.neg.count > 0 {
		return -t.neg.min
	}
	return 0
}

// Avg returns the mean, or 0 when empty.
func (t *TrendSink) Avg() float64 {
	n := t.Count()
	if n == 0 {
		return 0
	}
	return t.Sum() / float64(n)
}

// Med returns the median, P(0.5).
func (t *TrendSink) Med() float64 { return t.P(0.5) }

// P returns the pct-quantile (0 <= pct <= 1; p(95) is P(0.95)) as k6 defines
// it: the value at rank pct·(count-1), interpolated between neighbours.
func (t *TrendSink) P(pct float64) float64 {
	n := t.Count()
	if n > TrendExactLimit {
		return interpolatedRank(pct, n, t.Min(), t.Max(), t.walk)
	}
	if !t.sorted {
		slices.Sort(t.exact)
		t.sorted = true
	}
	return interpolatedRank(pct, n, t.Min(), t.Max(), func(fn func(float64, uint64) bool) {
		for _, v := range t.exact {
			if !fn(v, 1) {
				return
			}
		}
	})
}

// walk visits (value, count) runs in ascending value order.
func (t *TrendSink) walk(fn func(v float64, c uint64) bool) {
	if t.neg.count > 0 {
		if t.neg.extraHigh > 0 && !fn(-t.neg.max, t.neg.extraHigh) {
			return
		}
		if !t.neg.buckets.each(true, func(idx uint32, c uint64) bool {
			return fn(-bucketMid(idx)*t.neg.res, c)
		}) {
			return
		}
	}
	if !t.pos.buckets.each(false, func(idx uint32, c uint64) bool {
		return fn(bucketMid(idx)*t.pos.res, c)
	}) {
		return
	}
	if t.pos.extraHigh > 0 {
		fn(t.pos.max, t.pos.extraHigh)
	}
}

func (t *TrendSink) sizeBytes() int {
	return t.pos.sizeBytes() + t.neg.sizeBytes() + cap(t.exact)*8
}

// ValidateTrendStat checks a summaryTrendStats entry: avg, min, med, max,
// count, or p(N) with 0 <= N <= 100. The errors carry k6's messages.
func ValidateTrendStat(stat string) error {
	_, _, err := parseTrendStat(stat)
	return err
}

// parseTrendStat returns the stat's method and, for p(N), N.
func parseTrendStat(stat string) (string, float64, error) {
	switch stat {
	case "avg", "min", "med", "max", "count":
		return stat, 0, nil
	}
	if len(stat) < 4 || stat[:2] != "p(" || stat[len(stat)-1] != ')' {
		return "", 0, fmt.Errorf("invalid trend stat '%s', unknown format", stat)
	}
	p, err := parseDecimal(stat[2 : len(stat)-1])
	if err != nil || p < 0 || p > 100 {
		return "", 0, fmt.Errorf("invalid percentile trend stat value '%s', provide a number between 0 and 100", stat)
	}
	return "p", p, nil
}

// trendStatValue computes a validated trend stat.
func trendStatValue(t *TrendSink, stat string) float64 {
	method, p, err := parseTrendStat(stat)
	if err != nil {
		return 0
	}
	switch method {
	case "avg":
		return t.Avg()
	case "min":
		return t.Min()
	case "med":
		return t.Med()
	case "max":
		return t.Max()
	case "count":
		return float64(t.Count())
	default:
		return t.P(p / 100)
	}
}
