package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/minik6/minik6/collector"
	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/metrics"
)

// collectFlags are `collect`'s flags.
type collectFlags struct {
	mergeFlags
	listen    string
	instances int
	interval  time.Duration
}

// newCollectCommand is `minik6 collect`: live results and thresholds over the
// instances of a distributed test.
func newCollectCommand(env map[string]string, stdout, stderr io.Writer) *cobra.Command {
	var cf collectFlags
	cmd := &cobra.Command{
		Use:   "collect --listen HOST:PORT [flags]",
		Short: "merge the live results of a distributed test's instances and stop them all when a threshold aborts",
		Long: `Collect the state that runners push with --out collector=http://HOST:PORT, show
the merged numbers as they come, and evaluate the thresholds over all instances:
when a threshold with abortOnFail fails, every runner stops with exit code 99.
With --instances N, the collector ends once N instances have finished, prints
the merged end-of-test summary and exits 99 if a threshold is crossed; without
it, Ctrl+C (or SIGTERM) ends it the same way.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return collect(cmd, &cf, env, stdout, stderr)
		},
	}
	f := cmd.Flags()
	f.SortFlags = false
	f.StringVar(&cf.listen, "listen", "127.0.0.1:6600", "listen for runners' pushes at this `host:port`")
	f.IntVar(&cf.instances, "instances", 0, "end once this many instances have finished (0: run until a signal)")
	f.DurationVar(&cf.interval, "interval", 2*time.Second, "how often to merge, evaluate the thresholds and show the numbers")
	f.StringVar(&cf.summaryMode, "summary-mode", "compact", "the end-of-test summary: compact, full (needs runners in full mode) or disabled")
	f.StringVar(&cf.summaryExport, "summary-export", "", "write the merged summary as k6's --summary-export JSON to this file")
	f.String("summary-trend-stats", "", "trend stats in the summary, e.g. `avg,p(95)` (default: the first instance's)")
	f.String("summary-time-unit", "", "time unit in the summary: s, ms or us (default: the first instance's)")
	f.StringVar(&cf.script, "script", "", "run this script's (or archive's) handleSummary(data) over the merged results")
	addLoadFlags(f, &cf.runFlags)
	f.BoolVar(&cf.noColor, "no-color", false, "no colours in the output (also when NO_COLOR is set)")
	return cmd
}

func collect(cmd *cobra.Command, cf *collectFlags, env map[string]string, stdout, stderr io.Writer) error {
	logger, fail := commandLogger(stderr, "", false)
	switch cf.summaryMode {
	case "compact", "full", "disabled":
	default:
		return fail(exitcode.Errorf(exitcode.GenericEngineError, "--summary-mode %q: want compact, full or disabled", cf.summaryMode))
	}
	if cf.instances < 0 || cf.interval <= 0 {
		return fail(exitcode.Errorf(exitcode.GenericEngineError, "--instances must not be negative and --interval must be positive"))
	}
	flagOpts, err := cliOptions(cmd.Flags(), "")
	if err != nil {
		return fail(exitcode.Wrap(exitcode.GenericEngineError, err))
	}
	ln, err := net.Listen("tcp", cf.listen)
	if err != nil {
		return fail(exitcode.Errorf(exitcode.RESTCannotStart, "the collector can't listen: %v", err))
	}
	c := collector.New(cf.instances, logger)
	srv := &http.Server{Handler: c, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	logger.Infof("the collector listens on http://%s; runners push to it with --out collector=http://%s", ln.Addr(), ln.Addr())

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	tick := time.NewTicker(cf.interval)
	defer tick.Stop()
	ctx := context.Background()
	var abort string
	show := func() {
		st, err := c.Evaluate(ctx)
		if err != nil {
			logger.Error(err.Error())
			return
		}
		abort = st.Abort
		if st.Engine != nil {
			fmt.Fprintln(stdout, liveLine(st))
		}
	}
loop:
	for {
		select {
		case <-tick.C:
			show()
		case <-c.Finalized():
			break loop
		case sig := <-signals:
			logger.Warnf("ending the collection after a %s signal", sig)
			break loop
		}
	}
	show()
	engine, err := c.Merged()
	if err != nil {
		return fail(exitcode.Wrap(exitcode.GenericEngineError, err))
	}
	if engine == nil {
		return fail(exitcode.Errorf(exitcode.GenericEngineError, "no instance pushed its state to the collector"))
	}
	if cf.summaryMode == "full" && !engine.HasBreakdown() {
		return fail(exitcode.Errorf(exitcode.GenericEngineError,
			"--summary-mode full: every runner must run with --summary-mode full"))
	}
	err = reportMerged(cmd, engine, c.States()[0], flagOpts, &cf.mergeFlags, env, stdout, stderr)
	if err == nil && abort != "" {
		return fail(exitcode.Errorf(exitcode.ThresholdsFailed, "%s", abort))
	}
	var reported *reportedError
	if err != nil && !errors.As(err, &reported) {
		return fail(err)
	}
	return err
}

// liveLine is the collector's line of merged numbers: instances, iterations,
// requests, checks and the thresholds that fail now.
func liveLine(st collector.Status) string {
	sum, err := st.Engine.Summary(metrics.SummaryOptions{TrendStats: []string{"p(95)"}})
	if err != nil {
		return err.Error()
	}
	parts := []string{fmt.Sprintf("%d instances (%d done)", st.Instances, st.Final)}
	if m := sum.Metric(metrics.IterationsName); m != nil {
		parts = append(parts, fmt.Sprintf("iterations=%.0f", m.Values["count"]))
	}
	if m := sum.Metric("http_reqs"); m != nil {
		parts = append(parts, fmt.Sprintf("http_reqs=%.0f", m.Values["count"]))
	}
	if m := sum.Metric("http_req_duration"); m != nil {
		parts = append(parts, fmt.Sprintf("http_req_duration p(95)=%.2fms", m.Values["p(95)"]))
	}
	if m := sum.Metric(metrics.ChecksName); m != nil {
		parts = append(parts, fmt.Sprintf("checks=%.2f%%", m.Values["rate"]*100))
	}
	switch {
	case st.Abort != "":
		parts = append(parts, "ABORTED: "+st.Abort)
	case len(st.Crossed) > 0:
		parts = append(parts, "thresholds ✗ "+strings.Join(st.Crossed, ", "))
	case st.Engine.HasThresholds():
		parts = append(parts, "thresholds ✓")
	}
	return "collector: " + strings.Join(parts, " · ")
}
