package csv

import (
	"bytes"
	"compress/gzip"
	stdcsv "encoding/csv"
	stdjson "encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/options"
)

// k6Header is the header k6 wrote in the conformance case 33_csv_basic.
const k6Header = "metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto," +
	"scenario,service,status,subproto,tls_version,url,extra_tags,metadata"

func TestDefaultSystemTagsAreOptions(t *testing.T) {
	assert.Equal(t, options.DefaultSystemTags(), DefaultSystemTags())
}

func TestHeader(t *testing.T) {
	tests := []struct {
		name string
		tags []string
		want string
	}{
		{"default", nil, k6Header},
		{"system tags sorted", []string{"vu", "scenario", "iter", "group", "scenario"}, "metric_name,timestamp,metric_value,group,iter,scenario,vu,extra_tags,metadata"},
		{"none", []string{}, "metric_name,timestamp,metric_value,extra_tags,metadata"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want+"\n", string(newEncoder(tt.tags, TimeUnix).header()))
		})
	}
}

func parse(t testing.TB, b []byte) [][]string {
	t.Helper()
	r := stdcsv.NewReader(bytes.NewReader(b))
	rows, err := r.ReadAll() // also checks that every row has the header's column count
	require.NoError(t, err, "%s", b)
	return rows
}

// row returns a row as column=value, leaving out empty cells.
func row(header, r []string) map[string]string {
	m := map[string]string{}
	for i, h := range header {
		if r[i] != "" {
			m[h] = r[i]
		}
	}
	return m
}

// TestRows checks rows against the facts of the conformance case 33_csv_basic.
func TestRows(t *testing.T) {
	reg := metrics.NewRegistry()
	b := metrics.RegisterBuiltins(reg)
	c := reg.MustNewMetric("my_counter", metrics.Counter)
	g := reg.MustNewMetric("my_gauge", metrics.Gauge)
	at := time.Unix(1700000000, 999_000_000)
	base := map[string]string{"group": "", "scenario": "default", "testwide": "tw"}
	with := func(extra map[string]string) *metrics.TagSet {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return metrics.NewTagSet(m)
	}
	md := map[string]string{"trace": "t1", "span": "s1"}
	tests := []struct {
		name   string
		sample metrics.Sample
		want   map[string]string
	}{
		{
			name:   "custom tags in extra_tags",
			sample: metrics.Sample{Metric: c, Tags: with(map[string]string{"custom": "yes", "other": "z"}), Metadata: md, Time: at, Value: 1.5},
			want: map[string]string{"metric_name": "my_counter", "timestamp": "1700000000", "metric_value": "1.500000",
				"scenario": "default", "extra_tags": "custom=yes&other=z&testwide=tw", "metadata": "span=s1&trace=t1"},
		},
		{
			name:   "negative value",
			sample: metrics.Sample{Metric: g, Tags: with(nil), Metadata: md, Time: at, Value: -3},
			want: map[string]string{"metric_name": "my_gauge", "timestamp": "1700000000", "metric_value": "-3.000000",
				"scenario": "default", "extra_tags": "testwide=tw", "metadata": "span=s1&trace=t1"},
		},
		{
			name:   "check and group columns",
			sample: metrics.Sample{Metric: b.Checks, Tags: with(map[string]string{"check": "csv check", "group": "::grp"}), Time: at, Value: 1},
			want: map[string]string{"metric_name": "checks", "timestamp": "1700000000", "metric_value": "1.000000",
				"check": "csv check", "group": "::grp", "scenario": "default", "extra_tags": "testwide=tw"},
		},
		{
			name:   "quoting",
			sample: metrics.Sample{Metric: c, Tags: metrics.NewTagSet(map[string]string{"url": `http://x/?a="b",c`, "n": "\n", "s": " lead"}), Time: at, Value: 12.25},
			want: map[string]string{"metric_name": "my_counter", "timestamp": "1700000000", "metric_value": "12.250000",
				"url": `http://x/?a="b",c`, "extra_tags": "n=\n&s= lead"},
		},
		{
			name:   "no tags",
			sample: metrics.Sample{Metric: c, Time: at, Value: 0.0000004},
			want:   map[string]string{"metric_name": "my_counter", "timestamp": "1700000000", "metric_value": "0.000000"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEncoder(nil, TimeUnix)
			out := e.encode(e.header(), []metrics.Sample{tt.sample, tt.sample})
			rows := parse(t, out)
			require.Len(t, rows, 3)
			assert.Equal(t, k6Header, strings.Join(rows[0], ","))
			assert.Equal(t, tt.want, row(rows[0], rows[1]))
			assert.Equal(t, rows[1], rows[2], "the cached tags give the same row")
		})
	}
}

