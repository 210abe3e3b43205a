package metrics

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// WriteTextSummary writes the end-of-test summary as k6 prints it: the
// thresholds with ✓/✗, then the total results: checks, and the metrics by
// section (CUSTOM, HTTP, EXECUTION, NETWORK, …). In full mode, an engine made
// with [WithBreakdown] adds the results of each group and scenario.
func (e *Engine) WriteTextSummary(w io.Writer, opts SummaryOptions) error {
	s, err := e.Summary(opts)
	if err != nil {
		return err
	}
	return s.WriteText(w, opts)
}

// Marks and prefixes of the text summary.
const (
	titlePrefix    = "█"
	subtitlePrefix = "↳"
	passMark       = "✓"
	failMark       = "✗"
)

// ANSI codes of the text summary.
const (
	ansiGreen     = "32"
	ansiRed       = "31"
	ansiCyan      = "36"
	ansiWhite     = "37"
	ansiFaint     = "2"
	ansiBold      = "1"
	ansiFaintCyan = ansiFaint + ";" + ansiCyan
	ansiFaintDots = ansiFaint + ";" + ansiWhite
)

// Sections of the total results, in k6's order after CUSTOM.
var summarySections = []struct {
	title string
	match func(name string) bool
}{
	{"HTTP", func(n string) bool {
		switch n {
		case HTTPReqsName, HTTPReqFailedName, HTTPReqDurationName, HTTPReqBlockedName, HTTPReqConnectingName,
			HTTPReqTLSHandshakingName, HTTPReqSendingName, HTTPReqWaitingName, HTTPReqReceivingName:
			return true
		}
		return false
	}},
	{"EXECUTION", func(n string) bool {
		switch n {
		case VUsName, VUsMaxName, IterationsName, IterationDurationName, DroppedIterationsName:
			return true
		}
		return false
	}},
	{"NETWORK", func(n string) bool { return n == DataSentName || n == DataReceivedName }},
	{"BROWSER", func(n string) bool {
		return strings.HasPrefix(n, "browser_") && !strings.HasPrefix(n, "browser_web_vital_")
	}},
	{"WEBVITALS", func(n string) bool { return strings.HasPrefix(n, "browser_web_vital_") }},
	{"GRPC", func(n string) bool { return strings.HasPrefix(n, "grpc_") }},
	{"WEBSOCKET", func(n string) bool { return strings.HasPrefix(n, "ws_") }},
}

// skippedInSummary reports whether a metric is left out of the total results.
func skippedInSummary(mode SummaryMode, name string) bool {
	switch name {
	case ChecksName, GroupDurationName:
		return true
	case HTTPReqBlockedName, HTTPReqConnectingName, HTTPReqReceivingName, HTTPReqSendingName,
		HTTPReqTLSHandshakingName, HTTPReqWaitingName:
		return mode == SummaryCompact
	}
	return false
}

type textSummary struct {
	b        strings.Builder
	opts     SummaryOptions
	stats    []string
	duration time.Duration // what per-second rates are over
}

