package segment

import (
	"container/heap"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"sort"
	"time"
)

// MaxLCD bounds the striping cycle: the least common denominator of a
// sequence's segment lengths. Building a [Tuple] costs time proportional to
// it and memory proportional to the instance's share of it, so NewTuple
// refuses sequences whose cycle is longer (e.g. "0,0.1234567,1", cycle 10^7).
// Percentages give cycles of at most 100, three-digit decimals 1000.
const MaxLCD = 1 << 20

// Tuple is one instance's place in a distributed run, its segment within the
// (filled) sequence, with everything the runner asks per iteration worked
// out in advance. Build it once with [NewTuple]; all its methods are safe for
// concurrent use. The nil *Tuple behaves as the whole test.
//
// Striping, shown for the sequence 0,1/3,2/3,1 (cycle L = 3) and 0,1/2,1
// (L = 2); the digits are each instance's local numbers, placed under the
// test-wide number they map to:
//
//	test-wide   0 1 2 3 4 5 6 7 8 9 10
//	0:1/3       0     1     2     3
//	1/3:2/3       0     1     2     3
//	2/3:1           0     1     2
//	0:1/2       0   1   2   3   4   5
//	1/2:1         0   1   2   3   4
//
// Of N = 11 test-wide numbers the thirds get 4, 4 and 3 (Scale), and local
// number 3 of 0:1/3 is test-wide 9 (GlobalIndex).
type Tuple struct {
	seg   *Segment // never nil
	seq   Sequence // filled: starts at 0, ends at 1
	given Sequence // as passed to NewTuple, for messages and String
	index int      // seg is (seq[index], seq[index+1]]
	full  bool     // seg is 0:1: Scale and GlobalIndex are identities

	lcd   int64   // L, the cycle length
	share int64   // n = L·length, slots per cycle
	slots []int64 // s_0 < … < s_{n−1} in [0, L): the slots dealt to seg
}

// NewTuple places seg within seq and deals the striping slots. A nil seg is
// the whole test, 0:1. A nil or empty seq is derived as k6 derives it: the
// points 0, from, to, 1 without duplicates, so "1/2:1" alone means the
// sequence 0,1/2,1. A seq that does not start at 0 or end at 1 is extended
// with those points. It is an error if seg is not one of the sequence's
// segments (0:1 included: "0:1" is not in 0,1/2,1), if seq is malformed, or
// if its cycle exceeds MaxLCD.
//
// # The deal
//
// Let the filled sequence have segments of lengths ℓ_1 … ℓ_K (Σℓ_k = 1), L be
// the least common denominator of the ℓ_k, and n_k = L·ℓ_k, an integer, with
// Σn_k = L. Every cycle of L consecutive test-wide numbers gives n_k of them
// to segment k; which ones is decided once, for the slots 0 … L−1, and
// repeats: test-wide number g goes where slot g mod L went.
//
// Rank the segments by n_k, largest first, ties in sequence order. Deal the
// slots i = 0, 1, …, L−1 in turn, each to the highest-ranked segment that is
// due, where segment k, holding c_k slots so far, is due at slot i when
//
//	c_k·L ≤ i·n_k,  i.e.  i ≥ c_k · L/n_k,
//
// the position its next slot would have if its n_k slots were spaced exactly
// L/n_k apart. So no segment runs ahead of its even spacing, and the big ones,
// which have the least slack, choose first. Some segment is always due: if
// none were, c_k > i·n_k/L for every k, and summing over k, i = Σc_k > i. A
// segment holding all n_k slots is never due again (n_k·L/n_k = L > i), so
// after L slots each segment k holds exactly n_k of them. This is k6's deal,
// slot for slot; minik6 finds the due segment with two heaps (waiting by
// due slot, due by rank), O(L log K), stopping once seg has its share.
//
// With seg's slots s_0 < … < s_{n−1} (n = n_k for seg), Scale and
// GlobalIndex are closed forms over one cycle; see each.
func NewTuple(seg *Segment, seq Sequence) (*Tuple, error) {
	if seg == nil {
		seg = &Segment{from: copyRat(ratZero), to: copyRat(ratOne)}
	}
	if len(seq) > 0 {
		if err := seq.validate(); err != nil {
			return nil, fmt.Errorf("invalid execution segment sequence: %w", err)
		}
	}
	t := &Tuple{seg: seg, given: seq, seq: fill(seg, seq), index: -1}
	for i := 0; i+1 < len(t.seq); i++ {
		if t.seq[i].Cmp(seg.from) == 0 && t.seq[i+1].Cmp(seg.to) == 0 {
			t.index = i
			break
		}
	}
	if t.index < 0 {
		return nil, fmt.Errorf("execution segment %s is not one of the segments of execution segment sequence %s",
			seg, seq)
	}
	if len(t.seq) == 2 {
		t.full, t.lcd, t.share, t.slots = true, 1, 1, []int64{0}
		return t, nil
	}

	segs := t.seq.Segments()
	lcd := big.NewInt(1)
	var g big.Int
	for _, s := range segs {
		d := s.Length().Denom()
		lcd.Mul(lcd, d.Quo(d, g.GCD(nil, nil, lcd, d))) // lcm(a, d) = a·d/gcd(a, d)
		if lcd.Cmp(big.NewInt(MaxLCD)) > 0 {
			return nil, fmt.Errorf("execution segment sequence %s is too fine-grained: "+
				"the least common denominator of its segment lengths exceeds %d; use coarser fractions", t.seq, MaxLCD)
		}
	}
	t.lcd = lcd.Int64()
	shares := make([]int64, len(segs))
	for i, s := range segs {
		l := s.Length()
		shares[i] = new(big.Int).Mul(l.Num(), new(big.Int).Quo(lcd, l.Denom())).Int64()
	}
	t.share = shares[t.index]
	t.slots = deal(shares, t.lcd, t.index)
	return t, nil
}

