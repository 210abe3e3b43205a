package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/minik6test"
)

// distributedScript logs every test-wide iteration number and records values
// that do not depend on timing, so that a run split into segments and merged
// can be compared with the same test run whole.
const distributedScript = `
import { check, group } from 'k6';
import exec from 'k6/execution';
import { Trend, Counter, Rate, Gauge } from 'k6/metrics';
const lat = new Trend('lat', true);
const hits = new Counter('hits');
const odd = new Rate('odd');
const last = new Gauge('last');
export const options = {
  scenarios: {
    shared: { executor: 'shared-iterations', vus: 4, iterations: 1500 },
    each: { executor: 'per-vu-iterations', vus: 3, iterations: 100, exec: 'each' },
  },
  thresholds: { hits: ['count==1800'], odd: ['rate<0.6'], 'lat{scenario:shared}': ['p(99)<2300', 'max<2300'] },
};
export default function () {
  const i = exec.scenario.iterationInTest;
  console.log('iter shared ' + i);
  group('g', () => { check(i, { 'even': (v) => v % 2 === 0 }); });
  lat.add(i * 1.5);
  hits.add(1);
  odd.add(i % 2);
}
export function each() {
  console.log('iter each ' + exec.scenario.iterationInTest);
  lat.add(-exec.vu.iterationInScenario);
  hits.add(1);
  last.add(7);
}
`

// runWhole runs the script in one instance and returns its --summary-export
// JSON.
func runWhole(t *testing.T, dir, script string) map[string]any {
	t.Helper()
	export := filepath.Join(dir, "whole-export.json")
	cmd := exec.Command(minik6test.Binary(t), "run", "--quiet", "--console-output="+filepath.Join(dir, "whole.log"),
		"--summary-export="+export, script)
	cmd.Env = minik6test.Environ(nil)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	return readJSON(t, export)
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(data, &doc), string(data))
	return doc
}

// TestOperatorFlowAndMergedSummary drives three instances as k6-operator does
// — paused start with segments, instance tags and the REST API, a starter
// that resumes each, status polling until the run is done, a stopper that
// ends the lingering processes — then merges their summary states: the
// iterations are shared out exactly once, and the merged summary equals the
// summary of the test run whole.
func TestOperatorFlowAndMergedSummary(t *testing.T) {
	t.Parallel()
	const n = 3
	dir := t.TempDir()
	script := filepath.Join(dir, "test.js")
	require.NoError(t, os.WriteFile(script, []byte(distributedScript), 0o600))

	runs := make([]*apiRun, n)
	states := make([]string, n)
	for i := range n {
		states[i] = filepath.Join(dir, fmt.Sprintf("state-%d.json", i))
		runs[i] = startAPIRun(t, distributedScript, nil,
			"--paused", "--linger",
			"--execution-segment", fmt.Sprintf("%d/%d:%d/%d", i, n, i+1, n),
			"--execution-segment-sequence", "0,1/3,2/3,1",
			"--tag", "instance_id="+strconv.Itoa(i), "--tag", "testrun_name=merge-test",
			"--summary-state", states[i])
	}
	for _, r := range runs { // the operator waits until every runner answers, paused
		r.waitFor(t, "the paused instance", func(st map[string]any) bool { return st["paused"] == true })
	}
	for _, r := range runs { // the starter
		r.patchStatus(t, `{"paused":false}`)
	}
	for _, r := range runs { // done: the test ran and is over
		r.waitFor(t, "the end of the test", func(st map[string]any) bool {
			return st["running"] == false && st["paused"] == false && st["status"] != float64(0)
		})
	}
	codes := make([]int, n)
	for i, r := range runs { // the stopper
		r.patchStatus(t, `{"stopped":true}`)
		codes[i] = r.exitCode(t)
	}
	// Alone, no instance meets hits count==1800; that threshold holds only
	// over the union.
	assert.Equal(t, []int{99, 99, 99}, codes)

	seen := map[string]int{}
	for _, r := range runs {
		for _, line := range r.consoleLines(t) {
			if strings.HasPrefix(line, "iter ") {
				seen[line]++
			}
		}
	}
	assert.Len(t, seen, 1500+300)
	for line, count := range seen {
		assert.Equal(t, 1, count, line)
	}
	for i := range 1500 {
		assert.Contains(t, seen, "iter shared "+strconv.Itoa(i))
	}

	mergedExport := filepath.Join(dir, "merged-export.json")
	cmd := exec.Command(minik6test.Binary(t), append([]string{"summary", "merge", "--summary-export=" + mergedExport}, states...)...)
	cmd.Env = minik6test.Environ(nil)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "the thresholds hold over the union: %s", out)
	assert.Contains(t, string(out), "instance_id=0, instance_id=1, instance_id=2")
	assert.Contains(t, string(out), "✓ 'count==1800'")

	got, want := readJSON(t, mergedExport), runWhole(t, dir, script)
	for _, name := range []string{"hits", "odd", "lat", "lat{scenario:shared}", "checks", "iterations", "last"} {
		gm, wm := got["metrics"].(map[string]any)[name], want["metrics"].(map[string]any)[name]
		require.NotNil(t, wm, name)
		require.NotNil(t, gm, name)
		for stat, wv := range wm.(map[string]any) {
			switch stat {
			case "rate": // per second: the runs took different times
				if name != "odd" && name != "checks" {
					continue
				}
			case "p(90)", "p(95)", "med":
				assert.InEpsilon(t, wv, gm.(map[string]any)[stat], 0.004, name+" "+stat)
				continue
			}
			assert.Equal(t, wv, gm.(map[string]any)[stat], name+" "+stat)
		}
	}
	assert.Equal(t, checkCounts(want), checkCounts(got))
}

