// Package testrun runs a loaded test: it owns the metrics engine, the outputs
// and the runner, and offers what every caller of a run needs — the command
// line, the REST API, tests — to start it, wait for it, pause, resume and stop
// it with a cause, and read its status from any goroutine.
package testrun

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/load"
	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/output"
	"github.com/minik6/minik6/runner"
	"github.com/minik6/minik6/segment"
)

// Config is what a run needs besides the loaded test.
type Config struct {
	// Outputs are --out values ("json=out.json"), built through the output
	// registry.
	Outputs []string
	// SubMetrics are more sub-metric selectors ("checks{check:ok}") to track
	// without a threshold, for the summary and whoever reads the engine.
	SubMetrics []string
	// Breakdown keeps per-group and per-scenario results (the full summary).
	Breakdown bool
	// Env is the environment outputs read their K6_* settings from.
	Env map[string]string
	// Version is minik6's version, for outputs that report it.
	Version string
	// AttachArchive makes the cloud output attach the test's archive to the
	// test run it creates (cloud run --local-execution).
	AttachArchive bool
	// StdOut is where outputs that write to standard output write.
	StdOut io.Writer
	// APIAddress is where the run's REST API listens ("" when nowhere), for
	// outputs that tell others (the collector output).
	APIAddress string
	// Logger logs the run's events.
	Logger logrus.FieldLogger
	// ThresholdInterval is how often thresholds are evaluated during the run;
	// the runner's default (2s) when zero.
	ThresholdInterval time.Duration
}

// Run is one run of a loaded test.
type Run struct {
	test   *load.Test
	cfg    Config
	engine *metrics.Engine
	outs   []metrics.Output
	fan    *output.FanOut
	runner *runner.Runner

	outputsOnce sync.Once
	outputsErr  error
	startOnce   sync.Once
	done        chan struct{}
	result      Result
	// outputStop is the cause an output stopped the run with, if one did.
	outputStop atomic.Pointer[error]
}

// Result is how a run ended.
type Result struct {
	// Err is why the run did not succeed, nil when it did; its exit code (see
	// exitcode.Of) is the run's: a stop's cause, a script error, 99 for
	// failed thresholds, 110 for exec.test.fail().
	Err error
	// Duration is how long the test ran (setup to teardown).
	Duration time.Duration
	// SetupData is setup()'s return value as JSON, nil when it returned nothing.
	SetupData []byte
	// FailReasons are the reasons given to exec.test.fail().
	FailReasons []string
	// Thresholds is the final evaluation's error, a
	// *metrics.ThresholdsCrossedError when thresholds failed.
	Thresholds error
}

