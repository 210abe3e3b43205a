package metrics

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests replay the samples of conformance-metrics cases into an engine
// and compare the summary-export JSON, handleSummary's data and the text
// summary with the facts recorded from k6 (testdata/conformance).

// readFacts returns the facts of a case that start with prefix, prefix cut.
func readFacts(t *testing.T, file, prefix string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "conformance", file))
	require.NoError(t, err)
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if s, ok := strings.CutPrefix(sc.Text(), prefix); ok {
			out = append(out, s)
		}
	}
	require.NoError(t, sc.Err())
	return out
}

// flatten turns JSON into the facts' leaves: dotted paths, sorted keys,
// arrays as [i], empty containers as {} and [].
func flatten(v any, path string, out map[string]any) {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 0 {
			out[path] = "{}"
		}
		for k, c := range v {
			flatten(c, join(k), out)
		}
	case []any:
		if len(v) == 0 {
			out[path] = "[]"
		}
		for i, c := range v {
			flatten(c, fmt.Sprintf("%s[%d]", path, i), out)
		}
	default:
		out[path] = v
	}
}

// checkLeafFacts compares JSON leaves with facts of the form "path = value"
// or "path ≈ value"; only paths accepted by keep take part.
func checkLeafFacts(t *testing.T, facts []string, doc any, keep func(path string) bool) {
	t.Helper()
	got := map[string]any{}
	flatten(doc, "", got)
	want := map[string]bool{}
	for _, f := range facts {
		approx := false
		i := strings.LastIndex(f, " = ")
		if j := strings.LastIndex(f, " ≈ "); j > i {
			i, approx = j, true
		}
		if i < 0 {
			continue // "export <json>"
		}
		path := f[:i]
		val := f[i+len(" = "):]
		if approx {
			val = f[i+len(" ≈ "):]
		}
		if !keep(path) {
			continue
		}
		want[path] = true
		g, ok := got[path]
		if !assert.True(t, ok, "missing %s", path) {
			continue
		}
		switch {
		case val == "<num>":
			_, isNum := g.(float64)
			assert.True(t, isNum, "%s = %v is a number", path, g)
		case approx:
			w, err := strconv.ParseFloat(val, 64)
			require.NoError(t, err)
			assert.InEpsilon(t, w, g, 0.02, path)
		case val == "{}" || val == "[]":
			assert.Equal(t, val, g, path)
		case val == "true" || val == "false":
			assert.Equal(t, val == "true", g, path)
		case strings.HasPrefix(val, `"`):
			s, err := strconv.Unquote(val)
			require.NoError(t, err)
			assert.Equal(t, s, g, path)
		default:
			w, err := strconv.ParseFloat(val, 64)
			require.NoError(t, err, val)
			gf, _ := g.(float64)
			if w == 0 {
				assert.InDelta(t, 0, gf, 1e-12, path)
			} else {
				assert.InEpsilon(t, w, gf, 1e-9, path)
			}
		}
	}
	for path := range got {
		if keep(path) {
			assert.True(t, want[path], "unexpected %s = %v", path, got[path])
		}
	}
}

func exportOf(t *testing.T, s *Summary) any {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, s.WriteExport(&buf))
	var doc any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &doc))
	return doc
}

func all(string) bool { return true }

