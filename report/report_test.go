package report

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/metrics"
)

func TestNiceCeil(t *testing.T) {
	for _, tc := range []struct {
		v     float64
		top   float64
		steps int
	}{{0, 1, 5}, {0.7, 1, 5}, {8, 10, 5}, {10, 10, 5}, {13, 20, 4}, {42, 50, 5}, {51, 100, 5}} {
		top, steps := niceCeil(tc.v)
		assert.Equal(t, tc.top, top, "%g", tc.v)
		assert.Equal(t, tc.steps, steps, "%g", tc.v)
	}
}

func TestRecorderSeries(t *testing.T) {
	reg := metrics.NewRegistry()
	b := metrics.RegisterBuiltins(reg)
	start := time.Unix(1000, 0)
	rec := NewRecorder(start, time.Second)
	tags := metrics.NewTagSet(map[string]string{"scenario": "api"})
	var batch []metrics.Sample
	for i := range 40 {
		at := start.Add(time.Duration(i) * 100 * time.Millisecond) // 4 s
		batch = append(batch,
			metrics.Sample{Metric: b.HTTPReqs, Tags: tags, Time: at, Value: 1},
			metrics.Sample{Metric: b.HTTPReqDuration, Tags: tags, Time: at, Value: float64(i)},
			metrics.Sample{Metric: b.HTTPReqFailed, Tags: tags, Time: at, Value: float64(i % 2)},
			metrics.Sample{Metric: b.VUs, Tags: tags, Time: at, Value: float64(i / 10)},
		)
	}
	rec.Add(batch)
	s := rec.Series()
	assert.Equal(t, []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 4 * time.Second}, s.Times)
	assert.Equal(t, []float64{10, 10, 10, 10}, s.Requests)
	assert.Equal(t, []float64{0, 1, 2, 3}, s.VUs)
	assert.Equal(t, []float64{0.5, 0.5, 0.5, 0.5}, s.Failed)
	assert.True(t, math.IsNaN(s.Checks[0]), "no checks: a gap")
	assert.InDelta(t, 8.55, s.Latency["p95"][0], 1e-9)
	assert.Equal(t, []string{"api"}, s.ScenarioNames())

	rec.coarsen(2)
	s = rec.Series()
	assert.Equal(t, []time.Duration{2 * time.Second, 4 * time.Second}, s.Times)
	assert.Equal(t, []float64{10, 10}, s.Requests, "per second over the longer period")
	assert.Equal(t, []float64{1, 3}, s.VUs, "the last value of the joined periods")
}

func TestFromJSONRefusesOtherFiles(t *testing.T) {
	for doc, want := range map[string]string{
		"":                 "no samples",
		`{"type":"Other"}`: `type "Other"`,
		"{":                "line 1",
		`{"type":"Point","metric":"x","data":{}}`: `a sample of "x" before`,
	} {
		_, err := FromJSON(strings.NewReader(doc), "t", 0)
		assert.ErrorContains(t, err, want, doc)
	}
}

func TestWriteIsSelfContained(t *testing.T) {
	doc := `{"type":"Metric","data":{"name":"iterations","type":"counter","contains":"default","thresholds":["count>5"],"submetrics":null},"metric":"iterations"}
{"metric":"iterations","type":"Point","data":{"time":"2026-01-02T03:04:05Z","value":1,"tags":{"scenario":"default"}}}
{"metric":"iterations","type":"Point","data":{"time":"2026-01-02T03:04:07Z","value":1,"tags":{"scenario":"default"}}}
`
	run, err := FromJSON(strings.NewReader(doc), "x.json", 0)
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, Write(&buf, run, &run))
	html := buf.String()
	assert.NotContains(t, html, "http://")
	assert.NotContains(t, html, "https://")
	assert.Contains(t, html, `<tr class="failed"><td class="mark">✗</td><td>iterations</td><td><code>count&gt;5</code></td><td>2</td></tr>`)
	assert.Contains(t, html, "x.json <span class=\"vs\">vs</span> x.json")
}
