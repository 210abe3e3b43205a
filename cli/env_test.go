package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every K6_* variable of k6's run command takes effect when its flag is not
// given.
func TestRunEnvironmentVariables(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := filepath.Join(dir, "script.js")
	require.NoError(t, os.WriteFile(script, []byte(`export const options = { iterations: 1, thresholds: { iterations: ['count>5'] } };
export function setup() { console.log('setup ran'); }
export default function () { console.log('iteration'); }
export function teardown() { console.log('teardown ran'); }
export function handleSummary(data) { return { stdout: 'noColor=' + data.options.noColor + '\n' }; }`), 0o600))
	plain := filepath.Join(dir, "plain.js")
	require.NoError(t, os.WriteFile(plain, []byte(`export default function () { console.log('iteration'); }`), 0o600))
	consoleFile := filepath.Join(dir, "console.log")
	export := filepath.Join(dir, "export.json")
	state := filepath.Join(dir, "state.json")
	logFile := filepath.Join(dir, "k6.log")

	cases := []struct {
		name   string
		env    map[string]string
		script string
		check  func(t *testing.T, code int, stdout, stderr string)
	}{
		{"K6_NO_THRESHOLDS", map[string]string{"K6_NO_THRESHOLDS": "true"}, script, func(t *testing.T, code int, _, _ string) {
			assert.Equal(t, 0, code)
		}},
		{"thresholds without it", nil, script, func(t *testing.T, code int, _, _ string) { assert.Equal(t, 99, code) }},
		{"K6_NO_COLOR", map[string]string{"K6_NO_COLOR": "true", "K6_NO_THRESHOLDS": "1"}, script, func(t *testing.T, _ int, stdout, _ string) {
			assert.Contains(t, stdout, "noColor=true")
		}},
		{"K6_SUMMARY_MODE", map[string]string{"K6_SUMMARY_MODE": "disabled"}, plain, func(t *testing.T, code int, stdout, _ string) {
			assert.Equal(t, 0, code)
			assert.NotContains(t, stdout, "iteration_duration")
		}},
		{"K6_NO_SUMMARY", map[string]string{"K6_NO_SUMMARY": "true"}, plain, func(t *testing.T, _ int, stdout, _ string) {
			assert.NotContains(t, stdout, "iteration_duration")
		}},
		{"summary without them", nil, plain, func(t *testing.T, _ int, stdout, _ string) { assert.Contains(t, stdout, "iteration_duration") }},
		{"K6_SUMMARY_EXPORT", map[string]string{"K6_SUMMARY_EXPORT": export}, plain, func(t *testing.T, _ int, _, _ string) {
			assert.FileExists(t, export)
		}},
		{"K6_SUMMARY_STATE", map[string]string{"K6_SUMMARY_STATE": state}, plain, func(t *testing.T, _ int, _, _ string) {
			data, err := os.ReadFile(state)
			require.NoError(t, err)
			assert.Contains(t, string(data), `"format":"minik6-summary-state"`)
		}},
		{"K6_QUIET", map[string]string{"K6_QUIET": "true"}, plain, func(t *testing.T, _ int, stdout, _ string) {
			assert.NotContains(t, stdout, "execution: local")
		}},
		{"banner without it", nil, plain, func(t *testing.T, _ int, stdout, _ string) { assert.Contains(t, stdout, "execution: local") }},
		{"K6_LOG_FORMAT", map[string]string{"K6_LOG_FORMAT": "json"}, plain, func(t *testing.T, _ int, _, stderr string) {
			assert.Contains(t, stderr, `"msg":"iteration"`)
		}},
		{"K6_LOG_OUTPUT none", map[string]string{"K6_LOG_OUTPUT": "none"}, plain, func(t *testing.T, code int, _, stderr string) {
			assert.Equal(t, 0, code)
			assert.NotContains(t, stderr, "msg=iteration")
		}},
		{"K6_LOG_OUTPUT stdout", map[string]string{"K6_LOG_OUTPUT": "stdout"}, plain, func(t *testing.T, _ int, stdout, stderr string) {
			assert.Contains(t, stdout, `msg=iteration`)
			assert.NotContains(t, stderr, "msg=iteration")
		}},
		{"K6_LOG_OUTPUT file", map[string]string{"K6_LOG_OUTPUT": "file=" + logFile + ",level=info"}, plain, func(t *testing.T, _ int, _, stderr string) {
			assert.NotContains(t, stderr, "msg=iteration")
			data, err := os.ReadFile(logFile)
			require.NoError(t, err)
			assert.Contains(t, string(data), "msg=iteration")
		}},
		{"K6_LOG_OUTPUT loki", map[string]string{"K6_LOG_OUTPUT": "loki=http://127.0.0.1:1"}, plain, func(t *testing.T, code int, _, stderr string) {
			assert.Equal(t, 255, code)
			assert.Contains(t, stderr, "does not send logs to Loki")
		}},
		{"K6_LOG_OUTPUT file in a missing folder", map[string]string{"K6_LOG_OUTPUT": "file=" + filepath.Join(dir, "nope", "k6.log")}, plain,
			func(t *testing.T, code int, _, stderr string) {
				assert.Equal(t, 255, code)
				assert.Contains(t, stderr, "provided directory")
				assert.Contains(t, stderr, "does not exist")
			}},
		{"K6_LOG_FORMAT that k6 tolerates", map[string]string{"K6_LOG_FORMAT": "fancy"}, plain, func(t *testing.T, code int, _, stderr string) {
			assert.Equal(t, 0, code)
			assert.Contains(t, stderr, "msg=iteration", "logged as text")
			assert.Contains(t, stderr, "logging as text")
		}},
		{"K6_NO_SETUP and K6_NO_TEARDOWN", map[string]string{"K6_NO_SETUP": "true", "K6_NO_TEARDOWN": "true", "K6_NO_THRESHOLDS": "1"}, script,
			func(t *testing.T, _ int, _, stderr string) {
				assert.NotContains(t, stderr, "setup ran")
				assert.NotContains(t, stderr, "teardown ran")
				assert.Contains(t, stderr, "iteration")
			}},
		{"K6_SUMMARY_MODE bad", map[string]string{"K6_SUMMARY_MODE": "verbose"}, plain, func(t *testing.T, code int, _, stderr string) {
			assert.Equal(t, 255, code)
			assert.Contains(t, stderr, "compact, full or disabled")
		}},
		{"K6_QUIET bad", map[string]string{"K6_QUIET": "maybe"}, plain, func(t *testing.T, code int, _, stderr string) {
			assert.Equal(t, 104, code)
			assert.Contains(t, stderr, "K6_QUIET")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := commandEnv(t, dir, tc.env, "run", tc.script)
			tc.check(t, code, stdout, stderr)
		})
	}

	// K6_CONSOLE_OUTPUT, and the file is appended to, as k6 does.
	for i := 0; i < 2; i++ {
		code, _, stderr := commandEnv(t, dir, map[string]string{"K6_CONSOLE_OUTPUT": consoleFile}, "run", "-q", plain)
		require.Equal(t, 0, code, stderr)
		assert.NotContains(t, stderr, "iteration")
	}
	data, err := os.ReadFile(consoleFile)
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(string(data), "iteration"), "the second run appends")
}

