package metrics

import (
	"errors"
	"math"
)

// CloudMinResolution is the min_resolution of the k6 cloud protocol's trend
// histograms: values are counted in steps of 0.001 (µs for millisecond values).
const CloudMinResolution = 0.001

// TrendResolution is the resolution of the histograms behind [TrendSink]:
// 2^-30 (about 9.3e-10). Below 256 steps (about 2.4e-7) buckets are linear with
// that absolute width; above, each bucket is at most 1/128 of its lower bound
// wide, so its midpoint is within 0.4 % of any value in it. A power of two keeps
// v/resolution exact.
const TrendResolution = 1.0 / (1 << 30)

const (
	subBucketBits = 7
	subBuckets    = 1 << subBucketBits // 128 sub-buckets per power of two
	linearBuckets = 2 * subBuckets     // indices below 256 are one step wide
)

// BucketIndex returns the bucket of a value in the log-linear histogram of the
// k6 cloud protocol (cloud-protocol §6.5) for the given minimum resolution:
//
//	u = ceil(v / minResolution)
//	index = u                               when u < 256
//	index = ((n-7) << 7) + (u >> (n-7))     otherwise, with n = floor(log2 u)
//
// so each power of two above 256 steps is cut into 128 equal buckets. ok is
// false for values the histogram cannot place: negative, NaN or +Inf (the
// protocol counts negatives and overflows apart).
func BucketIndex(v, minResolution float64) (index uint32, ok bool) {
	if !(v >= 0) || math.IsInf(v, 1) {
		return 0, false
	}
	return bucketIndex(v / minResolution)
}

// bucketIndex places x = v/resolution, x >= 0.
func bucketIndex(x float64) (uint32, bool) {
	u := math.Ceil(x)
	if u < linearBuckets {
		return uint32(u), true
	}
	if math.IsInf(u, 1) {
		return 0, false
	}
	// For u >= 256, n is u's binary exponent and u >> (n-7) is the top 8 bits
	// of its mantissa, implicit 1 included: 128 + the 7 stored top bits.
	bits := math.Float64bits(u)
	n := int(bits>>52&0x7FF) - 1023
	top := uint32(bits>>(52-subBucketBits)) & (subBuckets - 1)
	return uint32(n-subBucketBits)<<subBucketBits + subBuckets + top, true
}

// bucketMid returns the middle of bucket index in units of the resolution.
// With u = ceil(x), bucket u < 256 holds x in (u-1, u]; bucket (k, s) above
// holds u in [s·2^k, (s+1)·2^k), so x in (s·2^k - 1, (s+1)·2^k - 1].
func bucketMid(index uint32) float64 {
	if index < linearBuckets {
		if index == 0 {
			return 0
		}
		return float64(index) - 0.5
	}
	k := int(index>>subBucketBits) - 1
	s := float64(index&(subBuckets-1) + subBuckets)
	return math.Ldexp(s+0.5, k) - 1
}

// BucketBounds returns the range (lo, hi] of values that fall into bucket
// index at the given resolution (bucket 0 holds exactly 0).
func BucketBounds(index uint32, minResolution float64) (lo, hi float64) {
	if index < linearBuckets {
		u := float64(index)
		if index == 0 {
			return 0, 0
		}
		return (u - 1) * minResolution, u * minResolution
	}
	k := int(index>>subBucketBits) - 1
	s := float64(index&(subBuckets-1) + subBuckets)
	return (math.Ldexp(s, k) - 1) * minResolution, (math.Ldexp(s+1, k) - 1) * minResolution
}

// bucketPages holds bucket counters in pages of 128, one page per power of
// two, allocated on first use: memory follows the range of the values, never
// their number.
type bucketPages struct {
	pages []*[subBuckets]uint64
}

func (b *bucketPages) inc(index uint32, n uint64) {
	p := int(index >> subBucketBits)
	if p >= len(b.pages) {
		b.grow(p)
	}
	pg := b.pages[p]
	if pg == nil {
		pg = new([subBuckets]uint64)
		b.pages[p] = pg
	}
	pg[index&(subBuckets-1)] += n
}

func (b *bucketPages) grow(p int) {
	pages := make([]*[subBuckets]uint64, p+1, p+1+p/2)
	copy(pages, b.pages)
	b.pages = pages
}

func (b *bucketPages) clone() bucketPages {
	if b.pages == nil {
		return bucketPages{}
	}
	out := bucketPages{pages: make([]*[subBuckets]uint64, len(b.pages))}
	for i, pg := range b.pages {
		if pg != nil {
			cp := *pg
			out.pages[i] = &cp
		}
	}
	return out
}

func (b *bucketPages) merge(o *bucketPages) {
	for p, pg := range o.pages {
		if pg == nil {
			continue
		}
		for i, c := range pg {
			if c != 0 {
				b.inc(uint32(p<<subBucketBits+i), c)
			}
		}
	}
}

// each calls fn for every non-empty bucket, by ascending index, or descending
// when desc is set, until fn returns false. It returns false if stopped.
func (b *bucketPages) each(desc bool, fn func(index uint32, count uint64) bool) bool {
	n := len(b.pages)
	for pi := range n {
		p := pi
		if desc {
			p = n - 1 - pi
		}
		pg := b.pages[p]
		if pg == nil {
			continue
		}
		for si := range subBuckets {
			s := si
			if desc {
				s = subBuckets - 1 - si
			}
			if c := pg[s]; c != 0 {
				if !fn(uint32(p<<subBucketBits+s), c) {
					return false
				}
			}
		}
	}
	return true
}

func (b *bucketPages) sizeBytes() int {
	n := cap(b.pages) * 8
	for _, pg := range b.pages {
		if pg != nil {
			n += subBuckets * 8
		}
	}
	return n
}

