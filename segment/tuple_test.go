package segment

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustTuple(tb testing.TB, seg, seq string) *Tuple {
	tb.Helper()
	s, err := ParseSegment(seg)
	require.NoError(tb, err)
	q, err := ParseSequence(seq)
	require.NoError(tb, err)
	tup, err := NewTuple(s, q)
	require.NoError(tb, err)
	return tup
}

func globals(tup *Tuple, n int64) []int64 {
	out := make([]int64, n)
	for j := range out {
		out[j] = tup.GlobalIndex(int64(j))
	}
	return out
}

// TestConformance reproduces the numbers of the conformance cases
// 53_seg_shared_half_{a,b} and 55-57_seg_per_vu_third_{a,b,c}.
func TestConformance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, seg, seq string
		wantSeg        string // Segment.String, as exec.test.options prints it
		wantSeq        string // the sequence the instance is striped over
		vus            int64  // test-wide VUs
		perVU          int64  // per-vu-iterations; 0 for shared-iterations
		iterations     int64  // shared-iterations test-wide
		wantVUs        int64
		wantVUIDs      []int64 // idInTest of idInInstance 1, 2, …
		wantIters      []int64 // iterationInTest of iterationInInstance 0, 1, …
	}{
		{
			name: "53 shared half a", seg: "0:1/2", seq: "0,1/2,1",
			wantSeg: "0:1/2", wantSeq: "0,1/2,1", vus: 2, iterations: 7,
			wantVUs: 1, wantVUIDs: []int64{1}, wantIters: []int64{0, 2, 4, 6},
		},
		{
			name: "54 shared half b, derived sequence", seg: "1/2:1", seq: "",
			wantSeg: "1/2:1", wantSeq: "0,1/2,1", vus: 2, iterations: 7,
			wantVUs: 1, wantVUIDs: []int64{2}, wantIters: []int64{1, 3, 5},
		},
		{
			name: "55 per-vu third a", seg: "0:1/3", seq: "0,1/3,2/3,1",
			wantSeg: "0:1/3", wantSeq: "0,1/3,2/3,1", vus: 5, perVU: 2,
			wantVUs: 2, wantVUIDs: []int64{1, 4}, wantIters: []int64{0, 3, 6, 9},
		},
		{
			name: "56 per-vu third b", seg: "1/3:2/3", seq: "0,1/3,2/3,1",
			wantSeg: "1/3:2/3", wantSeq: "0,1/3,2/3,1", vus: 5, perVU: 2,
			wantVUs: 2, wantVUIDs: []int64{2, 5}, wantIters: []int64{1, 4, 7, 10},
		},
		{
			name: "57 per-vu third c", seg: "2/3:1", seq: "0,1/3,2/3,1",
			wantSeg: "2/3:1", wantSeq: "0,1/3,2/3,1", vus: 5, perVU: 2,
			wantVUs: 1, wantVUIDs: []int64{3}, wantIters: []int64{2, 5},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tup := mustTuple(t, tt.seg, tt.seq)
			assert.Equal(t, tt.wantSeg, tup.Segment().String())
			assert.Equal(t, tt.wantSeq, tup.Sequence().String())
			assert.False(t, tup.IsFull())

			vus := tup.Scale(tt.vus)
			assert.Equal(t, tt.wantVUs, vus, "VUs")
			var ids []int64
			for id := int64(1); id <= vus; id++ {
				ids = append(ids, tup.GlobalID(id))
			}
			assert.Equal(t, tt.wantVUIDs, ids, "VU idInTest")

			iters := tup.Scale(tt.iterations)
			if tt.perVU > 0 {
				iters = vus * tt.perVU
			}
			assert.Equal(t, tt.wantIters, globals(tup, iters), "iterationInTest")
		})
	}
}

func TestNewTupleErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, seg, seq string
		errHas         string
	}{
		{name: "segment not in sequence", seg: "1/4:1/2", seq: "0,1/2,1",
			errHas: "execution segment 1/4:1/2 is not one of the segments of execution segment sequence 0,1/2,1"},
		{name: "whole test not in sequence", seg: "", seq: "0,1/2,1",
			errHas: "execution segment 0:1 is not one of the segments"},
		{name: "spans two segments", seg: "0:2/3", seq: "0,1/3,2/3,1", errHas: "is not one of the segments"},
		{name: "too fine", seg: "0:0.1234567", seq: "", errHas: "too fine-grained"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := ParseSegment(tt.seg)
			require.NoError(t, err)
			q, err := ParseSequence(tt.seq)
			require.NoError(t, err)
			_, err = NewTuple(s, q)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.errHas)
		})
	}

	_, err := NewTuple(nil, Sequence{big.NewRat(1, 1), big.NewRat(0, 1)})
	assert.ErrorContains(t, err, "invalid execution segment sequence: points must increase")
	_, err = NewTuple(nil, Sequence{big.NewRat(0, 1), nil})
	assert.ErrorContains(t, err, "point #2 is missing")
}

