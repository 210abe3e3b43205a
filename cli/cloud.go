package cli

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path"
	"strings"
	"syscall"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"gopkg.in/guregu/null.v3"

	"github.com/minik6/minik6/cloud"
	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/load"
)

// progressInterval is how often `cloud run` asks the cloud how its test run
// goes, as k6 does.
const progressInterval = 2 * time.Second

func newCloudCommand(env map[string]string, stdout, stderr io.Writer) *cobra.Command {
	var rf runFlags
	var cf cloudFlags
	cmd := &cobra.Command{
		Use:   "cloud",
		Short: "run tests in the k6 cloud (Grafana Cloud k6), and log in to it",
		Long: `Run a test in the k6 cloud ("cloud run"), upload it without running it
("cloud upload"), run it here while the cloud collects the results
("cloud run --local-execution"), and log in ("cloud login"). "cloud script.js"
is the deprecated form of "cloud run script.js".`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			fmt.Fprintln(stderr, `Running tests directly with "minik6 cloud <file>" is deprecated, use "minik6 cloud run <file>" instead`)
			return runCloudTest(cmd, args[0], &rf, &cf, env, stdout, stderr)
		},
	}
	addCloudRunFlags(cmd.Flags(), &rf, &cf)
	cmd.AddCommand(newCloudLoginCommand(env, stdout, stderr), newCloudRunCommand(env, stdout, stderr),
		newCloudUploadCommand(env, stdout, stderr))
	return cmd
}

// cloudConfig is the consolidated cloud configuration of the config file, the
// test's options (when there is a test) and the K6_CLOUD_* variables.
func cloudConfig(file configFile, test *load.Test, env map[string]string, logger logrus.FieldLogger) (cloud.Config, error) {
	var script json.RawMessage
	var ext map[string]json.RawMessage
	if test != nil {
		script, ext = test.Options.Cloud, test.Options.Ext
	}
	cfg, warning, err := cloud.GetConsolidatedConfig(file.Collectors["cloud"], env, "", script, ext)
	if err != nil {
		return cfg, exitcode.Wrap(exitcode.InvalidConfig, err)
	}
	if warning != "" {
		logger.Warn(warning)
	}
	return cfg, nil
}