// Histogram is the log-linear histogram of the k6 cloud protocol (see
// [BucketIndex]) plus the exact count, sum, min and max of the raw values. Its
// memory is bounded by the range of the values, and histograms of the same
// resolution merge exactly. Values it cannot place are counted apart: negative
// ones in ExtraLow, +Inf in ExtraHigh; NaN is ignored. The zero Histogram is
// not usable; create one with [NewHistogram]. Not safe for concurrent use.
type Histogram struct {
	res       float64
	buckets   bucketPages
	count     uint64
	extraLow  uint64
	extraHigh uint64
	sum       float64
	min, max  float64
}

// NewHistogram returns an empty histogram counting in steps of minResolution
// ([CloudMinResolution] for the cloud protocol). It panics if minResolution is
// not a positive finite number.
func NewHistogram(minResolution float64) *Histogram {
	if !(minResolution > 0) || math.IsInf(minResolution, 0) {
		panic("metrics: histogram resolution must be a positive finite number")
	}
	return &Histogram{res: minResolution}
}

// Add counts v.
func (h *Histogram) Add(v float64) {
	if v != v { // NaN
		return
	}
	if h.count == 0 {
		h.min, h.max = v, v
	} else if v < h.min {
		h.min = v
	} else if v > h.max {
		h.max = v
	}
	h.count++
	h.sum += v
	if v < 0 {
		h.extraLow++
		return
	}
	idx, ok := bucketIndex(v / h.res)
	if !ok {
		h.extraHigh++
		return
	}
	h.buckets.inc(idx, 1)
}

// ErrResolutionMismatch is returned when merging histograms of different
// resolutions.
var ErrResolutionMismatch = errors.New("histograms have different resolutions")

// Merge adds the counts of o to h; afterwards h is the histogram of all values
// added to either.
func (h *Histogram) Merge(o *Histogram) error {
	if h.res != o.res {
		return ErrResolutionMismatch
	}
	if o.count == 0 {
		return nil
	}
	if h.count == 0 {
		h.min, h.max = o.min, o.max
	} else {
		h.min = math.Min(h.min, o.min)
		h.max = math.Max(h.max, o.max)
	}
	h.count += o.count
	h.sum += o.sum
	h.extraLow += o.extraLow
	h.extraHigh += o.extraHigh
	h.buckets.merge(&o.buckets)
	return nil
}

// Clone returns an independent copy of h.
func (h *Histogram) Clone() *Histogram {
	c := *h
	c.buckets = h.buckets.clone()
	return &c
}

// MinResolution returns the histogram's step.
func (h *Histogram) MinResolution() float64 { return h.res }

// Count returns the number of values added, the extra ones included.
func (h *Histogram) Count() uint64 { return h.count }

// Sum returns the sum of the values added.
func (h *Histogram) Sum() float64 { return h.sum }

// Min returns the smallest value added, or 0 when empty.
func (h *Histogram) Min() float64 { return h.min }

// Max returns the largest value added, or 0 when empty.
func (h *Histogram) Max() float64 { return h.max }

// ExtraLow returns how many values were below zero.
func (h *Histogram) ExtraLow() uint64 { return h.extraLow }

// ExtraHigh returns how many values were too large to place.
func (h *Histogram) ExtraHigh() uint64 { return h.extraHigh }

// Buckets calls fn for every non-empty bucket by ascending index until fn
// returns false; the cloud output builds its counters and spans from this.
func (h *Histogram) Buckets(fn func(index uint32, count uint64) bool) {
	h.buckets.each(false, fn)
}

// Quantile returns an estimate of the q-quantile (0 <= q <= 1) with k6's
// definition: the value at rank q·(count-1) of the sorted values, interpolated
// linearly between neighbouring ranks. Bucket midpoints stand in for values,
// so the estimate is within 0.4 % of the exact one for values of 256 steps and
// more; extra-low values rank as Min and extra-high ones as Max.
func (h *Histogram) Quantile(q float64) float64 {
	return interpolatedRank(q, h.count, h.min, h.max, func(fn func(float64, uint64) bool) {
		if h.extraLow > 0 && !fn(h.min, h.extraLow) {
			return
		}
		ok := h.buckets.each(false, func(idx uint32, c uint64) bool {
			return fn(bucketMid(idx)*h.res, c)
		})
		if ok && h.extraHigh > 0 {
			fn(h.max, h.extraHigh)
		}
	})
}

// interpolatedRank computes a quantile from an ascending walk over (value,
// count) runs, clamped to [lo, hi]; the first and last ranks are lo and hi.
func interpolatedRank(q float64, n uint64, lo, hi float64, walk func(fn func(v float64, c uint64) bool)) float64 {
	switch {
	case n == 0:
		return 0
	case n == 1 || !(q > 0):
		return lo
	case q >= 1:
		return hi
	}
	r := q * float64(n-1)
	r0 := uint64(r)
	frac := r - float64(r0)
	r1 := r0
	if frac > 0 {
		r1 = r0 + 1
	}
	var v0, v1 float64
	var cum uint64
	walk(func(v float64, c uint64) bool {
		if r0 >= cum && r0 < cum+c {
			v0 = v
		}
		if r1 >= cum && r1 < cum+c {
			v1 = v
			return false
		}
		cum += c
		return true
	})
	if r0 == 0 {
		v0 = lo
	}
	if r1 == n-1 {
		v1 = hi
	}
	v := v0 + frac*(v1-v0)
	return math.Max(lo, math.Min(hi, v))
}

func (h *Histogram) sizeBytes() int { return h.buckets.sizeBytes() }