// fill completes seq to start at 0 and end at 1, deriving it from seg when
// seq is empty. The result shares no memory with seq or seg.
func fill(seg *Segment, seq Sequence) Sequence {
	var pts Sequence
	if len(seq) == 0 {
		pts = Sequence{copyRat(seg.from), copyRat(seg.to)}
	} else {
		pts = make(Sequence, len(seq))
		for i, p := range seq {
			pts[i] = copyRat(p)
		}
	}
	if pts[0].Sign() != 0 {
		pts = append(Sequence{copyRat(ratZero)}, pts...)
	}
	if pts[len(pts)-1].Cmp(ratOne) != 0 {
		pts = append(pts, copyRat(ratOne))
	}
	return pts
}

// dealer is one segment at the table while slots are dealt.
type dealer struct {
	index int   // position in the sequence
	rank  int   // priority: 0 is the largest share
	share int64 // n_k, slots it gets per cycle
	taken int64 // c_k, slots it holds so far
	due   int64 // first slot it may take next: ⌈c_k·L/n_k⌉
}

// deal runs the deal described on NewTuple and returns the slots of the
// segment at position own, in increasing order.
func deal(shares []int64, lcd int64, own int) []int64 {
	dealers := make([]*dealer, len(shares))
	for i, n := range shares {
		dealers[i] = &dealer{index: i, share: n}
	}
	sort.SliceStable(dealers, func(a, b int) bool { return dealers[a].share > dealers[b].share })
	for r, d := range dealers {
		d.rank = r
	}
	ready := byRank(append([]*dealer(nil), dealers...)) // every segment is due at slot 0
	heap.Init(&ready)
	var waiting byDue

	slots := make([]int64, 0, shares[own])
	for i := int64(0); i < lcd; i++ {
		for len(waiting) > 0 && waiting[0].due <= i {
			heap.Push(&ready, heap.Pop(&waiting))
		}
		d := heap.Pop(&ready).(*dealer) // never empty: see NewTuple
		if d.index == own {
			slots = append(slots, i)
			if int64(len(slots)) == d.share {
				break
			}
		}
		d.taken++
		if d.taken < d.share {
			d.due = (d.taken*lcd + d.share - 1) / d.share // ≤ L², which MaxLCD keeps in range
			heap.Push(&waiting, d)
		}
	}
	return slots
}

