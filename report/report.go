package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/minik6/minik6/metrics"
)

// Run is what a report shows of one run.
type Run struct {
	// Title names the run, such as the script's file name.
	Title string
	// Started is when the run started (zero when unknown).
	Started time.Time
	// Summary holds the end-of-test numbers (or the numbers so far, live);
	// Thresholds the thresholds' outcome by (sub-)metric.
	Summary    *metrics.Summary
	Thresholds map[string][]metrics.ThresholdResult
	// Series are the values over time; empty when only the end-of-test
	// numbers are known (a summary state).
	Series Series
}

// SummaryOptions are the statistics a report asks a summary for.
var SummaryOptions = metrics.SummaryOptions{TrendStats: []string{"avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"}}

//go:embed report.css
var css string

var page = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>{{.CSS}}</style>
</head><body>
{{.Body}}
{{.Script}}
</body></html>
`))

// Write writes the self-contained HTML report of run: inline CSS and SVG,
// nothing fetched. With base, the two runs are side by side, base first, and
// the differences of the key numbers are highlighted.
func Write(w io.Writer, run Run, base *Run) error {
	title := "minik6 report: " + run.Title
	if base != nil {
		title = "minik6 report: " + base.Title + " vs " + run.Title
	}
	return page.Execute(w, map[string]any{
		"Title": title, "CSS": template.CSS(css), "Body": Body(run, base), // our own CSS
	})
}

// Body renders the report's content, which the dashboard also sends live.
func Body(run Run, base *Run) template.HTML {
	var b strings.Builder
	if base == nil {
		fmt.Fprintf(&b, `<header><h1>%s</h1><p>%s</p></header>`, esc(run.Title), esc(runLine(run)))
	} else {
		fmt.Fprintf(&b, `<header><h1>%s <span class="vs">vs</span> %s</h1><p>base: %s<br>new: %s</p></header>`,
			esc(base.Title), esc(run.Title), esc(runLine(*base)), esc(runLine(run)))
	}
	b.WriteString(string(keyNumbers(run, base)))
	if base != nil {
		b.WriteString(`<div class="columns"><section><h2>Base</h2>`)
		b.WriteString(string(details(*base)))
		b.WriteString(`</section><section><h2>New</h2>`)
		b.WriteString(string(details(run)))
		b.WriteString(`</section></div>`)
	} else {
		b.WriteString(string(details(run)))
	}
	return template.HTML(b.String()) // built from escaped parts
}

func runLine(run Run) string {
	var parts []string
	if !run.Started.IsZero() {
		parts = append(parts, "started "+run.Started.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	if run.Summary != nil {
		parts = append(parts, "ran "+run.Summary.TestRunDuration.Round(100*time.Millisecond).String())
	}
	return strings.Join(parts, ", ")
}

// number is one of the key numbers, with whether a higher value is better.
type number struct {
	label, metric, stat string
	format              func(float64) string
	higherIsBetter      bool
}

var keyList = []number{
	{"Iterations", metrics.IterationsName, "count", count, true},
	{"Iterations/s", metrics.IterationsName, "rate", perSecond, true},
	{"Requests", metrics.HTTPReqsName, "count", count, true},
	{"Requests/s", metrics.HTTPReqsName, "rate", perSecond, true},
	{"Request p(95)", metrics.HTTPReqDurationName, "p(95)", millis, false},
	{"Request avg", metrics.HTTPReqDurationName, "avg", millis, false},
	{"Failed requests", metrics.HTTPReqFailedName, "rate", percent, false},
	{"Checks passed", metrics.ChecksName, "rate", percent, true},
	{"Data received", metrics.DataReceivedName, "count", bytesize, true},
	{"Data sent", metrics.DataSentName, "count", bytesize, true},
	{"VUs max", metrics.VUsMaxName, "max", count, true},
}

func value(run *Run, metric, stat string) (float64, bool) {
	if run == nil || run.Summary == nil {
		return 0, false
	}
	m := run.Summary.Metric(metric)
	if m == nil {
		return 0, false
	}
	v, ok := m.Values[stat]
	return v, ok
}

// keyNumbers shows the run's main numbers as cards; with base, the base's
// value and the difference, marked better or worse.
func keyNumbers(run Run, base *Run) template.HTML {
	var b strings.Builder
	b.WriteString(`<section class="numbers">`)
	for _, n := range keyList {
		v, ok := value(&run, n.metric, n.stat)
		bv, bok := value(base, n.metric, n.stat)
		if !ok && !bok {
			continue
		}
		cls := ""
		diff := ""
		if base != nil && ok && bok {
			d := v - bv
			if bv != 0 {
				diff = fmt.Sprintf("%+.1f %%", 100*d/math.Abs(bv))
			} else if d != 0 {
				diff = "new"
			}
			switch {
			case d == 0:
			case (d > 0) == n.higherIsBetter:
				cls = " better"
			default:
				cls = " worse"
			}
		}
		fmt.Fprintf(&b, `<div class="card%s" data-metric="%s" data-stat="%s"><div class="label">%s</div>`,
			cls, esc(n.metric), esc(n.stat), esc(n.label))
		if base != nil {
			fmt.Fprintf(&b, `<div class="base">%s</div>`, esc(orDash(bv, bok, n.format)))
		}
		fmt.Fprintf(&b, `<div class="value">%s</div>`, esc(orDash(v, ok, n.format)))
		if diff != "" {
			fmt.Fprintf(&b, `<div class="diff">%s</div>`, esc(diff))
		}
		b.WriteString(`</div>`)
	}
	b.WriteString(`</section>`)
	return template.HTML(b.String()) // built from escaped parts
}

func orDash(v float64, ok bool, format func(float64) string) string {
	if !ok {
		return "–"
	}
	return format(v)
}

// details are the thresholds, the checks, the charts and every metric.
func details(run Run) template.HTML {
	var b strings.Builder
	b.WriteString(string(thresholds(run)))
	b.WriteString(string(checks(run)))
	b.WriteString(string(charts(run.Series)))
	b.WriteString(string(metricTable(run)))
	return template.HTML(b.String()) // built from escaped parts
}

func thresholds(run Run) template.HTML {
	if len(run.Thresholds) == 0 {
		return ""
	}
	names := make([]string, 0, len(run.Thresholds))
	for n := range run.Thresholds {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(`<section class="thresholds"><h2>Thresholds</h2><table><tr><th></th><th>Metric</th><th>Threshold</th><th>Value</th></tr>`)
	for _, n := range names {
		for _, t := range run.Thresholds[n] {
			mark, cls := "✓", "ok"
			if !t.OK {
				mark, cls = "✗", "failed"
			}
			fmt.Fprintf(&b, `<tr class="%s"><td class="mark">%s</td><td>%s</td><td><code>%s</code></td><td>%s</td></tr>`,
				cls, mark, esc(n), esc(t.Source), esc(plain(t.Value)))
		}
	}
	b.WriteString(`</table></section>`)
	return template.HTML(b.String()) // built from escaped parts
}

func checks(run Run) template.HTML {
	if run.Summary == nil || len(run.Summary.Checks) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(`<section class="checks"><h2>Checks</h2><table><tr><th></th><th>Check</th><th>Passes</th><th>Fails</th><th>Rate</th></tr>`)
	for _, c := range run.Summary.Checks {
		mark, cls := "✓", "ok"
		if c.Fails > 0 {
			mark, cls = "✗", "failed"
		}
		fmt.Fprintf(&b, `<tr class="%s"><td class="mark">%s</td><td>%s</td><td>%d</td><td>%d</td><td>%s</td></tr>`,
			cls, mark, esc(c.Name), c.Passes, c.Fails, percent(float64(c.Passes)/math.Max(1, float64(c.Passes+c.Fails))))
	}
	b.WriteString(`</table></section>`)
	return template.HTML(b.String()) // built from escaped parts
}

// charts draws the series: VUs, rates, latency, failures and checks, data,
// and the scenarios.
func charts(s Series) template.HTML {
	if len(s.Times) == 0 {
		return ""
	}
	colors := func(lines []line) []line {
		for i := range lines {
			lines[i].Color = palette[i%len(palette)]
		}
		return lines
	}
	latency := make([]line, 0, len(LatencyPercentiles))
	for _, p := range LatencyPercentiles {
		latency = append(latency, line{Name: p, Values: s.Latency[p]})
	}
	pct := func(v []float64) []float64 {
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = x * 100
		}
		return out
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<section class="charts"><h2>Over time</h2><p class="note">one point per %s</p>`, esc(s.Period.String()))
	b.WriteString(string(chart("Virtual users", s.Times, colors([]line{{Name: "VUs", Values: s.VUs}}), count)))
	b.WriteString(string(chart("Request and iteration rate", s.Times,
		colors([]line{{Name: "requests/s", Values: s.Requests}, {Name: "iterations/s", Values: s.Iterations}}), perSecond)))
	b.WriteString(string(chart("Request duration", s.Times, colors(latency), millis)))
	b.WriteString(string(chart("Failed requests and passed checks", s.Times,
		colors([]line{{Name: "failed requests %", Values: pct(s.Failed)}, {Name: "checks passed %", Values: pct(s.Checks)}}),
		func(v float64) string { return fmt.Sprintf("%.0f %%", v) })))
	b.WriteString(string(chart("Data transferred", s.Times,
		colors([]line{{Name: "received/s", Values: s.Received}, {Name: "sent/s", Values: s.Sent}}), bytesize)))
	if names := s.ScenarioNames(); len(names) > 1 {
		var iters, lat []line
		for _, n := range names {
			if v, ok := s.ScenarioIterations[n]; ok {
				iters = append(iters, line{Name: n, Values: v})
			}
			if v, ok := s.ScenarioLatencyP95[n]; ok {
				lat = append(lat, line{Name: n, Values: v})
			}
		}
		if len(iters) > 0 {
			b.WriteString(string(chart("Iterations/s by scenario", s.Times, colors(iters), perSecond)))
		}
		if len(lat) > 0 {
			b.WriteString(string(chart("Request p(95) by scenario", s.Times, colors(lat), millis)))
		}
	}
	b.WriteString(`</section>`)
	return template.HTML(b.String()) // built from escaped parts
}

