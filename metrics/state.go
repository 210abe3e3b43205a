package metrics

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"time"
)

// The summary state file: its format name and the newest version this code
// reads and writes. A reader refuses other formats and newer versions.
const (
	StateFormat  = "minik6-summary-state"
	StateVersion = 1
)

// State is an engine's end-of-test results in a form that merges: every
// observed metric and sub-metric with its whole sink (trends with their
// histograms), the checks by group, the thresholds' sources and the run's
// duration, and, when the engine broke results out by group and scenario,
// that breakdown. States of the instances of one distributed test merge
// ([MergeStates]) into the results of the whole test: exactly for counters,
// rates, gauges, and trends' count, sum, min, max and average, and within the
// histogram's 0.4 % for percentiles (exactly too while the merged trend holds
// at most [TrendExactLimit] values).
//
// The fields before TestRunDurationMs describe the instance and the summary's
// settings; the engine leaves them to its caller.
type State struct {
	Format  string `json:"format"`
	Version int    `json:"version"`

	Producer          string            `json:"producer,omitempty"` // "minik6 v0.1.0"
	Tags              map[string]string `json:"tags,omitempty"`     // the run's tags, e.g. instance_id
	ExecutionSegment  string            `json:"executionSegment,omitempty"`
	SummaryTrendStats []string          `json:"summaryTrendStats,omitempty"`
	SummaryTimeUnit   string            `json:"summaryTimeUnit,omitempty"`
	SetupData         json.RawMessage   `json:"setupData,omitempty"`

	TestRunDurationMs float64          `json:"testRunDurationMs"`
	Thresholds        []StateThreshold `json:"thresholds,omitempty"`
	Metrics           []StateMetric    `json:"metrics"`
	RootGroup         StateGroup       `json:"rootGroup"`
	Breakdown         *StateBreakdown  `json:"breakdown,omitempty"`
}

// StateThreshold is one threshold of a (sub-)metric, as the options give it.
type StateThreshold struct {
	Metric         string `json:"metric"` // "http_req_duration" or "http_req_duration{status:200}"
	Threshold      string `json:"threshold"`
	AbortOnFail    bool   `json:"abortOnFail,omitempty"`
	DelayAbortEval string `json:"delayAbortEval,omitempty"`
}

// StateMetric is a metric with its sink and its observed sub-metrics. Sink is
// nil when the metric has no values (a threshold names it, or only a
// sub-metric was observed).
type StateMetric struct {
	Name       string         `json:"name"`
	Type       MetricType     `json:"type"`
	Contains   ValueType      `json:"contains"`
	Sink       *StateSink     `json:"sink,omitempty"`
	Submetrics []StateSubSink `json:"submetrics,omitempty"`
}

// StateSubSink is a named sink: a sub-metric ("name{k:v}") or, in a
// breakdown, a metric.
type StateSubSink struct {
	Name string    `json:"name"`
	Sink StateSink `json:"sink"`
}

// StateSink is a sink's whole content; which fields are used depends on the
// metric's type: a counter's sum and n; a gauge's value, min, max, n and the
// time of its last value (unix ns, for merging); a rate's trues and total; a
// trend's exact values (while it holds at most [TrendExactLimit]) and its two
// histograms, of the values >= 0 and of the magnitudes of the negative ones.
type StateSink struct {
	Sum    stateFloat      `json:"sum,omitempty"`
	N      uint64          `json:"n,omitempty"`
	Value  stateFloat      `json:"value,omitempty"`
	Min    stateFloat      `json:"min,omitempty"`
	Max    stateFloat      `json:"max,omitempty"`
	LastAt int64           `json:"lastAt,omitempty"`
	Trues  uint64          `json:"trues,omitempty"`
	Total  uint64          `json:"total,omitempty"`
	Exact  []stateFloat    `json:"exact,omitempty"`
	Pos    *StateHistogram `json:"pos,omitempty"`
	Neg    *StateHistogram `json:"neg,omitempty"`
}

// StateHistogram is a [Histogram]'s content; Buckets are (index, count) pairs
// of the non-empty buckets, by ascending index.
type StateHistogram struct {
	Resolution float64    `json:"resolution"`
	Count      uint64     `json:"count"`
	Sum        stateFloat `json:"sum"`
	Min        stateFloat `json:"min"`
	Max        stateFloat `json:"max"`
	ExtraLow   uint64     `json:"extraLow,omitempty"`
	ExtraHigh  uint64     `json:"extraHigh,omitempty"`
	Buckets    []uint64   `json:"buckets,omitempty"`
}

