package metrics

import (
	"sort"
	"strings"
	"time"
	"unicode"
)

// MaxBreakdownKeys caps how many groups and scenarios an engine made with
// [WithBreakdown] breaks results out for: every named scenario counts one, and
// so does every group, once per scenario it runs in. Samples that would need
// a group or scenario beyond the cap still count in the total results; they
// are only left out of the breakdown, and [Engine.BreakdownDropped] counts
// them.
const MaxBreakdownKeys = 1000

// defaultScenario is the name k6 gives the scenario of the plain vus,
// duration, iterations or stages options; k6 does not break it out.
const defaultScenario = "default"

// WithBreakdown makes the engine aggregate the samples of every group and of
// every scenario apart, as k6's full summary mode shows them (the GROUP and
// SCENARIO sections of [Summary.WriteText]). Without it, [Engine.AddSamples]
// does no such work. The results are keyed by the samples' group and scenario
// tags, at most [MaxBreakdownKeys] of them.
func WithBreakdown() EngineOption {
	return func(e *Engine) error {
		e.bd = newBreakdown(MaxBreakdownKeys)
		return nil
	}
}

// breakdown aggregates samples by group and by scenario, the way k6's full
// summary does:
//   - a sample of a named scenario (any but "default") counts in that
//     scenario, and in that scenario's group tree when it has a group tag;
//   - a sample of the default scenario, or of none, counts in the top-level
//     group tree when it has a group tag;
//   - a sample counts in its own group only, not in the enclosing ones;
//   - the setup and teardown groups are not broken out.
type breakdown struct {
	limit     int
	keys      int                // group and scenario nodes created so far
	root      *bdNode            // groups of samples outside any named scenario
	scenarios map[string]*bdNode // named scenarios by name
	dropped   uint64             // samples left out because of the limit
	cache     [16]bdTarget       // where recent tag sets go, by hash
}

// bdTarget is where the samples of one tag set go.
type bdTarget struct {
	tags     *TagSet
	scenario *bdNode // nil: no named scenario
	group    *bdNode // nil: no group
	dropped  bool    // some node was over the limit
}

// bdNode aggregates the samples of one group or scenario. A scope node (the
// root or a scenario) also indexes every group under it by path.
type bdNode struct {
	name, path string
	sinks      []bdSink // by Metric.id
	checks     []*CheckResult
	checkIdx   map[string]*CheckResult
	groups     []*bdNode // nested groups, first seen first
	byPath     map[string]*bdNode
}

type bdSink struct {
	metric *Metric
	sink   Sink
}

func newBreakdown(limit int) *breakdown {
	return &breakdown{
		limit:     limit,
		root:      newBDNode("", ""),
		scenarios: make(map[string]*bdNode),
	}
}

func newBDNode(name, path string) *bdNode {
	return &bdNode{name: name, path: path}
}

// addBatch aggregates the samples of a batch whose metrics the engine knows.
func (b *breakdown) addBatch(batch []Sample) {
	for i := range batch {
		s := &batch[i]
		if s.Metric == nil {
			continue
		}
		t := b.target(s.Tags)
		if t.dropped {
			b.dropped++
		}
		if t.scenario != nil {
			t.scenario.add(s)
		}
		if t.group != nil {
			t.group.add(s)
		}
	}
}

// target returns where the samples with these tags go. Runners share one tag
// set among many samples, so the answer is cached by the set's identity; it
// never changes once given, because nodes are never removed and the limit
// only turns away nodes that do not exist yet.
func (b *breakdown) target(tags *TagSet) bdTarget {
	if tags == nil {
		tags = emptyTagSet
	}
	slot := &b.cache[tags.hash&uint64(len(b.cache)-1)]
	if slot.tags == tags {
		return *slot
	}
	t := bdTarget{tags: tags}
	scope := b.root
	if name, ok := tags.Get(TagScenario); ok && name != defaultScenario {
		scope = b.scenarios[name]
		if scope == nil {
			if b.keys >= b.limit {
				t.dropped = true
				*slot = t
				return t
			}
			b.keys++
			scope = newBDNode(name, "")
			b.scenarios[name] = scope
		}
		t.scenario = scope
	}
	if path, ok := tags.Get(TagGroup); ok && path != "" {
		switch strings.TrimPrefix(path, GroupSeparator) {
		case "setup", "teardown":
		default:
			t.group = b.group(scope, path)
			t.dropped = t.group == nil
		}
	}
	*slot = t
	return t
}

// group returns the node of a group path in a scope, creating it and its
// ancestors, or nil when that would pass the limit.
func (b *breakdown) group(scope *bdNode, path string) *bdNode {
	if n := scope.byPath[path]; n != nil {
		return n
	}
	if scope.byPath == nil {
		scope.byPath = make(map[string]*bdNode)
	}
	parent := scope
	rest := strings.TrimPrefix(path, GroupSeparator)
	prefix := ""
	for {
		name, more, found := strings.Cut(rest, GroupSeparator)
		prefix += GroupSeparator + name
		n := scope.byPath[prefix]
		if n == nil {
			if b.keys >= b.limit {
				return nil
			}
			b.keys++
			n = newBDNode(name, prefix)
			parent.groups = append(parent.groups, n)
			scope.byPath[prefix] = n
		}
		if !found {
			scope.byPath[path] = n // also under the path as tagged, if written otherwise
			return n
		}
		parent, rest = n, more
	}
}