func newCloudLoginCommand(env map[string]string, stdout, stderr io.Writer) *cobra.Command {
	var token, configPath string
	var show, reset bool
	cmd := &cobra.Command{
		Use:   "login",
		Short: "log in to the k6 cloud and keep the token in the config file",
		Long: `Log in to the k6 cloud with an API token (--token, checked with the cloud) or,
without one, with your email and password. The token is kept in the config file
(collectors.cloud), where run, cloud run and --out cloud find it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, fail := commandLogger(stderr, "", false)
			path, explicit := configFilePath(configPath, env)
			if path == "" {
				return fail(exitcode.Errorf(exitcode.InvalidConfig, "no place for the config file: set --config, K6_CONFIG or HOME"))
			}
			file, err := readConfigFile(path, explicit)
			if err != nil {
				return fail(exitcode.Wrap(exitcode.InvalidConfig, err))
			}
			var saved cloud.Config
			if raw := file.Collectors["cloud"]; len(raw) > 0 {
				if err := json.Unmarshal(raw, &saved); err != nil {
					return fail(exitcode.Errorf(exitcode.InvalidConfig, "config file %s: collectors.cloud: %v", path, err))
				}
			}
			switch {
			case show:
				fmt.Fprintf(stdout, "  token: %s\n", maskToken(saved.Token.String))
				return nil
			case reset:
				saved.Token, saved.StackID, saved.StackURL, saved.DefaultProjectID = null.String{}, null.Int{}, null.String{}, null.Int{}
				if err := writeCollector(path, "cloud", saved); err != nil {
					return fail(err)
				}
				fmt.Fprintln(stdout, "Logged out: the token was removed from "+path)
				return nil
			}
			cfg, err := cloudConfig(file, nil, env, logger)
			if err != nil {
				return fail(err)
			}
			newToken, err := cloudLogin(cmd, cfg, token, stderr)
			if err != nil {
				return fail(err)
			}
			saved.Token = null.StringFrom(newToken)
			if err := writeCollector(path, "cloud", saved); err != nil {
				return fail(err)
			}
			fmt.Fprintf(stdout, "Logged in successfully, token saved in %s\n", path)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&token, "token", "t", "", "the API token; checked with the cloud")
	f.BoolVarP(&show, "show", "s", false, "show the saved token (masked)")
	f.BoolVarP(&reset, "reset", "r", false, "remove the saved token")
	f.StringVarP(&configPath, "config", "c", "", "the config file (default $XDG_CONFIG_HOME/k6/config.json)")
	return cmd
}

// cloudLogin checks token with the cloud, or asks for an email and password
// and logs in with them; it returns the token to keep.
func cloudLogin(cmd *cobra.Command, cfg cloud.Config, token string, stderr io.Writer) (string, error) {
	failed := func(err error) error { return exitcode.Wrap(exitcode.GenericEngineError, err) }
	logger := logrus.New()
	logger.SetOutput(stderr)
	if token != "" {
		client := cloud.NewClient(logger, token, cfg.Host.String, version, cfg.Timeout.ValueOr(time.Minute))
		res, err := client.ValidateToken()
		if err != nil {
			return "", failed(err)
		}
		if !res.IsValid {
			return "", failed(errors.New("your API token is invalid - please, consult the documentation for instructions on how to generate a new one"))
		}
		return token, nil
	}
	in := bufio.NewReader(cmd.InOrStdin())
	fmt.Fprint(stderr, "Email: ")
	email, err := in.ReadString('\n')
	if err != nil && email == "" {
		return "", failed(fmt.Errorf("reading the email: %w", err))
	}
	fmt.Fprint(stderr, "Password: ")
	password, err := in.ReadString('\n')
	if err != nil && password == "" {
		return "", failed(fmt.Errorf("reading the password: %w", err))
	}
	client := cloud.NewClient(logger, "", cfg.Host.String, version, cfg.Timeout.ValueOr(time.Minute))
	res, err := client.Login(strings.TrimSpace(email), strings.TrimRight(password, "\r\n"))
	if err != nil {
		return "", failed(err)
	}
	if res.Token == "" {
		return "", failed(errors.New("your account has no API token, please generate one at https://app.k6.io/account/api-token"))
	}
	return res.Token, nil
}

// maskToken shows the first and last 4 characters of a token of 12 or more,
// stars for the rest, and only stars for a shorter one.
func maskToken(t string) string {
	if len(t) < 12 {
		return strings.Repeat("*", len(t))
	}
	return t[:4] + strings.Repeat("*", len(t)-8) + t[len(t)-4:]
}

// cloudFlags are the flags of `cloud run` and `cloud upload` beyond run's.
type cloudFlags struct {
	localExecution, noArchiveUpload, exitOnRunning, showLogs bool
}

func newCloudRunCommand(env map[string]string, stdout, stderr io.Writer) *cobra.Command {
	var rf runFlags
	var cf cloudFlags
	cmd := &cobra.Command{
		Use:   "run [flags] script.js|archive.tar",
		Short: "run a test in the k6 cloud",
		Long: `Run a test in the k6 cloud: check its options with the cloud, upload it as an
archive, and follow the test run until it ends. The first Ctrl-C stops the test
run in the cloud. With --local-execution the test runs here and the cloud
collects its results, as "run --out cloud" does, with the archive attached.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCloudTest(cmd, args[0], &rf, &cf, env, stdout, stderr)
		},
	}
	addCloudRunFlags(cmd.Flags(), &rf, &cf)
	return cmd
}

// runCloudTest is `cloud run`: in the cloud, or here with --local-execution.
func runCloudTest(cmd *cobra.Command, script string, rf *runFlags, cf *cloudFlags, env map[string]string,
	stdout, stderr io.Writer,
) error {
	if len(rf.secretSources) > 0 && !cf.localExecution {
		_, fail := commandLogger(stderr, rf.logFormat, rf.verbose)
		return fail(exitcode.Errorf(exitcode.GenericEngineError,
			"--secret-source works with --local-execution only: in the cloud, the cloud's secrets apply"))
	}
	if cf.localExecution {
		rf.cloudArchive = !cf.noArchiveUpload
		rf.out = append(rf.out, "cloud")
		return runTest(cmd, script, rf, env, stdout, stderr)
	}
	return cloudRun(cmd, script, rf, cf, env, stdout, stderr, false)
}

