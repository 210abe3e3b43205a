package cli_test

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/minik6test"
)

func TestMain(m *testing.M) { minik6test.Main(m) }

// TestBadInput runs scripts and command lines a user gets wrong: each must end
// with k6's exit code and one message that names the place.
func TestBadInput(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		source   string
		flags    []string
		env      map[string]string
		code     int
		stderr   []string
		noStderr []string
	}{
		{
			name:   "syntax error names file, line and column",
			source: "export default function () {\n  let x = ;\n}\n",
			code:   107,
			stderr: []string{"SyntaxError", "script.js:2:11 Unexpected token"},
		},
		{
			name:   "exception in the init context has the JS stack",
			source: "function boom() { throw new Error('no init for you'); }\nboom();\nexport default function () {}\n",
			code:   107,
			stderr: []string{"no init for you", "script.js:1:"},
		},
		{
			name:   "unknown built-in module names the importing file",
			source: "import x from 'k6/nope';\nexport default function () {}\n",
			code:   107,
			stderr: []string{"unknown module: k6/nope", "script.js"},
		},
		{
			name:   "missing relative module",
			source: "import x from './missing.js';\nexport default function () {}\n",
			code:   107,
			stderr: []string{"./missing.js", "script.js could not be loaded", "missing.js: no such file or directory"},
		},
		{
			name:   "option of the wrong type names the option",
			source: "export const options = { vus: 'many' };\nexport default function () {}\n",
			code:   104,
			stderr: []string{`invalid type for option \"vus\"`},
		},
		{
			name:   "invalid scenario names the problem",
			source: "export const options = { vus: 5, iterations: 2 };\nexport default function () {}\n",
			code:   104,
			stderr: []string{"the number of iterations (2) can't be less than the number of VUs (5)"},
		},
		{
			name:   "exec naming a function the script lacks",
			source: "export const options = { scenarios: { s: { executor: 'shared-iterations', exec: 'nope' } } };\nexport default function () {}\n",
			code:   104,
			stderr: []string{"executor s: function 'nope' not found in exports"},
		},
		{
			name:   "malformed threshold",
			source: "export const options = { thresholds: { iterations: ['count=>2'] } };\nexport default function () {}\n",
			code:   104,
			stderr: []string{"count=>2"},
		},
		{
			name:   "flag of the wrong type is a usage error",
			source: "export default function () {}\n",
			flags:  []string{"--vus", "abc"},
			code:   255,
			stderr: []string{`invalid argument "abc" for "-u, --vus" flag`},
		},
		{
			name:   "bad K6_ variable names it",
			source: "export default function () {}\n",
			env:    map[string]string{"K6_VUS": "lots"},
			code:   104,
			stderr: []string{"K6_VUS"},
		},
		{
			name:   "bad execution segment",
			source: "export default function () {}\n",
			flags:  []string{"--execution-segment", "3/2:1"},
			code:   255, // a flag's bad value is a usage error, as in k6
			stderr: []string{"3/2:1"},
		},
		{
			name:     "setup timeout",
			source:   "export const options = { setupTimeout: '1s' };\nexport function setup() { while (true) {} }\nexport default function () {}\n",
			code:     100,
			stderr:   []string{"setup() execution timed out after 1 seconds"},
			noStderr: []string{"goroutine", "panic"},
		},
		{
			name:   "teardown timeout",
			source: "export const options = { teardownTimeout: '1s' };\nexport function teardown() { while (true) {} }\nexport default function () {}\n",
			code:   101,
			stderr: []string{"teardown() execution timed out after 1 seconds"},
		},
		{
			name:   "paused without a REST API to resume",
			source: "export default function () {}\n",
			flags:  []string{"--paused"},
			code:   104,
			stderr: []string{"paused option"},
		},
		{
			name:   "unknown output",
			source: "export default function () {}\n",
			flags:  []string{"--out", "nope=x"},
			code:   255, // a usage error, as in k6
			stderr: []string{"nope"},
		},
		{
			name:   "exception in setup",
			source: "export function setup() { throw new Error('setup broke'); }\nexport default function () {}\n",
			code:   107,
			stderr: []string{"setup broke"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := minik6test.Run(t, minik6test.RunOptions{Source: tc.source, Flags: tc.flags, Env: tc.env})
			assert.Equal(t, tc.code, res.ExitCode, "stderr: %s", res.Stderr)
			out := res.Stdout + res.Stderr
			for _, want := range tc.stderr {
				assert.Contains(t, out, want)
			}
			for _, not := range append(tc.noStderr, "goroutine ", "panic:") {
				assert.NotContains(t, out, not)
			}
		})
	}
}

