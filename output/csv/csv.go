// Package csv is the csv output: every sample as a row of k6's CSV.
//
// The header is
//
//	metric_name,timestamp,metric_value,<tag columns>,extra_tags,metadata
//
// where the tag columns are the enabled system tags (the systemTags option)
// in alphabetical order; with k6's defaults: check, error, error_code,
// expected_response, group, method, name, proto, scenario, service, status,
// subproto, tls_version, url. A row holds the metric's name, the sample's
// time (unix seconds unless timeFormat says otherwise), its value with six
// decimals, the value of each tag column ("" when the sample lacks the tag),
// the sample's other tags as k=v&k2=v2, and its metadata the same way (both
// sorted by key). Fields are quoted as CSV requires (as encoding/csv does).
package csv

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sirupsen/logrus"

	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/output"
	"github.com/minik6/minik6/output/internal/batchfile"
)

// DefaultSystemTags are k6's default system tags, the tag columns when
// Config.SystemTags is nil.
func DefaultSystemTags() []string {
	return []string{
		"proto", "subproto", "status", "method", "url", "name", "group", "check",
		"error", "error_code", "tls_version", "scenario", "service", "expected_response",
	}
}

// Config configures the csv output.
type Config struct {
	Options
	// SystemTags are the enabled system tags, which get a column each; nil
	// means k6's defaults.
	SystemTags []string
	// StdOut is standard output, for the file name "-"; os.Stdout if nil.
	StdOut io.Writer
	// Logger reports write errors as they happen.
	Logger logrus.FieldLogger
}

// Output writes samples as k6's CSV. It implements metrics.Output.
type Output struct {
	w   *batchfile.Writer
	cfg batchfile.Config
	enc *encoder
}

var (
	_ metrics.Output       = (*Output)(nil)
	_ output.BatchRecycler = (*Output)(nil)
	_ output.Abandoner     = (*Output)(nil)
)

// The csv output registers itself as "csv": "csv" writes to file.csv unless
// ext.csv or K6_CSV_FILENAME say otherwise, "csv=FILE" to FILE, and
// "csv=fileName=F,timeFormat=T,saveInterval=D" sets any of the settings.
// The argument wins over K6_CSV_* variables, which win over ext.csv.
func init() {
	output.Register("csv", func(arg string, p output.Params) (metrics.Output, error) {
		o := DefaultOptions()
		spec := "csv"
		if arg != "" {
			spec += "=" + arg
		}
		if err := o.ApplyExt(p.Ext["csv"]); err != nil {
			return nil, fmt.Errorf("--out %s: %w", spec, err)
		}
		if err := o.ApplyEnv(p.Env); err != nil {
			return nil, fmt.Errorf("--out %s: %w", spec, err)
		}
		if err := o.ApplyArg(arg); err != nil {
			return nil, fmt.Errorf("--out %s: %w", spec, err)
		}
		return New(Config{Options: o, SystemTags: p.SystemTags, StdOut: p.StdOut, Logger: p.Logger}), nil
	})
}

// New returns a csv output; it opens nothing before Start.
func New(c Config) *Output {
	if c.TimeFormat == "" {
		c.TimeFormat = DefaultTimeFormat
	}
	if c.SaveInterval <= 0 {
		c.SaveInterval = DefaultSaveInterval
	}
	cfg := batchfile.Config{
		Label: "csv", FileName: c.FileName, StdOut: c.StdOut, Interval: c.SaveInterval, Logger: c.Logger,
	}
	if cfg.FileName == "" {
		cfg.FileName = batchfile.Stdout
	}
	enc := newEncoder(c.SystemTags, c.TimeFormat)
	return &Output{cfg: cfg, enc: enc, w: batchfile.New(cfg, enc.encode)}
}

// Description names the output: "csv (FILE)" or "csv (stdout)".
func (o *Output) Description() string { return o.cfg.Description() }

// Start creates the file and writes the header.
func (o *Output) Start() error { return o.w.Start(o.enc.header()) }

// AddSamples queues a batch; it is written every SaveInterval on the output's
// own goroutine.
func (o *Output) AddSamples(batch []metrics.Sample) { o.w.Add(batch) }

// SetBatchDone sets the function the output calls with each batch given to
// AddSamples, once, when it no longer reads it (see output.BatchRecycler).
// Call it before Start.
func (o *Output) SetBatchDone(done func(batch []metrics.Sample)) { o.w.SetRelease(done) }

// Stop writes everything queued and closes the file.
func (o *Output) Stop() error { return o.w.Stop() }

// Abandon closes the file at once, valid, when the process must exit now.
func (o *Output) Abandon() { o.w.Abandon() }

// encoder turns samples into rows. It runs on the writer's goroutine only.
type encoder struct {
	columns    []string // tag columns, sorted
	timeFormat TimeFormat
	names      map[*metrics.Metric][]byte // the metric_name field and its comma
	tags       [tagCacheSize]struct {
		set *metrics.TagSet
		enc []byte // the tag columns and extra_tags, comma-separated
	}
	keys    []string // scratch for metadata keys
	scratch []byte
}