// StateGroup is a group with its checks and nested groups, first seen first.
type StateGroup struct {
	Name   string       `json:"name"`
	Checks []StateCheck `json:"checks,omitempty"`
	Groups []StateGroup `json:"groups,omitempty"`
}

// StateCheck counts one check's passes and fails.
type StateCheck struct {
	Name   string `json:"name"`
	Passes int64  `json:"passes"`
	Fails  int64  `json:"fails"`
}

// StateBreakdown is the per-group and per-scenario breakdown of a full
// summary: the groups of the samples outside any named scenario (Root), and
// each named scenario.
type StateBreakdown struct {
	Root      StateNode   `json:"root"`
	Scenarios []StateNode `json:"scenarios,omitempty"`
	Dropped   uint64      `json:"dropped,omitempty"`
}

// StateNode is a group's or a scenario's results in a breakdown.
type StateNode struct {
	Name    string         `json:"name"`
	Metrics []StateSubSink `json:"metrics,omitempty"`
	Checks  []StateCheck   `json:"checks,omitempty"`
	Groups  []StateNode    `json:"groups,omitempty"`
}

// stateFloat is a float64 that JSON carries even when it is not finite:
// "NaN", "Infinity" and "-Infinity" are strings.
type stateFloat float64

func (f stateFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"Infinity"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Infinity"`), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

func (f *stateFloat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*f = stateFloat(math.NaN())
	case `"Infinity"`:
		*f = stateFloat(math.Inf(1))
	case `"-Infinity"`:
		*f = stateFloat(math.Inf(-1))
	default:
		v, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return fmt.Errorf("%s is not a number", b)
		}
		*f = stateFloat(v)
	}
	return nil
}

// State returns the engine's results as a [State], with the duration set by
// [Engine.SetTestRunDuration].
func (e *Engine) State() *State {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := &State{
		Format:            StateFormat,
		Version:           StateVersion,
		TestRunDurationMs: float64(e.duration) / float64(time.Millisecond),
		Metrics:           []StateMetric{},
	}
	for _, st := range e.thresholds {
		for _, t := range st.thresholds {
			th := StateThreshold{Metric: st.name, Threshold: t.cfg.Source, AbortOnFail: t.cfg.AbortOnFail}
			if t.cfg.DelayAbortEval > 0 {
				th.DelayAbortEval = t.cfg.DelayAbortEval.String()
			}
			s.Thresholds = append(s.Thresholds, th)
		}
	}
	for _, st := range e.states {
		if st == nil {
			continue
		}
		m := StateMetric{Name: st.name, Type: st.metric.Type, Contains: st.metric.Contains}
		if st.observed && !st.sink.IsEmpty() {
			m.Sink = sinkState(st.sink, st.lastAt)
		}
		for _, sub := range st.subs {
			if !sub.sink.IsEmpty() {
				m.Submetrics = append(m.Submetrics, StateSubSink{Name: sub.name, Sink: *sinkState(sub.sink, sub.lastAt)})
			}
		}
		if st.observed || len(m.Submetrics) > 0 {
			s.Metrics = append(s.Metrics, m)
		}
	}
	sort.Slice(s.Metrics, func(i, j int) bool { return s.Metrics[i].Name < s.Metrics[j].Name })
	s.RootGroup = e.groups.root.state()
	if e.bd != nil {
		s.Breakdown = e.bd.state()
	}
	return s
}

// WriteState writes the engine's [State] as JSON, with the caller's
// description of the instance (every field before TestRunDurationMs).
func (e *Engine) WriteState(w io.Writer, about State) error {
	s := e.State()
	s.Producer, s.Tags, s.ExecutionSegment = about.Producer, about.Tags, about.ExecutionSegment
	s.SummaryTrendStats, s.SummaryTimeUnit, s.SetupData = about.SummaryTrendStats, about.SummaryTimeUnit, about.SetupData
	enc := json.NewEncoder(w)
	return enc.Encode(s)
}

// ReadState decodes a state written by [Engine.WriteState], refusing another
// format, a newer version and content that does not add up.
func ReadState(r io.Reader) (*State, error) {
	var s State
	if err := json.NewDecoder(r).Decode(&s); err != nil {
		return nil, fmt.Errorf("not a summary state: %w", err)
	}
	if s.Format != StateFormat {
		return nil, fmt.Errorf("not a summary state: the format is %q, want %q", s.Format, StateFormat)
	}
	if s.Version < 1 || s.Version > StateVersion {
		return nil, fmt.Errorf("summary state version %d: this minik6 reads versions 1 to %d", s.Version, StateVersion)
	}
	return &s, nil
}