// TestPrecedence checks defaults < config file < script < env < flags through
// what the script sees in exec.test.options.
func TestPrecedence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.json")
	require.NoError(t, os.WriteFile(cfg, []byte(`{"userAgent": "from-config", "maxRedirects": 3, "throw": true}`), 0o600))
	src := `import exec from 'k6/execution';
export const options = { userAgent: 'from-script', maxRedirects: 4, iterations: 1 };
export default function () {
  const o = exec.test.options;
  console.log([o.userAgent, o.maxRedirects, o.throw, o.noSetup].join(' '));
}`
	cases := []struct {
		name  string
		flags []string
		env   map[string]string
		want  string
	}{
		{"script over config", []string{"-c", cfg}, nil, "from-script 4 true "},
		{"env over script", []string{"-c", cfg}, map[string]string{"K6_USER_AGENT": "from-env", "K6_NO_SETUP": "true"}, "from-env 4 true true"},
		{"flags over env", []string{"-c", cfg, "--user-agent", "from-flag"}, map[string]string{"K6_USER_AGENT": "from-env"}, "from-flag 4 true "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := minik6test.Run(t, minik6test.RunOptions{Source: src, Flags: tc.flags, Env: tc.env})
			require.Equal(t, 0, res.ExitCode, res.Stderr)
			assert.Equal(t, []string{tc.want}, res.Console)
		})
	}
}

// TestShortcutFlagReplacesScenarios: a CLI shortcut replaces the script's
// scenarios, with a warning.
func TestShortcutFlagReplacesScenarios(t *testing.T) {
	t.Parallel()
	src := `import exec from 'k6/execution';
export const options = { scenarios: { mine: { executor: 'per-vu-iterations', vus: 1, iterations: 1 } } };
export default function () { if (exec.scenario.iterationInTest === 0) console.log(exec.scenario.name + ' ' + exec.scenario.executor); }`
	res := minik6test.Run(t, minik6test.RunOptions{Source: src, Flags: []string{"-i", "3"}})
	require.Equal(t, 0, res.ExitCode, res.Stderr)
	assert.Equal(t, []string{"default shared-iterations"}, res.Console)
	assert.Contains(t, res.Stderr, "overrode scenarios configuration entirely")
}

// TestSummaryExportAndHandleSummary: --summary-export writes k6's JSON shape, and
// handleSummary's outputs replace the text summary.
func TestSummaryExportAndHandleSummary(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	export := filepath.Join(dir, "export.json")
	custom := filepath.Join(dir, "custom.txt")
	src := `import { check } from 'k6';
export const options = { iterations: 4, thresholds: { checks: ['rate==1'] } };
export default function () { check(1, { 'is one': (v) => v === 1 }); }
export function handleSummary(data) {
  return { stdout: 'iterations=' + data.metrics.iterations.values.count + '\n', '` + custom + `': 'checks=' + data.metrics.checks.values.passes };
}`
	res := minik6test.Run(t, minik6test.RunOptions{Source: src, Summary: true, Flags: []string{"--summary-export", export}})
	require.Equal(t, 0, res.ExitCode, res.Stderr)
	assert.Equal(t, "iterations=4\n", res.Stdout)
	got, err := os.ReadFile(custom)
	require.NoError(t, err)
	assert.Equal(t, "checks=4", string(got))

	var doc struct {
		Metrics map[string]map[string]any `json:"metrics"`
	}
	data, err := os.ReadFile(export)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &doc))
	assert.EqualValues(t, 4, doc.Metrics["iterations"]["count"])
	assert.EqualValues(t, 4, doc.Metrics["checks"]["passes"])
	assert.Equal(t, map[string]any{"rate==1": false}, doc.Metrics["checks"]["thresholds"])
}

