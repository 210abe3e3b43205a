package json

import (
	"bufio"
	"bytes"
	"compress/gzip"
	stdjson "encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/metrics"
)

// canon re-encodes a JSON line with sorted keys, as the conformance suite
// compares lines.
func canon(t testing.TB, line string) string {
	t.Helper()
	var v any
	require.NoError(t, stdjson.Unmarshal([]byte(line), &v), line)
	var out bytes.Buffer
	enc := stdjson.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(v))
	return strings.TrimSuffix(out.String(), "\n")
}

func lines(b []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// TestMetricLines checks Metric lines against the facts k6 wrote in the
// conformance case 29_json_points.
func TestMetricLines(t *testing.T) {
	reg := metrics.NewRegistry()
	b := metrics.RegisterBuiltins(reg)
	counter := reg.MustNewMetric("my_counter", metrics.Counter)
	trend := reg.MustNewMetric("my_trend", metrics.Trend)
	myTime := reg.MustNewMetric("my_time", metrics.Trend, metrics.Time)
	enc := newEncoder(Config{
		Thresholds: map[string][]metrics.ThresholdConfig{
			"my_counter":         {{Source: "count>0"}, {Source: "count<100"}},
			"my_counter{kind:a}": {{Source: "count==12"}},
			"my_trend":           {{Source: "p(95)<100"}},
		},
		SubMetrics: []string{metrics.ExpectedResponseSubMetric},
	})
	tests := []struct {
		metric *metrics.Metric
		want   string
	}{
		{b.DataReceived, `{"data":{"contains":"data","name":"data_received","submetrics":null,"thresholds":[],"type":"counter"},"metric":"data_received","type":"Metric"}`},
		{b.Checks, `{"data":{"contains":"default","name":"checks","submetrics":null,"thresholds":[],"type":"rate"},"metric":"checks","type":"Metric"}`},
		{counter, `{"data":{"contains":"default","name":"my_counter","submetrics":[{"name":"my_counter{kind:a}","suffix":"kind:a","tags":{"kind":"a"}}],"thresholds":["count>0","count<100"],"type":"counter"},"metric":"my_counter","type":"Metric"}`},
		{trend, `{"data":{"contains":"default","name":"my_trend","submetrics":null,"thresholds":["p(95)<100"],"type":"trend"},"metric":"my_trend","type":"Metric"}`},
		{myTime, `{"data":{"contains":"time","name":"my_time","submetrics":null,"thresholds":[],"type":"trend"},"metric":"my_time","type":"Metric"}`},
		{b.HTTPReqDuration, `{"data":{"contains":"time","name":"http_req_duration","submetrics":[{"name":"http_req_duration{expected_response:true}","suffix":"expected_response:true","tags":{"expected_response":"true"}}],"thresholds":[],"type":"trend"},"metric":"http_req_duration","type":"Metric"}`},
	}
	for _, tt := range tests {
		t.Run(tt.metric.Name, func(t *testing.T) {
			got := string(enc.metricLine(tt.metric))
			assert.True(t, strings.HasSuffix(got, "}\n"), "one line: %q", got)
			assert.Equal(t, tt.want, canon(t, got))
			assert.True(t, strings.HasPrefix(got, `{"type":"Metric","data":{"name":`), "k6's field order: %s", got)
		})
	}
}

func TestPointLines(t *testing.T) {
	reg := metrics.NewRegistry()
	c := reg.MustNewMetric("my_counter", metrics.Counter)
	at := time.Date(2024, 5, 9, 14, 34, 45, 625742514, time.FixedZone("", 2*3600))
	tags := metrics.NewTagSet(map[string]string{"group": "", "scenario": "sc", "vutag": "v0"})
	tests := []struct {
		name   string
		sample metrics.Sample
		want   string
	}{
		{
			name:   "tags",
			sample: metrics.Sample{Metric: c, Tags: tags, Time: at, Value: 1},
			want:   `{"metric":"my_counter","type":"Point","data":{"time":"2024-05-09T14:34:45.625742514+02:00","value":1,"tags":{"group":"","scenario":"sc","vutag":"v0"}}}`,
		},
		{
			name:   "metadata after tags, keys sorted",
			sample: metrics.Sample{Metric: c, Tags: tags, Metadata: map[string]string{"trace_id": "def", "extra": "x"}, Time: at, Value: 10},
			want:   `{"metric":"my_counter","type":"Point","data":{"time":"2024-05-09T14:34:45.625742514+02:00","value":10,"tags":{"group":"","scenario":"sc","vutag":"v0"},"metadata":{"extra":"x","trace_id":"def"}}}`,
		},
		{
			name:   "empty metadata is left out",
			sample: metrics.Sample{Metric: c, Tags: tags, Metadata: map[string]string{}, Time: at, Value: 1.5},
			want:   `{"metric":"my_counter","type":"Point","data":{"time":"2024-05-09T14:34:45.625742514+02:00","value":1.5,"tags":{"group":"","scenario":"sc","vutag":"v0"}}}`,
		},
		{
			name:   "no tags",
			sample: metrics.Sample{Metric: c, Time: at.UTC().Truncate(time.Second), Value: -3},
			want:   `{"metric":"my_counter","type":"Point","data":{"time":"2024-05-09T12:34:45Z","value":-3,"tags":{}}}`,
		},
		{
			name:   "escaping",
			sample: metrics.Sample{Metric: c, Tags: metrics.NewTagSet(map[string]string{"url": "http://x/?a=\"b\"&c<d\n"}), Time: at, Value: 1e-9},
			want:   `{"metric":"my_counter","type":"Point","data":{"time":"2024-05-09T14:34:45.625742514+02:00","value":1e-9,"tags":{"url":"http://x/?a=\"b\"&c<d\n"}}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc := newEncoder(Config{})
			got := lines(enc.encode(nil, []metrics.Sample{tt.sample}))
			require.Len(t, got, 2)
			assert.Contains(t, got[0], `"type":"Metric"`)
			assert.Equal(t, tt.want, got[1])
			assert.Equal(t, canon(t, tt.want), canon(t, got[1]))
		})
	}
}

// TestEncodeCounts: one Metric line per metric name, before its first point,
// and one Point line per sample; samples without a metric are skipped.
func TestEncodeCounts(t *testing.T) {
	reg := metrics.NewRegistry()
	b := metrics.RegisterBuiltins(reg)
	other := metrics.NewRegistry().MustNewMetric(metrics.IterationsName, metrics.Counter) // same name, another pointer
	enc := newEncoder(Config{})
	var batch []metrics.Sample
	for i := range 300 {
		tags := metrics.NewTagSet(map[string]string{"i": string(rune('a' + i%7))})
		batch = append(batch,
			metrics.Sample{Metric: b.Iterations, Tags: tags, Time: time.Now(), Value: 1},
			metrics.Sample{Metric: b.IterationDuration, Tags: tags, Time: time.Now(), Value: float64(i)},
			metrics.Sample{Metric: other, Tags: tags, Time: time.Now(), Value: 1},
			metrics.Sample{Time: time.Now(), Value: 1}, // no metric
		)
	}
	var out []byte
	for len(batch) > 0 { // in uneven pieces, as the writer hands them over
		n := min(len(batch), 77)
		out = enc.encode(out, batch[:n])
		batch = batch[n:]
	}
	seen := map[string]bool{}
	points := map[string]int{}
	for _, l := range lines(out) {
		var v struct {
			Type, Metric string
			Data         struct{ Tags map[string]string }
		}
		require.NoError(t, stdjson.Unmarshal([]byte(l), &v), l)
		switch v.Type {
		case "Metric":
			assert.False(t, seen[v.Metric], "a second Metric line for %s", v.Metric)
			seen[v.Metric] = true
		case "Point":
			assert.True(t, seen[v.Metric], "a point of %s before its Metric line", v.Metric)
			assert.Len(t, v.Data.Tags, 1)
			points[v.Metric]++
		default:
			t.Fatalf("unknown line %s", l)
		}
	}
	assert.Equal(t, map[string]int{"iterations": 600, "iteration_duration": 300}, points)
}

func TestOutputFiles(t *testing.T) {
	reg := metrics.NewRegistry()
	c := reg.MustNewMetric("my_counter", metrics.Counter)
	samples := []metrics.Sample{
		{Metric: c, Tags: metrics.NewTagSet(map[string]string{"k": "v"}), Time: time.Now(), Value: 3},
		{Metric: c, Tags: metrics.NewTagSet(map[string]string{"k": "v"}), Time: time.Now(), Value: 3},
	}
	read := func(t *testing.T, path string) []byte {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		return b
	}
	tests := []struct {
		name, file string
		gzip       bool
	}{
		{"plain", "out.json", false},
		{"gzip", "out.json.gz", true},
		{"gz is not enough", "out.jsongz", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tt.file)
			o := New(Config{FileName: path})
			assert.Equal(t, "json ("+path+")", o.Description())
			require.NoError(t, o.Start())
			o.AddSamples(samples[:1])
			o.AddSamples(samples[1:])
			require.NoError(t, o.Stop())
			require.NoError(t, o.Stop(), "Stop twice")
			raw := read(t, path)
			if tt.gzip {
				require.Equal(t, []byte{0x1f, 0x8b}, raw[:2], "gzip magic")
				zr, err := gzip.NewReader(bytes.NewReader(raw))
				require.NoError(t, err)
				var plain bytes.Buffer
				_, err = plain.ReadFrom(zr)
				require.NoError(t, err)
				raw = plain.Bytes()
			}
			got := lines(raw)
			require.Len(t, got, 3)
			assert.Contains(t, got[0], `"type":"Metric"`)
			assert.Contains(t, got[1], `"value":3,"tags":{"k":"v"}}}`)
			assert.Equal(t, got[1][:strings.Index(got[1], `"time"`)], got[2][:strings.Index(got[2], `"time"`)])
		})
	}
}

func TestOutputStdout(t *testing.T) {
	for _, name := range []string{"", "-"} {
		var out bytes.Buffer
		o := New(Config{FileName: name, StdOut: &out})
		assert.Equal(t, "json (stdout)", o.Description())
		require.NoError(t, o.Start())
		o.AddSamples([]metrics.Sample{{Metric: metrics.NewRegistry().MustNewMetric("m1", metrics.Gauge), Time: time.Now(), Value: 7}})
		require.NoError(t, o.Stop())
		assert.Len(t, lines(out.Bytes()), 2, "%q", name)
	}
}

func TestOutputStartError(t *testing.T) {
	o := New(Config{FileName: filepath.Join(t.TempDir(), "missing", "out.json")})
	err := o.Start()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "out.json")
	require.NoError(t, o.Stop(), "Stop after a failed Start")
}

// failingWriter fails every write after the first n bytes.
type failingWriter struct{ n int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, os.ErrClosed
	}
	return len(p), nil
}

func TestOutputWriteErrorIsReported(t *testing.T) {
	o := New(Config{StdOut: &failingWriter{n: 10}})
	require.NoError(t, o.Start())
	m := metrics.NewRegistry().MustNewMetric("m1", metrics.Gauge)
	o.AddSamples(make([]metrics.Sample, 5)) // no metric: nothing to write
	o.AddSamples([]metrics.Sample{{Metric: m, Time: time.Now()}, {Metric: m, Time: time.Now()}})
	err := o.Stop()
	require.ErrorIs(t, err, os.ErrClosed)
	assert.Contains(t, err.Error(), "samples were not written")
}

func TestAppendStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `q"uote\back`, "ctl\x00\x01\x1f\x7f", "tab\tnl\ncr\r", "bs\bff\f", "<a&b>",
		"ünï©ødé ✓", "\u2028\u2029", "bad\xffutf8\xc3", "\xed\xa0\x80"} {
		assert.Equal(t, stdString(t, s), string(appendString(nil, s)), "%q", s)
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\xff", "\u2028", "x\x00y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := appendString(nil, s)
		require.Equal(t, stdString(t, s), string(got))
		var back string
		require.NoError(t, stdjson.Unmarshal(got, &back))
		if utf8.ValidString(s) {
			require.Equal(t, s, back)
		}
	})
}

