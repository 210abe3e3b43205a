// Package output selects and builds the outputs of a run (--out) and feeds
// them: [FanOut] takes the VUs' sample batches, aggregates them in the
// metrics engine at once and hands them to every output in periodic batches,
// off the VUs' path.
//
// The outputs implement [metrics.Output]: json (output/json, k6's NDJSON) and
// csv (output/csv, k6's CSV).
package output

import (
	stdjson "encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/output/csv"
	"github.com/minik6/minik6/output/json"
)

// The names of the outputs minik6 has.
const (
	JSON = "json"
	CSV  = "csv"
)

// Known returns the names of the outputs minik6 has, sorted.
func Known() []string { return []string{CSV, JSON} }

// k6Only are outputs of k6 that minik6 does not have, for a clearer message.
var k6Only = []string{
	"cloud", "experimental-opentelemetry", "experimental-prometheus-rw", "influxdb",
	"opentelemetry", "statsd", "web-dashboard",
}

// Parse splits an --out value into the output's name and its argument:
// "json=out.json" is ("json", "out.json"), "csv" is ("csv", ""). The name
// must be one of [Known]; the argument is the output's to interpret (New
// checks it).
func Parse(spec string) (name, arg string, err error) {
	name, arg, _ = strings.Cut(spec, "=")
	if name == "" {
		return "", "", fmt.Errorf("invalid output %q: want TYPE or TYPE=ARGUMENT, where TYPE is one of %s",
			spec, strings.Join(Known(), ", "))
	}
	if !slices.Contains(Known(), name) {
		if slices.Contains(k6Only, name) {
			return "", "", fmt.Errorf("output type '%s' is not supported by minik6; available types are: %s",
				name, strings.Join(Known(), ", "))
		}
		return "", "", fmt.Errorf("invalid output type '%s', available types are: %s",
			name, strings.Join(Known(), ", "))
	}
	return name, arg, nil
}

// Params is what the outputs need to know of the run.
type Params struct {
	// Thresholds is the thresholds option, keyed by selector, as given to
	// metrics.NewEngine. The json output lists a metric's threshold sources
	// and the sub-metrics that selectors name in the metric's Metric line.
	Thresholds map[string][]metrics.ThresholdConfig
	// SubMetrics are sub-metric selectors tracked without a threshold, as
	// given to metrics.WithSubMetrics; k6 lists
	// metrics.ExpectedResponseSubMetric when the expected_response system tag
	// is enabled.
	SubMetrics []string
	// SystemTags are the enabled system tags (the consolidated systemTags
	// option); the csv output gives each one a column. Nil means k6's defaults.
	SystemTags []string
	// Ext is the `ext` option; the csv output reads ext.csv.
	Ext map[string]stdjson.RawMessage
	// Env is the environment the K6_CSV_* variables come from.
	Env map[string]string
	// StdOut is where "json", "json=-" and "csv=-" write; os.Stdout if nil.
	StdOut io.Writer
	// Logger reports write errors as they happen; nil logs nothing.
	Logger logrus.FieldLogger
}

// New builds the output that an --out value names (see [Parse]): "json" or
// "json=-" writes NDJSON to standard output, "json=FILE" to FILE (gzip when it
// ends in ".gz"); "csv" writes to file.csv unless ext.csv or K6_CSV_FILENAME
// say otherwise, "csv=FILE" to FILE, "csv=fileName=F,timeFormat=T,saveInterval=D"
// sets any of the csv settings. New opens nothing: files are created by Start,
// so calling New early only validates. Errors name the --out value.
func New(spec string, p Params) (metrics.Output, error) {
	name, arg, err := Parse(spec)
	if err != nil {
		return nil, err
	}
	switch name {
	case JSON:
		return json.New(json.Config{
			FileName: arg, StdOut: p.StdOut, Thresholds: p.Thresholds, SubMetrics: p.SubMetrics, Logger: p.Logger,
		}), nil
	case CSV:
		o := csv.DefaultOptions()
		if err := o.ApplyExt(p.Ext["csv"]); err != nil {
			return nil, fmt.Errorf("--out %s: %w", spec, err)
		}
		if err := o.ApplyEnv(p.Env); err != nil {
			return nil, fmt.Errorf("--out %s: %w", spec, err)
		}
		if err := o.ApplyArg(arg); err != nil {
			return nil, fmt.Errorf("--out %s: %w", spec, err)
		}
		return csv.New(csv.Config{Options: o, SystemTags: p.SystemTags, StdOut: p.StdOut, Logger: p.Logger}), nil
	}
	panic("output: " + name + " is in Known but New does not build it") // unreachable: Parse checked
}

// NewAll builds the outputs of several --out values, in order.
func NewAll(specs []string, p Params) ([]metrics.Output, error) {
	outs := make([]metrics.Output, 0, len(specs))
	for _, s := range specs {
		o, err := New(s, p)
		if err != nil {
			return nil, err
		}
		outs = append(outs, o)
	}
	return outs, nil
}
