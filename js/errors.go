package js

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/grafana/sobek"
	"github.com/grafana/sobek/parser"
)

// reparse parses src again to get the parse error with its position, which
// Sobek's compile functions flatten into a message; it returns err when the
// second parse finds nothing.
func reparse(p string, src []byte, err error, opts ...parser.Option) error {
	if _, perr := parser.ParseFile(nil, locationURL(p), string(src), 0, opts...); perr != nil {
		return perr
	}
	return err
}

// syntaxError formats a parse error as "SyntaxError: path:line:col message".
func syntaxError(err error) error {
	var list parser.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		first := list[0]
		return fmt.Errorf("SyntaxError: %s:%d:%d %s", first.Position.Filename,
			first.Position.Line, first.Position.Column, first.Message)
	}
	var cse *sobek.CompilerSyntaxError
	if errors.As(err, &cse) && cse.File != nil {
		pos := cse.File.Position(cse.Offset)
		return fmt.Errorf("SyntaxError: %s:%d:%d %s", cse.File.Name(),
			pos.Line, pos.Column, cse.Message)
	}
	return err
}

// ScriptException is an exception the script threw in the init context,
// setup(), teardown() or handleSummary(): the exception with its JavaScript
// stack, which k6 logs with the hint "script exception".
type ScriptException struct {
	stack string
}

func (e *ScriptException) Error() string { return e.stack }

// StackTrace is the exception with its JavaScript stack.
func (e *ScriptException) StackTrace() string { return e.stack }

// Hint is what k6 logs with a script exception.
func (e *ScriptException) Hint() string { return "script exception" }

// hostPkg is the Go package of the script host: its functions that scripts
// call (the VU loop's body, require, open) are no frames of the script's.
var hostPkg = reflect.TypeOf(VU{}).PkgPath() + "."

// Stack traces longer than stackHead+stackTail frames (a stack overflow has
// thousands) show the innermost stackHead and the outermost stackTail ones.
const stackHead, stackTail = 20, 10

// internalFrame reports whether a stack frame is the script host's own: the
// frame the VU loop runs iterations in (see loop.go) or a host function.
func internalFrame(f *sobek.StackFrame) bool {
	if f.SrcName() == enterName {
		return true
	}
	return f.SrcName() == "<native>" && strings.HasPrefix(f.FuncName(), hostPkg)
}

// internalLine reports whether a line of a formatted stack is an internal
// frame's (see internalFrame).
func internalLine(line string) bool {
	return strings.HasPrefix(line, "\tat "+enterName+":") || strings.HasPrefix(line, "\tat "+hostPkg)
}

// formatStack formats an exception as k6 logs it: the value, then a line
// "\tat frame" for each frame of the script's (internal ones left out).
func formatStack(value string, stack []sobek.StackFrame) string {
	frames := make([]*sobek.StackFrame, 0, len(stack))
	for i := range stack {
		if !internalFrame(&stack[i]) {
			frames = append(frames, &stack[i])
		}
	}
	var b bytes.Buffer
	b.WriteString(value)
	for i, f := range frames {
		if len(frames) > stackHead+stackTail && i >= stackHead && i < len(frames)-stackTail {
			if i == stackHead {
				fmt.Fprintf(&b, "\n\t... %d more frames", len(frames)-stackHead-stackTail)
			}
			continue
		}
		b.WriteString("\n\tat ")
		f.Write(&b)
	}
	return b.String()
}

// scrubStack leaves the internal frames out of a stack formatted by the
// runtime (an Error's stack property).
func scrubStack(stack string) string {
	lines := strings.Split(strings.TrimRight(stack, "\n"), "\n")
	kept := lines[:0]
	for _, l := range lines {
		if !internalLine(l) {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n")
}

// errStackOverflow is the message of a stack overflow, as JavaScript engines
// word it.
const errStackOverflow = "RangeError: Maximum call stack size exceeded"

// describe formats a script error with its JavaScript stack, as k6 logs it.
func describe(err error) string {
	var so *sobek.StackOverflowError
	if errors.As(err, &so) {
		return formatStack(errStackOverflow, so.Stack())
	}
	var ie *sobek.InterruptedError
	if errors.As(err, &ie) {
		return strings.TrimSpace(formatStack(fmt.Sprint(ie.Value()), ie.Stack()))
	}
	var ex *sobek.Exception
	if errors.As(err, &ex) {
		value := ""
		if v := ex.Value(); v != nil {
			value = v.String()
		}
		return formatStack(value, ex.Stack())
	}
	return err.Error()
}

// scriptError is err as an error to return: a *ScriptException for an
// exception the script threw (or a stack overflow), err described otherwise.
func scriptError(err error) error {
	var so *sobek.StackOverflowError
	var ex *sobek.Exception
	if errors.As(err, &so) || errors.As(err, &ex) {
		return &ScriptException{stack: describe(err)}
	}
	return errors.New(describe(err))
}