// textSkeleton reduces a text summary as the conformance runner does: blank
// lines dropped, dots and numbers masked except for exact metrics.
func textSkeleton(text string, exact func(metric string) bool) []string {
	metricLine := regexp.MustCompile(`^(\S.*?)\.{2,}: (.*)$`)
	thresholdLine := regexp.MustCompile(`^([✓✗]) '(.*)' (\S+?)=(.*)$`)
	var out []string
	var metric, section string
	for _, raw := range strings.Split(text, "\n") {
		line := strings.TrimRight(raw, " ")
		if strings.TrimSpace(line) == "" {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		s := strings.TrimSpace(line)
		switch m, th := metricLine.FindStringSubmatch(s), thresholdLine.FindStringSubmatch(s); {
		case strings.HasPrefix(s, "█"):
			section, metric = s, ""
			out = append(out, fmt.Sprintf("%d|%s", indent, s))
		case m != nil:
			name, vals := strings.TrimSpace(m[1]), m[2]
			full := name
			if strings.HasPrefix(name, "{") {
				full = metric + strings.ReplaceAll(name, " ", "")
			} else {
				metric = name
			}
			if exact(full) {
				vals = maskRates(vals)
			} else {
				vals = skeletonValues(vals)
			}
			out = append(out, fmt.Sprintf("%d|%s: %s", indent, name, vals))
		case th != nil:
			val := "#"
			if exact(metric) {
				val = strings.SplitN(maskRates(th[3]+"="+th[4]), "=", 2)[1]
			}
			out = append(out, fmt.Sprintf("%d|%s '%s' %s=%s", indent, th[1], th[2], th[3], val))
		default:
			if strings.Contains(section, "THRESHOLDS") && regexp.MustCompile(`^[\w{]`).MatchString(s) {
				if strings.HasPrefix(s, "{") {
					metric = strings.SplitN(metric, "{", 2)[0] + s
				} else {
					metric = s
				}
			}
			out = append(out, fmt.Sprintf("%d|%s", indent, strings.Join(strings.Fields(s), " ")))
		}
	}
	return out
}

var (
	reDuration = regexp.MustCompile(`^(?:\d+(?:\.\d+)?(?:ns|µs|us|ms|s|m|h))+$`)
	rePercent  = regexp.MustCompile(`^-?\d+(?:\.\d+)?%$`)
	rePerSec   = regexp.MustCompile(`^-?\d+(?:\.\d+)?/s$`)
	reNumber   = regexp.MustCompile(`^-?\d+(?:\.\d+)?(?:e[+-]?\d+)?$`)
	reUnit     = regexp.MustCompile(`^[kMGT]?B(?:/s)?$`)
)

func maskToken(tok string) string {
	switch {
	case rePercent.MatchString(tok):
		return "#%"
	case rePerSec.MatchString(tok):
		return "#/s"
	case reNumber.MatchString(tok) || reDuration.MatchString(tok):
		return "#"
	case reUnit.MatchString(tok):
		return strings.TrimLeft(tok, "kMGT")
	}
	return tok
}

func skeletonValues(s string) string {
	var out []string
	for _, tok := range strings.Fields(s) {
		if k, v, ok := strings.Cut(tok, "="); ok {
			out = append(out, k+"="+maskToken(v))
		} else {
			out = append(out, maskToken(tok))
		}
	}
	return strings.Join(out, " ")
}

func maskRates(s string) string {
	const num = `\d+(?:\.\d+)?`
	s = regexp.MustCompile(num+`\s?[kMGT]?B/s`).ReplaceAllString(s, "# B/s")
	s = regexp.MustCompile(`-?`+num+`/s`).ReplaceAllString(s, "#/s")
	s = regexp.MustCompile(`(^|\s)(med|p\(\d+(?:\.\d+)?\))=\S+`).ReplaceAllString(s, "${1}${2}=#")
	return strings.Join(strings.Fields(s), " ")
}

func exactNames(patterns ...string) func(string) bool {
	return func(name string) bool {
		for _, p := range patterns {
			if ok, _ := filepath.Match(p, name); ok || p == name {
				return true
			}
		}
		return false
	}
}

func textOf(t *testing.T, s *Summary, opts SummaryOptions) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, s.WriteText(&buf, opts))
	return buf.String()
}

