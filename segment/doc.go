// Package segment splits one test between several minik6 (or k6) instances.
//
// A distributed run gives every instance an execution segment: a half-open
// slice (from, to] of the unit interval, written "0:1/2", "1/2:1", "25%:50%".
// All instances of one run share an execution segment sequence, the ordered
// cut points of the interval ("0,1/3,2/3,1"). From those two values alone,
// with no coordinator, every instance works out
//
//   - how many of a test-wide count it owns: VUs, iterations, arrivals
//     ([Tuple.Scale]), and
//   - which test-wide number each of its own things has ([Tuple.GlobalIndex]):
//     local iteration 3 of the first third is test-wide iteration 9, local VU
//     2 is test-wide VU 4, and no two instances ever hand out the same number.
//
// Both answers come from striping: the sequence's segment lengths, brought to
// their least common denominator L, deal the numbers 0..L-1 of every cycle of
// L consecutive test-wide numbers out to the segments, each getting as many
// as its length is worth (1/3 of L gets L/3 of them), spread as evenly as a
// greedy dealer can. Test-wide number g belongs to the segment that was dealt
// g mod L. The deal is the one k6 makes, so a mixed fleet agrees on it; see
// [NewTuple] for the algorithm.
//
// The package is a leaf: it knows nothing of options, executors or VUs.
// Parse the user's strings with [ParseSegment] and [ParseSequence], build one
// [Tuple] per run with [NewTuple], and ask it.
package segment
