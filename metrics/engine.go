package metrics

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Engine aggregates the samples of a test run: the sinks of every metric and
// sub-metric, the checks per group, and the thresholds. AddSamples, the
// threshold evaluations and the summary methods are safe for concurrent use.
//
// Ingestion is map-free for ordinary samples: a metric's state is found by the
// metric's index in its registry, and a metric's sub-metrics (precomputed from
// the threshold selectors) are matched by tag-set containment, so a sample of
// a metric without sub-metrics costs one sink update.
type Engine struct {
	reg *Registry

	mu         sync.Mutex
	states     []*metricState // by Metric.id
	thresholds []*metricState // (sub-)metrics with thresholds, sorted by name
	extraSubs  []Selector     // sub-metrics tracked without thresholds
	groups     *groupTree
	duration   time.Duration // test run duration, for per-second rates
	crossed    []string      // the last evaluation's failed (sub-)metrics
	samples    uint64
	bd         *breakdown // per-group and per-scenario results; nil unless WithBreakdown
}

// metricState is the engine's side of a metric or sub-metric.
type metricState struct {
	metric   *Metric
	name     string // metric name, or sub-metric name "m{k:v}"
	sink     Sink
	observed bool // got a sample or has thresholds: shown in summaries
	kind     stateKind

	// sub-metric only
	parent *metricState
	tags   *TagSet
	suffix string // "{k:v}" as written

	subs []*metricState // a metric's sub-metrics

	thresholds []*threshold
	abort      bool // an abortOnFail threshold fired (sticky, as in k6)

	lastAt int64 // a gauge's: the time of its last sample (unix ns), for merging states
}

type stateKind uint8

const (
	kindPlain stateKind = iota
	kindChecks
	kindGroupDuration
)

type threshold struct {
	cfg    ThresholdConfig
	expr   ThresholdExpression
	failed bool // the last evaluation failed
}

// EngineOption configures an [Engine].
type EngineOption func(*Engine) error

// WithSubMetrics makes the engine track sub-metrics that have no threshold,
// such as [ExpectedResponseSubMetric]. They appear in summaries once a sample
// matches them.
func WithSubMetrics(selectors ...string) EngineOption {
	return func(e *Engine) error {
		for _, s := range selectors {
			sel, err := ParseSelector(s)
			if err != nil {
				return err
			}
			if sel.Tags == nil {
				return fmt.Errorf("%q is not a sub-metric selector", s)
			}
			e.extraSubs = append(e.extraSubs, sel)
		}
		return nil
	}
}

// NewEngine returns an engine for the metrics of reg with the given thresholds
// (the thresholds option, keyed by selector). The thresholds are parsed and
// validated against reg, so call it after the init context has declared the
// custom metrics; a *ThresholdError (wrapping ErrInvalidThreshold) means an
// invalid configuration. Sub-metrics named by selectors of metrics that are
// not in reg yet are an error too; metrics registered later are tracked.
func NewEngine(reg *Registry, thresholds map[string][]ThresholdConfig, opts ...EngineOption) (*Engine, error) {
	e := &Engine{reg: reg, groups: newGroupTree()}
	for _, o := range opts {
		if err := o(e); err != nil {
			return nil, err
		}
	}
	parsed, err := parseThresholds(thresholds)
	if err != nil {
		return nil, err
	}
	metrics, err := resolveThresholds(reg, parsed)
	if err != nil {
		return nil, err
	}
	for i, pt := range parsed {
		st := e.stateLocked(metrics[i])
		if pt.selector.Tags != nil {
			st = e.subState(st, pt.selector)
			st.parent.observed = true
		}
		st.observed = true
		for _, t := range pt.list {
			st.thresholds = append(st.thresholds, &threshold{cfg: t.cfg, expr: t.expr})
		}
		if !containsState(e.thresholds, st) {
			e.thresholds = append(e.thresholds, st)
		}
	}
	sort.Slice(e.thresholds, func(i, j int) bool { return e.thresholds[i].name < e.thresholds[j].name })
	for _, sel := range e.extraSubs {
		if m := reg.Get(sel.Metric); m != nil {
			e.subState(e.stateLocked(m), sel)
		}
	}
	return e, nil
}

func containsState(list []*metricState, st *metricState) bool {
	for _, s := range list {
		if s == st {
			return true
		}
	}
	return false
}

// subState returns the sub-metric of st with sel's tags, creating it.
// Selectors with equal tags share one sub-metric, named by the first.
func (e *Engine) subState(st *metricState, sel Selector) *metricState {
	for _, sub := range st.subs {
		if sub.tags.Equal(sel.Tags) {
			return sub
		}
	}
	sub := &metricState{
		metric: st.metric,
		name:   sel.Name,
		sink:   NewSink(st.metric.Type),
		parent: st,
		tags:   sel.Tags,
		suffix: sel.Name[len(sel.Metric):],
	}
	st.subs = append(st.subs, sub)
	return sub
}