func sinkState(sink Sink, lastAt int64) *StateSink {
	switch sink := sink.(type) {
	case *CounterSink:
		return &StateSink{Sum: stateFloat(sink.Sum), N: sink.N}
	case *GaugeSink:
		return &StateSink{Value: stateFloat(sink.Value), Min: stateFloat(sink.Min), Max: stateFloat(sink.Max), N: sink.N, LastAt: lastAt}
	case *RateSink:
		return &StateSink{Trues: sink.Trues, Total: sink.Total}
	case *TrendSink:
		s := &StateSink{N: sink.Count(), Pos: histogramState(&sink.pos), Neg: histogramState(&sink.neg)}
		for _, v := range sink.exact {
			s.Exact = append(s.Exact, stateFloat(v))
		}
		return s
	}
	panic(fmt.Sprintf("metrics: unknown sink %T", sink))
}

func histogramState(h *Histogram) *StateHistogram {
	if h.count == 0 {
		return nil
	}
	s := &StateHistogram{
		Resolution: h.res, Count: h.count, Sum: stateFloat(h.sum), Min: stateFloat(h.min), Max: stateFloat(h.max),
		ExtraLow: h.extraLow, ExtraHigh: h.extraHigh,
	}
	h.buckets.each(false, func(index uint32, count uint64) bool {
		s.Buckets = append(s.Buckets, uint64(index), count)
		return true
	})
	return s
}

func (n *groupNode) state() StateGroup {
	g := StateGroup{Name: n.name}
	for _, c := range n.checks {
		g.Checks = append(g.Checks, StateCheck{Name: c.Name, Passes: c.Passes, Fails: c.Fails})
	}
	for _, child := range n.groups {
		g.Groups = append(g.Groups, child.state())
	}
	return g
}

func (b *breakdown) state() *StateBreakdown {
	s := &StateBreakdown{Root: b.root.state(), Dropped: b.dropped}
	names := make([]string, 0, len(b.scenarios))
	for name := range b.scenarios {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		s.Scenarios = append(s.Scenarios, b.scenarios[name].state())
	}
	return s
}

func (n *bdNode) state() StateNode {
	s := StateNode{Name: n.name}
	for _, bs := range n.sinks {
		if bs.sink != nil {
			s.Metrics = append(s.Metrics, StateSubSink{Name: bs.metric.Name, Sink: *sinkState(bs.sink, 0)})
		}
	}
	for _, c := range n.checks {
		s.Checks = append(s.Checks, StateCheck{Name: c.Name, Passes: c.Passes, Fails: c.Fails})
	}
	for _, g := range n.groups {
		s.Groups = append(s.Groups, g.state())
	}
	return s
}

// MergeStates returns an engine holding the union of the states' results:
// their metrics, sub-metrics, checks and breakdowns merged, the thresholds of
// all of them (the same threshold once), and the longest run's duration as
// the duration rates are computed over (the instances run side by side). A
// gauge takes the value that was set last in time, but for vus and vus_max,
// whose value, min and max are the sums of the instances' (each instance runs
// its share of the VUs). Evaluate the thresholds
// with [Engine.FinalizeThresholds]. The error names the state (by position,
// from 1) that does not fit the others or does not add up.
func MergeStates(states ...*State) (*Engine, error) {
	reg := NewRegistry()
	thresholds := make(map[string][]ThresholdConfig)
	seen := make(map[StateThreshold]bool)
	var subs []string
	subSeen := make(map[string]bool)
	var duration time.Duration
	withBreakdown := len(states) > 0
	for i, s := range states {
		if err := registerState(reg, s); err != nil {
			return nil, fmt.Errorf("state %d: %w", i+1, err)
		}
		for _, th := range s.Thresholds {
			key := th
			key.AbortOnFail, key.DelayAbortEval = false, ""
			if seen[key] {
				continue
			}
			seen[key] = true
			cfg := ThresholdConfig{Source: th.Threshold, AbortOnFail: th.AbortOnFail}
			if th.DelayAbortEval != "" {
				d, err := time.ParseDuration(th.DelayAbortEval)
				if err != nil {
					return nil, fmt.Errorf("state %d: threshold %q of %s: delayAbortEval: %w", i+1, th.Threshold, th.Metric, err)
				}
				cfg.DelayAbortEval = d
			}
			thresholds[th.Metric] = append(thresholds[th.Metric], cfg)
		}
		for _, m := range s.Metrics {
			for _, sub := range m.Submetrics {
				if !subSeen[sub.Name] {
					subSeen[sub.Name] = true
					subs = append(subs, sub.Name)
				}
			}
		}
		if d := time.Duration(s.TestRunDurationMs * float64(time.Millisecond)); d > duration {
			duration = d
		}
		withBreakdown = withBreakdown && s.Breakdown != nil
	}
	opts := []EngineOption{WithSubMetrics(subs...)}
	if withBreakdown {
		opts = append(opts, WithBreakdown())
	}
	e, err := NewEngine(reg, thresholds, opts...)
	if err != nil {
		return nil, err
	}
	e.duration = duration
	for i, s := range states {
		if err := e.mergeState(s, withBreakdown); err != nil {
			return nil, fmt.Errorf("state %d: %w", i+1, err)
		}
	}
	return e, nil
}