// metricTable lists every metric of the summary with its values.
func metricTable(run Run) template.HTML {
	if run.Summary == nil {
		return ""
	}
	var b strings.Builder
	b.WriteString(`<section class="metrics"><h2>All metrics</h2><table><tr><th>Metric</th><th>Values</th></tr>`)
	for _, m := range run.Summary.Metrics {
		fmt.Fprintf(&b, `<tr><td>%s</td><td>%s</td></tr>`, esc(m.Name), esc(describe(m, run.Summary.TrendStats)))
	}
	b.WriteString(`</table></section>`)
	return template.HTML(b.String()) // built from escaped parts
}

// describe writes a metric's values in the units of its contents.
func describe(m *metrics.SummaryMetric, stats []string) string {
	format := plain
	switch m.Contains {
	case metrics.Time:
		format = millis
	case metrics.Data:
		format = bytesize
	}
	switch m.Type {
	case metrics.Counter:
		return fmt.Sprintf("%s  (%s)", format(m.Values["count"]), perSecond(m.Values["rate"]))
	case metrics.Gauge:
		return fmt.Sprintf("%s  min=%s max=%s", format(m.Values["value"]), format(m.Values["min"]), format(m.Values["max"]))
	case metrics.Rate:
		return fmt.Sprintf("%s  (%.0f of %.0f)", percent(m.Values["rate"]), m.Values["passes"], m.Values["passes"]+m.Values["fails"])
	}
	parts := make([]string, 0, len(stats))
	for _, s := range stats {
		if v, ok := m.Values[s]; ok {
			parts = append(parts, s+"="+format(v))
		}
	}
	return strings.Join(parts, " ")
}