// stateLocked returns the state of m, creating it (and the extra sub-metrics
// that belong to it) on first use. The caller holds e.mu or owns e.
func (e *Engine) stateLocked(m *Metric) *metricState {
	if m.id < len(e.states) {
		if st := e.states[m.id]; st != nil {
			if st.metric != m {
				panic(fmt.Sprintf("metrics: metric %q does not belong to this engine's registry", m.Name))
			}
			return st
		}
	} else {
		n := e.reg.Len()
		if n <= m.id {
			n = m.id + 1
		}
		states := make([]*metricState, n)
		copy(states, e.states)
		e.states = states
	}
	if m.reg != e.reg {
		panic(fmt.Sprintf("metrics: metric %q does not belong to this engine's registry", m.Name))
	}
	st := &metricState{metric: m, name: m.Name, sink: NewSink(m.Type)}
	switch m.Name {
	case ChecksName:
		st.kind = kindChecks
	case GroupDurationName:
		st.kind = kindGroupDuration
	}
	e.states[m.id] = st
	for _, sel := range e.extraSubs {
		if sel.Metric == m.Name {
			e.subState(st, sel)
		}
	}
	return st
}

// AddSamples aggregates a batch of samples. It does not keep the slice, so
// the caller may reuse it. Samples with a nil Metric are skipped. With
// [WithBreakdown], a second pass over the batch feeds the per-group and
// per-scenario results; without it, that pass costs one nil check a batch.
func (e *Engine) AddSamples(batch []Sample) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.samples += uint64(len(batch))
	for i := range batch {
		s := &batch[i]
		m := s.Metric
		if m == nil {
			continue
		}
		var st *metricState
		if m.id < len(e.states) {
			st = e.states[m.id]
		}
		if st == nil || st.metric != m {
			st = e.stateLocked(m)
		}
		st.sink.Add(s.Value)
		st.observed = true
		for _, sub := range st.subs {
			if s.Tags.Contains(sub.tags) {
				sub.sink.Add(s.Value)
				sub.observed = true
				if m.Type == Gauge {
					sub.lastAt = s.Time.UnixNano()
				}
			}
		}
		if m.Type == Gauge {
			st.lastAt = s.Time.UnixNano()
		}
		switch st.kind {
		case kindChecks:
			group, _ := s.Tags.Get(TagGroup)
			if name, ok := s.Tags.Get(TagCheck); ok {
				e.groups.check(group, name, s.Value != 0)
			}
		case kindGroupDuration:
			if group, ok := s.Tags.Get(TagGroup); ok {
				e.groups.group(group)
			}
		}
	}
	if e.bd != nil {
		e.bd.addBatch(batch)
	}
}

// SetTestRunDuration sets the duration that per-second rates in summaries are
// computed over (the test's run time, setup and teardown included).
func (e *Engine) SetTestRunDuration(d time.Duration) {
	e.mu.Lock()
	e.duration = d
	e.mu.Unlock()
}

// Sink returns a copy of the named metric's sink now, nil when the metric
// has no samples yet. It costs one lock and one copy, for readers that look
// now and then (the dashboard).
func (e *Engine) Sink(name string) Sink {
	m := e.reg.Get(name)
	if m == nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if m.id >= len(e.states) || e.states[m.id] == nil || e.states[m.id].sink.IsEmpty() {
		return nil
	}
	return e.states[m.id].sink.Clone()
}

// TestRunDuration returns the duration set by [Engine.SetTestRunDuration].
func (e *Engine) TestRunDuration() time.Duration {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.duration
}

// SampleCount returns how many samples the engine has received.
func (e *Engine) SampleCount() uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.samples
}

// HasThresholds reports whether any threshold is defined, i.e. whether the
// runner needs to evaluate them periodically.
func (e *Engine) HasThresholds() bool { return len(e.thresholds) > 0 }

// EvaluateThresholds evaluates the thresholds during the run; elapsed is the
// time the test has run. Metrics without samples are skipped, as k6 does. It
// returns whether any threshold failed and, when a failing threshold has
// abortOnFail and its delayAbortEval has passed, what to abort with.
func (e *Engine) EvaluateThresholds(elapsed time.Duration) (anyFailed bool, abort *ThresholdAbort) {
	e.mu.Lock()
	defer e.mu.Unlock()
	crossed, abort := e.evaluateLocked(elapsed, true)
	return len(crossed) > 0, abort
}

// FinalizeThresholds evaluates the thresholds at the end of the test,
// metrics without samples included; elapsed is the test's run time. It
// returns a *ThresholdsCrossedError naming the failed metrics, or nil.
func (e *Engine) FinalizeThresholds(elapsed time.Duration) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	crossed, _ := e.evaluateLocked(elapsed, false)
	if len(crossed) == 0 {
		return nil
	}
	return &ThresholdsCrossedError{Crossed: crossed}
}

// CrossedThresholds returns the (sub-)metrics whose thresholds failed at the
// last evaluation, sorted.
func (e *Engine) CrossedThresholds() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.crossed...)
}