func (t *textSummary) paint(s, code string) string {
	if !t.opts.Color || s == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func (t *textSummary) line(indent int, s string) {
	t.b.WriteString(strings.Repeat(" ", indent))
	t.b.WriteString(strings.TrimRight(s, " "))
	t.b.WriteByte('\n')
}

func (t *textSummary) blank() { t.b.WriteByte('\n') }

func (t *textSummary) title(s string) {
	t.line(2, titlePrefix+" "+t.paint(s, ansiBold))
	t.blank()
}

// WriteText writes the text summary of s. In full mode it ends with the
// GROUP sections of s.Groups, then the SCENARIO sections of s.Scenarios.
func (s *Summary) WriteText(w io.Writer, opts SummaryOptions) error {
	t := &textSummary{opts: opts, stats: s.TrendStats, duration: s.TestRunDuration}
	if t.stats == nil {
		t.stats = opts.trendStats()
	}
	t.blank()
	t.thresholds(s)
	t.totals(s)
	t.breakdowns(s)
	_, err := io.WriteString(w, t.b.String())
	return err
}

func (t *textSummary) thresholds(s *Summary) {
	has := make(map[string]bool)
	for _, m := range s.Metrics {
		if len(m.Thresholds) > 0 {
			has[m.Name] = true
		}
	}
	if len(has) == 0 {
		return
	}
	t.title("THRESHOLDS")
	for _, m := range s.Metrics {
		if !has[m.Name] {
			continue
		}
		indent, label := 4, m.Name
		if m.Parent != "" && has[m.Parent] {
			indent, label = 6, m.Name[len(m.Parent):]
		}
		t.line(indent, label)
		for _, th := range m.Thresholds {
			mark := t.paint(passMark, ansiGreen)
			if !th.OK {
				mark = t.paint(failMark, ansiRed)
			}
			agg, value := t.thresholdValue(m, th)
			t.line(indent, mark+" "+t.paint("'"+th.Source+"'", ansiWhite)+" "+
				t.paint(agg, ansiWhite)+"="+t.paint(value, ansiCyan))
		}
		t.blank()
	}
	t.blank()
}

// thresholdValue renders a threshold's current value as k6 does: the
// aggregation is the source up to the first of = > < (so "count!=3" shows
// "count!"), and a counter shows its count for "count", its rate otherwise.
func (t *textSummary) thresholdValue(m *SummaryMetric, th ThresholdResult) (string, string) {
	agg := th.Source
	if i := strings.IndexAny(agg, "=><"); i >= 0 {
		agg = agg[:i]
	}
	agg = strings.TrimSpace(agg)
	switch m.Type {
	case Counter:
		if agg == MethodCount {
			return agg, t.humanize(m.Values["count"], m)
		}
		return agg, t.humanize(m.Values["rate"], m) + "/s"
	case Gauge:
		return agg, t.humanize(m.Values["value"], m)
	case Rate:
		return agg, t.humanize(m.Values["rate"], m)
	default:
		return agg, t.humanize(th.Value, m)
	}
}

// metricRow is one metric line of the total results, before alignment.
type metricRow struct {
	indent int
	name   string
	trend  bool
	cols   []string // trend: one per stat; others: main value then extras
}

func (t *textSummary) totals(s *Summary) {
	t.title("TOTAL RESULTS")
	t.results(4, s.Metric(ChecksName), s.Checks, s.Metrics)
	t.blank()
}

// breakdowns writes, in full mode, a GROUP section for each top-level group
// and then a SCENARIO section for each scenario, each laid out like the
// total results and followed by its nested groups.
func (t *textSummary) breakdowns(s *Summary) {
	if t.opts.Mode != SummaryFull {
		return
	}
	for _, g := range s.Groups {
		t.title("GROUP: " + g.Name)
		t.breakdown(g, 4)
		t.blank()
	}
	for _, sc := range s.Scenarios {
		t.title("SCENARIO: " + sc.Name)
		t.breakdown(sc, 4)
		t.blank()
	}
}

// breakdown writes a group's or scenario's results at an indentation, then
// each nested group under a "↳ GROUP: name" title at that indentation, its
// results two columns further in.
func (t *textSummary) breakdown(b *Breakdown, indent int) {
	t.results(indent, b.Metric(ChecksName), b.Checks, b.Metrics)
	for _, g := range b.Groups {
		t.line(indent, subtitlePrefix+" "+t.paint("GROUP: "+g.Name, ansiBold))
		t.blank()
		t.breakdown(g, indent+2)
	}
}

// results writes one block of results with its lines at an indentation: the
// checks block (totals, then each check) when there were checks, then the
// metrics by section, CUSTOM first; sub-metrics two columns further in.
func (t *textSummary) results(indent int, checks *SummaryMetric, list []*CheckResult, metrics []*SummaryMetric) {
	var checkRows []metricRow
	if checks != nil && checks.Values["passes"]+checks.Values["fails"] > 0 {
		passes, fails := checks.Values["passes"], checks.Values["fails"]
		total := passes + fails
		counter := &SummaryMetric{Type: Counter}
		rate := &SummaryMetric{Type: Rate}
		checkRows = []metricRow{
			{indent: indent, name: "checks_total", cols: []string{
				t.humanize(total, counter), t.humanize(t.perSecond(total), counter) + "/s"}},
			{indent: indent, name: "checks_succeeded", cols: []string{
				t.humanize(passes/total, rate), outOf(passes, total)}},
			{indent: indent, name: "checks_failed", cols: []string{
				t.humanize(fails/total, rate), outOf(fails, total)}},
		}
	}

	var custom []metricRow
	sections := make([][]metricRow, len(summarySections))
	for _, m := range metrics {
		base := parentName(m.Name)
		if skippedInSummary(t.opts.Mode, base) {
			continue
		}
		row := t.metricRow(m, indent)
		placed := false
		for i, sec := range summarySections {
			if sec.match(base) {
				sections[i] = append(sections[i], row)
				placed = true
				break
			}
		}
		if !placed {
			custom = append(custom, row)
		}
	}

	width := 0
	for _, group := range append(append([][]metricRow{checkRows}, custom), sections...) {
		for _, r := range group {
			width = max(width, r.indent+utf8.RuneCountInString(r.name))
		}
	}

	if len(checkRows) > 0 {
		t.rows(checkRows, width)
		t.blank()
		for _, c := range list {
			t.check(c, indent)
		}
		t.blank()
	}
	if len(custom) > 0 {
		t.line(indent, t.paint("CUSTOM", ansiBold))
		t.rows(custom, width)
		t.blank()
	}
	for i, sec := range summarySections {
		if len(sections[i]) == 0 {
			continue
		}
		t.line(indent, t.paint(sec.title, ansiBold))
		t.rows(sections[i], width)
		t.blank()
	}
}

// perSecond returns v per second of the test run.
func (t *textSummary) perSecond(v float64) float64 {
	if t.duration <= 0 {
		return 0
	}
	return v / t.duration.Seconds()
}

func outOf(n, total float64) string {
	return strconv.FormatFloat(n, 'f', -1, 64) + " out of " + strconv.FormatFloat(total, 'f', -1, 64)
}

// check writes a check's line, and for a check that failed its pass rate on
// the next line. k6 indents that line by twice the check's indentation less
// two: two columns further in at the top level (4 → 6), but four in a nested
// group (6 → 10), six a level deeper (8 → 14).
func (t *textSummary) check(c *CheckResult, indent int) {
	if c.Fails == 0 {
		t.line(indent, t.paint(passMark+" "+c.Name, ansiGreen))
		return
	}
	pct := int64(math.Floor(100 * float64(c.Passes) / float64(c.Passes+c.Fails)))
	t.line(indent, t.paint(failMark+" "+c.Name, ansiRed))
	t.line(2*indent-2, t.paint(fmt.Sprintf("%s  %d%% — %s %d / %s %d", subtitlePrefix, pct, passMark, c.Passes, failMark, c.Fails),
		ansiRed))
}

func (t *textSummary) metricRow(m *SummaryMetric, indent int) metricRow {
	r := metricRow{indent: indent, name: m.Name}
	if m.Parent != "" {
		r.indent = indent + 2
		r.name = "{ " + strings.TrimSuffix(strings.TrimPrefix(m.Name[len(m.Parent):], "{"), "}") + " }"
	}
	switch m.Type {
	case Counter:
		r.cols = []string{t.humanize(m.Values["count"], m), t.humanize(m.Values["rate"], m) + "/s"}
	case Gauge:
		r.cols = []string{t.humanize(m.Values["value"], m), "min=" + t.humanize(m.Values["min"], m),
			"max=" + t.humanize(m.Values["max"], m)}
	case Rate:
		r.cols = []string{t.humanize(m.Values["rate"], m), outOf(m.Values["passes"], m.Values["passes"]+m.Values["fails"])}
	case Trend:
		r.trend = true
		for _, stat := range t.stats {
			v := m.Values[stat]
			if stat == "count" {
				r.cols = append(r.cols, strconv.FormatFloat(v, 'f', -1, 64))
			} else {
				r.cols = append(r.cols, t.humanize(v, m))
			}
		}
	}
	return r
}

// rows writes one block of metric lines: names dotted up to a common colon
// column, values padded to the block's column widths.
func (t *textSummary) rows(rows []metricRow, width int) {
	var trendW, otherW []int
	for _, r := range rows {
		ws := &otherW
		if r.trend {
			ws = &trendW
		}
		for i, c := range r.cols {
			if i >= len(*ws) {
				*ws = append(*ws, 0)
			}
			(*ws)[i] = max((*ws)[i], utf8.RuneCountInString(c))
		}
	}
	for _, r := range rows {
		dots := width - r.indent - utf8.RuneCountInString(r.name) + 3
		var b strings.Builder
		b.WriteString(r.name)
		b.WriteString(t.paint(strings.Repeat(".", dots)+":", ansiFaintDots))
		for i, c := range r.cols {
			b.WriteByte(' ')
			switch {
			case r.trend:
				b.WriteString(t.stats[i] + "=" + t.paint(c, ansiCyan) + pad(c, trendW[i]))
			case i == 0:
				b.WriteString(t.paint(c, ansiCyan) + pad(c, otherW[i]))
			default:
				b.WriteString(t.paint(c, ansiFaintCyan) + pad(c, otherW[i]))
			}
		}
		t.line(r.indent, b.String())
	}
}

func pad(s string, w int) string {
	n := w - utf8.RuneCountInString(s)
	if n <= 0 {
		return ""
	}
	return strings.Repeat(" ", n)
}

// humanize formats a value of a metric as k6's summary does.
func (t *textSummary) humanize(v float64, m *SummaryMetric) string {
	if m.Type == Rate {
		return formatPercent(v)
	}
	switch m.Contains {
	case Data:
		return formatBytes(v)
	case Time:
		return formatDuration(v, t.opts.TimeUnit)
	default:
		return fixedNoTrailingZeros(v, 6)
	}
}

// formatPercent truncates a ratio to a percentage with two decimals: 2/3 is
// "66.66%".
func formatPercent(v float64) string {
	return strconv.FormatFloat(math.Trunc(v*100*100)/100, 'f', 2, 64) + "%"
}

// jsString formats a number as JavaScript's Number#toString does for the
// values a summary shows.
func jsString(v float64) string {
	if v == 0 {
		return "0"
	}
	if math.Abs(v) >= 1e21 || math.Abs(v) < 1e-6 {
		s := strconv.FormatFloat(v, 'e', -1, 64)
		mant, exp, _ := strings.Cut(s, "e")
		if exp[0] == '+' || exp[0] == '-' {
			sign := exp[:1]
			exp = strings.TrimLeft(exp[1:], "0")
			return mant + "e" + sign + exp
		}
		return s
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// fixedNoTrailingZeros rounds to prec decimals and drops trailing zeros.
func fixedNoTrailingZeros(v float64, prec int) string {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'f', prec, 64), 64)
	if err != nil {
		return jsString(v)
	}
	return jsString(r)
}

// fixedNoTrailingZerosTrunc truncates to prec decimals and drops trailing zeros.
func fixedNoTrailingZerosTrunc(v float64, prec int) string {
	mult := math.Pow(10, float64(prec))
	return fixedNoTrailingZeros(math.Trunc(mult*v)/mult, prec)
}

var byteUnits = []string{"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"}

// formatBytes formats an amount of bytes with decimal units: "1.2 kB", "15 MB".
func formatBytes(v float64) string {
	if v < 10 {
		return jsString(v) + " B"
	}
	e := int(math.Floor(math.Log(v) / math.Log(1000)))
	e = min(e, len(byteUnits)-1)
	val := math.Floor(v/math.Pow(1000, float64(e))*10+0.5) / 10
	if val < 10 {
		return strconv.FormatFloat(val, 'f', 1, 64) + " " + byteUnits[e]
	}
	return strconv.FormatFloat(math.Floor(val+0.5), 'f', 0, 64) + " " + byteUnits[e]
}

// formatDuration formats milliseconds: in a fixed unit ("s", "ms", "us") with
// two decimals, or else in the unit that fits: "0s", "850ns", "12.5µs",
// "3.41ms", "1.2s", "1m30s", "2h5m0s".
func formatDuration(ms float64, unit string) string {
	switch unit {
	case "s":
		return strconv.FormatFloat(ms*0.001, 'f', 2, 64) + "s"
	case "ms":
		return strconv.FormatFloat(ms, 'f', 2, 64) + "ms"
	case "us":
		return strconv.FormatFloat(ms*1000, 'f', 2, 64) + "µs"
	}
	switch {
	case ms == 0:
		return "0s"
	case ms < 0.001:
		return strconv.FormatFloat(math.Trunc(ms*1e6), 'f', -1, 64) + "ns"
	case ms < 1:
		return fixedNoTrailingZerosTrunc(ms*1000, 2) + "µs"
	case ms < 1000:
		return fixedNoTrailingZerosTrunc(ms, 2) + "ms"
	}
	prec := 2
	if ms > 60000 {
		prec = 0
	}
	out := fixedNoTrailingZerosTrunc(math.Mod(ms, 60000)/1000, prec) + "s"
	rem := math.Trunc(ms / 60000)
	if rem < 1 {
		return out
	}
	out = strconv.FormatFloat(math.Mod(rem, 60), 'f', -1, 64) + "m" + out
	rem = math.Trunc(rem / 60)
	if rem < 1 {
		return out
	}
	return strconv.FormatFloat(rem, 'f', -1, 64) + "h" + out
}
