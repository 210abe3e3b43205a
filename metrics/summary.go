package metrics

import (
	"crypto/md5" //nolint:gosec // k6 ids groups and checks by the md5 of their path
	"encoding/hex"
	"encoding/json"
	"io"
	"math"
	"sort"
	"strings"
	"time"
)

// DefaultTrendStats is k6's default summaryTrendStats.
var DefaultTrendStats = []string{"avg", "min", "med", "max", "p(90)", "p(95)"}

// SummaryMode selects how much the text summary shows.
type SummaryMode int

// Summary modes; "disabled" is the caller's business (it just does not print).
const (
	SummaryCompact SummaryMode = iota // k6's default: the main metrics only
	SummaryFull                       // every metric
)

// SummaryOptions configures the summaries.
type SummaryOptions struct {
	// TrendStats are the trend statistics to report (summaryTrendStats);
	// nil means DefaultTrendStats.
	TrendStats []string
	// TimeUnit fixes the unit of time values in the text summary
	// (summaryTimeUnit): "s", "ms" or "us"; "" picks one per value.
	TimeUnit string
	// Mode is the text summary mode.
	Mode SummaryMode
	// Color enables ANSI colours in the text summary (a terminal, without
	// --no-color or NO_COLOR).
	Color bool
}

func (o SummaryOptions) trendStats() []string {
	if o.TrendStats == nil {
		return DefaultTrendStats
	}
	return o.TrendStats
}

// Summary is a snapshot of the aggregated results, from which the text
// summary, the --summary-export file and handleSummary's data are made.
type Summary struct {
	// Metrics are the observed metrics and sub-metrics (those with samples or
	// thresholds), sorted by name, each sub-metric right after its metric.
	Metrics []*SummaryMetric
	// RootGroup holds the checks by group.
	RootGroup *GroupResult
	// Checks are all checks, summed by name over all groups, in the order
	// they were first seen.
	Checks []*CheckResult
	// TestRunDuration is the duration rates are computed over.
	TestRunDuration time.Duration
	// TrendStats are the trend statistics in Values, in order.
	TrendStats []string
	// Groups break the results out by group, for the full text summary; only
	// with [WithBreakdown]. They are the top-level groups of the samples
	// outside any named scenario, first seen first, each with its nested
	// groups.
	Groups []*Breakdown
	// Scenarios break the results out by scenario, sorted by name; only with
	// [WithBreakdown]. The scenario named "default" is not broken out, as in
	// k6.
	Scenarios []*Breakdown
	// BreakdownDropped counts the samples left out of Groups and Scenarios
	// because [MaxBreakdownKeys] groups and scenarios were tracked already.
	BreakdownDropped uint64
}

// Breakdown holds the results of one group or scenario: the metrics and
// checks of the samples that carried its group or scenario tag. A group's
// results leave out those of its nested groups, which it lists in Groups; a
// scenario's results include all its samples, and its Groups are its group
// tree.
type Breakdown struct {
	Name string // the group's name (the last part of its path) or the scenario's
	Path string // the group's path ("::outer::inner"); "" for a scenario
	// Metrics are the metrics with samples, sorted by name; there are no
	// sub-metrics and no thresholds here.
	Metrics []*SummaryMetric
	// Checks count the check samples by check name, first seen first; only
	// Name, Passes and Fails are set.
	Checks []*CheckResult
	// Groups are the nested groups, first seen first.
	Groups []*Breakdown
}

