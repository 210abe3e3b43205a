// Package report makes minik6's HTML report and the web dashboard's page: the
// end-of-test numbers (from a metrics engine's summary), the thresholds and
// checks, and charts over time (from a [Recorder] fed with the run's samples)
// drawn as inline SVG, so that one self-contained file opens offline, prints
// on A4 and compares two runs side by side.
package report

import (
	"math"
	"sort"
	"sync"
	"time"

	"github.com/minik6/minik6/metrics"
)

// Recorder aggregates samples into periods of time, in memory that grows with
// the number of periods only: per period, the VUs, the request and iteration
// counts, the request latency's histogram, failures, checks and data, and per
// scenario its iterations and request latency. Safe for concurrent use.
type Recorder struct {
	period time.Duration

	mu      sync.Mutex
	start   time.Time
	buckets []*bucket
	kinds   []kind // by metric index

	// snapshots: the counts come from Snapshot, and Add records the
	// request latency only; last is the previous snapshot.
	snapshots bool
	last      Counts
}

// Counts are a run's cumulative numbers at a moment, as its metrics engine
// has them.
type Counts struct {
	VUs                                  float64
	HasVUs                               bool
	Requests, Iterations, Sent, Received float64
	Failed, Checks                       metrics.RateSink
}

// CountsOf reads the counts from an engine.
func CountsOf(e *metrics.Engine) Counts {
	var c Counts
	sum := func(name string) float64 {
		if s, ok := e.Sink(name).(*metrics.CounterSink); ok {
			return s.Sum
		}
		return 0
	}
	c.Requests, c.Iterations = sum(metrics.HTTPReqsName), sum(metrics.IterationsName)
	c.Sent, c.Received = sum(metrics.DataSentName), sum(metrics.DataReceivedName)
	if g, ok := e.Sink(metrics.VUsName).(*metrics.GaugeSink); ok {
		c.VUs, c.HasVUs = g.Value, true
	}
	if r, ok := e.Sink(metrics.HTTPReqFailedName).(*metrics.RateSink); ok {
		c.Failed = *r
	}
	if r, ok := e.Sink(metrics.ChecksName).(*metrics.RateSink); ok {
		c.Checks = *r
	}
	return c
}

// UseSnapshots makes the counts come from Snapshot instead of Add, which
// then records the request latency only: a live reader then needs only
// http_req_duration's samples (see WantsMetric).
func (r *Recorder) UseSnapshots() {
	r.mu.Lock()
	r.snapshots = true
	r.mu.Unlock()
}

// WantsMetric says whether Add needs a metric's samples once UseSnapshots
// is on: http_req_duration's only.
func WantsMetric(m *metrics.Metric) bool { return m.Name == metrics.HTTPReqDurationName }

// Snapshot records what the counts gained since the previous snapshot in
// the period of at.
func (r *Recorder) Snapshot(at time.Time, c Counts) {
	r.mu.Lock()
	defer r.mu.Unlock()
	b := r.bucketLocked(at)
	if b == nil {
		return
	}
	p := r.last
	b.reqs += c.Requests - p.Requests
	b.iters += c.Iterations - p.Iterations
	b.sent += c.Sent - p.Sent
	b.received += c.Received - p.Received
	b.failed.Trues += c.Failed.Trues - p.Failed.Trues
	b.failed.Total += c.Failed.Total - p.Failed.Total
	b.checks.Trues += c.Checks.Trues - p.Checks.Trues
	b.checks.Total += c.Checks.Total - p.Checks.Total
	if c.HasVUs {
		b.vus, b.vusSeen = c.VUs, true
	}
	r.last = c
}

type bucket struct {
	vus             float64
	vusSeen         bool
	reqs, iters     float64
	sent, received  float64
	latency         *metrics.TrendSink
	failed, checks  metrics.RateSink
	scenarioIters   map[string]*float64
	scenarioLatency map[string]*metrics.TrendSink
}

// NewRecorder returns a recorder with periods of the given length, starting
// at start.
func NewRecorder(start time.Time, period time.Duration) *Recorder {
	if period <= 0 {
		period = 10 * time.Second
	}
	return &Recorder{period: period, start: start}
}

// Period is the length of the recorder's periods.
func (r *Recorder) Period() time.Duration { return r.period }

// kind is what the recorder does with a metric's samples.
type kind uint8

const (
	kindUnknown kind = iota // not looked at yet
	kindIgnored
	kindVUs
	kindRequests
	kindIterations
	kindSent
	kindReceived
	kindLatency
	kindFailed
	kindChecks
)