func stdString(t testing.TB, s string) string {
	var b bytes.Buffer
	enc := stdjson.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(s))
	return strings.TrimSuffix(b.String(), "\n")
}

func TestAppendFloat(t *testing.T) {
	for _, v := range []float64{0, math.Copysign(0, -1), 1, -1, 1 << 53, 1<<53 + 2, -(1 << 60), 1.5, 0.1, 123456789, 1e20, 1e21, 1e-6, 1e-7, -2.5e-8, 1e300, math.SmallestNonzeroFloat64,
		math.MaxFloat64, 0.000123, 459.865729} {
		want, err := stdjson.Marshal(v)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(appendFloat(nil, v)), "%v", v)
	}
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		assert.Equal(t, "null", string(appendFloat(nil, v)))
	}
}

func FuzzAppendFloat(f *testing.F) {
	for _, v := range []float64{0, 1.5, 1e-7, 1e21} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		want, err := stdjson.Marshal(v)
		require.NoError(t, err)
		require.Equal(t, string(want), string(appendFloat(nil, v)))
	})
}

func TestTimeCache(t *testing.T) {
	var c timeCache
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		berlin = time.FixedZone("CET", 3600)
	}
	base := time.Date(2024, 3, 31, 1, 59, 59, 0, berlin) // a second before DST begins
	for _, tt := range []time.Time{
		base, base.Add(1), base.Add(999_999_999), base.Add(time.Second), base.Add(time.Second + 120_000_000),
		base.UTC(), base.UTC().Add(5), time.Unix(0, 0).UTC(), time.Unix(0, 1).In(time.FixedZone("", -9*3600-30*60)),
		time.Now(), time.Now().Add(10 * time.Millisecond),
		time.Date(-1, 1, 1, 0, 0, 0, 5, time.UTC), time.Date(10000, 1, 1, 0, 0, 0, 5, time.UTC), base,
	} {
		assert.Equal(t, tt.Format(time.RFC3339Nano), string(c.appendTime(nil, tt)), "%v", tt)
	}
}