// checkCounts lists the export's checks as "path passes fails", sorted.
func checkCounts(export map[string]any) []string {
	var out []string
	var walk func(g map[string]any)
	walk = func(g map[string]any) {
		for _, c := range g["checks"].(map[string]any) {
			c := c.(map[string]any)
			out = append(out, fmt.Sprint(c["path"], " ", c["passes"], " ", c["fails"]))
		}
		for _, sub := range g["groups"].(map[string]any) {
			walk(sub.(map[string]any))
		}
	}
	walk(export["root_group"].(map[string]any))
	sort.Strings(out)
	return out
}

// TestSummaryMergeErrors: bad states and flags end with one message and exit
// code 255; --script runs handleSummary over the merged data.
func TestSummaryMergeErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := filepath.Join(dir, "test.js")
	require.NoError(t, os.WriteFile(script, []byte(`
export const options = { iterations: 5, thresholds: { iterations: ['count>3'] } };
export default function () {}
export function handleSummary(d) { return { stdout: 'HS ' + d.metrics.iterations.values.count + ' ' + JSON.stringify(d.setup_data) + '\n' }; }
export function setup() { return { from: 'setup' }; }
`), 0o600))
	state := filepath.Join(dir, "state.json")
	cmd := exec.Command(minik6test.Binary(t), "run", "-q", "--summary-state", state, script)
	cmd.Env = minik6test.Environ(map[string]string{})
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.json"), []byte(`{"format":"something else"}`), 0o600))

	merge := func(args ...string) (string, int) {
		cmd := exec.Command(minik6test.Binary(t), append([]string{"summary", "merge"}, args...)...)
		cmd.Env = minik6test.Environ(nil)
		cmd.Dir = dir
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}
	merged, code := merge("--script", script, state, state)
	assert.Equal(t, 0, code, merged)
	assert.Contains(t, merged, `HS 10 {"from":"setup"}`)

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"missing.json"}, "open missing.json: no such file"},
		{[]string{state, "bad.json"}, "bad.json: not a summary state: the format is"},
		{[]string{"--summary-mode", "full", state}, "every state must come from a run with --summary-mode full"},
		{[]string{"--summary-mode", "loud", state}, "want compact, full or disabled"},
		{[]string{"--summary-trend-stats", "p(101)", state}, "summary-trend-stats"},
	} {
		out, code := merge(tc.args...)
		assert.Equal(t, 255, code, tc.args)
		assert.Contains(t, out, tc.want, tc.args)
		assert.NotContains(t, out, "goroutine", tc.args)
	}
}

// TestK6OperatorExample runs the operator's initializer steps on the
// example's script, as its initializer pod does: the archive, then the
// execution requirements read from it.
func TestK6OperatorExample(t *testing.T) {
	t.Parallel()
	root, err := minik6test.ModuleRoot()
	require.NoError(t, err)
	dir := t.TempDir()
	script := filepath.Join(root, "examples", "k6-operator", "test.js")
	code, _, stderr := command(t, dir, nil, "archive", "--log-format", "json", "-O", "archive.tar", script)
	require.Equal(t, 0, code, stderr)
	code, stdout, stderr := command(t, dir, nil, "inspect", "--execution-requirements", "--log-format", "json", "archive.tar")
	require.Equal(t, 0, code, stderr)
	var req map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &req), stdout)
	assert.Equal(t, float64(40), req["maxVUs"])
	assert.Equal(t, "2m40s", req["totalDuration"], "1m40s of stages, 30s of gracefulRampDown and 30s of gracefulStop")
}
