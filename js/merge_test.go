package js

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/minik6/minik6/js/modules/k6"
	"github.com/minik6/minik6/runner"
)

const mergeEntry = "/test/script.js"

// mergeConfig is the configuration of a bundle of the entry script and
// files, by absolute path or (remote modules) URL.
func mergeConfig(script string, files map[string]string) Config {
	fsys := fstest.MapFS{strings.TrimPrefix(mergeEntry, "/"): {Data: []byte(script)}}
	remote := map[string][]byte{}
	for p, src := range files {
		if isRemote(p) {
			remote[p] = []byte(src)
		} else {
			fsys[strings.TrimPrefix(p, "/")] = &fstest.MapFile{Data: []byte(src)}
		}
	}
	quiet, _ := logtest.NewNullLogger()
	return Config{FS: fsys, Remote: remote, Console: quiet}
}

// merged reports whether the bundle of script merged its modules.
func merged(t *testing.T, script string, files map[string]string) bool {
	t.Helper()
	b, err := NewBundle(mergeEntry, mergeConfig(script, files))
	require.NoError(t, err)
	return b.entryRec != b.records[mergeEntry]
}

func TestMergeOnlyWhatMeansTheSame(t *testing.T) {
	t.Parallel()
	lib := map[string]string{
		"/test/lib/a.js": "import { b } from './b.js';\nexport function a() { return b() + 1; }\nexport const A = 'a';\n",
		"/test/lib/b.js": "import { sleep } from 'k6';\nlet n = 0;\nfunction b() { return n++; }\nexport { b };\n",
	}
	with := func(files map[string]string) map[string]string {
		out := map[string]string{}
		for p, s := range lib {
			out[p] = s
		}
		for p, s := range files {
			out[p] = s
		}
		return out
	}
	const uses = "import { a, A } from './lib/a.js';\nexport default function () { a(); }\n"
	assert.True(t, merged(t, uses, lib))
	assert.True(t, merged(t, "import { sleep } from 'k6';\nimport k6 from 'k6';\n"+uses+"export { sleep };\n", lib),
		"Go modules imported again, under other names, and re-exported by the entry")
	assert.False(t, merged(t, "export default function () {}\n", nil), "nothing to merge")

	for name, c := range map[string]struct {
		script string
		files  map[string]string
	}{
		"default import":      {"import c from './lib/c.js';\n" + uses, map[string]string{"/test/lib/c.js": "export default 1;\nexport const z = 2;\n"}},
		"namespace import":    {"import * as ns from './lib/a.js';\nexport default function () { ns.a(); }\n", nil},
		"import alias":        {"import { a as x } from './lib/a.js';\nexport default function () { x(); }\n", nil},
		"export alias":        {"import { y } from './lib/c.js';\n" + uses, map[string]string{"/test/lib/c.js": "const x = 1;\nexport { x as y };\n"}},
		"re-export":           {"import { b } from './lib/c.js';\n" + uses, map[string]string{"/test/lib/c.js": "export { b } from './b.js';\n"}},
		"star re-export":      {"import { b } from './lib/c.js';\n" + uses, map[string]string{"/test/lib/c.js": "export * from './b.js';\n"}},
		"top-level await":     {"import './lib/c.js';\n" + uses, map[string]string{"/test/lib/c.js": "await null;\nexport const z = 1;\n"}},
		"import.meta":         {"import './lib/c.js';\n" + uses, map[string]string{"/test/lib/c.js": "export const u = import.meta;\n"}},
		"CommonJS":            {"import c from './lib/c.js';\n" + uses, map[string]string{"/test/lib/c.js": "module.exports = 1;\n"}},
		"same name":           {"import './lib/c.js';\n" + uses, map[string]string{"/test/lib/c.js": "let n = 1;\nexport const z = 1;\n"}},
		"other's name":        {"import './lib/c.js';\n" + uses, map[string]string{"/test/lib/c.js": "globalThis.x = typeof n;\nexport const z = 1;\n"}},
		"entry's name":        {"const n = 1;\n" + uses, nil},
		"Go import's name":    {"import './lib/c.js';\n" + uses, map[string]string{"/test/lib/c.js": "const sleep = 1;\nexport const z = 1;\n"}},
		"other Go binding":    {"import { check as sleep } from 'k6';\n" + uses, nil},
		"assigned import":     {"import { a, A } from './lib/a.js';\nexport default function () { A = 1; }\n", nil},
		"incremented import":  {"import { a, A } from './lib/a.js';\nexport default function () { A++; }\n", nil},
		"destructured import": {"import { a, A } from './lib/a.js';\nexport default function () { [A] = [1]; }\n", nil},
		"require":             {uses + "const c = require('./lib/c.js');\n", map[string]string{"/test/lib/c.js": "module.exports = 1;\n"}},
		"eval":                {uses + "eval('1');\n", nil},
		"TypeScript":          {"import { t } from './lib/c.ts';\n" + uses, map[string]string{"/test/lib/c.ts": "export const t: number = 1;\n"}},
		"source map":          {"import './lib/c.js';\n" + uses, map[string]string{"/test/lib/c.js": "export const z = 1;\n//# sourceMappingURL=data:application/json;base64,eyJ2ZXJzaW9uIjozLCJzb3VyY2VzIjpbImMuanMiXSwibmFtZXMiOltdLCJtYXBwaW5ncyI6IkFBQUEifQ==\n"}},
	} {
		assert.False(t, merged(t, c.script, with(c.files)), name)
	}
}