// byRank is a min-heap of due segments by rank.
type byRank []*dealer

func (h byRank) Len() int           { return len(h) }
func (h byRank) Less(a, b int) bool { return h[a].rank < h[b].rank }
func (h byRank) Swap(a, b int)      { h[a], h[b] = h[b], h[a] }
func (h *byRank) Push(x any)        { *h = append(*h, x.(*dealer)) }
func (h *byRank) Pop() any          { return pop((*[]*dealer)(h)) }

// byDue is a min-heap of waiting segments by the slot they become due at.
type byDue []*dealer

func (h byDue) Len() int           { return len(h) }
func (h byDue) Less(a, b int) bool { return h[a].due < h[b].due }
func (h byDue) Swap(a, b int)      { h[a], h[b] = h[b], h[a] }
func (h *byDue) Push(x any)        { *h = append(*h, x.(*dealer)) }
func (h *byDue) Pop() any          { return pop((*[]*dealer)(h)) }

func pop(h *[]*dealer) *dealer {
	old := *h
	d := old[len(old)-1]
	*h = old[:len(old)-1]
	return d
}

// Segment returns the instance's segment (0:1 for the whole test).
func (t *Tuple) Segment() *Segment {
	if t == nil {
		return nil
	}
	return t.seg
}

// Sequence returns the filled sequence the instance is striped over: it
// starts at 0 and ends at 1 ("0,1/2,1" for the segment 1/2:1 given alone).
func (t *Tuple) Sequence() Sequence {
	if t == nil {
		return Sequence{copyRat(ratZero), copyRat(ratOne)}
	}
	return t.seq
}

// Index returns the position of the instance's segment in Sequence(),
// counting from 0.
func (t *Tuple) Index() int {
	if t == nil {
		return 0
	}
	return t.index
}

// LCD returns L, the length of the striping cycle: the least common
// denominator of the sequence's segment lengths (1 for the whole test).
func (t *Tuple) LCD() int64 {
	if t == nil {
		return 1
	}
	return t.lcd
}

// IsFull reports whether the instance runs the whole test (segment 0:1):
// then Scale and GlobalIndex return their argument.
func (t *Tuple) IsFull() bool {
	return t == nil || t.full
}

// String describes the tuple as "1/3:2/3 in 0,1/3,2/3,1", naming the filled
// sequence.
func (t *Tuple) String() string {
	return t.Segment().String() + " in " + t.Sequence().String()
}

// Scale returns how many of total test-wide things (VUs, iterations,
// arrivals, preallocated VUs) this instance gets: those whose test-wide
// number g < total has g mod L among the instance's slots S (|S| = n):
//
//	Scale(N) = ⌊N/L⌋·n + #{s ∈ S : s < N mod L}
//
// Because the instances' slot sets partition 0 … L−1, the Scale of all
// segments of one sequence sum to N exactly, for every N. Each is
// non-decreasing in N (growing a count never takes a thing away from an
// instance) and at most ⌈N·length⌉, since by the deal's rule the c-th slot
// (from 0) sits at or after c·L/n. Halves of 7 get 4 and 3; thirds of 5 get
// 2, 2 and 1. A negative total gives 0. Scale does not allocate.
func (t *Tuple) Scale(total int64) int64 {
	if total <= 0 {
		return 0
	}
	if t.IsFull() {
		return total
	}
	rem := total % t.lcd
	return total/t.lcd*t.share + int64(sort.Search(len(t.slots), func(i int) bool { return t.slots[i] >= rem }))
}