func TestConformance01ExportCounters(t *testing.T) {
	t.Parallel()
	r := newTestRun(t, func(reg *Registry) {
		reg.MustNewMetric("my_counter", Counter)
		reg.MustNewMetric("my_float_counter", Counter)
		reg.MustNewMetric("my_zero_counter", Counter)
	}, nil)
	for range 6 {
		r.add("my_counter", 1)
		r.add("my_counter", 2)
		r.add("my_float_counter", 0.25)
		r.add("my_zero_counter", 0)
		r.iteration(0.05)
	}
	r.e.SetTestRunDuration(100 * time.Millisecond)
	checkLeafFacts(t, readFacts(t, "01_export_counters.facts", "export:"), exportOf(t, r.summary(SummaryOptions{})), all)
}

func TestConformance02ExportTrends(t *testing.T) {
	t.Parallel()
	r := newTestRun(t, func(reg *Registry) {
		reg.MustNewMetric("my_linear", Trend)
		reg.MustNewMetric("my_timed", Trend, Time)
		reg.MustNewMetric("my_single", Trend)
		reg.MustNewMetric("my_mixed", Trend)
		reg.MustNewMetric("my_bools", Trend)
		reg.MustNewMetric("my_never_sampled", Trend)
	}, nil)
	for i := 1; i <= 100; i++ {
		r.add("my_linear", float64(i))
	}
	for i := 1; i <= 200; i++ {
		r.add("my_timed", float64(i)*0.5)
	}
	r.add("my_single", 42.5)
	for _, v := range []float64{-10, 0.5, 3, 3, 1000, -0.25, 7} {
		r.add("my_mixed", v)
	}
	for _, v := range []float64{1, 0, 1} {
		r.add("my_bools", v)
	}
	r.iteration(3)
	checkLeafFacts(t, readFacts(t, "02_export_trends.facts", "export:"), exportOf(t, r.summary(SummaryOptions{})), all)
}

func TestConformance04TrendStatsCustom(t *testing.T) {
	t.Parallel()
	r := newTestRun(t, func(reg *Registry) {
		reg.MustNewMetric("my_trend", Trend)
		reg.MustNewMetric("my_time", Trend, Time)
	}, th("my_trend", []string{"p(99.9)<1000", "p(10)>5"}, "my_time", []string{"p(99.9)>=149"}))
	for i := 1; i <= 100; i++ {
		r.add("my_trend", float64(i))
		r.add("my_time", float64(i)*1.5)
	}
	r.iteration(2)
	require.NoError(t, r.e.FinalizeThresholds(time.Second))
	opts := SummaryOptions{
		TrendStats: []string{"min", "p(99.9)", "count", "avg", "p(50)", "max", "med", "p(0)", "p(100)"},
		TimeUnit:   "ms",
	}
	checkLeafFacts(t, readFacts(t, "04_export_trend_stats_custom.facts", "export:"), exportOf(t, r.summary(opts)), all)
}

func TestConformance06ChecksGroups(t *testing.T) {
	t.Parallel()
	r := newTestRun(t, nil, nil)
	r.check("::setup", "setup check", true)
	for range 4 {
		r.check("", "top pass", true)
		r.check("", "top fail", false)
		r.check("::outer", "outer check", true)
		r.check("::outer::inner", "inner check", false)
		r.add(GroupDurationName, 0.2, TagGroup, "::outer::inner")
		r.add(GroupDurationName, 0.5, TagGroup, "::outer")
		r.add(GroupDurationName, 0.01, TagGroup, "::empty group")
		r.iteration(1)
	}
	r.check("::teardown", "teardown check", false)
	checkLeafFacts(t, readFacts(t, "06_export_checks_groups.facts", "export:"), exportOf(t, r.summary(SummaryOptions{})), all)
}

