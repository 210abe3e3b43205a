package metrics

import "time"

// Sample is one measurement of a metric. Samples are passed by value in
// batches; building one allocates nothing when Tags is a shared set and
// Metadata is nil.
type Sample struct {
	Metric *Metric
	// Tags index the sample: they select sub-metrics and group series in
	// outputs. Usually the emitting VU's shared set.
	Tags *TagSet
	// Metadata travels with the sample to outputs only; it never selects
	// sub-metrics or thresholds. Nil for most samples.
	Metadata map[string]string
	Time     time.Time
	Value    float64
}

// Output receives every sample of a run, for example to write them to a file
// or send them to a service.
//
// Lifecycle: Start is called once before the first sample; AddSamples any
// number of times, possibly from several goroutines; Stop once at the end,
// after the last AddSamples call, and must flush everything it holds. The
// caller hands the slice over with AddSamples and never changes it afterwards,
// so an output may keep it; an output must not change the samples.
type Output interface {
	// Description names the output for messages, such as "json (out.json)".
	Description() string
	// Start prepares the output; an error stops the run before it begins.
	Start() error
	// AddSamples takes a batch of samples; it should return quickly, leaving
	// slow work (I/O) to the output's own goroutine.
	AddSamples(batch []Sample)
	// Stop flushes what is buffered and releases the output's resources.
	Stop() error
}
