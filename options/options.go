package options

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"gopkg.in/guregu/null.v3"

	"github.com/minik6/minik6/segment"
)

// Defaults of options whose unset value means something, as k6 documents them.
const (
	DefaultSetupTimeout         = 60 * time.Second
	DefaultTeardownTimeout      = 60 * time.Second
	DefaultHandleSummaryTimeout = 2 * time.Minute
	DefaultBatch                = 20
	DefaultBatchPerHost         = 6
	DefaultMaxRedirects         = 10
)

// DefaultSummaryTrendStats are the trend columns of the end-of-test summary.
func DefaultSummaryTrendStats() []string {
	return []string{"avg", "min", "med", "max", "p(90)", "p(95)"}
}

// DefaultSystemTags are the system tags k6 attaches to samples by default.
func DefaultSystemTags() []string {
	return []string{
		"proto", "subproto", "status", "method", "url", "name", "group", "check",
		"error", "error_code", "tls_version", "scenario", "service", "expected_response",
	}
}

// KnownSystemTags are all the system tags that systemTags may name: the
// defaults plus vu, iter, ip and ocsp_status.
func KnownSystemTags() []string {
	return append(DefaultSystemTags(), "vu", "iter", "ip", "ocsp_status")
}

// Options is every k6 test option. Unset scalars are null, unset lists and
// maps nil. The zero value is "nothing set".
type Options struct {
	// Paused starts the test paused, to be resumed through the REST API.
	Paused null.Bool

	// The execution shortcuts; DeriveScenarios folds them into Scenarios.
	VUs        null.Int
	Duration   NullDuration
	Iterations null.Int
	Stages     []Stage

	// Scenarios by name; nil when unset.
	Scenarios Scenarios

	// ExecutionSegment is this instance's share of the test (nil: all of it).
	ExecutionSegment *segment.Segment
	// ExecutionSegmentSequence is how the test is split between instances
	// (nil: not given).
	ExecutionSegmentSequence segment.Sequence

	NoSetup              null.Bool
	SetupTimeout         NullDuration
	NoTeardown           null.Bool
	TeardownTimeout      NullDuration
	HandleSummaryTimeout NullDuration

	RPS                   null.Int
	DNS                   DNSConfig
	MaxRedirects          null.Int
	UserAgent             null.String
	Batch                 null.Int
	BatchPerHost          null.Int
	HTTPDebug             null.String
	InsecureSkipTLSVerify null.Bool
	TLSCipherSuites       TLSCipherSuites
	TLSVersion            *TLSVersions
	TLSAuth               []TLSAuth
	Throw                 null.Bool
	Thresholds            Thresholds
	BlacklistIPs          []IPNet
	BlockHostnames        HostnamePatterns
	Hosts                 map[string]string
	NoConnectionReuse     null.Bool
	NoVUConnectionReuse   null.Bool
	MinIterationDuration  NullDuration
	NoCookiesReset        null.Bool
	DiscardResponseBodies null.Bool

	// Ext is the `ext` option: settings for outputs and extensions, by name.
	Ext map[string]json.RawMessage
	// Cloud is the `cloud` option, kept as raw JSON for the cloud package.
	Cloud json.RawMessage

	SummaryTrendStats []string
	SummaryTimeUnit   null.String
	// SystemTags names the system tags to attach; nil means the defaults.
	SystemTags []string
	// Tags are added to every sample of the run.
	Tags                    map[string]string
	MetricSamplesBufferSize null.Int
	ConsoleOutput           null.String
	// LocalIPs is the `localIPs` source-address list, as written.
	LocalIPs null.String
	// Features are the enabled feature flags.
	Features []string
}

// Parse reads options from JSON: a --config file or the script's exported
// `options` after JSON.stringify. Unknown top-level keys are ignored (config
// files carry other settings too); inside scenarios they are errors. A value
// of the wrong type or an invalid value gives an *OptionError naming the
// option. Empty input and null give empty Options.
func Parse(data []byte) (Options, error) {
	var o Options
	if len(bytes.TrimSpace(data)) == 0 {
		return o, nil
	}
	if !json.Valid(data) {
		var v any
		err := json.Unmarshal(data, &v)
		return o, err
	}
	if err := decodeObject(data, false, o.fields()); err != nil {
		var oe *OptionError
		if !errors.As(err, &oe) {
			err = &OptionError{Path: "options", Err: err}
		}
		return Options{}, err
	}
	return o, nil
}

// UnmarshalJSON is Parse.
func (o *Options) UnmarshalJSON(data []byte) error {
	v, err := Parse(data)
	if err == nil {
		*o = v
	}
	return err
}

