package runner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// ExecutionStatus is the phase a run is in, numbered as k6 numbers it (the
// REST API's status field).
type ExecutionStatus int32

// The phases of a run, in order.
const (
	StatusCreated ExecutionStatus = iota
	StatusInitVUs
	StatusInitExecutors
	StatusInitDone
	StatusPausedBeforeRun
	StatusStarted
	StatusSetup
	StatusRunning
	StatusTeardown
	StatusEnded
)

// gate holds a run back while it is paused: before setup() and before each
// scenario starts.
type gate struct {
	mu     sync.Mutex
	paused bool
	open   chan struct{} // closed while not paused
	// started turns true when the run passed the gate before setup: from then
	// on, pausing needs executors that can pause, which minik6 has none of.
	started atomic.Bool
}

func newGate(paused bool) *gate {
	g := &gate{paused: paused, open: make(chan struct{})}
	if !paused {
		close(g.open)
	}
	return g
}

// wait returns when the gate is open, or with ctx's error when ctx ends first.
func (g *gate) wait(ctx context.Context) error {
	g.mu.Lock()
	open := g.open
	g.mu.Unlock()
	select {
	case <-open:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// isPaused reports whether the gate is closed.
func (g *gate) isPaused() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.paused
}

// ErrNotPaused is Resume's error for a run that is not paused.
var ErrNotPaused = errors.New("execution wasn't paused")

// Pause pauses the run before it starts. A run that has started can't be
// paused: none of minik6's executors can pause once running (k6 pauses only
// its externally-controlled executor).
func (r *Runner) Pause() error {
	g := r.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.started.Load() {
		if g.paused {
			return errors.New("execution is already paused")
		}
		g.paused = true
		g.open = make(chan struct{})
		return nil
	}
	for _, sr := range r.scenarios {
		return fmt.Errorf("%s executor '%s' doesn't support pause and resume operations after its start",
			sr.state.Executor, sr.state.Name)
	}
	return errors.New("the test has started and can't be paused")
}

// Resume lets a paused run go on.
func (r *Runner) Resume() error {
	g := r.gate
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.paused {
		return ErrNotPaused
	}
	g.paused = false
	close(g.open)
	return nil
}

// Paused reports whether the run is paused.
func (r *Runner) Paused() bool { return r.gate.isPaused() }
