package cli

import (
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/runner"
	"github.com/minik6/minik6/testrun"
)

// newSummaryCommand is `minik6 summary`, the end-of-test summary over the
// states of many instances.
func newSummaryCommand(env map[string]string, stdout, stderr io.Writer) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "summary",
		Short: "end-of-test summaries over several instances",
		Args:  cobra.NoArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newSummaryMergeCommand(env, stdout, stderr))
	return cmd
}

// mergeFlags are `summary merge`'s flags.
type mergeFlags struct {
	runFlags
	script string
}

func newSummaryMergeCommand(env map[string]string, stdout, stderr io.Writer) *cobra.Command {
	var mf mergeFlags
	cmd := &cobra.Command{
		Use:   "merge [flags] STATE...",
		Short: "print one end-of-test summary over the summary states of many instances",
		Long: `Merge the end-of-test states that the instances of a distributed test wrote with
--summary-state (K6_SUMMARY_STATE), print k6's end-of-test summary over all of
them and evaluate the thresholds over the union: exit code 99 when one is
crossed, as a single run would end.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return mergeSummaries(cmd, args, &mf, env, stdout, stderr)
		},
	}
	f := cmd.Flags()
	f.SortFlags = false
	f.StringVar(&mf.summaryMode, "summary-mode", "compact", "the summary: compact, full (needs states of runs in full mode) or disabled")
	f.StringVar(&mf.summaryExport, "summary-export", "", "write the merged summary as k6's --summary-export JSON to this file")
	f.String("summary-trend-stats", "", "trend stats in the summary, e.g. `avg,p(95)` (default: the first state's)")
	f.String("summary-time-unit", "", "time unit in the summary: s, ms or us (default: the first state's)")
	f.StringVar(&mf.script, "script", "", "run this script's (or archive's) handleSummary(data) over the merged results")
	addLoadFlags(f, &mf.runFlags)
	f.BoolVar(&mf.noColor, "no-color", false, "no colours in the output (also when NO_COLOR is set)")
	return cmd
}

// mergeSummaries is the whole `summary merge` command.
func mergeSummaries(cmd *cobra.Command, paths []string, mf *mergeFlags, env map[string]string, stdout, stderr io.Writer) error {
	logger, fail := commandLogger(stderr, "", false)
	switch mf.summaryMode {
	case "compact", "full", "disabled":
	default:
		return fail(exitcode.Errorf(exitcode.GenericEngineError, "--summary-mode %q: want compact, full or disabled", mf.summaryMode))
	}
	flagOpts, err := cliOptions(cmd.Flags(), "")
	if err != nil {
		return fail(exitcode.Wrap(exitcode.GenericEngineError, err))
	}
	states, err := readSummaryStates(paths)
	if err != nil {
		return fail(exitcode.Wrap(exitcode.GenericEngineError, err))
	}
	engine, err := metrics.MergeStates(states...)
	if err != nil {
		return fail(exitcode.Errorf(exitcode.GenericEngineError, "merging %s: %v", strings.Join(paths, ", "), err))
	}
	if mf.summaryMode == "full" && !engine.HasBreakdown() {
		return fail(exitcode.Errorf(exitcode.GenericEngineError,
			"--summary-mode full: every state must come from a run with --summary-mode full"))
	}
	logger.Infof("merged the summary states of %d instances (%s)", len(states), instanceNames(states))
	return reportMerged(cmd, engine, states[0], flagOpts, mf, env, stdout, stderr)
}

// reportMerged ends `summary merge` and `collect`: it evaluates the
// thresholds over the merged results, prints the summary (or runs the
// script's handleSummary), writes the export, and returns the exit code's
// error: 99 when a threshold is crossed. first is the first instance's state,
// whose summary settings apply unless the flags say otherwise.
func reportMerged(cmd *cobra.Command, engine *metrics.Engine, first *metrics.State, flagOpts options.Options, mf *mergeFlags,
	env map[string]string, stdout, stderr io.Writer,
) error {
	logger, fail := commandLogger(stderr, "", false)
	opts := options.Options{SummaryTrendStats: first.SummaryTrendStats}
	opts.SummaryTimeUnit.String, opts.SummaryTimeUnit.Valid = first.SummaryTimeUnit, first.SummaryTimeUnit != ""
	if flagOpts.SummaryTrendStats != nil {
		opts.SummaryTrendStats = flagOpts.SummaryTrendStats
	}
	if flagOpts.SummaryTimeUnit.Valid {
		opts.SummaryTimeUnit = flagOpts.SummaryTimeUnit
	}
	duration := engine.TestRunDuration()
	crossed := engine.FinalizeThresholds(duration)

	var handler *runner.Runner
	if mf.script != "" {
		mf.includeSystemEnv = true
		test, err := loadTest(cmd, &mf.runFlags, env, mf.script, logger, logger)
		if err != nil {
			return fail(err)
		}
		if !test.Bundle.HasFunction("handleSummary") {
			return fail(exitcode.Errorf(exitcode.InvalidConfig, "--script %s: it exports no handleSummary function", mf.script))
		}
		run, err := testrun.New(test, testrun.Config{Env: env, Version: version, StdOut: stdout, Logger: logger})
		if err != nil {
			return fail(err)
		}
		handler = run.Runner()
	}
	if mf.summaryMode != "disabled" {
		_, noColorEnv := env["NO_COLOR"]
		(&summaryRun{
			engine: engine, runner: handler, opts: opts, mode: mf.summaryMode, setupData: first.SetupData,
			stdoutTTY: isTerminal(stdout), stderrTTY: isTerminal(stderr), noColor: mf.noColor || noColorEnv,
			duration: duration, hasHandle: handler != nil,
			logger: logger, stdout: stdout, stderr: stderr,
		}).report()
	}
	if mf.summaryExport != "" {
		if err := writeSummaryExport(engine, mf.summaryExport, opts); err != nil {
			logger.WithError(err).Error("could not write the summary export")
		}
	}
	if crossed != nil {
		return fail(exitcode.Wrap(exitcode.ThresholdsFailed, crossed))
	}
	return nil
}

// instanceNames describes the merged instances by their instance_id tags,
// or by their execution segments.
func instanceNames(states []*metrics.State) string {
	names := make([]string, len(states))
	for i, s := range states {
		switch {
		case s.Tags["instance_id"] != "":
			names[i] = "instance_id=" + s.Tags["instance_id"]
		case s.ExecutionSegment != "":
			names[i] = "segment " + s.ExecutionSegment
		default:
			names[i] = "an instance"
		}
	}
	return strings.Join(names, ", ")
}