// New builds a run of t: the engine with its thresholds, the outputs, the
// runner with one executor per scenario, scaled to t's execution segment.
// Nothing runs before Start. Errors carry exit code 104.
func New(t *load.Test, cfg Config) (*Run, error) {
	if cfg.Logger == nil {
		cfg.Logger = logrus.StandardLogger()
	}
	opts := t.Options
	invalid := func(err error) (*Run, error) { return nil, exitcode.Wrap(exitcode.InvalidConfig, err) }
	tuple, err := segment.NewTuple(opts.ExecutionSegment, opts.ExecutionSegmentSequence)
	if err != nil {
		return invalid(err)
	}
	// k6 tracks http_req_duration{expected_response:true} while that tag is on.
	subs := slices.Clone(cfg.SubMetrics)
	if slices.Contains(opts.GetSystemTags(), "expected_response") {
		subs = append(subs, metrics.ExpectedResponseSubMetric)
	}
	thresholds := ThresholdConfigs(opts.Thresholds)
	engineOpts := []metrics.EngineOption{metrics.WithSubMetrics(subs...)}
	if cfg.Breakdown {
		engineOpts = append(engineOpts, metrics.WithBreakdown())
	}
	engine, err := metrics.NewEngine(t.Registry, thresholds, engineOpts...)
	if err != nil {
		return invalid(err)
	}
	outs, err := output.NewAll(cfg.Outputs, output.Params{
		Thresholds: thresholds, SubMetrics: subs, SystemTags: opts.GetSystemTags(),
		Ext: opts.Ext, Cloud: opts.Cloud, Collectors: t.Collectors,
		Env: cfg.Env, Version: cfg.Version, AttachArchive: cfg.AttachArchive, StdOut: cfg.StdOut, Logger: cfg.Logger,
		Engine: engine, APIAddress: cfg.APIAddress,
	})
	if err != nil {
		return nil, exitcode.WrapDefault(exitcode.InvalidConfig, err)
	}
	r := &Run{
		test: t, cfg: cfg, engine: engine, outs: outs, fan: output.NewFanOut(engine, outs, 0),
		done: make(chan struct{}),
	}
	r.runner, err = runner.New(runner.Config{
		Options: opts, Script: t.Bundle, Engine: engine, Sink: r.fan, Registry: t.Registry,
		Builtins: t.Builtins, Logger: cfg.Logger, Tuple: tuple, ThresholdInterval: cfg.ThresholdInterval,
	})
	if err != nil {
		return nil, err
	}
	for _, o := range outs {
		if tr, ok := o.(output.TestReceiver); ok {
			tr.SetTest(t)
		}
		if rs, ok := o.(output.RunStopper); ok {
			rs.SetRunStopper(func(cause error) {
				r.outputStop.CompareAndSwap(nil, &cause)
				r.Stop(cause)
			})
		}
	}
	return r, nil
}

// AbandonOutputs closes the outputs' files at once, valid but without the
// samples not written yet, for a process that must exit now (a second
// signal). It waits at most timeout.
func (r *Run) AbandonOutputs(timeout time.Duration) {
	var wg sync.WaitGroup
	for _, o := range r.outs {
		if a, ok := o.(output.Abandoner); ok {
			wg.Add(1)
			go func() { defer wg.Done(); a.Abandon() }()
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(timeout):
	}
}

// Test is the loaded test this run runs.
func (r *Run) Test() *load.Test { return r.test }

// Engine is the run's metrics engine: samples, thresholds, the summary.
func (r *Run) Engine() *metrics.Engine { return r.engine }

// Runner is the run's runner (the overview of its scenarios, handleSummary).
func (r *Run) Runner() *runner.Runner { return r.runner }

// StartOutputs starts the outputs (the cloud output creates its test run
// then), once; Start calls it when the caller has not. An output that fails to
// start is the error: its own exit code, or 104.
func (r *Run) StartOutputs() error {
	r.outputsOnce.Do(func() {
		r.outputsErr = exitcode.WrapDefault(exitcode.InvalidConfig, r.fan.Start())
	})
	return r.outputsErr
}

// OutputDescriptions names the outputs, as the banner before a test lists
// them ("json (out.json)"); after StartOutputs they may say more.
func (r *Run) OutputDescriptions() []string {
	out := make([]string, len(r.outs))
	for i, o := range r.outs {
		out[i] = o.Description()
	}
	return out
}

// Start starts the outputs, then the run in the background: VU
// initialisation, the pause gate, setup, the scenarios, teardown. An output
// that fails to start is the error, and nothing runs.
func (r *Run) Start(ctx context.Context) error {
	err := errors.New("testrun: Start called twice")
	r.startOnce.Do(func() {
		if err = r.StartOutputs(); err != nil {
			close(r.done)
			return
		}
		go r.run(ctx)
	})
	return err
}

func (r *Run) run(ctx context.Context) {
	defer close(r.done)
	res, runErr := r.runRunner(ctx)
	r.result = Result{Duration: res.Duration, SetupData: res.SetupData}
	r.engine.SetTestRunDuration(res.Duration)
	r.result.Thresholds = r.engine.FinalizeThresholds(res.Duration)
	r.result.FailReasons = r.runner.Execution().FailReasons()
	r.result.Err = outcome(runErr, r.result.FailReasons, r.result.Thresholds)

	// Every VU has flushed its samples: the outputs learn how the run ended and
	// get the last of them.
	status := runStatus(runErr, r.runner.Execution().Aborted())
	if cause := r.outputStop.Load(); cause != nil && errors.Is(runErr, *cause) {
		status = output.RunAbortedSystem // the output, not the user, stopped it
	}
	results := r.engine.ThresholdResults()
	for _, o := range r.outs {
		if tr, ok := o.(output.ThresholdsReceiver); ok {
			tr.SetThresholdResults(results)
		}
		if rs, ok := o.(output.RunStatusReceiver); ok {
			rs.SetRunStatus(status, r.result.Err)
		}
	}
	if err := r.fan.Stop(); err != nil {
		r.cfg.Logger.WithError(err).Error("an output failed")
	}
}

// runRunner runs the runner; a Go panic in it (a bug, in minik6 or an
// extension) is the run's error, with exit code 109, instead of a crash.
func (r *Run) runRunner(ctx context.Context) (res runner.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			msg := fmt.Sprintf("a Go panic stopped the test: %v", p)
			r.cfg.Logger.WithField("stack", string(debug.Stack())).Debug(msg)
			err = exitcode.Errorf(exitcode.GoPanic, "%s", msg)
		}
	}()
	return r.runner.Run(ctx)
}

