package runner

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkSharedIterations runs b.N iterations of a no-op VU through the whole
// runner (VU pool, executor, iteration bookkeeping, samples into the engine).
// Setup of the run is amortized over b.N; allocs/op is the per-iteration cost of
// the hot path, which should stay at zero.
func BenchmarkSharedIterations(b *testing.B) {
	for _, vus := range []int{1, 4} {
		b.Run(fmt.Sprintf("vus=%d", vus), func(b *testing.B) {
			s := &fakeScript{noRecord: true}
			tr := newTestRun(b, fmt.Sprintf(`{"scenarios":{"s":{"executor":"shared-iterations","vus":%d,"iterations":%d}}}`,
				vus, max(b.N, vus)), s, nil)
			b.ReportAllocs()
			b.ResetTimer()
			if _, err := tr.r.Run(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if got := tr.r.Execution().IterationsCompleted(); got != int64(max(b.N, vus)) {
				b.Fatalf("%d iterations completed, want %d", got, b.N)
			}
		})
	}
}