func TestConformance09HandleSummaryData(t *testing.T) {
	t.Parallel()
	r := newTestRun(t, func(reg *Registry) {
		reg.MustNewMetric("my_counter", Counter)
		reg.MustNewMetric("my_gauge", Gauge)
		reg.MustNewMetric("my_rate", Rate)
		reg.MustNewMetric("my_trend", Trend)
		reg.MustNewMetric("my_time", Trend, Time)
	}, th("my_counter", []string{"count==6"}, "my_counter{kind:x}", []string{"count==3", "count>3"},
		"my_trend", []string{"avg<100"}))
	for range 3 {
		r.add("my_counter", 1, "kind", "x")
		r.add("my_counter", 1, "kind", "y")
		r.add("my_gauge", 42)
		r.add("my_rate", 1)
		r.add("my_rate", 0)
		for i := 1; i <= 100; i++ {
			r.add("my_trend", float64(i))
		}
		r.add("my_time", 12.5)
		r.check("::g1", "has answer", true)
		r.add(GroupDurationName, 0.1, TagGroup, "::g1")
		r.check("", "top level", false)
		r.iteration(1)
	}
	err := r.e.FinalizeThresholds(time.Second)
	require.EqualError(t, err, "thresholds on metrics 'my_counter{kind:x}' have been crossed")

	data := r.summary(SummaryOptions{}).HandleSummaryData()
	keep := func(p string) bool { return strings.HasPrefix(p, "metrics.") || strings.HasPrefix(p, "root_group") }
	checkLeafFacts(t, readFacts(t, "09_hs_data_shape.facts", "file:summary.json:"), data, keep)
	// handleSummary data is JSON-marshalable as is
	_, err = json.Marshal(data)
	require.NoError(t, err)
}

func TestConformance12Export(t *testing.T) {
	t.Parallel()
	r := newTestRun(t, func(reg *Registry) { reg.MustNewMetric("my_counter", Counter) }, nil)
	for range 2 {
		r.add("my_counter", 2)
		r.check("", "is one", true)
		r.iteration(1)
	}
	checkLeafFacts(t, readFacts(t, "12_hs_with_export.facts", "export:"), exportOf(t, r.summary(SummaryOptions{})), all)
}

func case15(t *testing.T) *testRun {
	t.Helper()
	r := newTestRun(t, func(reg *Registry) {
		reg.MustNewMetric("my_counter", Counter)
		reg.MustNewMetric("my_gauge", Gauge)
		reg.MustNewMetric("my_rate", Rate)
		reg.MustNewMetric("my_trend", Trend)
	}, th(
		"my_counter", []string{"count==10", "count===10", "count!=11", "count>=10", "count<=10", "count>9", "count<11",
			"rate>0", "count == 10"},
		"my_gauge", []string{"value==5", "value>4", "value<=5", "value!=0"},
		"my_rate", []string{"rate==0.75", "rate>=0.75", "rate<0.8", "rate > 0.5"},
		"my_trend", []string{"avg==50.5", "min==1", "max==100", "med>49", "med<52", "p(90)>88", "p(90)<92",
			"p(99.9)>=98", "p(99.9)<=100", "p(0)>=1", "p(100)<=100", "avg < 51"},
		"iterations", []string{"count==2"},
		"checks", []string{"rate===1"},
	))
	for iter := range 2 {
		for range 5 {
			r.add("my_counter", 1)
		}
		r.add("my_gauge", 1)
		r.add("my_gauge", 5)
		for _, v := range []float64{1, 1, 1, 0} {
			r.add("my_rate", v)
		}
		for i := 1; i <= 50; i++ {
			r.add("my_trend", float64(i+(iter%2)*50))
		}
		r.check("", "one is one", true)
		r.iteration(1)
	}
	r.e.SetTestRunDuration(50 * time.Millisecond)
	require.NoError(t, r.e.FinalizeThresholds(50*time.Millisecond))
	return r
}

func TestConformance15ThresholdsPass(t *testing.T) {
	t.Parallel()
	r := case15(t)
	s := r.summary(SummaryOptions{})
	checkLeafFacts(t, readFacts(t, "15_th_grammar_pass.facts", "export:"), exportOf(t, s), all)
	exact := exactNames("my_counter", "my_gauge", "my_rate", "iterations", "checks*")
	assert.Equal(t, readFacts(t, "15_th_grammar_pass.facts", "text: "), textSkeleton(textOf(t, s, SummaryOptions{}), exact))
}

