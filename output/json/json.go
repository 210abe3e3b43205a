// Package json is the json output: every sample as a line of k6's NDJSON.
//
// The first sample of a metric is preceded by a line describing the metric:
//
//	{"type":"Metric","data":{"name":"my_trend","type":"trend","contains":"default","thresholds":["p(95)<100"],"submetrics":null},"metric":"my_trend"}
//
// and every sample is one line:
//
//	{"metric":"my_trend","type":"Point","data":{"time":"2024-05-09T14:34:45.625742514+02:00","value":5,"tags":{"group":"","scenario":"main"}}}
//
// with "metadata" after "tags" when the sample has metadata. "thresholds" lists
// the sources of the metric's own thresholds (never null); "submetrics" lists
// the sub-metrics named by threshold selectors, as {name, suffix, tags}, or is
// null. A file name ending in ".gz" is written gzip-compressed; no file name,
// or "-", writes to standard output.
package json

import (
	"bytes"
	stdjson "encoding/json"
	"io"
	"sort"

	"github.com/sirupsen/logrus"

	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/output"
	"github.com/minik6/minik6/output/internal/batchfile"
)

// The json output registers itself as "json": "json" or "json=-" writes to
// standard output, "json=FILE" to FILE (gzip when it ends in ".gz").
func init() {
	output.Register("json", func(arg string, p output.Params) (metrics.Output, error) {
		return New(Config{
			FileName: arg, StdOut: p.StdOut, Thresholds: p.Thresholds, SubMetrics: p.SubMetrics, Logger: p.Logger,
		}), nil
	})
}

// Config configures the json output.
type Config struct {
	// FileName is the file to write; "" or "-" writes to StdOut.
	FileName string
	// StdOut is standard output; os.Stdout if nil.
	StdOut io.Writer
	// Thresholds is the thresholds option, keyed by selector: Metric lines list
	// the sources of a metric's thresholds and the sub-metrics its selectors name.
	Thresholds map[string][]metrics.ThresholdConfig
	// SubMetrics are more sub-metric selectors to list in Metric lines, such as
	// metrics.ExpectedResponseSubMetric.
	SubMetrics []string
	// Logger reports write errors as they happen.
	Logger logrus.FieldLogger
}

// Output writes samples as k6's NDJSON. It implements metrics.Output.
type Output struct {
	w   *batchfile.Writer
	cfg batchfile.Config
}

var (
	_ metrics.Output       = (*Output)(nil)
	_ output.BatchRecycler = (*Output)(nil)
	_ output.Abandoner     = (*Output)(nil)
)

// New returns a json output; it opens nothing before Start.
func New(c Config) *Output {
	cfg := batchfile.Config{Label: "json", FileName: c.FileName, StdOut: c.StdOut, Logger: c.Logger}
	return &Output{cfg: cfg, w: batchfile.New(cfg, newEncoder(c).encode)}
}

// Description names the output: "json (FILE)" or "json (stdout)".
func (o *Output) Description() string { return o.cfg.Description() }

// Start creates the file.
func (o *Output) Start() error { return o.w.Start(nil) }

// AddSamples queues a batch; it is written on the output's own goroutine.
func (o *Output) AddSamples(batch []metrics.Sample) { o.w.Add(batch) }

// SetBatchDone sets the function the output calls with each batch given to
// AddSamples, once, when it no longer reads it (see output.BatchRecycler).
// Call it before Start.
func (o *Output) SetBatchDone(done func(batch []metrics.Sample)) { o.w.SetRelease(done) }

// Stop writes everything queued and closes the file.
func (o *Output) Stop() error { return o.w.Stop() }

// Abandon closes the file at once, valid, when the process must exit now.
func (o *Output) Abandon() { o.w.Abandon() }

// encoder turns samples into lines. It runs on the writer's goroutine only.
type encoder struct {
	thresholds map[string][]string    // sources by metric name
	subs       map[string][]submetric // sub-metrics by metric name
	byMetric   map[*metrics.Metric]*metricLines
	byName     map[string]*metricLines
	tags       tagCache
	times      timeCache
	keys       []string // scratch for metadata keys
}

