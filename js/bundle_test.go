package js_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/exitcode"
)

func TestModuleLoading(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script string
		files  map[string]string
		want   string // probe()'s result as JSON
	}{
		{name: "default and named exports",
			script: `import add, { name, twice } from './lib.js';
				export function probe() { return [add(1, 2), name, twice(4)]; }`,
			files: map[string]string{"/test/lib.js": `export default function add(a, b) { return a + b; }
				export const name = 'lib';
				export function twice(x) { return 2 * x; }`},
			want: `[3,"lib",8]`},
		{name: "namespace import and re-export",
			script: `import * as ns from './lib.js'; export { value as reexported } from './lib.js';
				export function probe() { return [ns.value, Object.keys(ns).sort()]; }`,
			files: map[string]string{"/test/lib.js": `export const value = 'v'; export const other = 1;`},
			want:  `["v",["other","value"]]`},
		{name: "relative imports resolve against the importing file",
			script: `import { fromA } from './sub/a.js';
				export function probe() { return fromA; }`,
			files: map[string]string{
				"/test/sub/a.js":           `import { shared } from '../common/b.js'; export const fromA = 'a+' + shared;`,
				"/test/common/b.js":        `import { deep } from './deeper/c.js'; export const shared = 'b+' + deep;`,
				"/test/common/deeper/c.js": `export const deep = 'c';`},
			want: `"a+b+c"`},
		{name: "absolute path and file URL",
			script: `import { v } from '/test/lib.js'; import { v as w } from 'file:///test/lib.js';
				export function probe() { return [v, w]; }`,
			files: map[string]string{"/test/lib.js": `export const v = 1;`},
			want:  `[1,1]`},
		{name: "a module imported twice is evaluated once",
			script: `import { count } from './counter.js'; import { countAgain } from './other.js';
				export function probe() { return [count(), countAgain()]; }`,
			files: map[string]string{
				"/test/counter.js": `let n = 0; n++; export function count() { return n; }`,
				"/test/other.js":   `import { count } from './counter.js'; export function countAgain() { return count(); }`},
			want: `[1,1]`},
		{name: "CommonJS file imported from ESM: default is module.exports",
			script: `import lib from './lib.js'; import { a } from './lib.js'; import ex from './exports.js';
				export function probe() { return [lib.a, lib.b, lib.f(), a, ex.x]; }`,
			files: map[string]string{
				"/test/lib.js":     `module.exports = { a: 1, f: function () { return 'f'; } }; module.exports.b = 2;`,
				"/test/exports.js": `exports.x = 5;`},
			want: `[1,2,"f",1,5]`},
		{name: "CommonJS file: require, __filename, __dirname",
			script: `import lib from './sub/lib.js';
				export function probe() { return lib; }`,
			files: map[string]string{
				"/test/sub/lib.js":    `const h = require('./helper.js'); module.exports = { h: h.v, file: __filename, dir: __dirname };`,
				"/test/sub/helper.js": `module.exports.v = 'helped';`},
			want: `{"h":"helped","file":"/test/sub/lib.js","dir":"/test/sub"}`},
		{name: "k6 built-ins from ESM",
			script: `import { check, sleep, group } from 'k6'; import exec from 'k6/execution';
				import { Counter, Trend } from 'k6/metrics';
				export function probe() {
					return [typeof check, typeof sleep, typeof group, typeof exec.test.abort, typeof Counter, typeof Trend];
				}`,
			want: `["function","function","function","function","function","function"]`},
		{name: "CommonJS entry: require, exports, module.exports",
			script: `const lib = require('./lib.js');
				const k6 = require('k6');
				const exec = require('k6/execution');
				exports.options = { vus: 2 };
				exports.probe = function () { return [lib.v, typeof k6.check, typeof exec.test.fail]; };
				module.exports.default = function () {};`,
			files: map[string]string{"/test/lib.js": `module.exports = { v: 'lib' };`},
			want:  `["lib","function","function"]`},
		{name: "CommonJS entry requires an ES module",
			script: `const esm = require('./esm.js');
				exports.probe = function () { return [esm.v, esm.default]; };
				exports.default = function () {};`,
			files: map[string]string{"/test/esm.js": `export const v = 1; export default 'd';`},
			want:  `[1,"d"]`},
		{name: "ES module cycle",
			script: `import { ping } from './a.js';
				export function probe() { return ping(3); }`,
			files: map[string]string{
				"/test/a.js": `import { pong } from './b.js'; export function ping(n) { return n <= 0 ? 'ping' : pong(n - 1); }`,
				"/test/b.js": `import { ping } from './a.js'; export function pong(n) { return n <= 0 ? 'pong' : ping(n - 1); }`},
			want: `"pong"`},
		{name: "CommonJS cycle sees partial exports",
			script: `import a from './a.js';
				export function probe() { return [a.done, a.sawB, a.bSawA]; }`,
			files: map[string]string{
				"/test/a.js": `exports.done = false; const b = require('./b.js'); exports.sawB = b.done; exports.bSawA = b.sawA; exports.done = true;`,
				"/test/b.js": `exports.done = false; const a = require('./a.js'); exports.sawA = a.done; exports.done = true;`},
			want: `[true,true,false]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHost(tt.script, tt.files)
			var got []byte
			var err error
			within(t, 20*time.Second, func() {
				b, berr := h.bundle()
				if berr != nil {
					err = berr
					return
				}
				v, verr := b.NewVU(context.Background(), h.state(t, 1))
				if verr != nil {
					err = verr
					return
				}
				defer v.Close()
				got, err = v.Call(context.Background(), "probe", nil)
			})
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(got))
		})
	}
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		script string
		files  map[string]string
		code   exitcode.Code
		want   []string // substrings of the error
	}{
		{name: "syntax error in the entry",
			script: "export default function () {\n  let x = ;\n}\n",
			code:   exitcode.ScriptException, want: []string{"SyntaxError", "file:///test/script.js", "2:11", "Unexpected token"}},
		{name: "syntax error in a CommonJS entry",
			script: "exports.default = function () {\n  return 1 +;\n};\n",
			code:   exitcode.ScriptException, want: []string{"SyntaxError", "file:///test/script.js", "2:13"}},
		{name: "syntax error in an imported file",
			script: `import { x } from './lib.js'; export default function () {}`,
			files:  map[string]string{"/test/lib.js": "export const x = 1;\nexport const y = ];\n"},
			code:   exitcode.ScriptException, want: []string{"SyntaxError", "file:///test/lib.js", "2:18", `"./lib.js"`}},
		{name: "exception in the init context",
			script: "const a = 1;\n\n  throw new Error('init boom');\nexport default function () {}\n",
			code:   exitcode.ScriptException, want: []string{"Error: init boom", "file:///test/script.js:3:"}},
		{name: "exception in an imported file's init",
			script: "import './lib.js';\nexport default function () {}\n",
			files:  map[string]string{"/test/lib.js": "function f() {\n  throw new Error('lib boom');\n}\nf();\n"},
			code:   exitcode.ScriptException, want: []string{"Error: lib boom", "file:///test/lib.js:2:"}},
		{name: "unknown k6 module",
			script: "import nope from 'k6/nope';\nexport default function () {}\n",
			code:   exitcode.ScriptException, want: []string{"unknown module: k6/nope"}},
		{name: "unknown k6 module required",
			script: "const nope = require('k6/nope');\nexports.default = function () {};\n",
			code:   exitcode.ScriptException, want: []string{"unknown module: k6/nope"}},
		{name: "missing relative file",
			script: "import x from './missing.js';\nexport default function () {}\n",
			code:   exitcode.ScriptException, want: []string{`"./missing.js"`, "file does not exist"}},
		{name: "missing file required",
			script: "const x = require('./missing.js');\nexports.default = function () {};\n",
			code:   exitcode.ScriptException, want: []string{`"./missing.js"`, "file does not exist"}},
		{name: "bare specifier",
			script: "import _ from 'lodash';\nexport default function () {}\n",
			code:   exitcode.ScriptException, want: []string{`"lodash"`}},
		{name: "plain http off loopback",
			script: "import x from 'http://10.1.2.3/x.js';\nexport default function () {}\n",
			code:   exitcode.ScriptException, want: []string{"http://10.1.2.3/x.js", "loopback interface only"}},
		{name: "ftp module",
			script: "import x from 'ftp://127.0.0.1/x.js';\nexport default function () {}\n",
			code:   exitcode.ScriptException, want: []string{"ftp://127.0.0.1/x.js", "https:// URLs"}},
		{name: "open() of a missing file",
			script: "const data = open('./nothere.txt');\nexport default function () {}\n",
			code:   exitcode.ScriptException, want: []string{"nothere.txt"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHost(tt.script, tt.files)
			_, err := h.bundle()
			require.Error(t, err)
			assert.Equal(t, tt.code, exitcode.Of(err), "exit code of: %v", err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), "goroutine", "no Go stack trace")
		})
	}

	t.Run("missing entry script", func(t *testing.T) {
		t.Parallel()
		h := newHost("", nil)
		delete(h.files, "test/script.js")
		_, err := h.bundle()
		require.Error(t, err)
		assert.Equal(t, exitcode.ScriptException, exitcode.Of(err))
		assert.Contains(t, err.Error(), "/test/script.js")
	})
}

func TestOptionsAndFunctions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		script  string
		options string // JSON, "" for none
		funcs   []string
		notFns  []string
	}{
		{name: "options and the lifecycle functions",
			script: `export const options = { vus: 2, duration: '10s', thresholds: { http_req_duration: ['p(95)<200'] },
					scenarios: { s: { executor: 'per-vu-iterations', exec: 'other', tags: { a: 'b' } } } };
				export function setup() {} export default function () {} export function teardown() {}
				export function handleSummary() {} export function other() {}
				export const notFn = 1;`,
			options: `{"vus":2,"duration":"10s","thresholds":{"http_req_duration":["p(95)<200"]},
				"scenarios":{"s":{"executor":"per-vu-iterations","exec":"other","tags":{"a":"b"}}}}`,
			funcs:  []string{"default", "setup", "teardown", "handleSummary", "other"},
			notFns: []string{"options", "notFn", "nope"}},
		{name: "no options",
			script: `export default function () {}`,
			funcs:  []string{"default"}, notFns: []string{"setup", "teardown", "options"}},
		{name: "null options",
			script: `export const options = null; export default function () {}`,
			funcs:  []string{"default"}},
		{name: "renamed export",
			script: `function helper() {} export { helper as renamed }; export default () => {};`,
			funcs:  []string{"renamed", "default"}, notFns: []string{"helper"}},
		{name: "options computed from __ENV",
			script: `export const options = { vus: Number(__ENV.VUS || 1), tags: { who: __ENV.WHO } };
				export default function () {}`,
			options: `{"vus":5,"tags":{"who":"me"}}`, funcs: []string{"default"}},
		{name: "CommonJS options",
			script:  `module.exports.options = { iterations: 3 }; module.exports.default = function () {};`,
			options: `{"iterations":3}`, funcs: []string{"default"}, notFns: []string{"options"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHost(tt.script, nil)
			h.env = map[string]string{"VUS": "5", "WHO": "me"}
			b := h.mustBundle(t)
			if tt.options == "" {
				assert.Nil(t, b.OptionsJSON())
			} else {
				assert.JSONEq(t, tt.options, string(b.OptionsJSON()))
			}
			for _, f := range tt.funcs {
				assert.True(t, b.HasFunction(f), "HasFunction(%q)", f)
			}
			for _, f := range tt.notFns {
				assert.False(t, b.HasFunction(f), "HasFunction(%q)", f)
			}
		})
	}
}