func (o *Options) fields() []field {
	return []field{
		{"paused", boolField(&o.Paused)},
		{"vus", intField(&o.VUs)},
		{"duration", durationField(&o.Duration)},
		{"iterations", intField(&o.Iterations)},
		{"stages", stagesField(&o.Stages, false)},
		{"scenarios", func(raw json.RawMessage) error {
			v, err := decodeScenarios(raw)
			o.Scenarios = v
			return err
		}},
		{"executionSegment", func(raw json.RawMessage) error {
			v, err := decodeSegment(raw)
			o.ExecutionSegment = v
			return err
		}},
		{"executionSegmentSequence", func(raw json.RawMessage) error {
			v, err := decodeSequence(raw)
			o.ExecutionSegmentSequence = v
			return err
		}},
		{"noSetup", boolField(&o.NoSetup)},
		{"setupTimeout", durationField(&o.SetupTimeout)},
		{"noTeardown", boolField(&o.NoTeardown)},
		{"teardownTimeout", durationField(&o.TeardownTimeout)},
		{"handleSummaryTimeout", durationField(&o.HandleSummaryTimeout)},
		{"rps", intField(&o.RPS)},
		{"dns", func(raw json.RawMessage) error { return o.DNS.UnmarshalJSON(raw) }},
		{"maxRedirects", intField(&o.MaxRedirects)},
		{"userAgent", stringField(&o.UserAgent)},
		{"batch", intField(&o.Batch)},
		{"batchPerHost", intField(&o.BatchPerHost)},
		{"httpDebug", httpDebugField(&o.HTTPDebug)},
		{"insecureSkipTLSVerify", boolField(&o.InsecureSkipTLSVerify)},
		{"tlsCipherSuites", func(raw json.RawMessage) error {
			if kindOf(raw) == kindNull {
				o.TLSCipherSuites = nil
				return nil
			}
			return o.TLSCipherSuites.UnmarshalJSON(raw)
		}},
		{"tlsVersion", func(raw json.RawMessage) error {
			o.TLSVersion = nil
			if kindOf(raw) == kindNull {
				return nil
			}
			var v TLSVersions
			if err := v.UnmarshalJSON(raw); err != nil {
				return err
			}
			o.TLSVersion = &v
			return nil
		}},
		{"tlsAuth", func(raw json.RawMessage) error {
			v, err := decodeList(raw, "an array of {domains, cert, key, password} objects", func(item json.RawMessage) (TLSAuth, error) {
				var a TLSAuth
				err := a.UnmarshalJSON(item)
				return a, err
			})
			o.TLSAuth = v
			return err
		}},
		{"throw", boolField(&o.Throw)},
		{"thresholds", func(raw json.RawMessage) error {
			v, err := decodeThresholds(raw)
			o.Thresholds = v
			return err
		}},
		{"blacklistIPs", func(raw json.RawMessage) error {
			v, err := decodeIPNets(raw)
			o.BlacklistIPs = v
			return err
		}},
		{"blockHostnames", func(raw json.RawMessage) error {
			list, err := decodeStringList(raw)
			if err != nil || list == nil {
				o.BlockHostnames = nil
				return err
			}
			o.BlockHostnames, err = ParseHostnamePatterns(list)
			return err
		}},
		{"hosts", stringMapField(&o.Hosts)},
		{"noConnectionReuse", boolField(&o.NoConnectionReuse)},
		{"noVUConnectionReuse", boolField(&o.NoVUConnectionReuse)},
		{"minIterationDuration", durationField(&o.MinIterationDuration)},
		{"noCookiesReset", boolField(&o.NoCookiesReset)},
		{"discardResponseBodies", boolField(&o.DiscardResponseBodies)},
		{"ext", func(raw json.RawMessage) error {
			o.Ext = nil
			switch kindOf(raw) {
			case kindNull:
				return nil
			case kindObject:
				return json.Unmarshal(raw, &o.Ext)
			}
			return typeMismatch("an object", raw)
		}},
		{"cloud", rawObjectField(&o.Cloud)},
		{"summaryTrendStats", stringListField(&o.SummaryTrendStats)},
		{"summaryTimeUnit", stringField(&o.SummaryTimeUnit)},
		{"systemTags", func(raw json.RawMessage) error {
			list, err := decodeStringList(raw)
			o.SystemTags = NormalizeSystemTags(list)
			return err
		}},
		{"tags", stringMapField(&o.Tags)},
		{"metricSamplesBufferSize", intField(&o.MetricSamplesBufferSize)},
		{"consoleOutput", stringField(&o.ConsoleOutput)},
		{"localIPs", stringField(&o.LocalIPs)},
		{"features", stringListField(&o.Features)},
	}
}

// httpDebugField reads httpDebug: a string ("full", "headers"), or a
// boolean, where true means "headers" and false means off.
func httpDebugField(dst *null.String) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		if kindOf(raw) == kindBool {
			var b null.Bool
			if err := boolField(&b)(raw); err != nil {
				return err
			}
			*dst = null.StringFrom("")
			if b.Bool {
				*dst = null.StringFrom("headers")
			}
			return nil
		}
		return stringField(dst)(raw)
	}
}

// decodeList reads a JSON array, decoding each item with one.
func decodeList[T any](raw []byte, want string, one func(json.RawMessage) (T, error)) ([]T, error) {
	switch kindOf(raw) {
	case kindNull:
		return nil, nil
	case kindArray:
	default:
		return nil, typeMismatch(want, raw)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, err
	}
	out := make([]T, len(items))
	for i, item := range items {
		v, err := one(item)
		if err != nil {
			return nil, wrapPath("["+strconv.Itoa(i)+"]", err)
		}
		out[i] = v
	}
	return out, nil
}

// NormalizeSystemTags keeps the known system tags of list, once each, in
// their first order. As in k6, unknown names are dropped silently. nil stays
// nil.
func NormalizeSystemTags(list []string) []string {
	if list == nil {
		return nil
	}
	known := KnownSystemTags()
	out := []string{}
	for _, tag := range list {
		if contains(known, tag) && !contains(out, tag) {
			out = append(out, tag)
		}
	}
	return out
}