// HasBreakdown reports whether the engine breaks results out by group and
// scenario ([WithBreakdown], or merged states that all had a breakdown).
func (e *Engine) HasBreakdown() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.bd != nil
}

// registerState registers the state's metrics in reg, checking that a metric
// known already has the same type and contents.
func registerState(reg *Registry, s *State) error {
	for _, m := range s.Metrics {
		if err := registerStateMetric(reg, m.Name, m.Type, m.Contains); err != nil {
			return err
		}
	}
	return nil
}

func registerStateMetric(reg *Registry, name string, t MetricType, contains ValueType) error {
	if old := reg.Get(name); old != nil {
		if old.Type != t || old.Contains != contains {
			return fmt.Errorf("metric %q is a %s of %s here and a %s of %s in an earlier state",
				name, t, contains, old.Type, old.Contains)
		}
		return nil
	}
	_, err := reg.NewMetric(name, t, contains)
	return err
}

// mergeState folds one state's results into e.
func (e *Engine) mergeState(s *State, withBreakdown bool) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, m := range s.Metrics {
		st := e.stateLocked(e.reg.Get(m.Name))
		if m.Sink != nil {
			if err := mergeSink(st, m.Sink); err != nil {
				return fmt.Errorf("metric %s: %w", m.Name, err)
			}
		}
		for _, sub := range m.Submetrics {
			sel, err := ParseSelector(sub.Name)
			if err != nil || sel.Metric != m.Name || sel.Tags == nil {
				return fmt.Errorf("metric %s: %q is not one of its sub-metrics", m.Name, sub.Name)
			}
			if err := mergeSink(e.subState(st, sel), &sub.Sink); err != nil {
				return fmt.Errorf("metric %s: %w", sub.Name, err)
			}
		}
	}
	if err := e.groups.mergeState(e.groups.root, &s.RootGroup); err != nil {
		return err
	}
	if withBreakdown {
		return e.bd.mergeState(e.reg, s.Breakdown)
	}
	return nil
}

// mergeSink merges a state's sink into a metric state's.
func mergeSink(st *metricState, s *StateSink) error {
	from, err := s.sink(st.metric.Type)
	if err != nil {
		return err
	}
	if g, ok := st.sink.(*GaugeSink); ok && g.N > 0 && (st.name == VUsName || st.name == VUsMaxName) {
		// The instances' VUs add up: the test's are their sum.
		o := from.(*GaugeSink)
		g.Value, g.Min, g.Max, g.N = g.Value+o.Value, g.Min+o.Min, g.Max+o.Max, g.N+o.N
	} else if ok && g.N > 0 && s.LastAt < st.lastAt {
		value := g.Value // an earlier last value: ours stays the last
		mergeSinks(g, from)
		g.Value = value
	} else {
		mergeSinks(st.sink, from)
		st.lastAt = s.LastAt
	}
	st.observed = true
	return nil
}

// errState is the error of a sink whose numbers do not add up.
var errState = errors.New("the sink's numbers do not add up")

// sink rebuilds the sink of a metric of type t.
func (s *StateSink) sink(t MetricType) (Sink, error) {
	switch t {
	case Counter:
		return &CounterSink{Sum: float64(s.Sum), N: s.N}, nil
	case Gauge:
		return &GaugeSink{Value: float64(s.Value), Min: float64(s.Min), Max: float64(s.Max), N: s.N}, nil
	case Rate:
		if s.Trues > s.Total {
			return nil, errState
		}
		return &RateSink{Trues: s.Trues, Total: s.Total}, nil
	case Trend:
		t := NewTrendSink()
		if err := s.Pos.into(&t.pos); err != nil {
			return nil, err
		}
		if err := s.Neg.into(&t.neg); err != nil {
			return nil, err
		}
		if t.Count() != s.N {
			return nil, errState
		}
		if t.Count() <= TrendExactLimit {
			if uint64(len(s.Exact)) != t.Count() {
				return nil, fmt.Errorf("%w: a trend of %d values needs them all", errState, t.Count())
			}
			t.exact = make([]float64, len(s.Exact))
			for i, v := range s.Exact {
				t.exact[i] = float64(v)
			}
		}
		return t, nil
	}
	return nil, fmt.Errorf("%w: metric type %d", ErrInvalidMetricType, int(t))
}