func esc(s string) string { return template.HTMLEscapeString(s) }

func count(v float64) string     { return trimFloat(v, 0) }
func perSecond(v float64) string { return trimFloat(v, 2) + "/s" }
func percent(v float64) string   { return fmt.Sprintf("%.2f %%", v*100) }
func plain(v float64) string     { return trimFloat(v, 2) }

// millis writes milliseconds as ms, or s from a second up.
func millis(v float64) string {
	if math.Abs(v) >= 1000 {
		return trimFloat(v/1000, 2) + "s"
	}
	return trimFloat(v, 2) + "ms"
}

// bytesize writes bytes in B, kB, MB or GB (powers of 1000, as k6).
func bytesize(v float64) string {
	units := []string{"B", "kB", "MB", "GB", "TB"}
	i := 0
	for math.Abs(v) >= 1000 && i < len(units)-1 {
		v /= 1000
		i++
	}
	return trimFloat(v, 1) + " " + units[i]
}

func trimFloat(v float64, prec int) string {
	s := fmt.Sprintf("%.*f", prec, v)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// dashboardScript keeps a dashboard page current: each "update" event from
// the server carries the report's new body.
const dashboardScript = `<script>
(function () {
  var status = document.getElementById('live-status');
  var es = new EventSource('events');
  es.addEventListener('update', function (e) { document.getElementById('live').innerHTML = e.data; status.textContent = 'live, updated ' + new Date().toLocaleTimeString(); });
  es.addEventListener('done', function () { status.textContent = 'the test has ended'; es.close(); });
  es.onerror = function () { status.textContent = 'disconnected from minik6'; es.close(); };
})();
</script>`

// WriteDashboard writes the web dashboard's page: the report so far, which
// its script replaces with each update the server sends (server-sent events
// at events, relative to the page).
func WriteDashboard(w io.Writer, run Run) error {
	body := `<p class="live" id="live-status">live</p><div id="live">` + string(Body(run, nil)) + `</div>`
	return page.Execute(w, map[string]any{
		"Title": "minik6 dashboard: " + run.Title, "CSS": template.CSS(css), // our own CSS
		"Body": template.HTML(body), "Script": template.HTML(dashboardScript), // built from escaped parts
	})
}