// ThresholdResults returns the outcome of every threshold at the last
// evaluation, keyed by (sub-)metric name: whether it held and the value of its
// aggregation then.
func (e *Engine) ThresholdResults() map[string][]ThresholdResult {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string][]ThresholdResult, len(e.thresholds))
	for _, st := range e.thresholds {
		for _, t := range st.thresholds {
			v, _ := aggregate(st.sink, t.expr, e.duration)
			out[st.name] = append(out[st.name], ThresholdResult{Source: t.cfg.Source, OK: !t.failed, Value: v})
		}
	}
	return out
}

func (e *Engine) evaluateLocked(elapsed time.Duration, skipEmpty bool) ([]string, *ThresholdAbort) {
	var crossed []string
	var abort *ThresholdAbort
	for _, st := range e.thresholds {
		if skipEmpty && st.sink.IsEmpty() {
			continue
		}
		failed := false
		for _, t := range st.thresholds {
			v, ok := aggregate(st.sink, t.expr, elapsed)
			if !ok {
				// k6 cannot take the rate of an empty rate sink: the threshold
				// shows as failed, but does not fail the test.
				t.failed = true
				continue
			}
			t.failed = !t.expr.Holds(v)
			if !t.failed {
				continue
			}
			failed = true
			if t.cfg.AbortOnFail && !st.abort && (t.cfg.DelayAbortEval <= 0 || t.cfg.DelayAbortEval < elapsed) {
				st.abort = true
				if abort == nil {
					abort = &ThresholdAbort{Metric: st.name, Source: t.cfg.Source, Duration: elapsed}
				}
			}
		}
		if failed {
			crossed = append(crossed, st.name)
		}
	}
	sort.Strings(crossed)
	if abort != nil {
		abort.Crossed = crossed
	}
	e.crossed = crossed
	return crossed, abort
}

// aggregate computes the threshold's left-hand side from a sink.
func aggregate(s Sink, x ThresholdExpression, elapsed time.Duration) (float64, bool) {
	switch s := s.(type) {
	case *CounterSink:
		if x.Method == MethodCount {
			return s.Sum, true
		}
		return s.Rate(elapsed), true
	case *GaugeSink:
		return s.Value, true
	case *RateSink:
		if s.Total == 0 {
			return 0, false
		}
		return s.Rate(), true
	case *TrendSink:
		switch x.Method {
		case MethodAvg:
			return s.Avg(), true
		case MethodMin:
			return s.Min(), true
		case MethodMax:
			return s.Max(), true
		case MethodMed:
			return s.Med(), true
		case MethodPercentile:
			return s.P(x.Percentile / 100), true
		}
	}
	return 0, false
}

// groupTree aggregates checks by group, from the checks and group_duration
// samples' tags, in the order they were first seen.
type groupTree struct {
	root   *groupNode
	byPath map[string]*groupNode
	checks map[checkKey]*CheckResult
	byName map[string]*CheckResult // all groups together, for the text summary
	names  []*CheckResult
}

type checkKey struct{ group, name string }

type groupNode struct {
	name, path string
	groups     []*groupNode
	checks     []*CheckResult
}

func newGroupTree() *groupTree {
	root := &groupNode{}
	return &groupTree{
		root:   root,
		byPath: map[string]*groupNode{"": root},
		checks: make(map[checkKey]*CheckResult),
		byName: make(map[string]*CheckResult),
	}
}

// group returns the node of a group path, creating it and its ancestors.
func (g *groupTree) group(path string) *groupNode {
	if n, ok := g.byPath[path]; ok {
		return n
	}
	i := strings.LastIndex(path, GroupSeparator)
	if i < 0 { // not a k6 path; treat as a top-level group name
		i = 0
		path = GroupSeparator + path
		if n, ok := g.byPath[path]; ok {
			return n
		}
	}
	parent := g.group(path[:i])
	n := &groupNode{name: path[i+len(GroupSeparator):], path: path}
	parent.groups = append(parent.groups, n)
	g.byPath[path] = n
	return n
}

func (g *groupTree) check(group, name string, pass bool) {
	if pass {
		g.addCheck(group, name, 1, 0)
	} else {
		g.addCheck(group, name, 0, 1)
	}
}

// addCheck counts passes and fails of a check in a group.
func (g *groupTree) addCheck(group, name string, passes, fails int64) {
	c, ok := g.checks[checkKey{group, name}]
	if !ok {
		n := g.group(group)
		c = &CheckResult{Name: name, Path: n.path + GroupSeparator + name}
		n.checks = append(n.checks, c)
		g.checks[checkKey{group, name}] = c
	}
	all, ok := g.byName[name]
	if !ok {
		all = &CheckResult{Name: name, Path: GroupSeparator + name}
		g.byName[name] = all
		g.names = append(g.names, all)
	}
	c.Passes += passes
	all.Passes += passes
	c.Fails += fails
	all.Fails += fails
}