// add aggregates one sample into the node.
func (n *bdNode) add(s *Sample) {
	m := s.Metric
	n.sinkOf(m).Add(s.Value)
	if m.Name != ChecksName {
		return
	}
	name, ok := s.Tags.Get(TagCheck)
	if !ok {
		return
	}
	if s.Value != 0 {
		n.addCheck(name, 1, 0)
	} else {
		n.addCheck(name, 0, 1)
	}
}

// sinkOf returns the node's sink of metric m, creating it.
func (n *bdNode) sinkOf(m *Metric) Sink {
	if m.id >= len(n.sinks) {
		sinks := make([]bdSink, m.id+1, max(m.id+1, m.reg.Len()))
		copy(sinks, n.sinks)
		n.sinks = sinks
	}
	bs := &n.sinks[m.id]
	if bs.sink == nil {
		*bs = bdSink{metric: m, sink: NewSink(m.Type)}
	}
	return bs.sink
}

// addCheck counts passes and fails of a check in the node.
func (n *bdNode) addCheck(name string, passes, fails int64) {
	c := n.checkIdx[name]
	if c == nil {
		if n.checkIdx == nil {
			n.checkIdx = make(map[string]*CheckResult)
		}
		c = &CheckResult{Name: name}
		n.checkIdx[name] = c
		n.checks = append(n.checks, c)
	}
	c.Passes += passes
	c.Fails += fails
}

// result snapshots the node and the groups under it.
func (n *bdNode) result(d time.Duration, stats []string) *Breakdown {
	r := &Breakdown{Name: n.name, Path: n.path}
	for _, bs := range n.sinks {
		if bs.sink == nil {
			continue
		}
		sink := bs.sink.Clone()
		r.Metrics = append(r.Metrics, &SummaryMetric{
			Name:     bs.metric.Name,
			Type:     bs.metric.Type,
			Contains: bs.metric.Contains,
			Values:   summaryValues(sink, d, stats),
			sink:     sink,
		})
	}
	sort.Slice(r.Metrics, func(i, j int) bool { return r.Metrics[i].Name < r.Metrics[j].Name })
	for _, c := range n.checks {
		cp := *c
		r.Checks = append(r.Checks, &cp)
	}
	for _, g := range n.groups {
		r.Groups = append(r.Groups, g.result(d, stats))
	}
	return r
}

// results returns the top-level groups and the named scenarios, sorted by
// name as k6 sorts them.
func (b *breakdown) results(d time.Duration, stats []string) (groups, scenarios []*Breakdown) {
	for _, g := range b.root.groups {
		groups = append(groups, g.result(d, stats))
	}
	for _, sc := range b.scenarios {
		scenarios = append(scenarios, sc.result(d, stats))
	}
	sort.Slice(scenarios, func(i, j int) bool { return localeLess(scenarios[i].Name, scenarios[j].Name) })
	return groups, scenarios
}

// BreakdownDropped returns how many samples were left out of the per-group
// and per-scenario results because [MaxBreakdownKeys] groups and scenarios
// were tracked already (always 0 without [WithBreakdown]).
func (e *Engine) BreakdownDropped() uint64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.bd == nil {
		return 0
	}
	return e.bd.dropped
}

// localeLess orders names as JavaScript's localeCompare (the Unicode root
// collation) does for k6 scenario names, which are made of ASCII letters,
// digits, "_" and "-": "_" before "-" before digits before letters, letters
// regardless of case, lower case first on a tie. Other characters sort by
// code point, after "_" and "-" and before digits; letters outside ASCII by
// their lower case code point.
func localeLess(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	for i := 0; i < len(ra) && i < len(rb); i++ {
		ka, kb := collationKey(ra[i]), collationKey(rb[i])
		if ka != kb {
			return ka < kb
		}
	}
	if len(ra) != len(rb) {
		return len(ra) < len(rb)
	}
	for i := range ra {
		if ra[i] != rb[i] {
			// same letters: lower case sorts first
			return unicode.IsLower(ra[i]) && !unicode.IsLower(rb[i]) ||
				unicode.IsLower(ra[i]) == unicode.IsLower(rb[i]) && ra[i] < rb[i]
		}
	}
	return false
}

// collationKey ranks a rune: "_", "-", other punctuation and symbols, then
// digits, then letters without case.
func collationKey(r rune) rune {
	const classShift = 1 << 22 // above every rune
	switch {
	case r == '_':
		return 0
	case r == '-':
		return 1
	case unicode.IsLetter(r):
		return 2*classShift + unicode.ToLower(r)
	case unicode.IsDigit(r):
		return classShift + r
	default:
		return 2 + r
	}
}
