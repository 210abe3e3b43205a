package cli

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gopkg.in/guregu/null.v3"

	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/load"
	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/segment"
)

// addOptionFlags declares the flags that make the CLI options layer, named as
// k6 names them.
func addOptionFlags(f *pflag.FlagSet) {
	f.Int64P("vus", "u", 1, "number of virtual users")
	f.StringP("duration", "d", "", "test duration, e.g. `30s`")
	f.Int64P("iterations", "i", 0, "number of iterations shared by the VUs")
	f.StringArrayP("stage", "s", nil, "add a ramping stage `duration:target`, e.g. 30s:10")
	f.BoolP("paused", "p", false, "start the test paused")
	f.Bool("no-setup", false, "don't run setup()")
	f.Bool("no-teardown", false, "don't run teardown()")
	f.BoolP("throw", "w", false, "throw errors on failed HTTP requests and invalid tag values")
	f.StringArray("tag", nil, "add a `tag=value` to every sample")
	f.String("user-agent", "", "the User-Agent header of HTTP requests")
	f.String("execution-segment", "", "this instance's share of the test, e.g. `0:1/2`")
	f.String("execution-segment-sequence", "", "the segments of all instances, e.g. `0,1/2,1`")
	f.String("summary-trend-stats", "", "trend stats in the summary, e.g. `avg,p(95)`")
	f.String("summary-time-unit", "", "time unit in the summary: s, ms or us")
	f.String("system-tags", "", "the system tags to attach to samples, comma-separated")
	f.Int64("max-redirects", 0, "follow at most this many HTTP redirects")
	f.Int64("batch", 0, "max parallel requests of http.batch()")
	f.Int64("batch-per-host", 0, "max parallel requests per host of http.batch()")
	f.Int64("rps", 0, "max HTTP requests per second")
	f.Bool("insecure-skip-tls-verify", false, "skip TLS certificate verification")
	f.Bool("no-connection-reuse", false, "don't reuse HTTP connections")
	f.Bool("no-vu-connection-reuse", false, "don't reuse HTTP connections between iterations")
	f.String("min-iteration-duration", "", "the shortest an iteration may take")
	f.Bool("discard-response-bodies", false, "don't keep HTTP response bodies")
	f.String("http-debug", "", "log HTTP requests and responses (`headers` or full)")
	f.Lookup("http-debug").NoOptDefVal = "headers"
	f.Bool("no-thresholds", false, "don't evaluate thresholds")
	f.Bool("no-usage-report", true, "accepted for k6 compatibility; minik6 sends no usage report")
}

// cliOptions builds the CLI options layer from the flags the user set.
func cliOptions(f *pflag.FlagSet, consoleOutput string) (options.Options, error) {
	var o options.Options
	var errs []error
	bad := func(flag string, err error) { errs = append(errs, fmt.Errorf("--%s: %w", flag, err)) }
	changed := f.Changed
	if changed("vus") {
		v, _ := f.GetInt64("vus")
		o.VUs = null.IntFrom(v)
	}
	if changed("duration") {
		s, _ := f.GetString("duration")
		d, err := options.ParseDuration(s)
		if err != nil {
			bad("duration", err)
		}
		o.Duration = options.NullDurationFrom(d)
	}
	if changed("iterations") {
		v, _ := f.GetInt64("iterations")
		o.Iterations = null.IntFrom(v)
	}
	if changed("stage") {
		list, _ := f.GetStringArray("stage")
		stages, err := options.ParseStages(strings.Join(list, ","))
		if err != nil {
			bad("stage", err)
		}
		o.Stages = stages
	}
	boolFlag := func(name string, dst *null.Bool) {
		if changed(name) {
			v, _ := f.GetBool(name)
			*dst = null.BoolFrom(v)
		}
	}
	boolFlag("paused", &o.Paused)
	boolFlag("no-setup", &o.NoSetup)
	boolFlag("no-teardown", &o.NoTeardown)
	boolFlag("throw", &o.Throw)
	boolFlag("insecure-skip-tls-verify", &o.InsecureSkipTLSVerify)
	boolFlag("no-connection-reuse", &o.NoConnectionReuse)
	boolFlag("no-vu-connection-reuse", &o.NoVUConnectionReuse)
	boolFlag("discard-response-bodies", &o.DiscardResponseBodies)
	intFlag := func(name string, dst *null.Int) {
		if changed(name) {
			v, _ := f.GetInt64(name)
			*dst = null.IntFrom(v)
		}
	}
	intFlag("max-redirects", &o.MaxRedirects)
	intFlag("batch", &o.Batch)
	intFlag("batch-per-host", &o.BatchPerHost)
	intFlag("rps", &o.RPS)
	if changed("tag") {
		list, _ := f.GetStringArray("tag")
		tags, err := options.ParseTags(list)
		if err != nil {
			bad("tag", err)
		}
		o.Tags = tags
	}
	if changed("user-agent") {
		s, _ := f.GetString("user-agent")
		o.UserAgent = null.StringFrom(s)
	}
	if changed("http-debug") {
		s, _ := f.GetString("http-debug")
		o.HTTPDebug = null.StringFrom(s)
	}
	if changed("execution-segment") {
		s, _ := f.GetString("execution-segment")
		seg, err := segment.ParseSegment(s)
		if err != nil {
			bad("execution-segment", err)
		}
		o.ExecutionSegment = seg
	}
	if changed("execution-segment-sequence") {
		s, _ := f.GetString("execution-segment-sequence")
		seq, err := segment.ParseSequence(s)
		if err != nil {
			bad("execution-segment-sequence", err)
		}
		o.ExecutionSegmentSequence = seq
	}
	if changed("summary-trend-stats") {
		s, _ := f.GetString("summary-trend-stats")
		o.SummaryTrendStats = splitComma(s)
		for _, stat := range o.SummaryTrendStats {
			if err := options.CheckTrendStat(stat); err != nil {
				bad("summary-trend-stats", err)
			}
		}
	}
	if changed("summary-time-unit") {
		s, _ := f.GetString("summary-time-unit")
		switch s {
		case "s", "ms", "us":
		default:
			bad("summary-time-unit", fmt.Errorf("%q: use s, ms or us", s))
		}
		o.SummaryTimeUnit = null.StringFrom(s)
	}
	if changed("system-tags") {
		s, _ := f.GetString("system-tags")
		o.SystemTags = splitComma(s)
		if o.SystemTags == nil {
			o.SystemTags = []string{}
		}
	}
	if changed("min-iteration-duration") {
		s, _ := f.GetString("min-iteration-duration")
		d, err := options.ParseDuration(s)
		if err != nil {
			bad("min-iteration-duration", err)
		}
		o.MinIterationDuration = options.NullDurationFrom(d)
	}
	if consoleOutput != "" {
		o.ConsoleOutput = null.StringFrom(consoleOutput)
	}
	return o, errors.Join(errs...)
}

