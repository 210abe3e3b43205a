// Package output selects and builds the outputs of a run (--out) and feeds
// them: [FanOut] takes the VUs' sample batches, aggregates them in the
// metrics engine at once and hands them to every output in periodic batches,
// off the VUs' path.
//
// Outputs implement [metrics.Output] and register themselves by name from
// their own packages ([Register]), as json (output/json, k6's NDJSON) and csv
// (output/csv, k6's CSV) do; a binary imports the packages of the outputs it
// offers. Optional interfaces give an output what only some need: the final
// threshold results, the run's end status, the loaded test, a way to stop the
// run.
package output

import (
	stdjson "encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"

	"github.com/minik6/minik6/load"
	"github.com/minik6/minik6/metrics"
)

// Constructor builds an output from the argument of its --out value (what
// follows "NAME=", "" when there is none) and what it needs of the run. It
// should open nothing: Start does; so building an output early only
// validates. Errors should name the setting at fault.
type Constructor func(arg string, p Params) (metrics.Output, error)

var (
	registryMu sync.RWMutex
	registry   = map[string]Constructor{}
)

// Register makes an output available to --out under name. Each output calls it
// from an init function of its own package. An empty or duplicate name, or a
// nil constructor, is a programming error: Register panics.
func Register(name string, c Constructor) {
	if name == "" || strings.ContainsAny(name, "=, ") {
		panic(fmt.Sprintf("output.Register: %q is not a valid output name", name))
	}
	if c == nil {
		panic(fmt.Sprintf("output.Register: output %q has a nil constructor", name))
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic(fmt.Sprintf("output.Register: output %q is already registered", name))
	}
	registry[name] = c
}

// Known returns the names of the registered outputs, sorted.
func Known() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

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
	known := Known()
	if name == "" {
		return "", "", fmt.Errorf("invalid output %q: want TYPE or TYPE=ARGUMENT, where TYPE is one of %s",
			spec, strings.Join(known, ", "))
	}
	if !slices.Contains(known, name) {
		if slices.Contains(k6Only, name) {
			return "", "", fmt.Errorf("output type '%s' is not supported by minik6; available types are: %s",
				name, strings.Join(known, ", "))
		}
		return "", "", fmt.Errorf("invalid output type '%s', available types are: %s",
			name, strings.Join(known, ", "))
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
	// Cloud is the `cloud` option (raw JSON, nil when unset).
	Cloud stdjson.RawMessage
	// Collectors are the config file's "collectors": settings by output
	// name, as k6's config file keeps them (collectors.cloud).
	Collectors map[string]stdjson.RawMessage
	// Env is the environment the K6_CSV_* variables come from.
	Env map[string]string
	// Version is minik6's version, which the cloud output reports.
	Version string
	// AttachArchive makes the cloud output attach the test's archive to the
	// test run it creates (cloud run --local-execution).
	AttachArchive bool
	// StdOut is where "json", "json=-" and "csv=-" write; os.Stdout if nil.
	StdOut io.Writer
	// Engine is the run's metrics engine, for outputs that send aggregates
	// rather than samples (the collector output).
	Engine *metrics.Engine
	// APIAddress is where the run's REST API listens ("" when it does not).
	APIAddress string
	// Logger reports write errors as they happen; nil logs nothing.
	Logger logrus.FieldLogger
}

// New builds the output that an --out value names (see [Parse]) with the
// constructor its package registered.
func New(spec string, p Params) (metrics.Output, error) {
	name, arg, err := Parse(spec)
	if err != nil {
		return nil, err
	}
	registryMu.RLock()
	c := registry[name]
	registryMu.RUnlock()
	return c(arg, p)
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

// RunStatus is how a run ended, in the k6 cloud's numbers (the cloud output
// sends it as run_status).
type RunStatus int

// The run statuses a local run can end with.
const (
	RunFinished           RunStatus = 3
	RunAbortedUser        RunStatus = 5
	RunAbortedSystem      RunStatus = 6
	RunAbortedScriptError RunStatus = 7
	RunAbortedThreshold   RunStatus = 8
	RunAbortedLimit       RunStatus = 9
)

// ThresholdsReceiver is an optional interface of an output that wants the
// final threshold results: they are set once, after the last sample and
// before Stop, keyed by (sub-)metric name.
type ThresholdsReceiver interface {
	SetThresholdResults(results map[string][]metrics.ThresholdResult)
}

// RunStatusReceiver is an optional interface of an output that wants to know
// how the run ended: set once, before Stop, with the run's error (nil for a
// normal end).
type RunStatusReceiver interface {
	SetRunStatus(status RunStatus, err error)
}

// TestReceiver is an optional interface of an output that needs the loaded
// test (its options, its files for an archive): set once, before Start.
type TestReceiver interface {
	SetTest(t *load.Test)
}

// Abandoner is an optional interface of an output that writes a file: when
// the process must exit now (a second signal), Abandon stops writing at once
// and closes the file so that it stays valid (a gzip file gets its trailer).
// It may be called during or after Stop, from another goroutine.
type Abandoner interface {
	Abandon()
}

// RunStopper is an optional interface of an output that may need to stop the
// run (the cloud stopping a test, say): before Start it is given the function
// that stops the run with a cause, whose exit code the run then ends with.
type RunStopper interface {
	SetRunStopper(stop func(cause error))
}
