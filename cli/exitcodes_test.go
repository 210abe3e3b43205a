package cli_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Exit codes of bad command lines, as k6 gives them: a flag's bad value is a
// usage error (255), bad options from a file or the script are 104.
func TestExitCodesAsK6(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := filepath.Join(dir, "script.js")
	require.NoError(t, os.WriteFile(script, []byte(`export default function () {}`), 0o600))
	noDefault := filepath.Join(dir, "nodefault.js")
	require.NoError(t, os.WriteFile(noDefault, []byte(`export function other() {}`), 0o600))
	envNotString := filepath.Join(dir, "envtype.js")
	require.NoError(t, os.WriteFile(envNotString, []byte(`export const options = { scenarios: { s: { executor: 'shared-iterations', env: { A: 1 } } } };
export default function () {}`), 0o600))
	empty := filepath.Join(dir, "empty.json")
	require.NoError(t, os.WriteFile(empty, nil, 0o600))
	array := filepath.Join(dir, "array.json")
	require.NoError(t, os.WriteFile(array, []byte(`[1]`), 0o600))

	cases := []struct {
		name string
		args []string
		env  map[string]string
		code int
		msg  string
	}{
		{"missing script", []string{"run", filepath.Join(dir, "nope.js")}, nil, 255, "can't be found"},
		{"directory as script", []string{"run", dir}, nil, 255, "is a directory"},
		{"bad -d", []string{"run", "-d", "forever", script}, nil, 255, "--duration"},
		{"bad -s", []string{"run", "-s", "x", script}, nil, 255, "--stage"},
		{"bad segment", []string{"run", "--execution-segment", "2:1", script}, nil, 255, "--execution-segment"},
		{"bad sequence", []string{"run", "--execution-segment-sequence", "a,b", script}, nil, 255, "--execution-segment-sequence"},
		{"bad tag", []string{"run", "--tag", "novalue", script}, nil, 255, "--tag"},
		{"bad summary time unit", []string{"run", "--summary-time-unit", "h", script}, nil, 255, "--summary-time-unit"},
		{"bad trend stat", []string{"run", "--summary-trend-stats", "avg,p(x)", script}, nil, 255, "--summary-trend-stats"},
		{"bad K6_SUMMARY_TREND_STATS", []string{"run", script}, map[string]string{"K6_SUMMARY_TREND_STATS": "avg,nope"}, 255, "K6_SUMMARY_TREND_STATS"},
		{"bad --out", []string{"run", "--out", "nope", script}, nil, 255, "invalid output type 'nope'"},
		{"bad K6_OUT", []string{"run", script}, map[string]string{"K6_OUT": "nope"}, 255, "invalid output type 'nope'"},
		{"console output in a missing folder", []string{"run", "--console-output", filepath.Join(dir, "no", "c.log"), script}, nil, 255, "--console-output"},
		{"no default and no scenarios", []string{"run", noDefault}, nil, 255, "function 'default' not found"},
		{"empty config file", []string{"run", "--config", empty, script}, nil, 104, "want a JSON object"},
		{"config file of the wrong type", []string{"run", "--config", array, script}, nil, 104, "want a JSON object"},
		{"scenario env not a string", []string{"run", envNotString}, nil, 104, "env"},
		{"-e without a value is fine", []string{"run", "-q", "-e", "NAME", script}, nil, 0, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := commandEnv(t, dir, tc.env, tc.args...)
			assert.Equal(t, tc.code, code, stderr)
			assert.Contains(t, stderr, tc.msg)
			assert.NotContains(t, stderr, "goroutine", "no Go stack trace")
		})
	}
}