func TestConformance16ThresholdsFail(t *testing.T) {
	t.Parallel()
	r := newTestRun(t, func(reg *Registry) {
		reg.MustNewMetric("my_counter", Counter)
		reg.MustNewMetric("my_gauge", Gauge)
		reg.MustNewMetric("my_rate", Rate)
		reg.MustNewMetric("my_trend", Trend)
		reg.MustNewMetric("my_ok_counter", Counter)
	}, th(
		"my_trend", []string{"p(95)<10", "avg>=100", "min===0", "max<100", "med==0", "p(99.9)<50"},
		"my_rate", []string{"rate<0.5", "rate!=0.75"},
		"my_gauge", []string{"value<5", "value>5", "value==5"},
		"my_counter", []string{"count<=9", "count==10"},
		"my_ok_counter", []string{"count==1"},
	))
	r.add("my_counter", 10)
	r.add("my_gauge", 5)
	for _, v := range []float64{1, 1, 1, 0} {
		r.add("my_rate", v)
	}
	for i := 1; i <= 100; i++ {
		r.add("my_trend", float64(i))
	}
	r.add("my_ok_counter", 1)
	r.iteration(1)
	r.e.SetTestRunDuration(20 * time.Millisecond)
	err := r.e.FinalizeThresholds(20 * time.Millisecond)
	require.EqualError(t, err, readFacts(t, "16_th_grammar_fail.facts", "stderr-has: ")[0])

	s := r.summary(SummaryOptions{})
	checkLeafFacts(t, readFacts(t, "16_th_grammar_fail.facts", "export:"), exportOf(t, s), all)
	exact := exactNames("my_counter", "my_gauge", "my_rate", "my_ok_counter", "iterations")
	assert.Equal(t, readFacts(t, "16_th_grammar_fail.facts", "text: "), textSkeleton(textOf(t, s, SummaryOptions{}), exact))
}

func case24(t *testing.T) *testRun {
	t.Helper()
	r := newTestRun(t, func(reg *Registry) {
		reg.MustNewMetric("my_counter", Counter)
		reg.MustNewMetric("my_gauge", Gauge)
		reg.MustNewMetric("my_rate", Rate)
		reg.MustNewMetric("my_trend", Trend)
		reg.MustNewMetric("my_time", Trend, Time)
	}, th("my_counter", []string{"count==8"}, "my_counter{tag:a}", []string{"count>=4"}, "my_rate", []string{"rate>0.9"}))
	for iter := range 4 {
		r.add("my_counter", 2, "tag", "a")
		r.add("my_gauge", 5)
		r.add("my_rate", 1)
		r.add("my_rate", 0)
		r.add("my_rate", 1)
		r.add("my_trend", 10)
		r.add("my_trend", 20)
		r.add("my_time", 3)
		r.check("::g1::g2", "is one", true)
		r.check("::g1::g2", "is two", false)
		r.add(GroupDurationName, 0.1, TagGroup, "::g1::g2")
		r.add(GroupDurationName, 0.2, TagGroup, "::g1")
		r.check("", "top", iter%2 == 0)
		r.iteration(1.5)
	}
	r.e.SetTestRunDuration(30 * time.Millisecond)
	require.Error(t, r.e.FinalizeThresholds(30*time.Millisecond))
	return r
}

func TestConformance24TextCompact(t *testing.T) {
	t.Parallel()
	s := case24(t).summary(SummaryOptions{})
	exact := exactNames("my_*", "iterations", "checks_*")
	assert.Equal(t, readFacts(t, "24_text_compact.facts", "text: "), textSkeleton(textOf(t, s, SummaryOptions{}), exact))
}