func TestTupleFull(t *testing.T) {
	t.Parallel()
	whole, err := ParseSegment("0:1")
	require.NoError(t, err)
	oneSeg, err := ParseSequence("0,1")
	require.NoError(t, err)
	tests := []struct {
		name string
		tup  func() (*Tuple, error)
	}{
		{name: "nil, nil", tup: func() (*Tuple, error) { return NewTuple(nil, nil) }},
		{name: "0:1, nil", tup: func() (*Tuple, error) { return NewTuple(whole, nil) }},
		{name: "0:1, 0,1", tup: func() (*Tuple, error) { return NewTuple(whole, oneSeg) }},
		{name: "nil, 0,1", tup: func() (*Tuple, error) { return NewTuple(nil, oneSeg) }},
		{name: "nil tuple", tup: func() (*Tuple, error) { return nil, nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tup, err := tt.tup()
			require.NoError(t, err)
			assert.True(t, tup.IsFull())
			assert.Equal(t, "0:1 in 0,1", tup.String())
			assert.EqualValues(t, 1, tup.LCD())
			assert.Equal(t, 0, tup.Index())
			for _, n := range []int64{0, 1, 7, 50, math.MaxInt64} {
				assert.Equal(t, n, tup.Scale(n))
				assert.Equal(t, n, tup.GlobalIndex(n))
				local, ok := tup.LocalIndex(n)
				assert.True(t, ok)
				assert.Equal(t, n, local)
			}
			assert.EqualValues(t, 0, tup.Scale(-3))
			assert.EqualValues(t, 1, tup.GlobalID(1))
			assert.InDelta(t, 10.0, tup.ScaleRate(10, time.Second), 1e-12)
		})
	}
}

// stripe turns slots into k6's (start, offsets, lcd) form: the first slot,
// then the gaps between consecutive slots, the last one wrapping into the
// next cycle.
func stripe(tup *Tuple) (int64, []int64, int64) {
	offsets := make([]int64, len(tup.slots))
	for i := range tup.slots {
		if i+1 < len(tup.slots) {
			offsets[i] = tup.slots[i+1] - tup.slots[i]
		} else {
			offsets[i] = tup.slots[0] + tup.lcd - tup.slots[i]
		}
	}
	return tup.slots[0], offsets, tup.lcd
}

// TestStripedOffsets checks the deal against the striping k6 documents in its
// own test suite (lib/execution_segment_test.go, TestGetStripedOffsets).
func TestStripedOffsets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		seq, seg string
		start    int64
		offsets  []int64
		lcd      int64
	}{
		// full sequences
		{seq: "0,0.3,0.5,0.6,0.7,0.8,0.9,1", seg: "0:0.3", start: 0, offsets: []int64{4, 3, 3}, lcd: 10},
		{seq: "0,0.3,0.5,0.6,0.7,0.8,0.9,1", seg: "0.3:0.5", start: 1, offsets: []int64{4, 6}, lcd: 10},
		{seq: "0,0.3,0.5,0.6,0.7,0.8,0.9,1", seg: "0.5:0.6", start: 2, offsets: []int64{10}, lcd: 10},
		{seq: "0,0.3,0.5,0.6,0.7,0.8,0.9,1", seg: "0.6:0.7", start: 3, offsets: []int64{10}, lcd: 10},
		{seq: "0,0.3,0.5,0.6,0.7,0.8,0.9,1", seg: "0.8:0.9", start: 8, offsets: []int64{10}, lcd: 10},
		{seq: "0,0.3,0.5,0.6,0.7,0.8,0.9,1", seg: "0.9:1", start: 9, offsets: []int64{10}, lcd: 10},
		{seq: "0,0.2,0.5,0.6,0.7,0.8,0.9,1", seg: "0.9:1", start: 9, offsets: []int64{10}, lcd: 10},
		{seq: "0,0.2,0.5,0.6,0.7,0.8,0.9,1", seg: "0:0.2", start: 1, offsets: []int64{4, 6}, lcd: 10},
		{seq: "0,0.2,0.5,0.6,0.7,0.8,0.9,1", seg: "0.6:0.7", start: 3, offsets: []int64{10}, lcd: 10},
		// sequences that get filled
		{seq: "0,0.2,0.5", seg: "0:0.2", start: 3, offsets: []int64{6, 4}, lcd: 10},
		{seq: "0,0.2,0.5", seg: "0.2:0.5", start: 1, offsets: []int64{4, 2, 4}, lcd: 10},
		{seq: "0,2/5,4/5", seg: "0:2/5", start: 0, offsets: []int64{3, 2}, lcd: 5},
		{seq: "0,2/5,4/5", seg: "2/5:4/5", start: 1, offsets: []int64{3, 2}, lcd: 5},
		// no sequence
		{seg: "0:0.2", start: 1, offsets: []int64{5}, lcd: 5},
		{seg: "0:1/5", start: 1, offsets: []int64{5}, lcd: 5},
		{seg: "0:2/10", start: 1, offsets: []int64{5}, lcd: 5},
		{seg: "0:0.4", start: 1, offsets: []int64{2, 3}, lcd: 5},
		{seg: "0:2/5", start: 1, offsets: []int64{2, 3}, lcd: 5},
		{seg: "2/5:4/5", start: 1, offsets: []int64{3, 2}, lcd: 5},
		{seg: "0:4/10", start: 1, offsets: []int64{2, 3}, lcd: 5},
		{seg: "1/10:5/10", start: 1, offsets: []int64{2, 2, 4, 2}, lcd: 10},
	}
	for _, tt := range tests {
		t.Run(tt.seg+" in "+tt.seq, func(t *testing.T) {
			t.Parallel()
			start, offsets, lcd := stripe(mustTuple(t, tt.seg, tt.seq))
			assert.Equal(t, tt.start, start, "start")
			assert.Equal(t, tt.offsets, offsets, "offsets")
			assert.Equal(t, tt.lcd, lcd, "lcd")
		})
	}
}

