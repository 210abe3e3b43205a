package report

import (
	"testing"
	"time"

	"github.com/minik6/minik6/metrics"
)

// BenchmarkRecorderAdd feeds the samples of empty iterations (iterations,
// iteration_duration, data_sent, data_received), the dashboard's worst case.
func BenchmarkRecorderAdd(b *testing.B) {
	reg := metrics.NewRegistry()
	bi := metrics.RegisterBuiltins(reg)
	tags := metrics.NewTagSet(map[string]string{"scenario": "default"})
	start := time.Now()
	batch := make([]metrics.Sample, 0, 1024)
	for i := range 256 {
		at := start.Add(time.Duration(i) * time.Microsecond)
		batch = append(batch,
			metrics.Sample{Metric: bi.Iterations, Tags: tags, Time: at, Value: 1},
			metrics.Sample{Metric: bi.IterationDuration, Tags: tags, Time: at, Value: 0.01},
			metrics.Sample{Metric: bi.DataSent, Tags: tags, Time: at, Value: 0},
			metrics.Sample{Metric: bi.DataReceived, Tags: tags, Time: at, Value: 0})
	}
	rec := NewRecorder(start, time.Second)
	b.ResetTimer()
	for range b.N {
		rec.Add(batch)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/sample")
}
