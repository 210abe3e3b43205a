package metrics

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, []byte(got), 0o600))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, string(want), got)
}

func TestTextSummaryGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		run  func(*testing.T) *testRun
		opts SummaryOptions
	}{
		{"summary_compact.golden", case24, SummaryOptions{}},
		{"summary_compact_color.golden", case24, SummaryOptions{Color: true}},
		{"summary_http_full.golden", case26, SummaryOptions{Mode: SummaryFull}},
		{"summary_thresholds_ms.golden", case15, SummaryOptions{TimeUnit: "ms",
			TrendStats: []string{"avg", "p(99)", "count"}}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			require.NoError(t, tc.run(t).e.WriteTextSummary(&buf, tc.opts))
			golden(t, tc.file, buf.String())
		})
	}
}

func TestSummaryExportGolden(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	require.NoError(t, case24(t).e.WriteSummaryExport(&buf, SummaryOptions{}))
	golden(t, "summary_export.golden.json", buf.String())
	assert.True(t, json.Valid(buf.Bytes()))
}

func TestSummaryRejectsBadTrendStats(t *testing.T) {
	t.Parallel()
	r := newTestRun(t, nil, nil)
	opts := SummaryOptions{TrendStats: []string{"avg", "p(200)"}}
	var buf bytes.Buffer
	assert.EqualError(t, r.e.WriteTextSummary(&buf, opts),
		"invalid percentile trend stat value 'p(200)', provide a number between 0 and 100")
	assert.Error(t, r.e.WriteSummaryExport(&buf, opts))
	assert.Zero(t, buf.Len())
}

func TestTextSummaryWithoutChecksOrThresholds(t *testing.T) {
	t.Parallel()
	r := newTestRun(t, nil, nil)
	r.iteration(12)
	r.e.SetTestRunDuration(time.Second)
	var buf bytes.Buffer
	require.NoError(t, r.e.WriteTextSummary(&buf, SummaryOptions{}))
	out := buf.String()
	assert.NotContains(t, out, "THRESHOLDS")
	assert.NotContains(t, out, "checks_total")
	assert.Contains(t, out, "  █ TOTAL RESULTS\n")
	assert.Contains(t, out, "    iterations...........: 1 1/s\n")
}

func TestFormatting(t *testing.T) {
	t.Parallel()
	durations := []struct {
		ms   float64
		unit string
		want string
	}{
		{0, "", "0s"},
		{0.0005, "", "500ns"},
		{0.0123456, "", "12.34µs"},
		{0.5, "", "500µs"},
		{3, "", "3ms"},
		{12.3456, "", "12.34ms"},
		{999.999, "", "999.99ms"},
		{1234.5678, "", "1.23s"},
		{61234, "", "1m1s"},
		{3725000, "", "1h2m5s"},
		{1234.5678, "s", "1.23s"},
		{12.3456, "ms", "12.35ms"},
		{1.5, "us", "1500.00µs"},
	}
	for _, tc := range durations {
		assert.Equal(t, tc.want, formatDuration(tc.ms, tc.unit), "%v %q", tc.ms, tc.unit)
	}
	bytesTests := []struct {
		v    float64
		want string
	}{
		{0, "0 B"}, {5.5, "5.5 B"}, {15, "15 B"}, {999, "999 B"}, {1234, "1.2 kB"}, {15500, "16 kB"},
		{14500, "15 kB"}, {2.5e6, "2.5 MB"}, {3e9, "3.0 GB"},
	}
	for _, tc := range bytesTests {
		assert.Equal(t, tc.want, formatBytes(tc.v), "%v", tc.v)
	}
	assert.Equal(t, "66.66%", formatPercent(2.0/3))
	assert.Equal(t, "100.00%", formatPercent(1))
	assert.Equal(t, "0.00%", formatPercent(0))
	assert.Equal(t, "2.903541", fixedNoTrailingZeros(2.9035411111, 6))
	assert.Equal(t, "0", fixedNoTrailingZeros(-0.0000001, 6))
	assert.Equal(t, "1e+21", jsString(1e21))
	assert.Equal(t, "1.5e-7", jsString(1.5e-7))
}

func TestHandleSummaryDataShape(t *testing.T) {
	t.Parallel()
	s := case24(t).summary(SummaryOptions{})
	data := s.HandleSummaryData()
	metrics := data["metrics"].(map[string]any)
	mc := metrics["my_counter"].(map[string]any)
	assert.Equal(t, "counter", mc["type"])
	assert.Equal(t, "default", mc["contains"])
	assert.Equal(t, map[string]any{"count==8": map[string]any{"ok": true}}, mc["thresholds"])
	assert.Equal(t, 8.0, mc["values"].(map[string]any)["count"])
	_, has := metrics["my_gauge"].(map[string]any)["thresholds"]
	assert.False(t, has, "no thresholds key without thresholds")
	assert.Equal(t, map[string]any{"rate": 2.0 / 3, "passes": 8.0, "fails": 4.0},
		metrics["my_rate"].(map[string]any)["values"])
	root := data["root_group"].(map[string]any)
	g1 := root["groups"].([]any)[0].(map[string]any)
	assert.Equal(t, "::g1", g1["path"])
	g2 := g1["groups"].([]any)[0].(map[string]any)
	assert.Len(t, g2["checks"].([]any), 2)
	assert.Equal(t, []any{}, g2["groups"])
	js, err := json.Marshal(data)
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(js), `"my_counter{tag:a}"`))
}
