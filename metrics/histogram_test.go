package metrics

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// protocolIndex is the cloud protocol's bucketing written with integers, as
// the spec states it, to check the float-bit implementation against.
func protocolIndex(u uint64) uint32 {
	if u < 256 {
		return uint32(u)
	}
	n := 63 - bits.LeadingZeros64(u)
	return uint32((n-7)<<7) + uint32(u>>(n-7))
}

func TestBucketIndexMatchesProtocol(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    float64
		want uint32
	}{
		{"zero", 0, 0},
		{"one step", 0.001, 1},
		{"just above zero rounds up", 0.0000001, 1},
		{"last linear", 0.255, 255},
		{"first log", 0.256, 256},
		{"100 ms, recorded first span of my_trend", 100, 1347},
		{"501.56 ms, recorded", 501.56, 1652},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := BucketIndex(tc.v, CloudMinResolution)
			require.True(t, ok)
			assert.Equal(t, tc.want, got)
		})
	}

	for _, v := range []float64{-1, math.NaN(), math.Inf(1)} {
		_, ok := BucketIndex(v, CloudMinResolution)
		assert.False(t, ok, "%v has no bucket", v)
	}

	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		u := rng.Uint64N(1 << uint(rng.IntN(62)+1))
		got, ok := bucketIndex(float64(u))
		require.True(t, ok)
		if float64(u) == float64(uint64(float64(u))) && uint64(float64(u)) == u {
			require.Equal(t, protocolIndex(u), got, "u=%d", u)
		}
	}
}

func TestBucketBoundsHoldTheirValues(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for _, res := range []float64{CloudMinResolution, TrendResolution} {
		for range 100000 {
			v := math.Exp(rng.NormFloat64()*6) * res * 1000
			idx, ok := BucketIndex(v, res)
			require.True(t, ok)
			lo, hi := BucketBounds(idx, res)
			assert.True(t, v > lo && v <= hi*(1+1e-12), "%g in (%g, %g] (index %d)", v, lo, hi, idx)
			mid := bucketMid(idx) * res
			assert.True(t, mid >= lo && mid <= hi)
			if v/res >= 256 {
				assert.LessOrEqual(t, math.Abs(mid-v)/v, 1.0/256+1e-9, "midpoint error")
			}
		}
	}
}

func TestHistogram(t *testing.T) {
	t.Parallel()
	h := NewHistogram(CloudMinResolution)
	for _, v := range []float64{100, 100.0004, 501.56, -3, math.Inf(1), math.NaN(), 0} {
		h.Add(v)
	}
	assert.Equal(t, uint64(6), h.Count(), "NaN is ignored")
	assert.Equal(t, uint64(1), h.ExtraLow())
	assert.Equal(t, uint64(1), h.ExtraHigh())
	assert.Equal(t, -3.0, h.Min())
	assert.True(t, math.IsInf(h.Max(), 1))

	var got [][2]uint64
	h.Buckets(func(idx uint32, c uint64) bool {
		got = append(got, [2]uint64{uint64(idx), c})
		return true
	})
	assert.Equal(t, [][2]uint64{{0, 1}, {1347, 2}, {1652, 1}}, got)

	assert.ErrorIs(t, NewHistogram(1).Merge(h), ErrResolutionMismatch)

	assert.Panics(t, func() { NewHistogram(0) })
}

func TestHistogramQuantile(t *testing.T) {
	t.Parallel()
	h := NewHistogram(CloudMinResolution)
	var vals []float64
	for i := 1; i <= 1000; i++ {
		v := float64(i) * 1.7
		h.Add(v)
		vals = append(vals, v)
	}
	for _, q := range []float64{0, 0.1, 0.5, 0.9, 0.99, 1} {
		want := exactQuantile(vals, q)
		assert.InEpsilon(t, want, h.Quantile(q), 0.008, "q=%v", q)
	}
	assert.Equal(t, 0.0, NewHistogram(1).Quantile(0.5))
}

func TestHistogramMergeEqualsUnion(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	a, b, all := NewHistogram(CloudMinResolution), NewHistogram(CloudMinResolution), NewHistogram(CloudMinResolution)
	for i := range 50000 {
		v := rng.ExpFloat64() * 200
		if i%3 == 0 {
			v = -v
		}
		if i%2 == 0 {
			a.Add(v)
		} else {
			b.Add(v)
		}
		all.Add(v)
	}
	c := a.Clone()
	require.NoError(t, c.Merge(b))
	assert.Equal(t, all.buckets, c.buckets)
	assert.Equal(t, all.Count(), c.Count())
	assert.Equal(t, all.ExtraLow(), c.ExtraLow())
	assert.Equal(t, all.Min(), c.Min())
	assert.Equal(t, all.Max(), c.Max())
	assert.InEpsilon(t, all.Sum(), c.Sum(), 1e-9)
	assert.NotEqual(t, a.Count(), c.Count(), "the clone is independent")
}

// exactQuantile is k6's definition over the sorted values: the value at rank
// q*(n-1), linearly interpolated.
func exactQuantile(vals []float64, q float64) float64 {
	s := append([]float64(nil), vals...)
	sort.Float64s(s)
	switch len(s) {
	case 0:
		return 0
	case 1:
		return s[0]
	}
	r := q * float64(len(s)-1)
	lo := math.Floor(r)
	hi := math.Ceil(r)
	return s[int(lo)] + (r-lo)*(s[int(hi)]-s[int(lo)])
}
