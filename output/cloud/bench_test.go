package cloud

import (
	"testing"
	"time"

	"github.com/minik6/minik6/metrics"
)

// BenchmarkAggregate measures aggregating one fan-out chunk of the samples an
// empty iteration emits (iterations and iteration_duration).
func BenchmarkAggregate(b *testing.B) {
	reg := metrics.NewRegistry()
	builtins := metrics.RegisterBuiltins(reg)
	tags := metrics.NewTagSet(map[string]string{"scenario": "default", "group": ""})
	batch := make([]metrics.Sample, 4096)
	now := time.Now()
	for i := range batch {
		m := builtins.Iterations
		if i%2 == 1 {
			m = builtins.IterationDuration
		}
		batch[i] = metrics.Sample{Metric: m, Tags: tags, Time: now, Value: 0.0003}
	}
	a := newAggregator(3*time.Second, func(string) {})
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		a.add(batch)
	}
}
