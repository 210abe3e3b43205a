package testrun

import (
	"time"

	"github.com/minik6/minik6/runner"
)

// Status is a snapshot of a run, safe to take from any goroutine: what a
// progress bar or the REST API's status shows.
type Status struct {
	// Status is the run's phase, numbered as k6 numbers it.
	Status runner.ExecutionStatus
	// Paused: the run waits at its gate. Stopped: it was stopped or aborted.
	// Running: it has started and not yet ended. Tainted: a threshold failed
	// at the last evaluation.
	Paused, Stopped, Running, Tainted bool
	// VUs are the active VUs; VUsMax the most this instance may hold.
	VUs, VUsMax int64
	// Completed and Interrupted count the finished iterations.
	Completed, Interrupted int64
	// Duration is how long the test has run (0 before it starts).
	Duration time.Duration
	// Scenarios are the scenarios, in the order they start.
	Scenarios []ScenarioStatus
}

// ScenarioStatus is one scenario's part of a Status.
type ScenarioStatus struct {
	Name, Executor string
	// Started is when the scenario started; zero before.
	Started time.Time
	// Progress is in [0, 1].
	Progress float64
	// Detail is what a progress bar shows of it, once started.
	Detail runner.ScenarioProgress
}

// Status returns a snapshot of the run.
func (r *Run) Status() Status {
	exec := r.runner.Execution()
	phase := r.runner.Status()
	st := Status{
		Status:      phase,
		Paused:      r.runner.Paused(),
		Stopped:     exec.Aborted() != nil,
		Running:     phase >= runner.StatusStarted && phase < runner.StatusEnded,
		Tainted:     len(r.engine.CrossedThresholds()) > 0,
		VUs:         exec.VUsActive(),
		VUsMax:      exec.VUsMax(),
		Completed:   exec.IterationsCompleted(),
		Interrupted: exec.IterationsInterrupted(),
		Duration:    exec.CurrentTestRunDuration(),
	}
	for _, sc := range r.runner.Scenarios() {
		ss := ScenarioStatus{Name: sc.Name, Executor: sc.Executor}
		if ms := sc.StartTime(); ms != 0 {
			ss.Started = time.UnixMilli(ms)
			ss.Progress = sc.Progress()
			ss.Detail, _ = sc.ProgressDetail()
		}
		st.Scenarios = append(st.Scenarios, ss)
	}
	return st
}
