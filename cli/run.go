package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"

	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/js"
	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/output"
	"github.com/minik6/minik6/runner"
	"github.com/minik6/minik6/segment"
)

// runFlags are the `run` command's flags beyond the options layer.
type runFlags struct {
	quiet, noSummary, verbose, includeSystemEnv, noColor bool
	summaryMode, logFormat, consoleOutput                string
	summaryExport, configFile                            string
	env, out                                             []string
}

func newRunCommand(env map[string]string, stdout, stderr io.Writer) *cobra.Command {
	var rf runFlags
	cmd := &cobra.Command{
		Use:   "run [flags] script.js",
		Short: "run a test script",
		Long: `Run a k6 test script: initialize the VUs, run setup(), the scenarios and
teardown(), then print the end-of-test summary.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTest(cmd, args[0], &rf, env, stdout, stderr)
		},
	}
	f := cmd.Flags()
	f.SortFlags = false
	addOptionFlags(f)
	f.BoolVarP(&rf.quiet, "quiet", "q", false, "disable the progress updates")
	f.BoolVar(&rf.noSummary, "no-summary", false, "don't show the summary at the end of the test")
	f.StringVar(&rf.summaryMode, "summary-mode", "compact", "the end-of-test summary: compact, full or disabled")
	f.StringArrayVarP(&rf.out, "out", "o", nil, "write samples to an output: `TYPE[=ARG]`, e.g. json=out.json or csv=out.csv")
	f.StringVar(&rf.summaryExport, "summary-export", "", "write the end-of-test summary as JSON to this file")
	f.StringVarP(&rf.configFile, "config", "c", "", "JSON config file")
	f.StringArrayVarP(&rf.env, "env", "e", nil, "add an environment variable for the script: `NAME=VALUE`")
	f.BoolVar(&rf.includeSystemEnv, "include-system-env-vars", true, "pass the real system environment variables to the script")
	f.StringVar(&rf.consoleOutput, "console-output", "", "redirect console.* output to this file")
	f.StringVar(&rf.logFormat, "log-format", "", "log format: text (default), json or raw")
	f.BoolVarP(&rf.verbose, "verbose", "v", false, "verbose logging")
	f.BoolVar(&rf.noColor, "no-color", false, "no colours in the output (also when NO_COLOR is set)")
	return cmd
}

// runTest is the whole `run` command: load, consolidate, run, summarize, and the
// exit code.
func runTest(cmd *cobra.Command, script string, rf *runFlags, env map[string]string, stdout, stderr io.Writer) error {
	logger, err := newLogger(stderr, rf.logFormat, rf.verbose)
	if err != nil {
		return exitcode.Wrap(exitcode.InvalidConfig, err)
	}
	fail := func(err error) error {
		logger.Error(err.Error())
		return &reportedError{err}
	}

	console := logrus.FieldLogger(logger)
	if rf.consoleOutput != "" {
		f, err := os.OpenFile(rf.consoleOutput, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return fail(exitcode.Errorf(exitcode.InvalidConfig, "--console-output: %v", err))
		}
		defer f.Close()
		cl, _ := newLogger(f, rf.logFormat, rf.verbose)
		console = cl
	}

	scriptEnv, err := scriptEnvironment(rf, env)
	if err != nil {
		return fail(exitcode.Wrap(exitcode.InvalidConfig, err))
	}
	abs, err := filepath.Abs(script)
	if err != nil {
		return fail(exitcode.Wrap(exitcode.InvalidConfig, err))
	}

	registry := metrics.NewRegistry()
	builtins := metrics.RegisterBuiltins(registry)
	bundle, err := js.NewBundle(filepath.ToSlash(abs), js.Config{
		FS: os.DirFS("/"), Env: scriptEnv, Logger: logger, Console: console, Registry: registry,
	})
	if err != nil {
		return fail(err)
	}

	opts, err := consolidate(cmd, rf, env, bundle.OptionsJSON(), logger)
	if err != nil {
		return fail(err)
	}
	tuple, err := segment.NewTuple(opts.ExecutionSegment, opts.ExecutionSegmentSequence)
	if err != nil {
		return fail(exitcode.Wrap(exitcode.InvalidConfig, err))
	}
	// k6 tracks http_req_duration{expected_response:true} while that tag is on.
	var subs []string
	if slices.Contains(opts.GetSystemTags(), "expected_response") {
		subs = []string{metrics.ExpectedResponseSubMetric}
	}
	engineOpts := []metrics.EngineOption{metrics.WithSubMetrics(subs...)}
	if rf.summaryMode == "full" && !rf.noSummary {
		// Full mode breaks results out per group and scenario; only then do the
		// samples feed those sinks too.
		engineOpts = append(engineOpts, metrics.WithBreakdown())
	}
	engine, err := metrics.NewEngine(registry, thresholdConfigs(opts.Thresholds), engineOpts...)
	if err != nil {
		return fail(exitcode.Wrap(exitcode.InvalidConfig, err))
	}
	if len(rf.out) == 0 && env["K6_OUT"] != "" {
		rf.out = []string{env["K6_OUT"]} // the flag wins over the variable, as in k6
	}
	outs, err := output.NewAll(rf.out, output.Params{
		Thresholds: thresholdConfigs(opts.Thresholds), SubMetrics: subs, SystemTags: opts.GetSystemTags(),
		Ext: opts.Ext, Env: env, StdOut: stdout, Logger: logger,
	})
	if err != nil {
		return fail(exitcode.Wrap(exitcode.InvalidConfig, err))
	}
	fan := output.NewFanOut(engine, outs, 0)
	if err := fan.Start(); err != nil {
		return fail(exitcode.Wrap(exitcode.InvalidConfig, err))
	}
	defer fan.Stop()

	r, err := runner.New(runner.Config{
		Options: opts, Script: bundle, Engine: engine, Sink: fan, Registry: registry, Builtins: builtins,
		Logger: logger, Tuple: tuple,
	})
	if err != nil {
		return fail(err)
	}

	if !rf.quiet {
		writeBanner(stdout, script, rf.out, opts.ExecutionSegment, r.Overview())
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stopSignals := handleSignals(r, logger)
	defer stopSignals()

	res, runErr := r.Run(ctx)
	// Every VU has flushed its samples: the outputs get the last of them before
	// the summary (a json output may write to stdout too).
	if err := fan.Stop(); err != nil {
		logger.WithError(err).Error("an output failed")
	}
	engine.SetTestRunDuration(res.Duration)
	thresholdErr := engine.FinalizeThresholds(res.Duration)

	if n := engine.BreakdownDropped(); n > 0 {
		logger.Warnf("the full summary breaks out at most %d groups and scenarios; %d samples beyond that count only in the totals",
			metrics.MaxBreakdownKeys, n)
	}
	if !rf.noSummary && rf.summaryMode != "disabled" {
		_, noColorEnv := env["NO_COLOR"]
		(&summaryRun{
			engine: engine, runner: r, opts: opts, mode: rf.summaryMode, setupData: res.SetupData,
			stdoutTTY: isTerminal(stdout), stderrTTY: isTerminal(stderr), noColor: rf.noColor || noColorEnv,
			duration: res.Duration, hasHandle: bundle.HasFunction("handleSummary"),
			logger: logger, stdout: stdout, stderr: stderr,
		}).report()
	}
	if rf.summaryExport != "" {
		if err := writeSummaryExport(engine, rf.summaryExport, opts); err != nil {
			logger.WithError(err).Error("could not write the summary export")
		}
	}

	reasons := r.Execution().FailReasons()
	for _, reason := range reasons {
		msg := "test marked as failed"
		if reason != "" {
			msg += ": " + reason
		}
		logger.Error(msg)
	}
	code := exitcode.Of(runErr)
	if runErr != nil && code != exitcode.ThresholdsFailed {
		return fail(runErr)
	}
	if len(reasons) > 0 {
		return &reportedError{exitcode.Errorf(exitcode.MarkedAsFailed, "test marked as failed")}
	}
	if runErr != nil {
		return fail(runErr)
	}
	if thresholdErr != nil {
		return fail(exitcode.Wrap(exitcode.ThresholdsFailed, thresholdErr))
	}
	return nil
}

// scriptEnvironment is __ENV: the system environment (unless disabled) and the
// -e variables on top.
func scriptEnvironment(rf *runFlags, env map[string]string) (map[string]string, error) {
	out := map[string]string{}
	if rf.includeSystemEnv {
		for k, v := range env {
			out[k] = v
		}
	}
	for _, kv := range rf.env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--env %q: want NAME=VALUE", kv)
		}
		out[k] = v
	}
	return out, nil
}

// handleSignals stops the run gracefully on the first SIGINT or SIGTERM and exits
// at once on the second.
func handleSignals(r *runner.Runner, logger logrus.FieldLogger) func() {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			logger.Warnf("stopping the test after a %s signal; send it again to stop at once", sig)
			r.Stop(fmt.Sprintf("test run was aborted because minik6 received a '%s' signal", sig))
		case <-done:
			return
		}
		select {
		case <-ch:
			logger.Error("second signal: stopping at once")
			os.Exit(int(exitcode.ExternalAbort))
		case <-done:
		}
	}()
	return func() { signal.Stop(ch); close(done) }
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// newLogger makes a logrus logger writing to w in the given format.
func newLogger(w io.Writer, format string, verbose bool) (*logrus.Logger, error) {
	l := logrus.New()
	l.SetOutput(w)
	switch format {
	case "", "text":
		l.SetFormatter(&logrus.TextFormatter{DisableColors: true, FullTimestamp: true})
	case "json":
		l.SetFormatter(&logrus.JSONFormatter{})
	case "raw":
		l.SetFormatter(rawFormatter{})
	default:
		return nil, fmt.Errorf("--log-format %q: want text, json or raw", format)
	}
	l.SetLevel(logrus.InfoLevel)
	if verbose {
		l.SetLevel(logrus.DebugLevel)
	}
	return l, nil
}

// rawFormatter writes only the message.
type rawFormatter struct{}

func (rawFormatter) Format(e *logrus.Entry) ([]byte, error) { return []byte(e.Message + "\n"), nil }
