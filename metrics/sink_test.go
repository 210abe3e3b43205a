package metrics

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCounterSink(t *testing.T) {
	t.Parallel()
	c := NewSink(Counter).(*CounterSink)
	assert.True(t, c.IsEmpty())
	c.Add(0)
	assert.False(t, c.IsEmpty(), "adding 0 counts as a sample")
	for _, v := range []float64{1, 2, 0.25} {
		c.Add(v)
	}
	assert.Equal(t, 3.25, c.Sum)
	assert.Equal(t, 1.625, c.Rate(2*time.Second))
	assert.Equal(t, 0.0, c.Rate(0))

	d := c.Clone().(*CounterSink)
	d.Merge(c)
	assert.Equal(t, 6.5, d.Sum)
	assert.Equal(t, uint64(8), d.N)
	assert.Equal(t, 3.25, c.Sum, "clone is independent")
}

func TestGaugeSink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		values         []float64
		value, lo, hi  float64
		wantEmptyAfter bool
	}{
		{"one value", []float64{5}, 5, 5, 5, false},
		{"last wins, extremes kept", []float64{1, 5, 3}, 3, 1, 5, false},
		{"negative values", []float64{-4, -2, -9}, -9, -9, -2, false},
		{"empty", nil, 0, 0, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := &GaugeSink{}
			for _, v := range tc.values {
				g.Add(v)
			}
			assert.Equal(t, tc.wantEmptyAfter, g.IsEmpty())
			assert.Equal(t, []float64{tc.value, tc.lo, tc.hi}, []float64{g.Value, g.Min, g.Max})
		})
	}
	a, b := &GaugeSink{}, &GaugeSink{}
	a.Add(3)
	b.Add(7)
	b.Add(-1)
	a.Merge(b)
	assert.Equal(t, []float64{-1, -1, 7}, []float64{a.Value, a.Min, a.Max})
}

func TestRateSink(t *testing.T) {
	t.Parallel()
	r := &RateSink{}
	assert.Equal(t, 0.0, r.Rate())
	for _, v := range []float64{1, 1, 1, 0, 2.5, -1, 0} {
		r.Add(v)
	}
	assert.Equal(t, uint64(5), r.Trues, "any non-zero value passes")
	assert.Equal(t, uint64(7), r.Total)
	assert.InDelta(t, 5.0/7, r.Rate(), 1e-15)
	o := r.Clone().(*RateSink)
	o.Merge(r)
	assert.Equal(t, RateSink{Trues: 10, Total: 14}, *o)
}

func TestTrendSinkExactStats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		values              []float64
		min, max, avg, med  float64
		count               uint64
		p0, p100, p90Approx float64
	}{
		{"linear 1..100", seq(1, 100, 1), 1, 100, 50.5, 50.5, 100, 1, 100, 90.1},
		{"mixed signs", []float64{-10, 0.5, 3, 3, 1000, -0.25, 7}, -10, 1000, 143.32142857142858, 3, 7, -10, 1000, 404.2},
		{"single", []float64{42.5}, 42.5, 42.5, 42.5, 42.5, 1, 42.5, 42.5, 42.5},
		{"booleans", []float64{1, 0, 1}, 0, 1, 2.0 / 3, 1, 3, 0, 1, 1},
		{"all negative", []float64{-5, -1, -3}, -5, -1, -3, -3, 3, -5, -1, -1.4},
		{"empty", nil, 0, 0, 0, 0, 0, 0, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := NewTrendSink()
			for _, v := range tc.values {
				s.Add(v)
			}
			assert.Equal(t, tc.count, s.Count())
			assert.Equal(t, tc.min, s.Min())
			assert.Equal(t, tc.max, s.Max())
			assert.InDelta(t, tc.avg, s.Avg(), 1e-9)
			assert.Equal(t, tc.p0, s.P(0))
			assert.Equal(t, tc.p100, s.P(1))
			assertClose(t, tc.med, s.Med(), 0.005)
			assertClose(t, tc.p90Approx, s.P(0.9), 0.005)
			assert.Equal(t, tc.count == 0, s.IsEmpty())
		})
	}
}

func assertClose(t *testing.T, want, got, rel float64) {
	t.Helper()
	if want == 0 {
		assert.InDelta(t, want, got, 1e-9)
		return
	}
	assert.InEpsilon(t, want, got, rel)
}

func seq(from, to, step float64) []float64 {
	var out []float64
	for v := from; v <= to; v += step {
		out = append(out, v)
	}
	return out
}

// TestTrendSinkErrorBound checks every percentile of skewed and bimodal data
// against the exact (sorted, interpolated) value: the error must stay within
// 1 % (the bucket width bounds it at 0.4 %).
func TestTrendSinkErrorBound(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	gens := []struct {
		name string
		gen  func() float64
	}{
		{"lognormal latency", func() float64 { return math.Exp(3 + 1.5*rng.NormFloat64()) }},
		{"exponential", func() float64 { return rng.ExpFloat64() * 120 }},
		{"bimodal: cache hits and misses", func() float64 {
			if rng.IntN(10) < 7 {
				return 0.4 + 0.05*rng.NormFloat64()
			}
			return 350 + 40*rng.NormFloat64()
		}},
		{"microseconds", func() float64 { return 0.002 + rng.ExpFloat64()*0.01 }},
		{"heavy tail (pareto)", func() float64 { return 10 / math.Pow(rng.Float64()+1e-12, 0.8) }},
		{"negative lognormal", func() float64 { return -math.Exp(2 + rng.NormFloat64()) }},
		{"huge values", func() float64 { return 1e12 * (1 + rng.Float64()) }},
	}
	qs := []float64{0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1}
	for _, g := range gens {
		t.Run(g.name, func(t *testing.T) {
			vals := make([]float64, 100000)
			s := NewTrendSink()
			for i := range vals {
				vals[i] = g.gen()
				s.Add(vals[i])
			}
			for _, q := range qs {
				want := exactQuantile(vals, q)
				got := s.P(q)
				assert.LessOrEqual(t, math.Abs(got-want)/math.Abs(want), 0.01, "q=%v want %v got %v", q, want, got)
				assert.LessOrEqual(t, math.Abs(got-want)/math.Abs(want), 0.004+1e-9, "q=%v: within the bucket bound", q)
			}
		})
	}
}