func TestNew(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	code, stdout, stderr := command(t, dir, nil, "new")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "New script created: script.js (minimal template)")
	data, err := os.ReadFile(filepath.Join(dir, "script.js"))
	require.NoError(t, err)
	assert.Contains(t, string(data), "export default function")
	assert.Contains(t, string(data), "export const options")

	code, _, stderr = command(t, dir, nil, "new", "script.js")
	assert.Equal(t, 255, code)
	assert.Contains(t, stderr, "already exists; use --force")
	code, _, _ = command(t, dir, nil, "new", "--force", "script.js")
	assert.Equal(t, 0, code)

	for _, tpl := range []string{"minimal", "protocol"} {
		name := tpl + ".js"
		code, _, stderr = command(t, dir, nil, "new", "-t", tpl, name)
		require.Equal(t, 0, code, stderr)
		code, _, stderr = command(t, dir, nil, "inspect", "--execution-requirements", name)
		assert.Equal(t, 0, code, "the %s template loads: %s", tpl, stderr)
	}
	code, _, stderr = command(t, dir, nil, "new", "-t", "browser", "b.js")
	assert.Equal(t, 104, code)
	assert.Contains(t, stderr, "want one of minimal, protocol")
}

// minik6 --version and minik6 version print the version as k6 prints its own.
func TestVersion(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--version"}, {"version"}} {
		code, stdout, stderr := command(t, t.TempDir(), nil, args...)
		require.Equal(t, 0, code, stderr)
		assert.Regexp(t, `^minik6 v\S+ \(go1\.\d+\.\d+, \w+/\w+\)\n$`, stdout, args)
	}
}
