package options

import (
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/guregu/null.v3"

	"github.com/minik6/minik6/segment"
)

// envVar is one K6_* variable and how it sets an option.
type envVar struct {
	name string
	set  func(o *Options, value string) error
}

// envVars lists every option k6 reads from the environment, plus
// K6_EXECUTION_SEGMENT and K6_EXECUTION_SEGMENT_SEQUENCE, in the order
// FromEnv checks them.
var envVars = []envVar{
	{"K6_PAUSED", envBool(func(o *Options) *null.Bool { return &o.Paused })},
	{"K6_VUS", envInt(func(o *Options) *null.Int { return &o.VUs })},
	{"K6_DURATION", envDuration(func(o *Options) *NullDuration { return &o.Duration })},
	{"K6_ITERATIONS", envInt(func(o *Options) *null.Int { return &o.Iterations })},
	{"K6_STAGES", func(o *Options, v string) (err error) {
		o.Stages, err = ParseStages(v)
		return err
	}},
	{"K6_EXECUTION_SEGMENT", func(o *Options, v string) (err error) {
		o.ExecutionSegment, err = segment.ParseSegment(v)
		return err
	}},
	{"K6_EXECUTION_SEGMENT_SEQUENCE", func(o *Options, v string) (err error) {
		o.ExecutionSegmentSequence, err = segment.ParseSequence(v)
		return err
	}},
	{"K6_NO_SETUP", envBool(func(o *Options) *null.Bool { return &o.NoSetup })},
	{"K6_SETUP_TIMEOUT", envDuration(func(o *Options) *NullDuration { return &o.SetupTimeout })},
	{"K6_NO_TEARDOWN", envBool(func(o *Options) *null.Bool { return &o.NoTeardown })},
	{"K6_TEARDOWN_TIMEOUT", envDuration(func(o *Options) *NullDuration { return &o.TeardownTimeout })},
	{"K6_HANDLE_SUMMARY_TIMEOUT", envDuration(func(o *Options) *NullDuration { return &o.HandleSummaryTimeout })},
	{"K6_RPS", envInt(func(o *Options) *null.Int { return &o.RPS })},
	{"K6_DNS", func(o *Options, v string) (err error) {
		o.DNS, err = ParseDNS(v)
		return err
	}},
	{"K6_MAX_REDIRECTS", envInt(func(o *Options) *null.Int { return &o.MaxRedirects })},
	{"K6_USER_AGENT", envString(func(o *Options) *null.String { return &o.UserAgent })},
	{"K6_BATCH", envInt(func(o *Options) *null.Int { return &o.Batch })},
	{"K6_BATCH_PER_HOST", envInt(func(o *Options) *null.Int { return &o.BatchPerHost })},
	{"K6_HTTP_DEBUG", envString(func(o *Options) *null.String { return &o.HTTPDebug })},
	{"K6_INSECURE_SKIP_TLS_VERIFY", envBool(func(o *Options) *null.Bool { return &o.InsecureSkipTLSVerify })},
	{"K6_TLS_CIPHER_SUITES", func(o *Options, v string) error {
		list := splitList(v)
		for _, name := range list {
			if _, ok := cipherSuiteID(name); !ok {
				return fmt.Errorf("unknown cipher suite %q", name)
			}
		}
		o.TLSCipherSuites = list
		return nil
	}},
	{"K6_THROW", envBool(func(o *Options) *null.Bool { return &o.Throw })},
	{"K6_BLACKLIST_IPS", func(o *Options, v string) error {
		list := splitList(v)
		nets := make([]IPNet, len(list))
		for i, s := range list {
			n, err := ParseIPNet(s)
			if err != nil {
				return err
			}
			nets[i] = n
		}
		o.BlacklistIPs = nets
		return nil
	}},
	{"K6_BLOCK_HOSTNAMES", func(o *Options, v string) (err error) {
		o.BlockHostnames, err = ParseHostnamePatterns(splitList(v))
		return err
	}},
	{"K6_NO_CONNECTION_REUSE", envBool(func(o *Options) *null.Bool { return &o.NoConnectionReuse })},
	{"K6_NO_VU_CONNECTION_REUSE", envBool(func(o *Options) *null.Bool { return &o.NoVUConnectionReuse })},
	{"K6_MIN_ITERATION_DURATION", envDuration(func(o *Options) *NullDuration { return &o.MinIterationDuration })},
	{"K6_NO_COOKIES_RESET", envBool(func(o *Options) *null.Bool { return &o.NoCookiesReset })},
	{"K6_DISCARD_RESPONSE_BODIES", envBool(func(o *Options) *null.Bool { return &o.DiscardResponseBodies })},
	{"K6_SUMMARY_TREND_STATS", func(o *Options, v string) error {
		o.SummaryTrendStats = splitList(v)
		return nil
	}},
	{"K6_SUMMARY_TIME_UNIT", envString(func(o *Options) *null.String { return &o.SummaryTimeUnit })},
	{"K6_SYSTEM_TAGS", func(o *Options, v string) error {
		o.SystemTags = NormalizeSystemTags(splitList(v))
		return nil
	}},
	{"K6_TAGS", func(o *Options, v string) (err error) {
		o.Tags, err = ParseTags(splitList(v))
		return err
	}},
	{"K6_METRIC_SAMPLES_BUFFER_SIZE", envInt(func(o *Options) *null.Int { return &o.MetricSamplesBufferSize })},
	{"K6_CONSOLE_OUTPUT", envString(func(o *Options) *null.String { return &o.ConsoleOutput })},
	{"K6_LOCAL_IPS", func(o *Options, v string) error {
		if err := checkLocalIPs(v); err != nil {
			return err
		}
		o.LocalIPs = null.StringFrom(v)
		return nil
	}},
	{"K6_FEATURES", func(o *Options, v string) error {
		o.Features = splitList(v)
		return nil
	}},
}