func FuzzTimeCache(f *testing.F) {
	f.Add(int64(1715265285), int64(625742514), int64(7200), int64(1), int64(0))
	f.Fuzz(func(t *testing.T, sec, nsec, offset, sec2, nsec2 int64) {
		var c timeCache
		zone := time.FixedZone("", int(offset%(24*3600)))
		for _, tt := range []time.Time{time.Unix(sec, nsec).In(zone), time.Unix(sec, nsec2).In(zone), time.Unix(sec+sec2%3, nsec2).In(zone)} {
			require.Equal(t, tt.Format(time.RFC3339Nano), string(c.appendTime(nil, tt)))
		}
	})
}

func TestTagCache(t *testing.T) {
	var c tagCache
	a := metrics.NewTagSet(map[string]string{"a": "1"})
	a2 := metrics.NewTagSet(map[string]string{"a": "1"})
	b := metrics.NewTagSet(map[string]string{"a": "2"})
	for _, tt := range []struct {
		set  *metrics.TagSet
		want string
	}{{a, `{"a":"1"}`}, {a2, `{"a":"1"}`}, {b, `{"a":"2"}`}, {a, `{"a":"1"}`}, {nil, `{}`}, {metrics.NewTagSet(nil), `{}`}} {
		assert.Equal(t, tt.want, string(c.appendTags(nil, tt.set)))
	}
}

func BenchmarkEncode(b *testing.B) {
	reg := metrics.NewRegistry()
	bi := metrics.RegisterBuiltins(reg)
	tags := metrics.NewTagSet(map[string]string{"group": "", "scenario": "default"})
	now := time.Now()
	batch := make([]metrics.Sample, 0, 512)
	for len(batch) < cap(batch) {
		batch = append(batch,
			metrics.Sample{Metric: bi.Iterations, Tags: tags, Time: now, Value: 1},
			metrics.Sample{Metric: bi.IterationDuration, Tags: tags, Time: now, Value: 0.123456},
			metrics.Sample{Metric: bi.DataSent, Tags: tags, Time: now, Value: 0},
			metrics.Sample{Metric: bi.DataReceived, Tags: tags, Time: now, Value: 0},
		)
	}
	enc := newEncoder(Config{})
	buf := enc.encode(nil, batch)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		buf = enc.encode(buf[:0], batch)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/sample")
	b.ReportMetric(float64(len(buf))/float64(len(batch)), "bytes/sample")
}