var kinds = map[string]kind{
	metrics.VUsName: kindVUs, metrics.HTTPReqsName: kindRequests, metrics.IterationsName: kindIterations,
	metrics.DataSentName: kindSent, metrics.DataReceivedName: kindReceived, metrics.HTTPReqDurationName: kindLatency,
	metrics.HTTPReqFailedName: kindFailed, metrics.ChecksName: kindChecks,
}

// kindOf returns what to do with m's samples, looked up by name once per
// metric.
func (r *Recorder) kindOf(m *metrics.Metric) kind {
	i := m.Index()
	if i < len(r.kinds) && r.kinds[i] != kindUnknown {
		return r.kinds[i]
	}
	for len(r.kinds) <= i {
		r.kinds = append(r.kinds, kindUnknown)
	}
	k, ok := kinds[m.Name]
	if !ok {
		k = kindIgnored
	}
	r.kinds[i] = k
	return k
}

// Add aggregates a batch of samples. A sample costs a slice lookup of its
// metric and, while the samples stay in one period, a comparison of times.
func (r *Recorder) Add(batch []metrics.Sample) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b *bucket
	var lo, hi int64 // b's period, in unix ns
	// Samples share tag sets: the scenario of the last set, and the counter
	// of its iterations in b, are kept at hand.
	var lastTags *metrics.TagSet
	var scenario string
	var iters *float64
	scenarioOf := func(t *metrics.TagSet) string {
		if t != lastTags {
			lastTags, iters = t, nil
			scenario, _ = t.Get(metrics.TagScenario)
		}
		return scenario
	}
	for i := range batch {
		s := &batch[i]
		if s.Metric == nil {
			continue
		}
		k := r.kindOf(s.Metric)
		if k == kindIgnored || r.snapshots && k != kindLatency {
			continue
		}
		if at := s.Time.UnixNano(); b == nil || at < lo || at >= hi {
			if b = r.bucketLocked(s.Time); b == nil {
				continue
			}
			lo = r.start.Add(time.Duration(at-r.start.UnixNano()) / r.period * r.period).UnixNano()
			hi = lo + int64(r.period)
			iters = nil
		}
		switch k {
		case kindVUs:
			b.vus, b.vusSeen = s.Value, true
		case kindRequests:
			b.reqs += s.Value
		case kindIterations:
			b.iters += s.Value
			if sc := scenarioOf(s.Tags); sc != "" {
				if iters == nil {
					iters = b.scenarioCounter(sc)
				}
				*iters += s.Value
			}
		case kindSent:
			b.sent += s.Value
		case kindReceived:
			b.received += s.Value
		case kindLatency:
			if b.latency == nil {
				b.latency = metrics.NewTrendSink()
			}
			b.latency.Add(s.Value)
			if scenario := scenarioOf(s.Tags); scenario != "" {
				if b.scenarioLatency == nil {
					b.scenarioLatency = make(map[string]*metrics.TrendSink)
				}
				t := b.scenarioLatency[scenario]
				if t == nil {
					t = metrics.NewTrendSink()
					b.scenarioLatency[scenario] = t
				}
				t.Add(s.Value)
			}
		case kindFailed:
			b.failed.Add(s.Value)
		case kindChecks:
			b.checks.Add(s.Value)
		}
	}
}

// scenarioCounter returns the counter of a scenario's iterations in b.
func (b *bucket) scenarioCounter(scenario string) *float64 {
	if b.scenarioIters == nil {
		b.scenarioIters = make(map[string]*float64)
	}
	c := b.scenarioIters[scenario]
	if c == nil {
		c = new(float64)
		b.scenarioIters[scenario] = c
	}
	return c
}

// bucketLocked returns the period of time t, nil for a time before the start
// or absurdly far after it.
func (r *Recorder) bucketLocked(t time.Time) *bucket {
	if t.IsZero() {
		return nil
	}
	i := int(t.Sub(r.start) / r.period)
	if i < 0 || i > 1<<20 {
		return nil
	}
	for len(r.buckets) <= i {
		r.buckets = append(r.buckets, &bucket{})
	}
	return r.buckets[i]
}

// coarsen joins every factor periods into one.
func (r *Recorder) coarsen(factor int) {
	if factor <= 1 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []*bucket
	for i, b := range r.buckets {
		if i%factor == 0 {
			out = append(out, &bucket{})
		}
		out[len(out)-1].merge(b)
	}
	r.buckets = out
	r.period *= time.Duration(factor)
}