// maxBucketIndex is the bucket of the largest finite float64.
const maxBucketIndex = (1023-subBucketBits)<<subBucketBits + 2*subBuckets - 1

// into fills an empty histogram from the state (nil: no values).
func (s *StateHistogram) into(h *Histogram) error {
	if s == nil {
		return nil
	}
	if s.Resolution != h.res {
		return fmt.Errorf("%w: histogram resolution %g, want %g", errState, s.Resolution, h.res)
	}
	if len(s.Buckets)%2 != 0 {
		return fmt.Errorf("%w: the buckets are not (index, count) pairs", errState)
	}
	total := s.ExtraLow + s.ExtraHigh
	for i := 0; i < len(s.Buckets); i += 2 {
		idx, n := s.Buckets[i], s.Buckets[i+1]
		if idx > maxBucketIndex {
			return fmt.Errorf("%w: bucket %d is out of range", errState, idx)
		}
		h.buckets.inc(uint32(idx), n)
		total += n
	}
	if total != s.Count {
		return fmt.Errorf("%w: the histogram counts %d values, its buckets %d", errState, s.Count, total)
	}
	h.count, h.sum, h.min, h.max = s.Count, float64(s.Sum), float64(s.Min), float64(s.Max)
	h.extraLow, h.extraHigh = s.ExtraLow, s.ExtraHigh
	return nil
}

// mergeState adds a state group's checks and nested groups under node n.
func (g *groupTree) mergeState(n *groupNode, s *StateGroup) error {
	for _, c := range s.Checks {
		if c.Passes < 0 || c.Fails < 0 {
			return fmt.Errorf("check %q: %w", c.Name, errState)
		}
		g.addCheck(n.path, c.Name, c.Passes, c.Fails)
	}
	for i := range s.Groups {
		child := &s.Groups[i]
		if child.Name == "" {
			return fmt.Errorf("a group without a name under %q", n.path)
		}
		if err := g.mergeState(g.group(n.path+GroupSeparator+child.Name), child); err != nil {
			return err
		}
	}
	return nil
}

// mergeState folds a state's breakdown into b.
func (b *breakdown) mergeState(reg *Registry, s *StateBreakdown) error {
	b.dropped += s.Dropped
	if err := b.mergeNode(reg, b.root, b.root, &s.Root); err != nil {
		return err
	}
	for i := range s.Scenarios {
		sc := &s.Scenarios[i]
		scope := b.scenarios[sc.Name]
		if scope == nil {
			b.keys++
			scope = newBDNode(sc.Name, "")
			b.scenarios[sc.Name] = scope
		}
		if err := b.mergeNode(reg, scope, scope, sc); err != nil {
			return err
		}
	}
	return nil
}

// mergeNode folds a state node into n, a node of the scope's group tree.
func (b *breakdown) mergeNode(reg *Registry, scope, n *bdNode, s *StateNode) error {
	for _, m := range s.Metrics {
		metric := reg.Get(m.Name)
		if metric == nil {
			return fmt.Errorf("the breakdown has metric %q, which the state does not", m.Name)
		}
		from, err := m.Sink.sink(metric.Type)
		if err != nil {
			return fmt.Errorf("breakdown of %q, metric %s: %w", n.path, m.Name, err)
		}
		mergeSinks(n.sinkOf(metric), from)
	}
	for _, c := range s.Checks {
		n.addCheck(c.Name, c.Passes, c.Fails)
	}
	for i := range s.Groups {
		child := &s.Groups[i]
		if child.Name == "" {
			return fmt.Errorf("a group without a name under %q", n.path)
		}
		g := b.group(scope, n.path+GroupSeparator+child.Name)
		if g == nil {
			b.dropped++
			continue
		}
		if err := b.mergeNode(reg, scope, g, child); err != nil {
			return err
		}
	}
	return nil
}

// mergeSinks merges sink from into into, two sinks of one metric type.
func mergeSinks(into, from Sink) {
	switch sink := into.(type) {
	case *CounterSink:
		sink.Merge(from.(*CounterSink))
	case *GaugeSink:
		sink.Merge(from.(*GaugeSink))
	case *RateSink:
		sink.Merge(from.(*RateSink))
	case *TrendSink:
		sink.Merge(from.(*TrendSink))
	}
}