// addCloudRunFlags declares the flags of `cloud run`.
func addCloudRunFlags(f *pflag.FlagSet, rf *runFlags, cf *cloudFlags) {
	f.SortFlags = false
	addOptionFlags(f)
	addLoadFlags(f, rf)
	f.BoolVar(&cf.localExecution, "local-execution", false, "run the test here and stream the results to the cloud")
	f.BoolVar(&cf.noArchiveUpload, "no-archive-upload", false, "with --local-execution, don't attach the archive to the test run")
	f.BoolVar(&cf.exitOnRunning, "exit-on-running", false, "exit when the test run reaches the running state")
	f.BoolVar(&cf.showLogs, "show-logs", false, "stream the cloud test run's logs (not supported by minik6 yet)")
	f.BoolVarP(&rf.quiet, "quiet", "q", false, "disable the progress updates")
	f.BoolVar(&rf.noSummary, "no-summary", false, "with --local-execution, don't show the summary")
	f.StringVar(&rf.summaryMode, "summary-mode", "compact", "with --local-execution, the end-of-test summary: compact, full or disabled")
	f.StringVar(&rf.summaryExport, "summary-export", "", "with --local-execution, write the end-of-test summary as JSON to this file")
	f.StringVar(&rf.consoleOutput, "console-output", "", "redirect console.* output to this file")
	f.StringVar(&rf.logFormat, "log-format", "", "log format: text (default), json or raw")
	f.BoolVarP(&rf.verbose, "verbose", "v", false, "verbose logging")
	f.BoolVar(&rf.noColor, "no-color", false, "no colours in the output")
	f.StringArrayVar(&rf.secretSources, "secret-source", nil, "with --local-execution, a secret source for k6/secrets: `TYPE=CONFIG` (mock, file, url)")
}

func newCloudUploadCommand(env map[string]string, stdout, stderr io.Writer) *cobra.Command {
	var rf runFlags
	var cf cloudFlags
	cmd := &cobra.Command{
		Use:   "upload [flags] script.js|archive.tar",
		Short: "upload a test to the k6 cloud without running it",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return cloudRun(cmd, args[0], &rf, &cf, env, stdout, stderr, true)
		},
	}
	f := cmd.Flags()
	f.SortFlags = false
	addOptionFlags(f)
	addLoadFlags(f, &rf)
	f.StringVar(&rf.logFormat, "log-format", "", "log format: text (default), json or raw")
	f.BoolVarP(&rf.verbose, "verbose", "v", false, "verbose logging")
	return cmd
}

// cloudRun is `cloud run` (uploadOnly false) and `cloud upload` (true): the
// test's options checked by the cloud, the archive uploaded, and for a run,
// its progress followed until it ends; the exit code is the cloud's verdict.
func cloudRun(cmd *cobra.Command, script string, rf *runFlags, cf *cloudFlags, env map[string]string,
	stdout, stderr io.Writer, uploadOnly bool,
) error {
	logger, fail := commandLogger(stderr, rf.logFormat, rf.verbose)
	if cf.showLogs {
		return fail(exitcode.Errorf(exitcode.InvalidConfig,
			"--show-logs: streaming the cloud test run's logs is not supported by minik6 yet"))
	}
	test, err := loadTest(cmd, rf, env, script, logger, logger)
	if err != nil {
		return fail(err)
	}
	file, err := readConfigFile(configFilePath(rf.configFile, env))
	if err != nil {
		return fail(exitcode.Wrap(exitcode.InvalidConfig, err))
	}
	cfg, err := cloudConfig(file, test, env, logger)
	if err != nil {
		return fail(err)
	}
	if cfg.Token.String == "" {
		return fail(exitcode.Errorf(exitcode.GenericEngineError, "To run tests in Grafana Cloud, you must first authenticate. "+
			"Run the `minik6 cloud login` command, or set the K6_CLOUD_TOKEN environment variable"))
	}
	name := cfg.Name.String
	if name == "" {
		name = path.Base(test.Entry)
	}
	if name == "-" {
		name = "k6 test"
	}
	client := cloud.NewClient(logger, cfg.Token.String, cfg.Host.String, version, cfg.Timeout.ValueOr(time.Minute))
	if cfg.StackID.Int64 != 0 {
		client.SetStackID(cfg.StackID.Int64)
	}
	failed := func(err error) error { return fail(exitcode.WrapDefault(exitcode.GenericEngineError, err)) }
	if err := client.ValidateOptions(test.Options); err != nil {
		return failed(err)
	}
	arc, err := test.Archive(version)
	if err != nil {
		return failed(err)
	}
	project, err := cfg.Project(logger)
	if err != nil {
		return failed(err)
	}
	var resp *cloud.CreateTestRunResponse
	if uploadOnly {
		resp, err = client.UploadTestOnly(name, project, arc)
	} else {
		resp, err = client.StartCloudTestRun(name, project, arc)
	}
	if err != nil {
		return failed(err)
	}
	if resp.ConfigOverride != nil {
		cfg = cfg.Apply(*resp.ConfigOverride)
	}
	url := cloud.URLForResults(resp.ReferenceID, cfg)
	fmt.Fprintf(stdout, "\n     execution: cloud\n        script: %s\n        output: %s\n\n", script, url)
	if uploadOnly {
		fmt.Fprintf(stdout, "The test was uploaded: %s\n", url)
		return nil
	}
	return followCloudRun(client, resp.ReferenceID, cf.exitOnRunning || env["K6_EXIT_ON_RUNNING"] == "true",
		rf.quiet, logger, fail, stdout, stderr)
}