// GlobalIndex maps this instance's zero-based local number (its j-th
// iteration, arrival, VU…) to the test-wide zero-based number, the j-th
// member, in increasing order, of {g ≥ 0 : g mod L ∈ S}. Each cycle of L
// holds n members, s_0 … s_{n−1} shifted by the cycle's start, so
//
//	GlobalIndex(j) = ⌊j/n⌋·L + s_{j mod n}
//
// It maps 0 … Scale(N)−1 onto exactly the test-wide numbers below N that the
// instance owns, so no two instances ever produce the same number. O(1) and
// allocation-free: it is called for every iteration. j must be ≥ 0, and the
// result must fit an int64.
func (t *Tuple) GlobalIndex(local int64) int64 {
	if t == nil || t.full {
		return local
	}
	return local/t.share*t.lcd + t.slots[local%t.share]
}

// GlobalID maps a one-based local id (a VU's idInInstance) to the one-based
// test-wide id (idInTest): GlobalIndex(id−1)+1. k6 numbers VUs this way, so
// the first VU of 1/3:2/3 in 0,1/3,2/3,1 is VU 2 of the test.
func (t *Tuple) GlobalID(local int64) int64 {
	return t.GlobalIndex(local-1) + 1
}

// LocalIndex is GlobalIndex's inverse: the local number of test-wide number
// global, and whether this instance owns it at all. An arrival-rate executor
// that walks test-wide arrivals can start just the ones for which ok is true.
// It takes O(log n) and does not allocate.
func (t *Tuple) LocalIndex(global int64) (local int64, ok bool) {
	if global < 0 {
		return 0, false
	}
	if t.IsFull() {
		return global, true
	}
	cycle, slot := global/t.lcd, global%t.lcd
	i := sort.Search(len(t.slots), func(i int) bool { return t.slots[i] >= slot })
	if i == len(t.slots) || t.slots[i] != slot {
		return 0, false
	}
	return cycle*t.share + int64(i), true
}

// Owns reports whether test-wide number global (an iteration, an arrival)
// belongs to this instance.
func (t *Tuple) Owns(global int64) bool {
	_, ok := t.LocalIndex(global)
	return ok
}

// ScaleRate returns this instance's average share of an arrival rate of rate
// iterations per timeUnit, in iterations per second: rate·length/timeUnit.
// It is for display and sizing only. Arrival-rate executors do not pace a
// scaled rate; as in k6, every instance keeps the test-wide schedule and
// starts only its stripe of it (see ArrivalAt), so the instances together
// start exactly the test's arrivals, none twice, each at its test-wide time.
func (t *Tuple) ScaleRate(rate int64, timeUnit time.Duration) float64 {
	if rate <= 0 || timeUnit <= 0 {
		return 0
	}
	perSecond := new(big.Int).Mul(big.NewInt(rate), big.NewInt(int64(time.Second)))
	r := new(big.Rat).SetFrac(perSecond, big.NewInt(int64(timeUnit)))
	if !t.IsFull() {
		r.Mul(r, big.NewRat(t.share, t.lcd))
	}
	f, _ := r.Float64()
	return f
}

// ArrivalAt returns when, after its scenario starts, a constant-arrival-rate
// executor on this instance starts its local arrival number local (from 0),
// for a test-wide rate of rate iterations per timeUnit. Test-wide arrival g
// starts at g·timeUnit/rate; the instance runs arrivals g = GlobalIndex(j),
// j = 0, 1, …, so
//
//	ArrivalAt(j) = ⌊GlobalIndex(j) · timeUnit / rate⌋
//
// computed without overflow (the result saturates at the largest Duration).
// A ramping-arrival-rate executor does the same with its own clock: test-wide
// arrival g starts when the area under the rate curve reaches g+1, and the
// instance starts only g = GlobalIndex(j). A rate ≤ 0 never arrives: the
// largest Duration.
func (t *Tuple) ArrivalAt(local, rate int64, timeUnit time.Duration) time.Duration {
	g := t.GlobalIndex(local)
	if rate <= 0 || g < 0 || timeUnit < 0 {
		return math.MaxInt64
	}
	hi, lo := bits.Mul64(uint64(g), uint64(timeUnit))
	if hi >= uint64(rate) {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, uint64(rate))
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return time.Duration(q)
}

var _ fmt.Stringer = (*Tuple)(nil)
