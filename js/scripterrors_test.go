package js_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/js"
	"github.com/minik6/minik6/runner"
)

// loop runs n iterations of fn on v the way the runner does (through
// runner.Looper, in the VU loop's frame after the first) and returns their
// errors.
func loop(t *testing.T, v runner.VU, fn string, n int) []error {
	t.Helper()
	var errs []error
	within(t, 20*time.Second, func() {
		v.(runner.Looper).Loop(func() bool {
			if len(errs) == n {
				return false
			}
			errs = append(errs, v.RunIteration(context.Background(), fn))
			return true
		})
	})
	return errs
}

// A script's stack traces show the script's frames only, from the first
// iteration (called from the top level) to the last (called in the VU loop's
// frame), and in the init context through require().
func TestStackTracesShowOnlyTheScript(t *testing.T) {
	t.Parallel()
	v, _ := newHost("function helper() {\n  throw new Error('boom');\n}\nexport default function () {\n  helper();\n}\n", nil).vu(t)
	errs := loop(t, v, "default", 5)
	require.Len(t, errs, 5)
	for i, err := range errs {
		var se *runner.ScriptError
		require.ErrorAs(t, err, &se, "iteration %d", i)
		assert.Equal(t, "Error: boom\n\tat helper (file:///test/script.js:2:9(3))\n\tat default (file:///test/script.js:5:9(3))",
			se.Message, "iteration %d", i)
	}

	h := newHost("const lib = require('./lib.js');\nexport default function () {}\n",
		map[string]string{"/test/lib.js": "throw new Error('lib broke');\n"})
	_, err := h.bundle()
	require.Error(t, err)
	var ex *js.ScriptException
	require.ErrorAs(t, err, &ex)
	assert.Equal(t, "Error: lib broke\n\tat file:///test/lib.js:1:7(3)\n\tat file:///test/script.js:1:20(12)", ex.StackTrace())
	assert.Equal(t, "script exception", ex.Hint())
	assert.Equal(t, exitcode.ScriptException, exitcode.Of(err))
}

// Exceptions in setup() and teardown() are script exceptions, with k6's hint.
func TestExceptionsInSetupAndTeardown(t *testing.T) {
	t.Parallel()
	v, _ := newHost("export function setup() {\n  throw new Error('setup broke');\n}\nexport default function () {}\n", nil).vu(t)
	_, err := v.Call(context.Background(), "setup", nil)
	var ex *js.ScriptException
	require.ErrorAs(t, err, &ex)
	assert.Equal(t, "Error: setup broke\n\tat setup (file:///test/script.js:2:9(3))", ex.Error())
	assert.Equal(t, "script exception", ex.Hint())
}

// An iteration whose promise never settles ends (nothing is left to settle
// it) and is logged once per VU, not once per iteration.
func TestUnsettledIterations(t *testing.T) {
	t.Parallel()
	h := newHost(`export default async function () { await new Promise(() => {}); }`, nil)
	b := h.mustBundle(t)
	for id := uint64(1); id <= 2; id++ {
		v, err := b.NewVU(context.Background(), h.state(t, id))
		require.NoError(t, err)
		t.Cleanup(v.Close)
		for _, err := range loop(t, v, "default", 20) {
			assert.NoError(t, err)
		}
	}
	var warned []string
	for _, e := range h.logs.AllEntries() {
		require.Equal(t, logrus.WarnLevel, e.Level, e.Message)
		warned = append(warned, e.Message)
	}
	want := "default() returned a promise that never settled: nothing was left to settle it; " +
		"the iteration ended there (logged once per VU)"
	assert.Equal(t, []string{want, want}, warned, "one warning per VU")
}

// Infinite recursion ends the call with a RangeError (a short trace of the
// recursion and its start) instead of taking memory until the process is
// killed; the VU goes on with its next iteration. So in the init context.
func TestInfiniteRecursion(t *testing.T) {
	t.Parallel()
	v, _ := newHost(`let n = 0;
		function f() { return f() + 1; }
		export default function () { n++; f(); }
		export function probe() { return n; }`, nil).vu(t)
	errs := loop(t, v, "default", 3)
	require.Len(t, errs, 3)
	for _, err := range errs {
		var se *runner.ScriptError
		require.ErrorAs(t, err, &se)
		lines := strings.Split(se.Message, "\n")
		assert.Equal(t, "RangeError: Maximum call stack size exceeded", lines[0])
		assert.Equal(t, "\tat f (file:///test/script.js:2:26(3))", lines[1])
		assert.Regexp(t, `^\t\.\.\. \d+ more frames$`, lines[21])
		assert.Equal(t, "\tat default (file:///test/script.js:3:38(6))", lines[len(lines)-1])
		assert.Len(t, lines, 32, "the trace is cut short")
	}
	assert.Equal(t, "3", call(t, v, "probe"), "every iteration ran")

	_, err := newHost(`function f() { return f() + 1; } f(); export default function () {}`, nil).bundle()
	assert.Equal(t, exitcode.ScriptException, exitcode.Of(err))
	assert.ErrorContains(t, err, "RangeError: Maximum call stack size exceeded\n\tat f (file:///test/script.js:1:24(3))")
}

// require() is the init context's: called later it throws k6's error, also
// the require of a CommonJS module.
func TestRequireOutsideTheInitContext(t *testing.T) {
	t.Parallel()
	const msg = `the "require" function is only available in the init stage (i.e. the global scope), ` +
		"see https://grafana.com/docs/k6/latest/using-k6/test-lifecycle/ for more information"
	v, _ := newHost(`const lib = require('./lib.js');
		export function setup() { require('k6'); }
		export default function () { require('k6'); }
		export function later() { lib.later(); }`,
		map[string]string{"/test/lib.js": "exports.later = function () { return require('./other.js'); };"}).vu(t)
	for _, fn := range []string{"default", "later"} {
		err := v.RunIteration(context.Background(), fn)
		var se *runner.ScriptError
		require.ErrorAs(t, err, &se, fn)
		assert.True(t, strings.HasPrefix(se.Message, "GoError: "+msg+"\n"), "%s: %s", fn, se.Message)
	}
	_, err := v.Call(context.Background(), "setup", nil)
	assert.ErrorContains(t, err, msg)
	assert.False(t, errors.Is(err, runner.ErrInterrupted))
}