func TestTrendSinkMergeEqualsUnion(t *testing.T) {
	t.Parallel()
	for _, n := range []int{10, TrendExactLimit, TrendExactLimit + 1, 200000} {
		testTrendMerge(t, n)
	}
}

func testTrendMerge(t *testing.T, n int) {
	rng := rand.New(rand.NewPCG(9, 10))
	a, b, all := NewTrendSink(), NewTrendSink(), NewTrendSink()
	for i := range n {
		v := math.Exp(rng.NormFloat64() * 2)
		if i%5 == 0 {
			v = -v
		}
		if rng.IntN(2) == 0 {
			a.Add(v)
		} else {
			b.Add(v)
		}
		all.Add(v)
	}
	m := a.Clone().(*TrendSink)
	m.Merge(b)
	assert.Equal(t, all.pos.buckets, m.pos.buckets)
	assert.Equal(t, all.neg.buckets, m.neg.buckets)
	assert.Equal(t, all.Count(), m.Count())
	assert.Equal(t, all.Min(), m.Min())
	assert.Equal(t, all.Max(), m.Max())
	assert.InEpsilon(t, all.Sum(), m.Sum(), 1e-9)
	for _, q := range []float64{0, 0.5, 0.9, 0.99, 1} {
		assert.Equal(t, all.P(q), m.P(q), "n=%d q=%v", n, q)
	}
}

// Up to TrendExactLimit values, percentiles are exactly k6's.
func TestTrendSinkExactWhenSmall(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(13, 14))
	s := NewTrendSink()
	var vals []float64
	for range TrendExactLimit {
		v := rng.ExpFloat64() * 100
		vals = append(vals, v)
		s.Add(v)
	}
	for _, q := range []float64{0, 0.1, 0.5, 0.9, 0.95, 0.999, 1} {
		assert.Equal(t, exactQuantile(vals, q), s.P(q), "q=%v", q)
	}
	s.Add(math.NaN())
	assert.Equal(t, uint64(TrendExactLimit), s.Count(), "NaN is ignored")
	s.Add(1)
	assert.Nil(t, s.exact, "beyond the limit the values are dropped")
	vals = append(vals, 1)
	assertClose(t, exactQuantile(vals, 0.9), s.P(0.9), 0.004)
}

// TestTrendSinkMemoryIsBounded shows that memory follows the range of the
// values, not their number, and that adding allocates nothing once the
// range is covered.
func TestTrendSinkMemoryIsBounded(t *testing.T) { //nolint:paralleltest // AllocsPerRun
	rng := rand.New(rand.NewPCG(11, 12))
	gen := func() float64 { return 1 + rng.Float64()*999 } // 1 ms .. 1 s
	s := NewTrendSink()
	for range 2 * TrendExactLimit {
		s.Add(gen())
	}
	small := s.sizeBytes()
	for range 1000000 {
		s.Add(gen())
	}
	assert.Equal(t, small, s.sizeBytes(), "a thousand times more values, same memory")
	assert.Less(t, small, 16*1024, "ten powers of two: about 10 KiB")

	allocs := testing.AllocsPerRun(10000, func() { s.Add(gen()) })
	assert.Zero(t, allocs)

	wide := NewTrendSink()
	for range 1000000 {
		wide.Add(math.Exp(rng.NormFloat64() * 4)) // spans ~50 powers of two
	}
	assert.Less(t, wide.sizeBytes(), 80*1024)
}

func TestValidateTrendStat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		stat, err string
	}{
		{"avg", ""}, {"min", ""}, {"med", ""}, {"max", ""}, {"count", ""},
		{"p(0)", ""}, {"p(99.9)", ""}, {"p(100)", ""},
		{"p(101)", "invalid percentile trend stat value 'p(101)', provide a number between 0 and 100"},
		{"p(-1)", "invalid percentile trend stat value 'p(-1)', provide a number between 0 and 100"},
		{"p(x)", "invalid percentile trend stat value 'p(x)', provide a number between 0 and 100"},
		{"mean", "invalid trend stat 'mean', unknown format"},
		{"p95", "invalid trend stat 'p95', unknown format"},
		{"", "invalid trend stat '', unknown format"},
	}
	for _, tc := range tests {
		err := ValidateTrendStat(tc.stat)
		if tc.err == "" {
			assert.NoError(t, err, tc.stat)
		} else {
			require.EqualError(t, err, tc.err, tc.stat)
		}
	}
}

func TestNewSinkPanicsOnInvalidType(t *testing.T) {
	t.Parallel()
	assert.Panics(t, func() { NewSink(MetricType(0)) })
	for _, mt := range []MetricType{Counter, Gauge, Rate, Trend} {
		s := NewSink(mt)
		assert.True(t, s.IsEmpty())
		s.Add(1)
		assert.False(t, s.IsEmpty())
	}
}