// followCloudRun polls a cloud test run's progress every progressInterval
// until it ends, stopping it on the first signal, and turns its verdict into
// the exit code.
func followCloudRun(client *cloud.Client, ref string, exitOnRunning, quiet bool, logger logrus.FieldLogger,
	fail func(error) error, stdout, stderr io.Writer,
) error {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	tty := isTerminal(stderr)
	var last *cloud.TestProgressResponse
	var lastLine string
	stopped := false
	tick := time.NewTicker(progressInterval)
	defer tick.Stop()
	for {
		select {
		case sig := <-sigs:
			if stopped {
				return fail(exitcode.Errorf(exitcode.ExternalAbort, "second %s signal: not waiting for the cloud test run to end", sig))
			}
			stopped = true
			logger.Warnf("stopping the cloud test run after a %s signal; send it again to stop waiting", sig)
			if err := client.StopCloudTestRun(ref); err != nil {
				logger.WithError(err).Error("Stopping the cloud test run failed")
			}
			continue
		case <-tick.C:
		}
		progress, err := client.GetTestProgress(ref)
		if err != nil {
			logger.WithError(err).Error("Test progress error")
			continue
		}
		last = progress
		if !quiet {
			line := fmt.Sprintf("%s %3.0f%%", progress.RunStatusText, progress.Progress*100)
			switch {
			case tty:
				fmt.Fprintf(stderr, "\r  %-40s", line)
			case line != lastLine:
				fmt.Fprintf(stderr, "  %s\n", line)
			}
			lastLine = line
		}
		if progress.RunStatus > cloud.RunStatusRunning || (exitOnRunning && progress.RunStatus == cloud.RunStatusRunning) {
			break
		}
	}
	if tty && !quiet {
		fmt.Fprintln(stderr)
	}
	return cloudVerdict(last, fail, stdout)
}

// cloudVerdict is the exit code of a cloud test run's final state, as k6
// gives it.
func cloudVerdict(p *cloud.TestProgressResponse, fail func(error) error, stdout io.Writer) error {
	switch {
	case p == nil:
		return fail(exitcode.Errorf(exitcode.CloudProgressLost, "Test progress error"))
	case p.ResultStatus == cloud.ResultStatusFailed &&
		(p.RunStatus == cloud.RunStatusFinished || p.RunStatus == cloud.RunStatusAbortedThreshold):
		return fail(exitcode.Errorf(exitcode.ThresholdsFailed, "Thresholds have been crossed"))
	case p.ResultStatus == cloud.ResultStatusFailed:
		return fail(exitcode.Errorf(exitcode.CloudTestFailed, "The test has failed"))
	}
	fmt.Fprintf(stdout, "     test status: %s\n", p.RunStatusText)
	return nil
}
