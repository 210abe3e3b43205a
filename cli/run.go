package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/minik6/minik6/api"
	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/output"
	"github.com/minik6/minik6/progress"
	"github.com/minik6/minik6/secrets"
	"github.com/minik6/minik6/testrun"
)

// runFlags are the `run` command's flags beyond the options layer.
type runFlags struct {
	quiet, noSummary, verbose, includeSystemEnv, noColor bool
	// cloudArchive attaches the archive to the cloud test run that --out
	// cloud creates (cloud run --local-execution).
	cloudArchive bool
	// address is where the REST API listens ("" for nowhere); linger keeps
	// the process up after the test, the API answering, until a signal or a
	// REST stop.
	address                               string
	linger                                bool
	summaryMode, logFormat, consoleOutput string
	// logOutput is where the logs go (--log-output): stderr, stdout, none
	// or file=PATH.
	logOutput                 string
	summaryExport, configFile string
	// summaryState is where the run writes its mergeable end-of-test
	// state (for `minik6 summary merge`).
	summaryState string
	env, out     []string
	// secretSources are the --secret-source values (k6/secrets).
	secretSources []string
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
	f.StringVar(&rf.summaryState, "summary-state", "", "write the end-of-test state to this file, for `minik6 summary merge` over many instances (also K6_SUMMARY_STATE)")
	addLoadFlags(f, &rf)
	f.StringVarP(&rf.address, "address", "a", "", "serve the REST API at this `host:port` (also K6_ADDRESS); off when empty")
	f.BoolVarP(&rf.linger, "linger", "l", false, "after the test, keep the process and its REST API up until a signal or a REST stop (also K6_LINGER)")
	f.StringVar(&rf.consoleOutput, "console-output", "", "redirect console.* output to this file")
	f.StringVar(&rf.logFormat, "log-format", "", "log format: text (default), json or raw")
	f.StringVar(&rf.logOutput, "log-output", "stderr", "where the logs go: stderr, stdout, none or file=PATH[,level=LEVEL] (also K6_LOG_OUTPUT)")
	f.BoolVarP(&rf.verbose, "verbose", "v", false, "verbose logging")
	f.BoolVar(&rf.noColor, "no-color", false, "no colours in the output (also when NO_COLOR is set)")
	f.StringArrayVar(&rf.secretSources, "secret-source", nil, "a secret source for k6/secrets: `TYPE=CONFIG`, "+
		"e.g. file=secrets.file, mock=name=NAME,default,KEY=VALUE or url=urlTemplate=URL; repeatable")
	return cmd
}

// addLoadFlags declares the flags that say how to load a test besides its
// options: the config file and the script's environment.
func addLoadFlags(f *pflag.FlagSet, rf *runFlags) {
	f.StringVarP(&rf.configFile, "config", "c", "", "JSON config file")
	f.StringArrayVarP(&rf.env, "env", "e", nil, "add an environment variable for the script: `NAME=VALUE`")
	f.BoolVar(&rf.includeSystemEnv, "include-system-env-vars", true, "pass the real system environment variables to the script")
}