// merge adds o, a later period, to b.
func (b *bucket) merge(o *bucket) {
	if o.vusSeen {
		b.vus, b.vusSeen = o.vus, true
	}
	b.reqs += o.reqs
	b.iters += o.iters
	b.sent += o.sent
	b.received += o.received
	b.latency = mergeTrend(b.latency, o.latency)
	b.failed.Merge(&o.failed)
	b.checks.Merge(&o.checks)
	for n, v := range o.scenarioIters {
		*b.scenarioCounter(n) += *v
	}
	for n, t := range o.scenarioLatency {
		if b.scenarioLatency == nil {
			b.scenarioLatency = make(map[string]*metrics.TrendSink)
		}
		b.scenarioLatency[n] = mergeTrend(b.scenarioLatency[n], t)
	}
}

func mergeTrend(into, from *metrics.TrendSink) *metrics.TrendSink {
	if from == nil {
		return into
	}
	if into == nil {
		into = metrics.NewTrendSink()
	}
	into.Merge(from)
	return into
}

// Series are a run's values over time, one point per period.
type Series struct {
	// Period is the length of a period; Times are the ends of the periods,
	// from the start of the run.
	Period time.Duration
	Times  []time.Duration
	// VUs at the end of each period (carried over a period without a sample).
	VUs []float64
	// Requests and Iterations are per second over each period; Sent and
	// Received in bytes per second.
	Requests, Iterations, Sent, Received []float64
	// Latency holds http_req_duration's percentiles per period, in ms: p50,
	// p90, p95 and p99 (NaN for a period without requests).
	Latency map[string][]float64
	// Failed and Checks are the share of failed requests and of passed
	// checks per period (NaN without any).
	Failed, Checks []float64
	// Scenarios are the named scenarios' iterations per second and p95
	// request latency per period, by scenario name.
	ScenarioIterations map[string][]float64
	ScenarioLatencyP95 map[string][]float64
}

// LatencyPercentiles are the percentiles the charts draw.
var LatencyPercentiles = []string{"p50", "p90", "p95", "p99"}

// Series returns what the recorder holds, as series.
func (r *Recorder) Series() Series {
	r.mu.Lock()
	defer r.mu.Unlock()
	sec := r.period.Seconds()
	s := Series{
		Period: r.period, Latency: make(map[string][]float64),
		ScenarioIterations: make(map[string][]float64), ScenarioLatencyP95: make(map[string][]float64),
	}
	names := map[string]bool{}
	for _, b := range r.buckets {
		for n := range b.scenarioIters {
			names[n] = true
		}
		for n := range b.scenarioLatency {
			names[n] = true
		}
	}
	vus := 0.0
	for i, b := range r.buckets {
		s.Times = append(s.Times, time.Duration(i+1)*r.period)
		if b.vusSeen {
			vus = b.vus
		}
		s.VUs = append(s.VUs, vus)
		s.Requests = append(s.Requests, b.reqs/sec)
		s.Iterations = append(s.Iterations, b.iters/sec)
		s.Sent = append(s.Sent, b.sent/sec)
		s.Received = append(s.Received, b.received/sec)
		for _, p := range LatencyPercentiles {
			s.Latency[p] = append(s.Latency[p], percentile(b.latency, p))
		}
		s.Failed = append(s.Failed, rate(&b.failed))
		s.Checks = append(s.Checks, rate(&b.checks))
		for n := range names {
			if r.snapshots { // the iterations come from the engine, not by scenario
				s.ScenarioLatencyP95[n] = append(s.ScenarioLatencyP95[n], percentile(b.scenarioLatency[n], "p95"))
				continue
			}
			iters := 0.0
			if c := b.scenarioIters[n]; c != nil {
				iters = *c
			}
			s.ScenarioIterations[n] = append(s.ScenarioIterations[n], iters/sec)
			s.ScenarioLatencyP95[n] = append(s.ScenarioLatencyP95[n], percentile(b.scenarioLatency[n], "p95"))
		}
	}
	return s
}

// ScenarioNames returns the series' scenario names, sorted.
func (s Series) ScenarioNames() []string {
	names := make([]string, 0, len(s.ScenarioLatencyP95))
	for n := range s.ScenarioLatencyP95 {
		names = append(names, n)
	}
	for n := range s.ScenarioIterations {
		if _, ok := s.ScenarioLatencyP95[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func percentile(t *metrics.TrendSink, p string) float64 {
	if t == nil || t.IsEmpty() {
		return math.NaN()
	}
	q := map[string]float64{"p50": 0.5, "p90": 0.9, "p95": 0.95, "p99": 0.99}[p]
	return t.P(q)
}

func rate(r *metrics.RateSink) float64 {
	if r.Total == 0 {
		return math.NaN()
	}
	return r.Rate()
}
