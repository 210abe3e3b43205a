package runner

import (
	"sort"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/options"
)

// VUState is what one VU knows about itself while it runs: its ids, its iteration
// numbers, its scenario, its tags and where its samples go. Only the VU's own
// goroutine reads or writes it, so plain fields are enough; k6/execution reads them
// directly.
type VUState struct {
	// IDInInstance is the VU's id in this instance, from 1; 0 for the VU that runs
	// setup() and teardown().
	IDInInstance uint64
	// IDInTest is the VU's id unique across all instances of the test.
	IDInTest uint64
	// IterationInInstance is the number of the current iteration among all this VU
	// ran in this instance, across scenarios.
	IterationInInstance int64
	// IterationInScenario is the number of the current iteration among those this VU
	// ran in the current scenario.
	IterationInScenario int64
	// Scenario is the scenario the VU runs in; nil in setup and teardown.
	Scenario *ScenarioState
	// ScenarioIterationInInstance is the current iteration's number in the scenario,
	// in this instance.
	ScenarioIterationInInstance int64
	// ScenarioIterationInTest is the current iteration's number in the scenario,
	// unique across instances.
	ScenarioIterationInTest int64

	// Tags are the VU's tags, added to every sample it emits.
	Tags *Tags
	// Metadata is the VU's metadata, attached to every sample it emits.
	Metadata *Metadata

	// Options are the consolidated options of the run.
	Options *options.Options
	// ScriptOptions are the options as scripts see them (exec.test.options), JSON.
	ScriptOptions []byte
	// Execution is the instance-wide state.
	Execution *ExecutionState
	// Registry holds the run's metrics; custom metrics register here.
	Registry *metrics.Registry
	// Builtins are the built-in metrics.
	Builtins *metrics.Builtins
	// DataSent and DataReceived count the bytes this VU's current iteration sent
	// and received; the runner emits them as data_sent/data_received when the
	// iteration ends.
	DataSent, DataReceived int64
	// Samples buffers the samples this VU emits.
	Samples *SampleBuffer
	// SystemTags are the system tags the systemTags option enables.
	SystemTags SystemTagSet
	// Logger logs on behalf of this VU.
	Logger logrus.FieldLogger

	iterationsDone   int64
	counters         *IterationCounters
	scenarioIterDone []int64 // by scenario index
	setupData        []byte
}

// SetupData is setup()'s result as JSON, nil when there is none.
func (s *VUState) SetupData() []byte { return s.setupData }

// Emit sends one sample of m with the VU's tags and metadata to the metrics
// pipeline.
func (s *VUState) Emit(m *metrics.Metric, t time.Time, value float64) {
	s.Samples.Add(metrics.Sample{Metric: m, Tags: s.Tags.TagSet(), Metadata: s.Metadata.snapshot(), Time: t, Value: value})
}

// EmitTagged is Emit with extra tags for this sample only.
func (s *VUState) EmitTagged(m *metrics.Metric, t time.Time, value float64, extra map[string]string) {
	tags := s.Tags.TagSet()
	for k, v := range extra {
		tags = tags.With(k, v)
	}
	s.Samples.Add(metrics.Sample{Metric: m, Tags: tags, Metadata: s.Metadata.snapshot(), Time: t, Value: value})
}

// SystemTagSet says which system tags (scenario, group, check, url, …) samples
// carry.
type SystemTagSet map[string]bool

// Has reports whether the system tag name is enabled; a nil set enables all.
func (s SystemTagSet) Has(name string) bool { return s == nil || s[name] }

// NewSystemTagSet returns the set of the given tag names.
func NewSystemTagSet(names []string) SystemTagSet {
	s := make(SystemTagSet, len(names))
	for _, n := range names {
		s[n] = true
	}
	return s
}

// Tags is a VU's mutable tag map. It keeps an immutable TagSet of its current
// content for samples, rebuilt only after a change, so emitting a sample does not
// allocate for tags.
type Tags struct {
	m   map[string]string
	set *metrics.TagSet
}