// Metric returns the breakdown's metric of that name, or nil.
func (b *Breakdown) Metric(name string) *SummaryMetric {
	for _, m := range b.Metrics {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// SummaryMetric is one metric or sub-metric of a [Summary].
type SummaryMetric struct {
	Name     string // "http_req_duration" or "http_req_duration{status:200}"
	Parent   string // the metric's name for a sub-metric, "" otherwise
	Tags     *TagSet
	Type     MetricType
	Contains ValueType
	// Values as handleSummary's data has them: counter count and rate; gauge
	// value, min and max; rate rate, passes and fails; trend the TrendStats.
	Values     map[string]float64
	Thresholds []ThresholdResult
	sink       Sink
}

// Sink returns a copy of the metric's sink at the time of the snapshot, for
// statistics the summary does not list.
func (m *SummaryMetric) Sink() Sink { return m.sink }

// ThresholdResult is the outcome of one threshold.
type ThresholdResult struct {
	Source string
	OK     bool    // false when the threshold failed at the last evaluation
	Value  float64 // the aggregation's value now, e.g. p(95)
}

// GroupResult is a group of checks; the root group has empty name and path.
type GroupResult struct {
	Name   string
	Path   string // "::outer::inner"
	ID     string // md5 of Path, hex
	Groups []*GroupResult
	Checks []*CheckResult
}

// CheckResult counts the passes and fails of one check.
type CheckResult struct {
	Name   string
	Path   string // the group path + "::" + Name
	ID     string // md5 of Path, hex
	Passes int64
	Fails  int64
}

// Summary takes a snapshot of the results. It fails only on an invalid trend
// stat.
func (e *Engine) Summary(opts SummaryOptions) (*Summary, error) {
	stats := opts.trendStats()
	for _, s := range stats {
		if err := ValidateTrendStat(s); err != nil {
			return nil, err
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	s := &Summary{TestRunDuration: e.duration, TrendStats: append([]string(nil), stats...)}
	var tops []*metricState
	for _, st := range e.states {
		if st != nil {
			tops = append(tops, st)
		}
	}
	sort.Slice(tops, func(i, j int) bool { return tops[i].name < tops[j].name })
	for _, st := range tops {
		if st.observed {
			s.Metrics = append(s.Metrics, newSummaryMetric(st, e.duration, stats))
		}
		subs := append([]*metricState(nil), st.subs...)
		sort.Slice(subs, func(i, j int) bool { return subs[i].suffix < subs[j].suffix })
		for _, sub := range subs {
			if sub.observed {
				s.Metrics = append(s.Metrics, newSummaryMetric(sub, e.duration, stats))
			}
		}
	}
	s.RootGroup = e.groups.root.result()
	for _, c := range e.groups.names {
		cp := *c
		cp.ID = md5hex(cp.Path)
		s.Checks = append(s.Checks, &cp)
	}
	if e.bd != nil {
		s.Groups, s.Scenarios = e.bd.results(e.duration, stats)
		s.BreakdownDropped = e.bd.dropped
	}
	return s, nil
}

func newSummaryMetric(st *metricState, d time.Duration, stats []string) *SummaryMetric {
	m := &SummaryMetric{
		Name:     st.name,
		Tags:     st.tags,
		Type:     st.metric.Type,
		Contains: st.metric.Contains,
		sink:     st.sink.Clone(),
	}
	if st.parent != nil {
		m.Parent = st.parent.name
	}
	m.Values = summaryValues(m.sink, d, stats)
	for _, t := range st.thresholds {
		v, _ := aggregate(m.sink, t.expr, d)
		m.Thresholds = append(m.Thresholds, ThresholdResult{Source: t.cfg.Source, OK: !t.failed, Value: v})
	}
	return m
}

// summaryValues returns a sink's values as handleSummary's data has them.
func summaryValues(sink Sink, d time.Duration, stats []string) map[string]float64 {
	switch sink := sink.(type) {
	case *CounterSink:
		return map[string]float64{"count": sink.Sum, "rate": sink.Rate(d)}
	case *GaugeSink:
		return map[string]float64{"value": sink.Value, "min": sink.Min, "max": sink.Max}
	case *RateSink:
		return map[string]float64{"rate": sink.Rate(), "passes": float64(sink.Trues),
			"fails": float64(sink.Total - sink.Trues)}
	case *TrendSink:
		values := make(map[string]float64, len(stats))
		for _, stat := range stats {
			values[stat] = trendStatValue(sink, stat)
		}
		return values
	}
	return nil
}

func (n *groupNode) result() *GroupResult {
	g := &GroupResult{Name: n.name, Path: n.path, ID: md5hex(n.path)}
	for _, c := range n.checks {
		cp := *c
		cp.ID = md5hex(cp.Path)
		g.Checks = append(g.Checks, &cp)
	}
	for _, child := range n.groups {
		g.Groups = append(g.Groups, child.result())
	}
	return g
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s)) //nolint:gosec // an id, as in k6
	return hex.EncodeToString(sum[:])
}

// WriteSummaryExport writes the --summary-export JSON of the run.
func (e *Engine) WriteSummaryExport(w io.Writer, opts SummaryOptions) error {
	s, err := e.Summary(opts)
	if err != nil {
		return err
	}
	return s.WriteExport(w)
}

// WriteExport writes k6's --summary-export JSON: {"root_group": …, "metrics":
// {name: {stat: value, …, "thresholds": {source: failed}}}}, with checks and
// groups as objects keyed by name and a rate's ratio under "value".
func (s *Summary) WriteExport(w io.Writer) error {
	metrics := make(map[string]any, len(s.Metrics))
	for _, m := range s.Metrics {
		out := make(map[string]any, len(m.Values)+1)
		for k, v := range m.Values {
			if m.Type == Rate && k == "rate" {
				k = "value"
			}
			out[k] = jsonNumber(v)
		}
		if len(m.Thresholds) > 0 {
			th := make(map[string]bool, len(m.Thresholds))
			for _, t := range m.Thresholds {
				th[t.Source] = !t.OK
			}
			out["thresholds"] = th
		}
		metrics[m.Name] = out
	}
	doc := map[string]any{"root_group": exportGroup(s.RootGroup), "metrics": metrics}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "    ")
	return enc.Encode(doc)
}

func exportGroup(g *GroupResult) map[string]any {
	groups := make(map[string]any, len(g.Groups))
	for _, c := range g.Groups {
		groups[c.Name] = exportGroup(c)
	}
	checks := make(map[string]any, len(g.Checks))
	for _, c := range g.Checks {
		checks[c.Name] = map[string]any{"name": c.Name, "path": c.Path, "id": c.ID, "passes": c.Passes, "fails": c.Fails}
	}
	return map[string]any{"name": g.Name, "path": g.Path, "id": g.ID, "groups": groups, "checks": checks}
}

// jsonNumber makes a value JSON-safe: NaN and infinities become null.
func jsonNumber(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return v
}

// HandleSummaryData returns the "metrics" and "root_group" parts of the data
// handed to handleSummary(data), built from maps, slices, strings, float64 and
// bool only: each metric has type, contains, values and (when it has any)
// thresholds {source: {ok}}; groups and checks are arrays. The caller adds
// "options", "state" and "setup_data".
func (s *Summary) HandleSummaryData() map[string]any {
	metrics := make(map[string]any, len(s.Metrics))
	for _, m := range s.Metrics {
		values := make(map[string]any, len(m.Values))
		for k, v := range m.Values {
			values[k] = jsonNumber(v)
		}
		out := map[string]any{"type": m.Type.String(), "contains": m.Contains.String(), "values": values}
		if len(m.Thresholds) > 0 {
			th := make(map[string]any, len(m.Thresholds))
			for _, t := range m.Thresholds {
				th[t.Source] = map[string]any{"ok": t.OK}
			}
			out["thresholds"] = th
		}
		metrics[m.Name] = out
	}
	return map[string]any{"metrics": metrics, "root_group": dataGroup(s.RootGroup)}
}

func dataGroup(g *GroupResult) map[string]any {
	groups := make([]any, 0, len(g.Groups))
	for _, c := range g.Groups {
		groups = append(groups, dataGroup(c))
	}
	checks := make([]any, 0, len(g.Checks))
	for _, c := range g.Checks {
		checks = append(checks, map[string]any{"name": c.Name, "path": c.Path, "id": c.ID,
			"passes": float64(c.Passes), "fails": float64(c.Fails)})
	}
	return map[string]any{"name": g.Name, "path": g.Path, "id": g.ID, "groups": groups, "checks": checks}
}

// Metric returns the summary metric of that name, or nil.
func (s *Summary) Metric(name string) *SummaryMetric {
	for _, m := range s.Metrics {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// parentName returns the metric part of a (sub-)metric name.
func parentName(name string) string {
	if i := strings.IndexByte(name, '{'); i >= 0 {
		return name[:i]
	}
	return name
}
