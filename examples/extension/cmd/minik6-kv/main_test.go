package main_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/minik6test"
)

func TestMain(m *testing.M) { os.Exit(minik6test.Main(m)) }

// binary builds minik6-kv, skipping while minik6's cli package (its entry point)
// does not exist.
func binary(t *testing.T) string {
	t.Helper()
	root, err := minik6test.ModuleRoot()
	require.NoError(t, err)
	if _, err := os.Stat(filepath.Join(root, "cli")); os.IsNotExist(err) {
		t.Skip("package github.com/minik6/minik6/cli (cli.Execute) does not exist yet")
	}
	return minik6test.BuildBinary(t, "./examples/extension/cmd/minik6-kv")
}

// TestExampleScript runs examples/extension/example.js with the custom binary.
func TestExampleScript(t *testing.T) {
	t.Parallel()
	res := minik6test.Run(t, minik6test.RunOptions{
		Binary: binary(t),
		Script: "../../example.js",
	})
	require.Equal(t, 0, res.ExitCode, res.Stderr)
	assert.Equal(t, []string{
		"greeting: hello from setup (written by VU 0)",
		"hits: 20",
		"hits summed over 4 VUs: 20",
		"hits of VU 1: 5",
	}, res.Console)
}

func TestModule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		source  string
		code    int
		console []string
		stderr  string
	}{
		{
			name: "values round-trip as fresh copies",
			source: `import kv from 'k6/x/kv';
export default function () {
  const v = { list: [1, 'two', true, null], nested: { n: 1.5 } };
  kv.set('v', v);
  v.list.push('changed after set');
  const a = kv.get('v');
  a.nested.n = 99;
  console.log(JSON.stringify(kv.get('v')));
  console.log(String(kv.get('missing')) + ' ' + String(kv.writer('missing')));
}`,
			console: []string{`{"list":[1,"two",true,null],"nested":{"n":1.5}}`, "undefined undefined"},
		},
		{
			name: "named imports, incr steps, del and keys",
			source: `import { set, incr, del, keys, writer } from 'k6/x/kv';
import exec from 'k6/execution';
export default function () {
  console.log(incr('n') + ' ' + incr('n', 5) + ' ' + incr('n', -0.5));
  set('b', 'x');
  console.log(keys().join(',') + ' written by ' + writer('n') + '=' + exec.vu.idInTest);
  console.log(del('b') + ' ' + del('b') + ' ' + keys().join(','));
}`,
			console: []string{"1 6 5.5", "b,n written by 1=1", "true false n"},
		},
		{
			name: "VUs share one store",
			source: `import kv from 'k6/x/kv';
import exec from 'k6/execution';
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: 5, iterations: 10 } } };
export default function () { kv.set('vu-' + exec.vu.idInTest, exec.vu.iterationInScenario); kv.incr('all'); }
export function teardown() { console.log(kv.keys().join(',') + ' all=' + kv.get('all') + ' last=' + kv.get('vu-5')); }`,
			console: []string{"all,vu-1,vu-2,vu-3,vu-4,vu-5 all=50 last=9"},
		},
		{
			name: "reading works in the init context",
			source: `import kv from 'k6/x/kv';
const before = kv.get('anything');
export default function () { console.log('init read ' + before); }`,
			console: []string{"init read undefined"},
		},
		{
			name: "writing in the init context is refused",
			source: `import kv from 'k6/x/kv';
kv.set('a', 1);
export default function () { console.log('never runs'); }`,
			code:   107,
			stderr: "kv.set() can't be used in the init context",
		},
		{
			name: "bad arguments throw catchable errors",
			source: `import kv from 'k6/x/kv';
function attempt(f) { try { f(); console.log('no error'); } catch (e) { console.log(e.name + ': ' + e.message); } }
export default function () {
  attempt(() => kv.set('f', () => 1));
  attempt(() => kv.get(42));
  kv.set('word', 'abc');
  attempt(() => kv.incr('word'));
  attempt(() => kv.incr('n', 'x'));
}`,
			console: []string{
				"TypeError: kv.set(): () => 1 can't be stored: the value must be something JSON can hold",
				"TypeError: kv.get(): the key must be a string, not 42",
				`GoError: kv.incr(): the value of "word" is "abc", not a number`,
				"TypeError: kv.incr(): the step must be a number, not x",
			},
		},
	}
	bin := binary(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := minik6test.Run(t, minik6test.RunOptions{Binary: bin, Source: tt.source})
			require.Equal(t, tt.code, res.ExitCode, res.Stderr)
			assert.Equal(t, tt.console, res.Console)
			assert.Contains(t, res.Stderr, tt.stderr)
		})
	}
}

// TestPlainMinik6LacksTheModule shows the module exists only in the custom
// binary.
func TestPlainMinik6LacksTheModule(t *testing.T) {
	t.Parallel()
	res := minik6test.Run(t, minik6test.RunOptions{
		Source: `import kv from 'k6/x/kv';
export default function () { console.log('never runs'); }`,
	})
	assert.Equal(t, 107, res.ExitCode, res.Stderr)
	assert.Contains(t, res.Stderr, "unknown module: k6/x/kv")
	assert.Empty(t, res.Console)
}
