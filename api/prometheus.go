package api

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/minik6/minik6/metrics"
)

// getPrometheus writes the metrics in Prometheus's text exposition format
// (0.0.4): each metric as k6_NAME (a counter's count as k6_NAME_total, a
// rate's ratio as k6_NAME_rate, each trend stat as k6_NAME_STAT: k6_NAME_avg,
// k6_NAME_p95…), a sub-metric as its metric with its tags as labels.
func (s *Server) getPrometheus(w http.ResponseWriter, _ *http.Request) {
	sum, ok := s.summary(w)
	if !ok {
		return
	}
	var b bytes.Buffer
	declared := map[string]bool{}
	line := func(name, typ, labels string, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		if !declared[name] {
			declared[name] = true
			fmt.Fprintf(&b, "# TYPE %s %s\n", name, typ)
		}
		fmt.Fprintf(&b, "%s%s %s\n", name, labels, strconv.FormatFloat(v, 'g', -1, 64))
	}
	// Metrics before their sub-metrics keeps each family's lines together.
	for _, m := range sum.Metrics {
		base := m.Name
		labels := ""
		if m.Parent != "" {
			base = m.Parent
			labels = promLabels(m.Tags)
		}
		name := "k6_" + promName(base)
		switch m.Type {
		case metrics.Counter:
			line(name+"_total", "counter", labels, m.Values["count"])
		case metrics.Gauge:
			line(name, "gauge", labels, m.Values["value"])
		case metrics.Rate:
			line(name+"_rate", "gauge", labels, m.Values["rate"])
		case metrics.Trend:
			stats := make([]string, 0, len(m.Values))
			for stat := range m.Values {
				stats = append(stats, stat)
			}
			sort.Strings(stats)
			for _, stat := range stats {
				line(name+"_"+promName(stat), "gauge", labels, m.Values[stat])
			}
		}
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}

// promName makes s a valid Prometheus metric or label name: "p(95)" → "p95".
func promName(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r == '_', r >= '0' && r <= '9' && i > 0:
			b.WriteRune(r)
		case r == '(' || r == ')':
		case r == '.':
			b.WriteString("_")
		default:
			b.WriteString("_")
		}
	}
	return b.String()
}

func promLabels(tags *metrics.TagSet) string {
	if tags == nil || tags.Len() == 0 {
		return ""
	}
	var parts []string
	tags.Range(func(k, v string) bool {
		v = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(v)
		parts = append(parts, promName(k)+`="`+v+`"`)
		return true
	})
	sort.Strings(parts)
	return "{" + strings.Join(parts, ",") + "}"
}