func case26(t *testing.T) *testRun {
	t.Helper()
	r := newTestRun(t, nil, th("http_req_duration{name:named}", []string{"max<10000"}, "http_req_failed", []string{"rate<=0.5"}),
		WithSubMetrics(ExpectedResponseSubMetric))
	request := func(name, status string, failed float64, ms float64) {
		kv := []string{"name", name, "url", name, "method", "GET", "status", status,
			"expected_response", strconv.FormatBool(failed == 0)}
		r.add(HTTPReqsName, 1, kv...)
		for _, m := range []string{HTTPReqBlockedName, HTTPReqConnectingName, HTTPReqTLSHandshakingName,
			HTTPReqSendingName, HTTPReqWaitingName, HTTPReqReceivingName} {
			r.add(m, ms/10, kv...)
		}
		r.add(HTTPReqDurationName, ms, kv...)
		r.add(HTTPReqFailedName, failed, kv...)
	}
	for range 2 {
		request("named", "200", 0, 1.2)
		r.check("", "status 200", true)
		request("http://127.0.0.1/status/503", "503", 1, 0.8)
		r.add(DataSentName, 240)
		r.add(DataReceivedName, 310)
		r.add(IterationDurationName, 3)
		r.add(IterationsName, 1)
	}
	r.e.SetTestRunDuration(40 * time.Millisecond)
	require.NoError(t, r.e.FinalizeThresholds(40*time.Millisecond))
	return r
}

func TestConformance26TextFull(t *testing.T) {
	t.Parallel()
	s := case26(t).summary(SummaryOptions{})
	exact := exactNames("http_reqs", "http_req_failed", "iterations", "checks_*")
	opts := SummaryOptions{Mode: SummaryFull}
	assert.Equal(t, readFacts(t, "26_text_http_full.facts", "text: "), textSkeleton(textOf(t, s, opts), exact))

	compact := textSkeleton(textOf(t, s, SummaryOptions{}), exact)
	assert.Contains(t, compact, "4|http_req_duration: avg=# min=# med=# max=# p(90)=# p(95)=#")
	assert.NotContains(t, compact, "4|http_req_blocked: avg=# min=# med=# max=# p(90)=# p(95)=#",
		"compact mode leaves out the detailed HTTP timings")
}

func TestConformance35Export(t *testing.T) {
	t.Parallel()
	r := newTestRun(t, func(reg *Registry) {
		reg.MustNewMetric("my_counter", Counter)
		reg.MustNewMetric("my_gauge", Gauge)
		reg.MustNewMetric("my_rate", Rate)
		reg.MustNewMetric("my_trend", Trend)
		reg.MustNewMetric("my_time", Trend, Time)
		reg.MustNewMetric("http_reqs", Counter)
	}, th("my_counter{k:tagged}", []string{"count==4"}, "my_trend{k:x}", []string{"max==3"}))
	for range 2 {
		r.add("my_counter", 1)
		r.add("my_counter", 2, "k", "tagged")
		r.add("my_counter", 1)
		r.add("my_gauge", 1)
		r.add("my_gauge", 4.5, "k", "x")
		r.add("my_rate", 1, "k", "x")
		r.add("my_rate", 0)
		r.add("my_trend", 1)
		r.add("my_trend", 3, "k", "x")
		r.add("my_time", 250)
		r.add("http_reqs", 1)
		r.iteration(1)
	}
	require.NoError(t, r.e.FinalizeThresholds(time.Second))
	checkLeafFacts(t, readFacts(t, "35_metrics_api.facts", "export:"), exportOf(t, r.summary(SummaryOptions{})), all)
}

func TestExportIsValidWithNonFiniteValues(t *testing.T) {
	t.Parallel()
	r := newTestRun(t, func(reg *Registry) { reg.MustNewMetric("weird", Trend) }, nil)
	r.add("weird", math.Inf(1))
	r.add("weird", 1)
	doc := exportOf(t, r.summary(SummaryOptions{}))
	got := map[string]any{}
	flatten(doc, "", got)
	assert.Nil(t, got["metrics.weird.max"], "+Inf is written as null")
	assert.Equal(t, 1.0, got["metrics.weird.min"])
	keys := make([]string, 0)
	for k := range got {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	assert.Contains(t, keys, "metrics.weird.avg")
}