func TestLCD(t *testing.T) {
	t.Parallel()
	tests := []struct {
		seq string
		lcd int64
	}{
		{seq: "0,0.3,0.5,0.6,0.7,0.8,0.9,1", lcd: 10},
		{seq: "0,0.1,0.5,0.6,0.7,0.8,0.9,1", lcd: 10},
		{seq: "0,0.2,0.5,0.6,0.7,0.8,0.9,1", lcd: 10},
		{seq: "0,1/3,5/6", lcd: 6},
		{seq: "0,1/3,4/7", lcd: 21},
		{seq: "0,1/2,1", lcd: 2},
		{seq: "0,25%,50%,1", lcd: 4},
	}
	for _, tt := range tests {
		t.Run(tt.seq, func(t *testing.T) {
			t.Parallel()
			q, err := ParseSequence(tt.seq)
			require.NoError(t, err)
			tup, err := NewTuple(q.Segments()[0], q)
			require.NoError(t, err)
			assert.Equal(t, tt.lcd, tup.LCD())
		})
	}
}

// TestScale checks Scale against values from k6's own tests and the
// examples in the doc comments.
func TestScale(t *testing.T) {
	t.Parallel()
	tests := []struct {
		seg, seq string
		want     map[int64]int64
	}{
		{seg: "0:1/3", seq: "0,1/3,2/3,1", want: map[int64]int64{50: 17, 5: 2, 3: 1, 2: 1, 1: 1, 0: 0}},
		{seg: "1/3:2/3", seq: "0,1/3,2/3,1", want: map[int64]int64{50: 17, 5: 2, 3: 1, 2: 1, 1: 0, 0: 0}},
		{seg: "2/3:1", seq: "0,1/3,2/3,1", want: map[int64]int64{50: 16, 5: 1, 3: 1, 2: 0, 1: 0, 0: 0}},
		{seg: "0:7/20", seq: "0,7/20,7/10,1", want: map[int64]int64{50: 18}},
		{seg: "0.5", want: map[int64]int64{2: 1, 3: 2, 7: 4}},
		{seg: "0.5:1.0", want: map[int64]int64{2: 1, 3: 1, 7: 3}},
		{seg: "0.5", seq: "0,0.5,1", want: map[int64]int64{2: 1, 3: 2}},
		{seg: "0.5:1.0", seq: "0,0.5,1", want: map[int64]int64{2: 1, 3: 1, -1: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.seg+" in "+tt.seq, func(t *testing.T) {
			t.Parallel()
			tup := mustTuple(t, tt.seg, tt.seq)
			for n, want := range tt.want {
				assert.Equal(t, want, tup.Scale(n), "Scale(%d)", n)
			}
		})
	}
}

func TestLocalIndex(t *testing.T) {
	t.Parallel()
	tup := mustTuple(t, "1/3:2/3", "0,1/3,2/3,1")
	tests := []struct {
		global int64
		local  int64
		ok     bool
	}{
		{global: 0}, {global: 1, local: 0, ok: true}, {global: 2},
		{global: 4, local: 1, ok: true}, {global: 10, local: 3, ok: true},
		{global: 11}, {global: -1},
	}
	for _, tt := range tests {
		local, ok := tup.LocalIndex(tt.global)
		assert.Equal(t, tt.ok, ok, "LocalIndex(%d)", tt.global)
		assert.Equal(t, tt.ok, tup.Owns(tt.global), "Owns(%d)", tt.global)
		if tt.ok {
			assert.Equal(t, tt.local, local, "LocalIndex(%d)", tt.global)
		}
	}
}

func TestArrivals(t *testing.T) {
	t.Parallel()
	first := mustTuple(t, "0:1/2", "0,1/2,1")
	second := mustTuple(t, "1/2:1", "")
	ms := time.Millisecond
	tests := []struct {
		name     string
		tup      *Tuple
		rate     int64
		unit     time.Duration
		want     []time.Duration
		wantRate float64
	}{
		{name: "first half, 10/s", tup: first, rate: 10, unit: time.Second,
			want: []time.Duration{0, 200 * ms, 400 * ms, 600 * ms}, wantRate: 5},
		{name: "second half, 10/s", tup: second, rate: 10, unit: time.Second,
			want: []time.Duration{100 * ms, 300 * ms, 500 * ms}, wantRate: 5},
		{name: "second half, 3/s", tup: second, rate: 3, unit: time.Second,
			want: []time.Duration{333333333, 1 * time.Second, 1666666666}, wantRate: 1.5},
		{name: "whole, 2/min", tup: nil, rate: 2, unit: time.Minute,
			want: []time.Duration{0, 30 * time.Second, time.Minute}, wantRate: 1.0 / 30},
		{name: "third, 1/ms", tup: mustTuple(t, "2/3:1", "0,1/3,2/3,1"), rate: 1, unit: ms,
			want: []time.Duration{2 * ms, 5 * ms}, wantRate: 1000.0 / 3},
		{name: "no rate", tup: first, rate: 0, unit: time.Second,
			want: []time.Duration{math.MaxInt64}, wantRate: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for j, want := range tt.want {
				assert.Equal(t, want, tt.tup.ArrivalAt(int64(j), tt.rate, tt.unit), "arrival %d", j)
			}
			assert.InDelta(t, tt.wantRate, tt.tup.ScaleRate(tt.rate, tt.unit), 1e-9)
		})
	}
	// Saturates instead of overflowing.
	assert.Equal(t, time.Duration(math.MaxInt64), first.ArrivalAt(math.MaxInt64/4, 1, time.Hour))
}