func splitComma(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// loadConfig turns the config file, the K6_* variables and the flags into
// the option layers and the rest of what loading a test needs. Bad options
// are exit code 104.
func loadConfig(cmd *cobra.Command, rf *runFlags, env map[string]string, logger, console logrus.FieldLogger) (load.Config, error) {
	invalid := func(err error) (load.Config, error) {
		return load.Config{}, exitcode.Wrap(exitcode.InvalidConfig, err)
	}
	cfg := load.Config{Logger: logger, Console: console}
	file, err := readConfigFile(configFilePath(rf.configFile, env))
	if err != nil {
		return invalid(err)
	}
	cfg.ConfigFile, cfg.Collectors = file.Options, file.Collectors
	if cfg.Env, err = options.FromEnv(env); err != nil {
		return invalid(err)
	}
	// A flag's bad value is a usage error: exit code 255, as in k6.
	if cfg.CLI, err = cliOptions(cmd.Flags(), rf.consoleOutput); err != nil {
		return load.Config{}, exitcode.Wrap(exitcode.GenericEngineError, err)
	}
	for _, stat := range cfg.Env.SummaryTrendStats {
		if err := options.CheckTrendStat(stat); err != nil {
			return load.Config{}, exitcode.Errorf(exitcode.GenericEngineError, "K6_SUMMARY_TREND_STATS: %v", err)
		}
	}
	cfg.NoThresholds, _ = cmd.Flags().GetBool("no-thresholds")
	if v, ok := env["K6_NO_THRESHOLDS"]; ok && v != "" && !cmd.Flags().Changed("no-thresholds") {
		if cfg.NoThresholds, err = strconv.ParseBool(v); err != nil {
			return invalid(fmt.Errorf("K6_NO_THRESHOLDS=%q: want true or false", v))
		}
	}
	if cfg.RuntimeEnv, err = runtimeEnv(rf.env); err != nil {
		return invalid(err)
	}
	if rf.includeSystemEnv {
		cfg.SystemEnv = env
	}
	return cfg, nil
}

// loadTest loads the test at path (a script, an archive or "-" for standard
// input) with the option layers of the config file, the K6_* variables and the
// flags.
func loadTest(cmd *cobra.Command, rf *runFlags, env map[string]string, path string, logger, console logrus.FieldLogger) (*load.Test, error) {
	cfg, err := loadConfig(cmd, rf, env, logger, console)
	if err != nil {
		return nil, err
	}
	cfg.Stdin = cmd.InOrStdin()
	return load.Load(path, cfg)
}

// runtimeEnv parses the -e NAME=VALUE variables; -e NAME sets NAME to "", as
// in k6.
func runtimeEnv(list []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range list {
		k, v, _ := strings.Cut(kv, "=")
		if k == "" {
			return nil, fmt.Errorf("--env %q: want NAME=VALUE", kv)
		}
		out[k] = v
	}
	return out, nil
}