// NewTags returns a tag map holding a copy of initial.
func NewTags(initial map[string]string) *Tags {
	t := &Tags{m: make(map[string]string, len(initial)+2)}
	for k, v := range initial {
		t.m[k] = v
	}
	return t
}

// Get returns the value of tag k.
func (t *Tags) Get(k string) (string, bool) { v, ok := t.m[k]; return v, ok }

// Set sets tag k to v.
func (t *Tags) Set(k, v string) {
	if old, ok := t.m[k]; ok && old == v {
		return
	}
	t.m[k] = v
	t.set = nil
}

// Delete removes tag k.
func (t *Tags) Delete(k string) {
	if _, ok := t.m[k]; ok {
		delete(t.m, k)
		t.set = nil
	}
}

// Keys returns the tag names, sorted.
func (t *Tags) Keys() []string { return sortedKeys(t.m) }

// TagSet returns the tags as an immutable TagSet.
func (t *Tags) TagSet() *metrics.TagSet {
	if t.set == nil {
		t.set = metrics.NewTagSet(t.m)
	}
	return t.set
}

// Metadata is a VU's mutable metadata map: like tags, but for high-cardinality
// values that go to outputs and never to thresholds.
type Metadata struct {
	m    map[string]string
	snap map[string]string
}

// NewMetadata returns an empty metadata map.
func NewMetadata() *Metadata { return &Metadata{m: map[string]string{}} }

// Get returns the value of key k.
func (md *Metadata) Get(k string) (string, bool) { v, ok := md.m[k]; return v, ok }

// Set sets key k to v.
func (md *Metadata) Set(k, v string) { md.m[k] = v; md.snap = nil }

// Delete removes key k.
func (md *Metadata) Delete(k string) {
	if _, ok := md.m[k]; ok {
		delete(md.m, k)
		md.snap = nil
	}
}

// Reset removes every key: a VU starts each scenario without metadata.
func (md *Metadata) Reset() {
	if len(md.m) > 0 {
		clear(md.m)
		md.snap = nil
	}
}

// Keys returns the keys, sorted.
func (md *Metadata) Keys() []string { return sortedKeys(md.m) }

// snapshot returns an immutable copy of the map for samples, nil when empty.
func (md *Metadata) snapshot() map[string]string {
	if len(md.m) == 0 {
		return nil
	}
	if md.snap == nil {
		md.snap = make(map[string]string, len(md.m))
		for k, v := range md.m {
			md.snap[k] = v
		}
	}
	return md.snap
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// SampleSink takes batches of samples; it must not keep the slice after it returns.
type SampleSink interface {
	AddSamples(batch []metrics.Sample)
}

// SampleBuffer collects one VU's samples and hands them to the sink in batches: when
// the batch is full, when it is older than flushInterval, and on Flush. The batch
// memory comes from a pool and goes back on Flush, so a sleeping or idle VU holds
// none.
type SampleBuffer struct {
	sink  SampleSink
	buf   *[]metrics.Sample
	first time.Time
}

const (
	sampleBatchSize = 128
	flushInterval   = 200 * time.Millisecond
)

var batchPool = sync.Pool{New: func() any {
	b := make([]metrics.Sample, 0, sampleBatchSize)
	return &b
}}

// NewSampleBuffer returns a buffer that flushes into sink.
func NewSampleBuffer(sink SampleSink) *SampleBuffer {
	return &SampleBuffer{sink: sink}
}

// Add appends one sample, flushing when the batch is full or old.
func (b *SampleBuffer) Add(s metrics.Sample) {
	if b.buf == nil {
		b.buf = batchPool.Get().(*[]metrics.Sample)
		b.first = s.Time
	}
	*b.buf = append(*b.buf, s)
	if len(*b.buf) >= sampleBatchSize || s.Time.Sub(b.first) >= flushInterval {
		b.Flush()
	}
}

// Flush hands the buffered samples to the sink.
func (b *SampleBuffer) Flush() {
	if b.buf == nil {
		return
	}
	if len(*b.buf) > 0 {
		b.sink.AddSamples(*b.buf)
	}
	clear(*b.buf)
	*b.buf = (*b.buf)[:0]
	batchPool.Put(b.buf)
	b.buf = nil
}