// TestExitCodePrecedence: abort (108) beats fail (110) beats thresholds (99).
func TestExitCodePrecedence(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		body string
		code int
	}{
		{"thresholds alone", "", 99},
		{"fail beats thresholds", "exec.test.fail('f');", 110},
		{"abort beats fail", "exec.test.fail('f'); exec.test.abort('a');", 108},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := `import exec from 'k6/execution';
export const options = { iterations: 1, thresholds: { iterations: ['count>5'] } };
export default function () { ` + tc.body + ` }`
			res := minik6test.Run(t, minik6test.RunOptions{Source: src})
			assert.Equal(t, tc.code, res.ExitCode, res.Stderr)
		})
	}
}

// TestSignalStopsGracefully: the first SIGINT stops the iterations, teardown()
// still runs, and the exit code is 105.
func TestSignalStopsGracefully(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := filepath.Join(dir, "script.js")
	console := filepath.Join(dir, "console.log")
	require.NoError(t, os.WriteFile(script, []byte(`import { sleep } from 'k6';
export const options = { vus: 2, duration: '30s' };
export default function () { sleep(0.2); }
export function teardown() { console.log('teardown ran'); }`), 0o600))
	cmd := exec.Command(minik6test.Binary(t), "run", "--quiet", "--no-summary", "--console-output="+console, script)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	time.Sleep(1500 * time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the run did not stop within 20s of SIGINT")
	}
	assert.Equal(t, 105, cmd.ProcessState.ExitCode(), stderr.String())
	got, err := os.ReadFile(console)
	require.NoError(t, err)
	assert.Contains(t, string(got), "teardown ran")
}

// TestOutputHoldsEverySample: every sample the VUs emit reaches the --out files,
// on a normal end and on an abort.
func TestOutputHoldsEverySample(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body string
		vus        int
		code       int
		iterations int
	}{
		{"normal end", "", 3, 0, 300},
		// One VU, so no other iteration can finish while the abort spreads.
		{"abort in iteration 150", "if (exec.scenario.iterationInTest === 149) { c.add(1); exec.test.abort('stop'); }", 1, 108, 149},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			jsonFile := filepath.Join(dir, "out.json.gz")
			csvFile := filepath.Join(dir, "out.csv")
			src := `import exec from 'k6/execution';
import { Counter } from 'k6/metrics';
const c = new Counter('my_adds');
export const options = { scenarios: { s: { executor: 'shared-iterations', vus: ` + strconv.Itoa(tc.vus) + `, iterations: 300 } } };
export default function () { ` + tc.body + ` c.add(1); }`
			res := minik6test.Run(t, minik6test.RunOptions{Source: src, Flags: []string{"--out", "json=" + jsonFile, "--out", "csv=" + csvFile}})
			require.Equal(t, tc.code, res.ExitCode, res.Stderr)

			f, err := os.Open(jsonFile)
			require.NoError(t, err)
			defer f.Close()
			zr, err := gzip.NewReader(f)
			require.NoError(t, err)
			points := map[string]int{}
			sc := bufio.NewScanner(zr)
			for sc.Scan() {
				var line struct{ Type, Metric string }
				require.NoError(t, json.Unmarshal(sc.Bytes(), &line))
				if line.Type == "Point" {
					points[line.Metric]++
				}
			}
			require.NoError(t, sc.Err())
			adds := tc.iterations
			if tc.code == 108 {
				adds++ // the aborting iteration added once before abort()
			}
			assert.Equal(t, tc.iterations, points["iterations"])
			assert.Equal(t, tc.iterations, points["data_sent"])
			assert.Equal(t, adds, points["my_adds"])

			data, err := os.ReadFile(csvFile)
			require.NoError(t, err)
			rows := 0
			for _, line := range strings.Split(string(data), "\n") {
				if strings.HasPrefix(line, "my_adds,") {
					rows++
				}
			}
			assert.Equal(t, adds, rows)
		})
	}
}