// EnvVarNames lists the K6_* variables FromEnv reads.
func EnvVarNames() []string {
	out := make([]string, len(envVars))
	for i, v := range envVars {
		out[i] = v.name
	}
	return out
}

// FromEnv reads the options set by K6_* environment variables (see
// EnvVarNames). Variables that are absent or empty leave their option unset.
// Lists are comma-separated; K6_STAGES is "30s:10,1m:20"; K6_DNS is
// "ttl=5m,select=random,policy=preferIPv4"; K6_TAGS is "name=value,…" (k6's
// "name:value" also works). A bad value gives an error naming the variable.
func FromEnv(env map[string]string) (Options, error) {
	var o Options
	for _, v := range envVars {
		value, ok := env[v.name]
		if !ok || value == "" {
			continue
		}
		if err := v.set(&o, value); err != nil {
			return Options{}, fmt.Errorf("invalid environment variable %s=%q: %w", v.name, value, err)
		}
	}
	return o, nil
}

func envBool(dst func(*Options) *null.Bool) func(*Options, string) error {
	return func(o *Options, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("expected true or false")
		}
		*dst(o) = null.BoolFrom(b)
		return nil
	}
}

func envInt(dst func(*Options) *null.Int) func(*Options, string) error {
	return func(o *Options, v string) error {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return fmt.Errorf("expected an integer")
		}
		*dst(o) = null.IntFrom(n)
		return nil
	}
}

func envDuration(dst func(*Options) *NullDuration) func(*Options, string) error {
	return func(o *Options, v string) error {
		d, err := ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return err
		}
		*dst(o) = NullDurationFrom(d)
		return nil
	}
}

func envString(dst func(*Options) *null.String) func(*Options, string) error {
	return func(o *Options, v string) error {
		*dst(o) = null.StringFrom(v)
		return nil
	}
}

// splitList splits a comma-separated list, trimming spaces and dropping
// empty items.
func splitList(s string) []string {
	out := []string{}
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// ParseTags reads tags given as NAME=VALUE items (the --tag flag; K6_TAGS
// also accepts NAME:VALUE). The value may be empty and may contain '='.
// No items give nil.
func ParseTags(items []string) (map[string]string, error) {
	if len(items) == 0 {
		return nil, nil
	}
	tags := make(map[string]string, len(items))
	for _, item := range items {
		name, value, ok := strings.Cut(item, "=")
		if !ok {
			name, value, ok = strings.Cut(item, ":")
		}
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("invalid tag %q: expected NAME=VALUE", item)
		}
		tags[name] = value
	}
	return tags, nil
}