// outcome is the error a run ends with, by k6's precedence: a script error,
// abort or stop first (a threshold abort is a threshold failure), then
// exec.test.fail(), then thresholds that failed at the end.
func outcome(runErr error, failReasons []string, thresholds error) error {
	code := exitcode.Of(runErr)
	switch {
	case runErr != nil && code != exitcode.ThresholdsFailed:
		return runErr
	case len(failReasons) > 0:
		return exitcode.Errorf(exitcode.MarkedAsFailed, "test marked as failed")
	case runErr != nil:
		return runErr
	case thresholds != nil:
		return exitcode.Wrap(exitcode.ThresholdsFailed, thresholds)
	}
	return nil
}

// runStatus maps how a run ended to the k6 cloud's run status.
func runStatus(runErr error, aborted *runner.AbortReason) output.RunStatus {
	if runErr == nil {
		return output.RunFinished
	}
	switch exitcode.Of(runErr) {
	case exitcode.ThresholdsFailed:
		if aborted != nil {
			return output.RunAbortedThreshold
		}
		return output.RunFinished
	case exitcode.ScriptAborted, exitcode.ExternalAbort, exitcode.StoppedViaREST:
		return output.RunAbortedUser
	case exitcode.ScriptException:
		return output.RunAbortedScriptError
	case exitcode.SetupTimeout, exitcode.TeardownTimeout:
		return output.RunAbortedLimit
	}
	return output.RunAbortedSystem
}

// Wait waits for the run to end and returns how it ended. The outputs have
// stopped by then.
func (r *Run) Wait() Result {
	<-r.done
	return r.result
}

// Done is closed when the run has ended.
func (r *Run) Done() <-chan struct{} { return r.done }

// Stop ends the run with cause, whose exit code the run ends with (105 for a
// signal, 103 for the REST API…): iterations are interrupted, teardown() runs.
// Only the first stop counts.
func (r *Run) Stop(cause error) {
	r.runner.Stop(cause)
}

// Pause holds the run at its gate: before setup() when it has not started
// yet. A started run can't be paused (no executor of minik6 can pause).
func (r *Run) Pause() error { return r.runner.Pause() }

// Resume opens the gate of a paused run.
func (r *Run) Resume() error { return r.runner.Resume() }

// ThresholdConfigs hands the thresholds option to the metrics engine.
func ThresholdConfigs(t options.Thresholds) map[string][]metrics.ThresholdConfig {
	if len(t) == 0 {
		return nil
	}
	out := make(map[string][]metrics.ThresholdConfig, len(t))
	for selector, list := range t {
		for _, th := range list {
			out[selector] = append(out[selector], metrics.ThresholdConfig{
				Source: th.Source, AbortOnFail: th.AbortOnFail, DelayAbortEval: th.DelayAbortEval.ValueOr(0),
			})
		}
	}
	return out
}
