package cli_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/minik6/minik6/cli" // registers every built-in module, as the binary does
	"github.com/minik6/minik6/js/modules"
	"github.com/minik6/minik6/minik6test"
)

// TestNamespaceImportsOfEveryBuiltin: `import * as ns` of each built-in module
// holds "default" and every property of the default export, the same values.
func TestNamespaceImportsOfEveryBuiltin(t *testing.T) {
	t.Parallel()
	var src, list strings.Builder
	names := modules.Names()
	require.NotEmpty(t, names)
	for i, name := range names {
		fmt.Fprintf(&src, "import * as m%d from '%s';\n", i, name)
		fmt.Fprintf(&list, "['%s', m%d],", name, i)
	}
	fmt.Fprintf(&src, `export const options = { iterations: 1 };
export default function () {
  for (const [name, ns] of [%s]) {
    const keys = Object.keys(ns);
    const bad = [];
    if (!keys.includes('default')) bad.push('no default');
    for (const k of Object.keys(ns.default)) {
      if (!keys.includes(k) || ns[k] !== ns.default[k]) bad.push(k);
    }
    if (keys.length < 2) bad.push('nothing but ' + keys);
    console.log(name + ': ' + (bad.length ? bad.join(',') : 'ok'));
  }
}
`, list.String())
	res := minik6test.Run(t, minik6test.RunOptions{Source: src.String()})
	require.Equal(t, 0, res.ExitCode, res.Stderr)
	var want []string
	for _, name := range names {
		want = append(want, name+": ok")
	}
	assert.Equal(t, want, res.Console)
}

// linesWith returns stderr's lines that hold s.
func linesWith(stderr, s string) []string {
	var out []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return out
}

// TestScriptErrorsReadLikeK6: script errors are logged as k6 logs them: the
// script's stack only (never the VU loop's frames), hint="script exception"
// on exceptions, the place of exec.test.abort(), the abortOnFail message once,
// an iteration's promise that never settles once per VU, and a stack overflow
// as a RangeError that ends only its iteration.
func TestScriptErrorsReadLikeK6(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, source string
		code         int
		lines        map[string]int // substring → how many stderr lines hold it
		stderr       []string
	}{
		{name: "exception in every iteration",
			source: "export const options = { iterations: 4 };\nexport default function () {\n  throw new Error('boom');\n}\n",
			lines: map[string]int{
				`msg="Error: boom\n\tat default (file://`: 4, `hint="script exception"`: 4, "source=stacktrace": 4,
				"enter.js": 0, "minik6/js.": 0,
			}},
		{name: "exception in setup",
			source: "export function setup() {\n  throw new Error('setup broke');\n}\nexport default function () {}\n",
			code:   107,
			stderr: []string{`msg="Error: setup broke\n\tat setup (file://`, `:2:9(3))" hint="script exception" source=stacktrace`}},
		{name: "exception in teardown",
			source: "export default function () {}\nexport function teardown() {\n  throw new Error('teardown broke');\n}\n",
			code:   107,
			stderr: []string{`msg="Error: teardown broke\n\tat teardown (file://`, `hint="script exception" source=stacktrace`}},
		{name: "abort names its place",
			source: "import exec from 'k6/execution';\nexport const options = { iterations: 3 };\n" +
				"export default function () {\n  exec.test.abort('enough');\n}\n",
			code:  108,
			lines: map[string]int{`msg="test aborted: enough at default (file://`: 1}},
		{name: "abortOnFail message once",
			source: "export const options = { duration: '10s', thresholds: { iterations: [{ threshold: 'count<1', abortOnFail: true }] } };\n" +
				"export default function () {}\n",
			code: 99,
			lines: map[string]int{
				"thresholds on metrics 'iterations' were crossed; at least one has abortOnFail enabled, stopping test prematurely": 1,
			}},
		{name: "unsettled promise once per VU",
			source: "export const options = { vus: 2, duration: '1s' };\nexport default async function () { await new Promise(() => {}); }\n",
			lines:  map[string]int{"default() returned a promise that never settled": 2, "level=error": 0}},
		{name: "infinite recursion",
			source: "export const options = { iterations: 2 };\nfunction f() { return f() + 1; }\nexport default function () { f(); }\n",
			lines: map[string]int{
				`msg="RangeError: Maximum call stack size exceeded\n\tat f (file://`: 2, `hint="script exception"`: 2,
				`more frames\n`: 2, `\tat default (file://`: 2,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := minik6test.Run(t, minik6test.RunOptions{Source: tt.source})
			require.Equal(t, tt.code, res.ExitCode, res.Stderr)
			for s, n := range tt.lines {
				assert.Len(t, linesWith(res.Stderr, s), n, "lines with %q in:\n%s", s, res.Stderr)
			}
			for _, s := range tt.stderr {
				assert.Contains(t, res.Stderr, s)
			}
		})
	}
}
