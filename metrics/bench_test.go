package metrics

import (
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"
)

func BenchmarkTrendSinkAdd(b *testing.B) {
	s := NewTrendSink()
	rng := rand.New(rand.NewPCG(1, 1))
	vals := make([]float64, 4096)
	for i := range vals {
		vals[i] = rng.ExpFloat64() * 100
	}
	for _, v := range vals {
		s.Add(v)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s.Add(vals[i&4095])
	}
}

func BenchmarkCounterSinkAdd(b *testing.B) {
	s := &CounterSink{}
	b.ReportAllocs()
	for b.Loop() {
		s.Add(1)
	}
}

func BenchmarkTrendSinkP95(b *testing.B) {
	s := NewTrendSink()
	rng := rand.New(rand.NewPCG(2, 2))
	for range 1000000 {
		s.Add(rng.ExpFloat64() * 100)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.P(0.95)
	}
}

func BenchmarkTagSetContains(b *testing.B) {
	sample := NewTagSet(map[string]string{
		"scenario": "default", "group": "", "method": "GET", "status": "200", "name": "http://x/y",
		"url": "http://x/y", "proto": "HTTP/1.1", "expected_response": "true",
	})
	sub := NewTagSet(map[string]string{"expected_response": "true"})
	b.ReportAllocs()
	for b.Loop() {
		sample.Contains(sub)
	}
}

// BenchmarkEngineAddSamples feeds an iteration's worth of samples (the
// built-ins of an empty iteration plus one HTTP request) in batches of 64
// from parallel goroutines, the way VUs flush; ns/op is per sample.
func BenchmarkEngineAddSamples(b *testing.B) {
	benchmarkAddSamples(b, "default", "")
}

// BenchmarkEngineAddSamplesBreakdown is BenchmarkEngineAddSamples with the
// per-group and per-scenario results of the full summary mode: samples of
// the default scenario outside any group (no breakdown work), and samples of
// a named scenario in a nested group (each feeds two more sinks).
func BenchmarkEngineAddSamplesBreakdown(b *testing.B) {
	b.Run("default", func(b *testing.B) { benchmarkAddSamples(b, "default", "", WithBreakdown()) })
	b.Run("scenario+group", func(b *testing.B) {
		benchmarkAddSamples(b, "browse", "::catalog::item", WithBreakdown())
	})
}

func benchmarkAddSamples(b *testing.B, scenario, group string, opts ...EngineOption) {
	reg := NewRegistry()
	bi := RegisterBuiltins(reg)
	e, err := NewEngine(reg, map[string][]ThresholdConfig{
		"http_req_duration":             {{Source: "p(95)<500"}},
		"http_req_duration{status:200}": {{Source: "max<1000"}},
	}, append([]EngineOption{WithSubMetrics(ExpectedResponseSubMetric)}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	var vuID atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(4)
	b.RunParallel(func(pb *testing.PB) {
		vu := NewTagSet(map[string]string{"scenario": scenario, "group": "", "vu": string(rune('0' + vuID.Add(1)))})
		req := vu.With("method", "GET").With("status", "200").With("expected_response", "true").With("url", "http://x")
		req = req.With("group", group)
		now := time.Now()
		iteration := []Sample{
			{Metric: bi.Iterations, Tags: vu, Value: 1},
			{Metric: bi.IterationDuration, Tags: vu, Value: 0.02},
			{Metric: bi.DataSent, Tags: vu, Value: 0},
			{Metric: bi.DataReceived, Tags: vu, Value: 0},
			{Metric: bi.HTTPReqs, Tags: req, Value: 1},
			{Metric: bi.HTTPReqDuration, Tags: req, Value: 12.5},
			{Metric: bi.HTTPReqFailed, Tags: req, Value: 0},
			{Metric: bi.HTTPReqWaiting, Tags: req, Value: 11},
		}
		batch := make([]Sample, 0, 64)
		i := 0
		for pb.Next() {
			s := iteration[i%len(iteration)]
			s.Time = now
			s.Value += float64(i & 7)
			batch = append(batch, s)
			i++
			if len(batch) == cap(batch) {
				e.AddSamples(batch)
				batch = batch[:0]
			}
		}
		e.AddSamples(batch)
	})
}
