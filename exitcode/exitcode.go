// Package exitcode holds the process exit codes minik6 shares with k6 and an error
// type that carries one, so any layer can say how the run should end and the CLI
// only has to read it back.
package exitcode

import (
	"errors"
	"fmt"
)

// Code is a process exit status.
type Code int

// The exit codes, numbered as k6 numbers them.
const (
	OK                 Code = 0
	CloudTestFailed    Code = 97
	CloudProgressLost  Code = 98
	ThresholdsFailed   Code = 99
	SetupTimeout       Code = 100
	TeardownTimeout    Code = 101
	GenericTimeout     Code = 102
	StoppedViaREST     Code = 103
	InvalidConfig      Code = 104
	ExternalAbort      Code = 105
	RESTCannotStart    Code = 106
	ScriptException    Code = 107
	ScriptAborted      Code = 108
	GoPanic            Code = 109
	MarkedAsFailed     Code = 110
	GenericEngineError Code = 255
)

// Error is an error that decides the exit code of the process.
type Error struct {
	Code Code
	Err  error
}

// Error returns the wrapped error's message.
func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *Error) Unwrap() error { return e.Err }

// Wrap attaches code to err; a nil err stays nil.
func Wrap(code Code, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Err: err}
}

// WrapDefault attaches code to err unless err already carries a code; a nil
// err stays nil.
func WrapDefault(code Code, err error) error {
	var e *Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return &Error{Code: code, Err: err}
}

// Errorf formats an error that carries code.
func Errorf(code Code, format string, args ...any) error {
	return &Error{Code: code, Err: fmt.Errorf(format, args...)}
}

// Of returns the exit code err carries: OK for nil, GenericEngineError for an
// error that names none.
func Of(err error) Code {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return GenericEngineError
}