// runTest is the whole `run` command: flags to a loaded test, the test run,
// the summary, and the exit code.
func runTest(cmd *cobra.Command, script string, rf *runFlags, env map[string]string, stdout, stderr io.Writer) error {
	envErr := runFlagsFromEnv(cmd, rf, env)
	logs, logErr := openLogOutput(rf.logOutput, stdout, stderr)
	if logErr != nil {
		_, fail := commandLogger(stderr, rf.logFormat, rf.verbose)
		return fail(exitcode.Wrap(exitcode.GenericEngineError, logErr))
	}
	defer func() { _ = logs.close() }()
	logger, fail := commandLogger(logs.w, rf.logFormat, rf.verbose)
	if logs.level != nil {
		logger.SetLevel(*logs.level)
	}
	if envErr != nil {
		return fail(envErr)
	}
	switch rf.summaryMode {
	case "compact", "full", "disabled":
	default:
		return fail(exitcode.Errorf(exitcode.GenericEngineError, "--summary-mode %q: want compact, full or disabled", rf.summaryMode))
	}

	console := logrus.FieldLogger(logger)
	if rf.consoleOutput != "" {
		// k6 appends to the file: earlier runs' lines stay.
		f, err := os.OpenFile(rf.consoleOutput, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return fail(exitcode.Errorf(exitcode.GenericEngineError, "--console-output: %v", err))
		}
		defer f.Close()
		console = newLogger(f, rf.logFormat, rf.verbose)
	}
	// The secret sources' manager, found by k6/secrets among the logger's hooks,
	// redacts what it hands out from the log and the console.
	vault, err := secrets.New(rf.secretSources, env, logger)
	if err != nil {
		return fail(exitcode.Wrap(exitcode.GenericEngineError, err)) // k6's code for a bad flag
	}
	if vault != nil {
		logger.AddHook(vault)
		if c, ok := console.(*logrus.Logger); ok && c != logger {
			c.AddHook(vault)
		}
	}

	test, err := loadTest(cmd, rf, env, script, logger, console)
	if err != nil {
		return fail(err)
	}
	if test.Options.Paused.Bool && rf.address == "" {
		// Only the REST API resumes a paused test: without it, it would wait forever.
		return fail(exitcode.Errorf(exitcode.InvalidConfig,
			"the paused option (--paused, K6_PAUSED) needs the REST API to resume the test: set --address (K6_ADDRESS) too"))
	}
	if len(rf.out) == 0 && env["K6_OUT"] != "" {
		rf.out = []string{env["K6_OUT"]} // the flag wins over the variable, as in k6
	}
	if v := env["K6_WEB_DASHBOARD"]; v != "" {
		on, err := strconv.ParseBool(v)
		if err != nil {
			return fail(exitcode.Errorf(exitcode.InvalidConfig, "K6_WEB_DASHBOARD=%q: want true or false", v))
		}
		if on && !slices.ContainsFunc(rf.out, func(o string) bool { return strings.HasPrefix(o, "web-dashboard") }) {
			rf.out = append(rf.out, "web-dashboard")
		}
	}
	for _, spec := range rf.out {
		if _, _, err := output.Parse(spec); err != nil {
			return fail(exitcode.Wrap(exitcode.GenericEngineError, err)) // a usage error, as in k6
		}
	}
	run, err := testrun.New(test, testrun.Config{
		Outputs: rf.out, Breakdown: rf.summaryMode == "full" && !rf.noSummary,
		Env: env, Version: version, StdOut: stdout, Logger: logger, AttachArchive: rf.cloudArchive,
		APIAddress: rf.address,
	})
	if err != nil {
		return fail(err)
	}
	opts := test.Options
	var restAPI *api.Server
	if rf.address != "" {
		restAPI = api.New(run, logger)
		if err := restAPI.Listen(rf.address); err != nil {
			return fail(exitcode.Errorf(exitcode.RESTCannotStart, "the REST API can't listen: %v", err))
		}
		defer restAPI.Close()
		logger.Debugf("the REST API listens on %s", restAPI.Addr())
	}
	stopSignals, signalled := handleSignals(run, logger)
	defer stopSignals()
	if err := run.StartOutputs(); err != nil {
		return fail(err)
	}
	var live *progress.Display
	if !rf.quiet {
		overview := run.Runner().Overview()
		writeBanner(stdout, script, run.OutputDescriptions(), opts.ExecutionSegment, overview)
		live = startProgress(stderr, run, overview)
		if logs.w == stderr {
			logger.SetOutput(live.Wrap(stderr)) // logs go above the progress, not through it
		}
	}
	if err := run.Start(context.Background()); err != nil {
		return fail(err)
	}
	res := run.Wait()
	if live != nil {
		live.Stop()
		logger.SetOutput(logs.w)
	}

	engine := run.Engine()
	if n := engine.BreakdownDropped(); n > 0 {
		logger.Warnf("the full summary breaks out at most %d groups and scenarios; %d samples beyond that count only in the totals",
			metrics.MaxBreakdownKeys, n)
	}
	if !rf.noSummary && rf.summaryMode != "disabled" {
		_, noColorEnv := env["NO_COLOR"]
		(&summaryRun{
			engine: engine, runner: run.Runner(), opts: opts, mode: rf.summaryMode, setupData: res.SetupData,
			stdoutTTY: isTerminal(stdout), stderrTTY: isTerminal(stderr), noColor: rf.noColor || noColorEnv,
			duration: res.Duration, hasHandle: test.Bundle.HasFunction("handleSummary"),
			logger: logger, stdout: stdout, stderr: stderr,
		}).report()
	}
	if rf.summaryExport != "" && !rf.noSummary && rf.summaryMode != "disabled" { // k6 writes it with the summary
		if err := writeSummaryExport(engine, rf.summaryExport, opts); err != nil {
			logger.WithError(err).Error("could not write the summary export")
		}
	}
	if rf.summaryState != "" {
		if err := writeSummaryState(engine, rf.summaryState, opts, res.SetupData); err != nil {
			logger.WithError(err).Error("could not write the summary state")
		}
	}

	for _, reason := range res.FailReasons {
		msg := "test marked as failed"
		if reason != "" {
			msg += ": " + reason
		}
		logger.Error(msg)
	}
	if rf.linger {
		linger(restAPI, signalled, logger)
	}
	if res.Err == nil {
		return nil
	}
	if exitcode.Of(res.Err) == exitcode.MarkedAsFailed {
		return &reportedError{res.Err} // the reasons are logged above
	}
	return fail(res.Err)
}