// TestHandleSummaryThrows: an exception in handleSummary() is logged as k6
// logs it, and no summary is printed in its place.
func TestHandleSummaryThrows(t *testing.T) {
	t.Parallel()
	src := `export const options = { iterations: 2 };
export default function () {}
export function handleSummary() { throw new Error('summary broke'); }`
	res := minik6test.Run(t, minik6test.RunOptions{Source: src, Summary: true})
	require.Equal(t, 0, res.ExitCode, res.Stderr)
	assert.Contains(t, res.Stderr, `msg="failed to handle the end-of-test summary" error="error while generating the summary: Error: summary broke`)
	assert.NotContains(t, res.Stdout, "TOTAL RESULTS")
}

// TestHandleSummaryOutputErrors: outputs that cannot be written are logged
// together, as k6 does, and the others are still written; a value that is not
// an object is an error too. --summary-export is not written without a
// summary.
func TestHandleSummaryOutputErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := `export const options = { iterations: 1 };
export default function () {}
export function handleSummary() { return { stdout: 'to stdout\n', 'missing/a.json': '{}', 'missing/b.txt': 'b', 'ok.txt': 'fine' }; }`
	script := filepath.Join(dir, "script.js")
	require.NoError(t, os.WriteFile(script, []byte(src), 0o600))
	code, stdout, stderr := command(t, dir, nil, "run", "-q", script)
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, "to stdout\n", stdout)
	assert.Contains(t, stderr, `msg="failed to handle the end-of-test summary" error="Could not save some summary information:\n\t- could not open 'missing/a.json': open missing/a.json: no such file or directory\n\t- could not open 'missing/b.txt'`)
	data, err := os.ReadFile(filepath.Join(dir, "ok.txt"))
	require.NoError(t, err)
	assert.Equal(t, "fine", string(data))

	require.NoError(t, os.WriteFile(script, []byte(`export const options = { iterations: 1 };
export default function () {}
export function handleSummary() { return 'text'; }`), 0o600))
	code, _, stderr = command(t, dir, nil, "run", "-q", script)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "failed to handle the end-of-test summary")
	assert.Contains(t, stderr, "must return an object")

	for _, args := range [][]string{{"--summary-mode", "disabled"}, {"--no-summary"}} {
		export := filepath.Join(dir, "export.json")
		code, _, stderr = command(t, dir, nil, append(append([]string{"run", "-q", "--summary-export", export}, args...), script)...)
		require.Equal(t, 0, code, stderr)
		assert.NoFileExists(t, export, args)
	}
}

// TestPromisesSettleBetweenIterations: async default functions complete each
// iteration, and promise callbacks queued by a plain function run before the
// next iteration starts (the VU loop leaves its JS frame for them).
func TestPromisesSettleBetweenIterations(t *testing.T) {
	t.Parallel()
	async := minik6test.Run(t, minik6test.RunOptions{Source: `import exec from 'k6/execution';
export const options = { vus: 2, iterations: 6 };
export default async function () {
  const v = await Promise.resolve(exec.scenario.iterationInTest);
  await null;
  console.log('async iteration ' + v);
}`})
	require.Equal(t, 0, async.ExitCode, async.Stderr)
	assert.ElementsMatch(t, []string{"async iteration 0", "async iteration 1", "async iteration 2",
		"async iteration 3", "async iteration 4", "async iteration 5"}, async.Console)

	then := minik6test.Run(t, minik6test.RunOptions{Source: `import exec from 'k6/execution';
export const options = { vus: 1, iterations: 4 };
let seen = 0;
export default function () {
  const i = exec.scenario.iterationInTest;
  if (i > 0) console.log('before ' + i + ': ' + seen);
  Promise.resolve().then(() => { seen++; });
}`})
	require.Equal(t, 0, then.ExitCode, then.Stderr)
	assert.Equal(t, []string{"before 1: 1", "before 2: 2", "before 3: 3"}, then.Console)
}