func TestSamplesWithoutMetricAreSkipped(t *testing.T) {
	e := newEncoder(nil, TimeUnix)
	m := metrics.NewRegistry().MustNewMetric("m1", metrics.Counter)
	out := e.encode(nil, []metrics.Sample{{Value: 1}, {Metric: m, Value: 1}, {}})
	assert.Equal(t, 1, bytes.Count(out, []byte("\n")))
}

func TestTimeFormats(t *testing.T) {
	at := time.Date(2024, 5, 9, 14, 34, 45, 625742514, time.UTC)
	tests := []struct {
		format TimeFormat
		want   string
	}{
		{TimeUnix, "1715265285"},
		{TimeUnixMilli, "1715265285625"},
		{TimeUnixMicro, "1715265285625742"},
		{TimeUnixNano, "1715265285625742514"},
		{TimeRFC3339, "2024-05-09T14:34:45Z"},
		{TimeRFC3339Nano, "2024-05-09T14:34:45.625742514Z"},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			assert.Equal(t, tt.want, string(newEncoder(nil, tt.format).appendTime(nil, at)))
		})
	}
}

func TestOptions(t *testing.T) {
	tests := []struct {
		name    string
		ext     string
		env     map[string]string
		arg     string
		want    Options
		wantErr string
	}{
		{name: "defaults", want: Options{FileName: "file.csv", SaveInterval: time.Second, TimeFormat: TimeUnix}},
		{name: "file name", arg: "out.csv", want: Options{FileName: "out.csv", SaveInterval: time.Second, TimeFormat: TimeUnix}},
		{name: "settings", arg: "fileName=a.csv.gz,timeFormat=rfc3339_nano,saveInterval=250ms",
			want: Options{FileName: "a.csv.gz", SaveInterval: 250 * time.Millisecond, TimeFormat: TimeRFC3339Nano}},
		{name: "snake case", arg: "file_name=b.csv,time_format=unix_milli,save_interval=2000",
			want: Options{FileName: "b.csv", SaveInterval: 2 * time.Second, TimeFormat: TimeUnixMilli}},
		{name: "ext", ext: `{"fileName":"e.csv","saveInterval":1500,"timeFormat":"rfc3339"}`,
			want: Options{FileName: "e.csv", SaveInterval: 1500 * time.Millisecond, TimeFormat: TimeRFC3339}},
		{name: "env over ext", ext: `{"fileName":"e.csv","saveInterval":"3s"}`,
			env:  map[string]string{"K6_CSV_FILENAME": "env.csv", "K6_CSV_TIME_FORMAT": "unix_nano"},
			want: Options{FileName: "env.csv", SaveInterval: 3 * time.Second, TimeFormat: TimeUnixNano}},
		{name: "arg over env", env: map[string]string{"K6_CSV_FILENAME": "env.csv", "K6_CSV_SAVE_INTERVAL": "5s"}, arg: "arg.csv",
			want: Options{FileName: "arg.csv", SaveInterval: 5 * time.Second, TimeFormat: TimeUnix}},
		{name: "ext null", ext: `null`, want: DefaultOptions()},
		{name: "bad time format", arg: "timeFormat=iso", wantErr: `unknown time format "iso"; use one of unix, unix_milli`},
		{name: "bad key", arg: "fileName=x,color=red", wantErr: `unknown setting "color"`},
		{name: "bad pair", arg: "fileName=x,y", wantErr: `"y": want key=value`},
		{name: "bad interval", arg: "saveInterval=soon", wantErr: `saveInterval "soon"`},
		{name: "zero interval", env: map[string]string{"K6_CSV_SAVE_INTERVAL": "0"}, wantErr: "K6_CSV_SAVE_INTERVAL: saveInterval \"0\": must be positive"},
		{name: "bad ext", ext: `{"fileName":3}`, wantErr: "ext.csv.fileName: want a string"},
		{name: "bad ext json", ext: `[`, wantErr: "ext.csv:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := DefaultOptions()
			err := o.ApplyExt(stdjson.RawMessage(tt.ext))
			if err == nil {
				err = o.ApplyEnv(tt.env)
			}
			if err == nil {
				err = o.ApplyArg(tt.arg)
			}
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, o)
		})
	}
}