// refDeal is the deal written down as plainly as possible, slot by slot
// over all segments, to check the heap version against.
func refDeal(shares []int64, lcd int64) [][]int64 {
	order := make([]int, len(shares))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return shares[order[a]] > shares[order[b]] })
	slots := make([][]int64, len(shares))
	for i := int64(0); i < lcd; i++ {
		for _, k := range order {
			if int64(len(slots[k]))*lcd <= i*shares[k] {
				slots[k] = append(slots[k], i)
				break
			}
		}
	}
	return slots
}

// randomSequence returns a sequence of k segments with random integer
// weights; sometimes it leaves out the 0 or the 1 for NewTuple to fill in.
func randomSequence(r *rand.Rand) Sequence {
	k := 1 + r.IntN(8)
	weights := make([]int64, k)
	var total int64
	for i := range weights {
		weights[i] = 1 + r.Int64N(20)
		total += weights[i]
	}
	q := Sequence{new(big.Rat)}
	var acc int64
	for _, w := range weights {
		acc += w
		q = append(q, big.NewRat(acc, total))
	}
	if len(q) > 2 && r.IntN(4) == 0 {
		q = q[1:]
	}
	if len(q) > 2 && r.IntN(4) == 0 {
		q = q[:len(q)-1]
	}
	return q
}