// TestTimers: setTimeout and setInterval callbacks run before the iteration
// ends (awaited or not), clearInterval stops one, and a stop ends an iteration
// whose interval never ends.
func TestTimers(t *testing.T) {
	t.Parallel()
	res := minik6test.Run(t, minik6test.RunOptions{Source: `import exec from 'k6/execution';
export const options = { vus: 1, iterations: 2 };
export default async function () {
  const i = exec.scenario.iterationInTest;
  await new Promise((r) => setTimeout(r, 50));
  let n = 0;
  await new Promise((r) => { const id = setInterval(() => { if (++n === 3) { clearInterval(id); r(); } }, 10); });
  setTimeout((a, b) => console.log('iteration ' + i + ' timer ' + a + b), 20, 'x', 'y');
  const gone = setTimeout(() => console.log('cleared timer ran'), 5);
  clearTimeout(gone);
  console.log('iteration ' + i + ' interval ran ' + n);
}`})
	require.Equal(t, 0, res.ExitCode, res.Stderr)
	assert.Equal(t, []string{"iteration 0 interval ran 3", "iteration 0 timer xy",
		"iteration 1 interval ran 3", "iteration 1 timer xy"}, res.Console)

	start := time.Now()
	endless := minik6test.Run(t, minik6test.RunOptions{Source: `
export const options = { scenarios: { s: { executor: 'constant-vus', vus: 2, duration: '1s', gracefulStop: '0s' } } };
export default function () { setInterval(() => {}, 10); }
export function teardown() { console.log('teardown'); }`})
	require.Equal(t, 0, endless.ExitCode, endless.Stderr)
	assert.Equal(t, []string{"teardown"}, endless.Console)
	assert.Less(t, time.Since(start), 15*time.Second)
}

// TestSecondSignalLeavesValidGzipOutputs: a second SIGINT exits at once, and
// the gzip outputs are still whole gzip files (k6 leaves them without a
// trailer).
func TestSecondSignalLeavesValidGzipOutputs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := filepath.Join(dir, "script.js")
	require.NoError(t, os.WriteFile(script, []byte(`import { sleep } from 'k6';
export const options = { vus: 2, duration: '60s' };
export default function () { sleep(0.005); }
export function teardown() { sleep(30); }`), 0o600))
	jsonOut, csvOut := filepath.Join(dir, "out.json.gz"), filepath.Join(dir, "out.csv.gz")
	cmd := exec.Command(minik6test.Binary(t), "run", "--quiet", "--no-summary",
		"--out", "json="+jsonOut, "--out", "csv="+csvOut, script)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	time.Sleep(1500 * time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	time.Sleep(300 * time.Millisecond)
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the run did not end within 20s of the second SIGINT")
	}
	assert.Equal(t, 105, cmd.ProcessState.ExitCode(), stderr.String())
	assert.Contains(t, stderr.String(), "second signal")
	for _, path := range []string{jsonOut, csvOut} {
		f, err := os.Open(path)
		require.NoError(t, err)
		zr, err := gzip.NewReader(f)
		require.NoError(t, err, path)
		data, err := io.ReadAll(zr)
		require.NoError(t, err, "%s must be a whole gzip file", path)
		assert.Contains(t, string(data), map[string]string{jsonOut: `"type":"Point"`, csvOut: "metric_name,"}[path])
		_ = f.Close()
	}
}