// runFlagsFromEnv takes each run flag that was not given from its K6_*
// variable, as k6 does: K6_ADDRESS, K6_LINGER, K6_SUMMARY_MODE,
// K6_SUMMARY_EXPORT, K6_SUMMARY_STATE, K6_CONSOLE_OUTPUT, K6_LOG_FORMAT, K6_LOG_OUTPUT, K6_QUIET, K6_NO_COLOR,
// K6_NO_SUMMARY. A boolean that does not parse is an error (exit code 104).
func runFlagsFromEnv(cmd *cobra.Command, rf *runFlags, env map[string]string) error {
	f := cmd.Flags()
	strs := []struct {
		flag, name string
		dst        *string
	}{
		{"address", "K6_ADDRESS", &rf.address},
		{"summary-mode", "K6_SUMMARY_MODE", &rf.summaryMode},
		{"summary-export", "K6_SUMMARY_EXPORT", &rf.summaryExport},
		{"summary-state", "K6_SUMMARY_STATE", &rf.summaryState},
		{"console-output", "K6_CONSOLE_OUTPUT", &rf.consoleOutput},
		{"log-format", "K6_LOG_FORMAT", &rf.logFormat},
		{"log-output", "K6_LOG_OUTPUT", &rf.logOutput},
	}
	for _, s := range strs {
		if v, ok := env[s.name]; ok && !f.Changed(s.flag) {
			*s.dst = v
		}
	}
	bools := []struct {
		flag, name string
		dst        *bool
	}{
		{"linger", "K6_LINGER", &rf.linger},
		{"quiet", "K6_QUIET", &rf.quiet},
		{"no-color", "K6_NO_COLOR", &rf.noColor},
		{"no-summary", "K6_NO_SUMMARY", &rf.noSummary},
	}
	for _, b := range bools {
		v, ok := env[b.name]
		if !ok || v == "" || f.Changed(b.flag) {
			continue
		}
		parsed, err := strconv.ParseBool(v)
		if err != nil {
			return exitcode.Errorf(exitcode.InvalidConfig, "%s=%q: want true or false", b.name, v)
		}
		*b.dst = parsed
	}
	return nil
}

// linger waits, after the test, for a signal or a stop through the REST API.
func linger(restAPI *api.Server, signalled <-chan struct{}, logger logrus.FieldLogger) {
	var stopped <-chan struct{} // nil without the API: only a signal ends it
	if restAPI != nil {
		stopped = restAPI.StopRequested()
	}
	logger.Info("the test is done; --linger keeps minik6 up until Ctrl+C or a stop through the REST API")
	select {
	case <-signalled:
	case <-stopped:
	}
}

