package runner

import (
	"context"
	"errors"
)

// Script is what the runner needs of a test script; the js package implements it.
type Script interface {
	// NewVU runs the script's init context for a new VU that will use state.
	NewVU(ctx context.Context, state *VUState) (VU, error)
	// HasFunction reports whether the script exports a function called name.
	HasFunction(name string) bool
}

// VU is one initialized virtual user.
type VU interface {
	// RunIteration calls the exported function fn once, with the setup data. A
	// script exception is returned as an error (the iteration still counts as
	// completed); ErrInterrupted means the iteration was cut short.
	RunIteration(ctx context.Context, fn string) error
	// Call calls the exported function fn with arg (JSON, nil for none) and returns
	// its result as JSON (nil for undefined): setup(), teardown(), handleSummary().
	Call(ctx context.Context, fn string, arg []byte) ([]byte, error)
	// HandleSummary calls the script's handleSummary(data) with data (JSON) and
	// returns what it maps outputs ("stdout", "stderr", file paths) to: strings and
	// ArrayBuffers as bytes.
	HandleSummary(ctx context.Context, data []byte) (map[string][]byte, error)
	// Interrupt stops the running JavaScript as soon as possible; any goroutine may
	// call it.
	Interrupt(reason error)
	// Close releases the VU.
	Close()
}

// Looper is an optional interface of a VU that can run a loop of iterations
// cheaper than one call at a time: Loop calls next, which runs one iteration
// through RunIteration, until it returns false.
type Looper interface {
	Loop(next func() bool)
}

// ErrInterrupted is returned by VU.RunIteration for an iteration cut short by a stop.
var ErrInterrupted = errors.New("iteration interrupted")

// ScriptError is an exception thrown by the script, formatted with its stack.
type ScriptError struct {
	// Message is the exception with its JavaScript stack.
	Message string
}

func (e *ScriptError) Error() string { return e.Message }