const tagCacheSize = 256

func newEncoder(systemTags []string, tf TimeFormat) *encoder {
	if systemTags == nil {
		systemTags = DefaultSystemTags()
	}
	cols := slices.Clone(systemTags)
	slices.Sort(cols)
	cols = slices.Compact(cols)
	return &encoder{columns: cols, timeFormat: tf, names: make(map[*metrics.Metric][]byte)}
}

func (e *encoder) header() []byte {
	var b []byte
	for _, f := range append(append([]string{"metric_name", "timestamp", "metric_value"}, e.columns...),
		"extra_tags", "metadata") {
		if len(b) > 0 {
			b = append(b, ',')
		}
		b = appendField(b, f)
	}
	return append(b, '\n')
}

// encode appends one row per sample to dst. Samples without a metric are
// skipped, as the engine skips them.
func (e *encoder) encode(dst []byte, batch []metrics.Sample) []byte {
	for i := range batch {
		s := &batch[i]
		if s.Metric == nil {
			continue
		}
		name, ok := e.names[s.Metric]
		if !ok {
			name = append(appendField(nil, s.Metric.Name), ',')
			e.names[s.Metric] = name
		}
		dst = append(dst, name...)
		dst = e.appendTime(dst, s.Time)
		dst = append(dst, ',')
		dst = strconv.AppendFloat(dst, s.Value, 'f', 6, 64)
		dst = append(dst, ',')
		dst = e.appendTags(dst, s.Tags)
		dst = append(dst, ',')
		if len(s.Metadata) > 0 {
			dst = e.appendMetadata(dst, s.Metadata)
		}
		dst = append(dst, '\n')
	}
	return dst
}

func (e *encoder) appendTime(dst []byte, t time.Time) []byte {
	switch e.timeFormat {
	case TimeUnixMilli:
		return strconv.AppendInt(dst, t.UnixMilli(), 10)
	case TimeUnixMicro:
		return strconv.AppendInt(dst, t.UnixMicro(), 10)
	case TimeUnixNano:
		return strconv.AppendInt(dst, t.UnixNano(), 10)
	case TimeRFC3339:
		return t.AppendFormat(dst, time.RFC3339)
	case TimeRFC3339Nano:
		return t.AppendFormat(dst, time.RFC3339Nano)
	default:
		return strconv.AppendInt(dst, t.Unix(), 10)
	}
}

// appendTags appends the tag columns and extra_tags of a tag set, from a
// small cache by hash (runs share a few sets among many samples).
func (e *encoder) appendTags(dst []byte, tags *metrics.TagSet) []byte {
	c := &e.tags[tags.Hash()%tagCacheSize]
	if c.set == nil || (c.set != tags && !c.set.Equal(tags)) {
		c.set = tags
		c.enc = e.encodeTags(c.enc[:0], tags)
	}
	return append(dst, c.enc...)
}

func (e *encoder) encodeTags(dst []byte, tags *metrics.TagSet) []byte {
	for i, col := range e.columns {
		if i > 0 {
			dst = append(dst, ',')
		}
		if v, ok := tags.Get(col); ok {
			dst = appendField(dst, v)
		}
	}
	if len(e.columns) > 0 {
		dst = append(dst, ',')
	}
	extra := e.scratch[:0]
	tags.Range(func(k, v string) bool {
		if _, isColumn := slices.BinarySearch(e.columns, k); !isColumn {
			if len(extra) > 0 {
				extra = append(extra, '&')
			}
			extra = append(append(append(extra, k...), '='), v...)
		}
		return true
	})
	e.scratch = extra
	return appendFieldBytes(dst, extra)
}

// appendMetadata appends the metadata column: k=v&k2=v2, sorted by key.
func (e *encoder) appendMetadata(dst []byte, md map[string]string) []byte {
	keys := e.keys[:0]
	for k := range md {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b := e.scratch[:0]
	for i, k := range keys {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(append(append(b, k...), '='), md[k]...)
	}
	clear(keys)
	e.keys, e.scratch = keys, b
	return appendFieldBytes(dst, b)
}

// appendField appends one CSV field, quoted when encoding/csv would quote
// it: when it holds a comma, a quote, \r or \n, begins with a space, or is
// `\.`.
func appendField(dst []byte, s string) []byte {
	if !fieldNeedsQuotes(s) {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		dst = append(dst, s[:i+1]...)
		dst = append(dst, '"')
		s = s[i+1:]
	}
	dst = append(dst, s...)
	return append(dst, '"')
}

func appendFieldBytes(dst, b []byte) []byte {
	if !fieldNeedsQuotes(string(b)) { // no allocation: the conversion does not escape
		return append(dst, b...)
	}
	return appendField(dst, string(b))
}

func fieldNeedsQuotes(s string) bool {
	if s == "" {
		return false
	}
	if s == `\.` || strings.ContainsAny(s, ",\"\r\n") {
		return true
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsSpace(r)
}