// outcome runs script's init context and its default function in a VU, and
// returns what the console and the errors said, without the program counters
// of stack frames (they differ when modules are merged).
func outcome(t *testing.T, script string, files map[string]string) string {
	t.Helper()
	console, hook := logtest.NewNullLogger()
	console.SetLevel(logrus.DebugLevel)
	var out []string
	pc := regexp.MustCompile(`\(\d+\)`)
	cfg := mergeConfig(script, files)
	cfg.Console, cfg.Env = console, map[string]string{"FAIL": "1"}
	b, err := NewBundle(mergeEntry, cfg)
	if err != nil {
		out = append(out, "init: "+pc.ReplaceAllString(err.Error(), ""))
		for _, e := range hook.AllEntries() {
			out = append(out, e.Message)
		}
		return strings.Join(out, "\n")
	}
	vu, err := b.NewVU(context.Background(), &runner.VUState{})
	require.NoError(t, err)
	defer vu.Close()
	for range 2 {
		if err := vu.RunIteration(context.Background(), "default"); err != nil {
			out = append(out, "iteration: "+pc.ReplaceAllString(err.Error(), ""))
		}
	}
	for _, e := range hook.AllEntries() {
		out = append(out, e.Message)
	}
	return strings.Join(out, "\n")
}

// TestMergedModulesBehaveAsApart runs scripts whose modules merge and the same
// scripts kept apart by one more module that can't be merged: what they log
// and throw (with stack traces naming each file, line and column) is the same.
func TestMergedModulesBehaveAsApart(t *testing.T) {
	t.Parallel()
	files := map[string]string{
		"/test/lib/counter.js": "import { log } from './log.js';\nlog('counter');\nexport let count = 0;\n" +
			"export function inc() {\n  count++;\n  if (count > 2) {\n    throw new Error('too many: ' + count);\n  }\n}\n",
		"/test/lib/log.js": "import { sleep } from 'k6';\nexport function log(what) { console.log('loaded ' + what + ' ' + typeof sleep); }\n" +
			"log('log');\nvar hoisted = 'var';\nexport { hoisted };\n",
		"/test/lib/data.txt": "text next to lib",
		"/test/lib/reader.js": "import { log } from './log.js';\nimport { inc, count } from './counter.js';\nlog('reader');\n" +
			"export const text = open('./data.txt');\nexport function twice() {\r\n  inc(); inc();\r\n  return count;\r\n}\r\n",
		"/test/cycle/a.js": "import { b, B } from './b.js';\nexport function a() { return 'a' + b(); }\nexport const A = 'A';\n" +
			"console.log('a sees ' + B);\n",
		"/test/cycle/b.js": "import { a, A } from './a.js';\nexport function b() { return 'b'; }\nexport const B = 'B';\n" +
			"console.log('b calls ' + a());\nconsole.log('b sees ' + (() => { try { return A; } catch (e) { return e.name; } })());\n",
		"/test/bad/top.js": "import { log } from '../lib/log.js';\nfunction fail() {\n  null.x;\n}\n" +
			"/* ünïcödé */ log('top'); if (__ENV.FAIL) fail();\n",
		"https://example.com/lib/remote.js": "import { helper } from './helper.js';\nexport function remote() { return helper(); }\n",
		"https://example.com/lib/helper.js": "export function helper() {\n  throw new Error('from ' + typeof helper);\n}\n",
		"/test/apart.js":                    "if (globalThis.never) { eval(''); }\n",
		"/test/lib/odd.js": "import { log } from \"./log.js\" // from \"./log.js\"\n(function () { log('odd'); })()\n" +
			"export { odd1,\n  odd2 }\n(async () => 1)\nasync function odd1() { return 'async ' + (await 1); }\n" +
			"function odd2() {}\nodd2() // no line break after",
		"/test/lib/shapes.js": "export class Shape { area() { return 0; } }\nexport const arrow = () => 1;\nexport function named() {\n  return 'body';\n}\n",
		"/test/lib/paren.js":  "(function () { console.log('paren'); })();\nexport const paren = 1;\n",
	}
	for _, script := range []string{
		"import { inc, count } from './lib/counter.js';\nimport { text, twice } from './lib/reader.js';\n" +
			"import { hoisted } from './lib/log.js';\nconsole.log(text + ' ' + count + ' ' + hoisted);\n" +
			"export default function () {\n  console.log('twice ' + twice());\n}\n",
		"import { a, A } from './cycle/a.js';\nexport default function () { console.log(a() + A); }\n",
		"import { log } from './lib/log.js';\nimport './bad/top.js';\nexport default function () {}\n",
		"import { inc } from './lib/counter.js';\nconst x = 1;\nexport default function () { inc(); inc(); inc(); }\n",
		"import { Shape, arrow, named } from './lib/shapes.js';\nexport default function () {\n" +
			"  console.log([Shape.name, arrow.name, named.name, Shape.toString(), new Shape().area()].join(' '));\n}\n",
		"import { inc, count } from './lib/counter.js';\nawait Promise.resolve();\ninc();\nconsole.log('awaited ' + count);\n" +
			"export default function () {}\n",
		"import { remote } from 'https://example.com/lib/remote.js';\nexport default function () { remote(); }\n",
		"import { odd1 } from './lib/odd.js';\nimport { paren } from './lib/paren.js';\nexport default async function () { console.log(await odd1()); }\n",
	} {
		apart := outcome(t, script+"import './apart.js';\n", files)
		assert.Equal(t, apart, outcome(t, script, files), script)
		assert.True(t, merged(t, script, files), script)
	}

	// One difference: Sobek gives an exported function declaration's source
	// text with its `export` keyword, merged it is without, as the standard
	// has it (and as classes are either way).
	script := "import { named } from './lib/shapes.js';\nexport default function () { console.log(named.toString()); }\n"
	assert.Equal(t, "export function named() {\n  return 'body';\n}\n"+"export function named() {\n  return 'body';\n}",
		outcome(t, script+"import './apart.js';\n", files))
	assert.Equal(t, "function named() {\n  return 'body';\n}\n"+"function named() {\n  return 'body';\n}", outcome(t, script, files))
}