// TestStripingProperties checks, for random sequences, that the instances of
// one sequence split any count exactly (their Scale values sum to it) and
// number their things without collisions (the union of their GlobalIndex
// images over their Scale counts is the set 0 … N−1).
func TestStripingProperties(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for range 60 {
		q := randomSequence(r)
		extra := 1 + r.Int64N(5000) // drawn here: the subtests run in parallel
		t.Run(q.String(), func(t *testing.T) {
			t.Parallel()
			segs := fill(nil, q).Segments()
			tuples := make([]*Tuple, len(segs))
			for i, s := range segs {
				tup, err := NewTuple(s, q)
				require.NoError(t, err)
				require.Equal(t, i, tup.Index())
				tuples[i] = tup
			}
			lcd := tuples[0].LCD()

			// Same deal as the plain reference.
			shares := make([]int64, len(tuples))
			for i, tup := range tuples {
				shares[i] = tup.share
			}
			ref := refDeal(shares, lcd)
			for i, tup := range tuples {
				require.Equal(t, ref[i], tup.slots, "slots of %s", tup)
			}

			counts := []int64{0, 1, 2, lcd - 1, lcd, lcd + 1, 2*lcd + 3, 997, extra}
			for n := range 3*lcd + 2 {
				counts = append(counts, n)
			}
			for _, n := range counts {
				if n < 0 {
					continue
				}
				seen := make([]bool, n)
				var sum int64
				for _, tup := range tuples {
					c := tup.Scale(n)
					sum += c
					require.LessOrEqual(t, c, ceilMul(n, tup.seg.Length()), "%s: Scale(%d) above ⌈N·length⌉", tup, n)
					if n > 0 {
						require.LessOrEqual(t, tup.Scale(n-1), c, "%s: Scale not monotone at %d", tup, n)
					}
					for j := range c {
						g := tup.GlobalIndex(j)
						require.True(t, g >= 0 && g < n, "%s: GlobalIndex(%d) = %d outside [0, %d)", tup, j, g, n)
						require.False(t, seen[g], "%s: GlobalIndex(%d) = %d collides", tup, j, g)
						seen[g] = true
						local, ok := tup.LocalIndex(g)
						require.True(t, ok)
						require.Equal(t, j, local)
					}
				}
				require.Equal(t, n, sum, "Scale(%d) summed over %s", n, q)
			}
		})
	}
}

func ceilMul(n int64, r *big.Rat) int64 {
	x := new(big.Int).Mul(big.NewInt(n), r.Num())
	q, m := x.QuoRem(x, r.Denom(), new(big.Int))
	if m.Sign() > 0 {
		q.Add(q, big.NewInt(1))
	}
	return q.Int64()
}

func TestNewTupleLargeCycle(t *testing.T) {
	t.Parallel()
	// A cycle near MaxLCD, with a tiny segment last in rank: the deal must
	// still finish quickly and give it exactly its share.
	seg, err := ParseSegment("0:1/1048576")
	require.NoError(t, err)
	tup, err := NewTuple(seg, nil)
	require.NoError(t, err)
	assert.EqualValues(t, MaxLCD, tup.LCD())
	assert.EqualValues(t, 1, tup.Scale(MaxLCD))
	assert.EqualValues(t, 1, tup.GlobalIndex(0))
	assert.EqualValues(t, MaxLCD+1, tup.GlobalIndex(1))
}

func TestGlobalIndexDoesNotAllocate(t *testing.T) {
	tup := mustTuple(t, "0.3:0.5", "0,0.3,0.5,0.6,0.7,0.8,0.9,1")
	var sink int64
	allocs := testing.AllocsPerRun(1000, func() {
		sink += tup.GlobalIndex(sink & 0xffff)
		sink += tup.Scale(sink & 0xffff)
		l, _ := tup.LocalIndex(sink & 0xffff)
		sink += l
	})
	assert.Zero(t, allocs)
}

var sinkInt64 int64

func BenchmarkGlobalIndex(b *testing.B) {
	tests := []struct{ seg, seq string }{
		{seg: "0:1"},
		{seg: "1/2:1"},
		{seg: "1/3:2/3", seq: "0,1/3,2/3,1"},
		{seg: "0:0.3", seq: "0,0.3,0.5,0.6,0.7,0.8,0.9,1"},
		{seg: "2235/5213:4/5"},
	}
	for _, tt := range tests {
		tup := mustTuple(b, tt.seg, tt.seq)
		b.Run(fmt.Sprintf("%s(L=%d)", tt.seg, tup.LCD()), func(b *testing.B) {
			b.ReportAllocs()
			var s int64
			for i := range int64(b.N) {
				s += tup.GlobalIndex(i)
			}
			sinkInt64 = s
		})
	}
}

func BenchmarkNewTuple(b *testing.B) {
	q, err := ParseSequence("0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1")
	require.NoError(b, err)
	seg := q.Segments()[9]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := NewTuple(seg, q); err != nil {
			b.Fatal(err)
		}
	}
}