// metricLines is what the encoder writes for one metric.
type metricLines struct {
	prefix []byte // a Point line up to the time's opening quote
}

type submetric struct {
	Name   string            `json:"name"`
	Suffix string            `json:"suffix"`
	Tags   map[string]string `json:"tags"`
}

func newEncoder(c Config) *encoder {
	e := &encoder{
		thresholds: make(map[string][]string),
		subs:       make(map[string][]submetric),
		byMetric:   make(map[*metrics.Metric]*metricLines),
		byName:     make(map[string]*metricLines),
	}
	selectors := make([]string, 0, len(c.Thresholds)+len(c.SubMetrics))
	for sel, list := range c.Thresholds {
		selectors = append(selectors, sel)
		for _, t := range list {
			e.thresholds[sel] = append(e.thresholds[sel], t.Source)
		}
	}
	selectors = append(selectors, c.SubMetrics...)
	sort.Strings(selectors)
	for _, s := range selectors {
		sel, err := metrics.ParseSelector(s)
		if err != nil || sel.Tags == nil { // bad selectors are the engine's to report
			continue
		}
		suffix := sel.Name[len(sel.Metric)+1 : len(sel.Name)-1]
		dup := false
		for _, sm := range e.subs[sel.Metric] {
			dup = dup || sm.Suffix == suffix
		}
		if !dup {
			e.subs[sel.Metric] = append(e.subs[sel.Metric], submetric{Name: sel.Name, Suffix: suffix, Tags: sel.Tags.Map()})
		}
	}
	return e
}

// encode appends the lines of batch to dst: a Metric line before a metric's
// first Point line, then one Point line per sample. Samples without a metric
// are skipped, as the engine skips them.
func (e *encoder) encode(dst []byte, batch []metrics.Sample) []byte {
	for i := range batch {
		s := &batch[i]
		if s.Metric == nil {
			continue
		}
		ml := e.byMetric[s.Metric]
		if ml == nil {
			ml, dst = e.describe(dst, s.Metric)
		}
		dst = append(dst, ml.prefix...)
		dst = e.times.appendTime(dst, s.Time)
		dst = append(dst, `","value":`...)
		dst = appendFloat(dst, s.Value)
		dst = append(dst, `,"tags":`...)
		dst = e.tags.appendTags(dst, s.Tags)
		if len(s.Metadata) > 0 {
			dst = append(dst, `,"metadata":`...)
			dst, e.keys = appendStringMap(dst, s.Metadata, e.keys)
		}
		dst = append(dst, "}}\n"...)
	}
	return dst
}

// describe returns the lines of metric m, appending its Metric line to dst
// unless a metric of that name was described already.
func (e *encoder) describe(dst []byte, m *metrics.Metric) (*metricLines, []byte) {
	if ml := e.byName[m.Name]; ml != nil {
		e.byMetric[m] = ml
		return ml, dst
	}
	ml := &metricLines{}
	ml.prefix = append(ml.prefix, `{"metric":`...)
	ml.prefix = appendString(ml.prefix, m.Name)
	ml.prefix = append(ml.prefix, `,"type":"Point","data":{"time":"`...)
	e.byMetric[m], e.byName[m.Name] = ml, ml
	return ml, append(dst, e.metricLine(m)...)
}

// metricLine is the Metric line of m, newline included.
func (e *encoder) metricLine(m *metrics.Metric) []byte {
	type data struct {
		Name       string      `json:"name"`
		Type       string      `json:"type"`
		Contains   string      `json:"contains"`
		Thresholds []string    `json:"thresholds"`
		Submetrics []submetric `json:"submetrics"`
	}
	line := struct {
		Type   string `json:"type"`
		Data   data   `json:"data"`
		Metric string `json:"metric"`
	}{
		Type: "Metric",
		Data: data{
			Name: m.Name, Type: m.Type.String(), Contains: m.Contains.String(),
			Thresholds: append([]string{}, e.thresholds[m.Name]...), Submetrics: e.subs[m.Name],
		},
		Metric: m.Name,
	}
	var b bytes.Buffer
	enc := stdjson.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(line) // strings, string slices and string maps always encode
	return b.Bytes()
}