// handleSignals stops the run gracefully on the first SIGINT or SIGTERM (exit
// code 105) and exits at once on the second, closing the output files first.
// The channel is closed on the first signal (it ends a lingering process).
func handleSignals(run *testrun.Run, logger logrus.FieldLogger) (func(), <-chan struct{}) {
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	signalled := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			close(signalled)
			select {
			case <-run.Done():
				return // lingering after the test: the signal only ends that
			default:
			}
			logger.Warnf("stopping the test after a %s signal; send it again to stop at once", sig)
			run.Stop(exitcode.Errorf(exitcode.ExternalAbort,
				"test run was aborted because minik6 received a '%s' signal", sig))
		case <-done:
			return
		}
		select {
		case <-ch:
			logger.Error("second signal: stopping at once")
			// The output files stay valid (a .gz gets its trailer): they lose
			// only the samples not written yet.
			run.AbandonOutputs(2 * time.Second)
			os.Exit(int(exitcode.ExternalAbort))
		case <-done:
		}
	}()
	return func() { signal.Stop(ch); close(done) }, signalled
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

// commandLogger makes a command's logger, writing to w, and its fail
// function, which logs an error once and returns it marked as reported.
func commandLogger(w io.Writer, format string, verbose bool) (*logrus.Logger, func(error) error) {
	logger := newLogger(w, format, verbose)
	logger.AddHook(scriptExceptionHint{})
	logged := &loggedErrors{}
	logger.AddHook(logged)
	fail := func(err error) error {
		if !logged.has(err.Error()) {
			logger.WithFields(errorFields(err)).Error(err.Error())
		}
		return &reportedError{err}
	}
	return logger, fail
}

// loggedErrorsMax bounds the messages loggedErrors keeps.
const loggedErrorsMax = 100

// loggedErrors remembers the first loggedErrorsMax plain error messages (no
// fields: not the exceptions of iterations) a command logged, so that its
// final error is not logged twice (the runner logs a threshold's abort when
// it stops the test).
type loggedErrors struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (l *loggedErrors) Levels() []logrus.Level { return []logrus.Level{logrus.ErrorLevel} }

func (l *loggedErrors) Fire(e *logrus.Entry) error {
	if len(e.Data) > 0 {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	if len(l.seen) < loggedErrorsMax {
		l.seen[e.Message] = true
	}
	return nil
}

// has reports whether msg was logged.
func (l *loggedErrors) has(msg string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seen[msg]
}

// scriptException is an exception the script threw (js.ScriptException).
type scriptException interface {
	StackTrace() string
	Hint() string
}

// errorFields are the fields k6 logs an error with: a script exception's hint
// and source.
func errorFields(err error) logrus.Fields {
	var ex scriptException
	if errors.As(err, &ex) {
		return logrus.Fields{"hint": ex.Hint(), "source": "stacktrace"}
	}
	return nil
}

// scriptExceptionHint gives the exceptions of iterations, which the runner
// logs with source=stacktrace, k6's hint.
type scriptExceptionHint struct{}

func (scriptExceptionHint) Levels() []logrus.Level { return []logrus.Level{logrus.ErrorLevel} }

func (scriptExceptionHint) Fire(e *logrus.Entry) error {
	if _, ok := e.Data["hint"]; !ok && e.Data["source"] == "stacktrace" {
		e.Data["hint"] = "script exception"
	}
	return nil
}

// newLogger makes a logrus logger writing to w in the given format: text,
// json or raw. Any other format is text, as in k6, with a warning.
func newLogger(w io.Writer, format string, verbose bool) *logrus.Logger {
	l := logrus.New()
	l.SetOutput(w)
	l.SetLevel(logrus.InfoLevel)
	if verbose {
		l.SetLevel(logrus.DebugLevel)
	}
	switch format {
	case "json":
		l.SetFormatter(&logrus.JSONFormatter{})
	case "raw":
		l.SetFormatter(rawFormatter{})
	default:
		l.SetFormatter(&logrus.TextFormatter{DisableColors: true, FullTimestamp: true})
		if format != "" && format != "text" {
			l.Warnf("--log-format %q is not one of text, json or raw: logging as text, as k6 does", format)
		}
	}
	return l
}

// rawFormatter writes only the message.
type rawFormatter struct{}

func (rawFormatter) Format(e *logrus.Entry) ([]byte, error) { return []byte(e.Message + "\n"), nil }