func TestOutputFile(t *testing.T) {
	reg := metrics.NewRegistry()
	c := reg.MustNewMetric("my_counter", metrics.Counter)
	for _, name := range []string{"out.csv", "out.csv.gz"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			o := New(Config{Options: Options{FileName: path, SaveInterval: 10 * time.Millisecond}})
			assert.Equal(t, "csv ("+path+")", o.Description())
			require.NoError(t, o.Start())
			const n = 2500
			for i := range n {
				o.AddSamples([]metrics.Sample{{Metric: c, Tags: metrics.NewTagSet(map[string]string{"scenario": "s"}), Time: time.Now(), Value: float64(i)}})
			}
			require.NoError(t, o.Stop())
			raw, err := os.ReadFile(path)
			require.NoError(t, err)
			if strings.HasSuffix(name, ".gz") {
				zr, err := gzip.NewReader(bytes.NewReader(raw))
				require.NoError(t, err)
				raw, err = io.ReadAll(zr)
				require.NoError(t, err)
			}
			rows := parse(t, raw)
			require.Len(t, rows, n+1)
			assert.Equal(t, k6Header, strings.Join(rows[0], ","))
			assert.Equal(t, "2499.000000", rows[n][2])
		})
	}
}

func TestOutputStdout(t *testing.T) {
	var out bytes.Buffer
	o := New(Config{Options: Options{FileName: "-"}, StdOut: &out, SystemTags: []string{"scenario"}})
	assert.Equal(t, "csv (stdout)", o.Description())
	require.NoError(t, o.Start())
	o.AddSamples([]metrics.Sample{{Metric: metrics.NewRegistry().MustNewMetric("m1", metrics.Gauge), Time: time.Unix(5, 0), Value: 7}})
	require.NoError(t, o.Stop())
	assert.Equal(t, "metric_name,timestamp,metric_value,scenario,extra_tags,metadata\nm1,5,7.000000,,,\n", out.String())
}

func TestAppendFieldMatchesEncodingCSV(t *testing.T) {
	for _, s := range []string{"", "a", "a,b", `a"b`, "a\nb", "a\rb", " a", "\ta", `\.`, "\u00a0x", "x "} {
		assert.Equal(t, stdField(t, s), string(appendField(nil, s)), "%q", s)
	}
}

func FuzzAppendField(f *testing.F) {
	for _, s := range []string{"", "a,b", `"`, " x", `\.`, "\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		require.Equal(t, stdField(t, s), string(appendField(nil, s)))
	})
}

func stdField(t testing.TB, s string) string {
	var b bytes.Buffer
	w := stdcsv.NewWriter(&b)
	require.NoError(t, w.Write([]string{s}))
	w.Flush()
	out := strings.TrimSuffix(b.String(), "\n")
	if out == `""` { // encoding/csv quotes a lone empty field so that the line is not empty
		out = ""
	}
	return out
}

func TestTagCacheCollisions(t *testing.T) {
	e := newEncoder([]string{"scenario"}, TimeUnix)
	var sets []*metrics.TagSet
	for i := range 2000 {
		sets = append(sets, metrics.NewTagSet(map[string]string{"scenario": "s", "i": strings.Repeat("x", i%50) + string(rune('a'+i%26))}))
	}
	for _, s := range append(slices.Clone(sets), sets...) {
		want := e.encodeTags(nil, s)
		assert.Equal(t, string(want), string(e.appendTags(nil, s)))
	}
}
