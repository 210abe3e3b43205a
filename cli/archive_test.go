package cli_test

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/minik6test"
)

// command runs the binary with args in dir and returns its exit code and streams.
func command(t *testing.T, dir string, stdin io.Reader, args ...string) (int, string, string) {
	t.Helper()
	return run(t, dir, stdin, nil, args...)
}

// commandEnv is command with env added to the environment (which has no K6_*
// variables of the test process).
func commandEnv(t *testing.T, dir string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	return run(t, dir, nil, env, args...)
}

func run(t *testing.T, dir string, stdin io.Reader, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(minik6test.Binary(t), args...)
	cmd.Dir = dir
	cmd.Stdin = stdin
	cmd.Env = minik6test.Environ(env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("running %v: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

// writeTest writes a script with a module and a data file under dir/t.
func writeTest(t *testing.T, dir string) string {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "t", "lib"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "t", "lib", "greet.js"),
		[]byte(`export function greet(n) { return 'hi ' + n; }`), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "t", "users.json"), []byte(`["bob"]`), 0o600))
	script := filepath.Join(dir, "t", "script.js")
	require.NoError(t, os.WriteFile(script, []byte(`import { greet } from './lib/greet.js';
const users = JSON.parse(open('./users.json'));
export const options = { vus: 2, iterations: 4, thresholds: { iterations: ['count==4'] } };
export default function () { console.log(greet(users[0]) + ' ' + __ENV.WHO); }
`), 0o600))
	return script
}

// An archive holds the test; `run` runs it from elsewhere with nothing else on
// disk, with its options and -e variables, and flags given to `run` win.
func TestArchiveRunsAnywhere(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := writeTest(t, dir)
	arc := filepath.Join(dir, "test.tar")
	code, _, stderr := command(t, dir, nil, "archive", "-e", "WHO=archived", "-O", arc, script)
	require.Equal(t, 0, code, stderr)

	names := tarNames(t, arc)
	assert.Equal(t, "metadata.json", names[0])
	assert.Equal(t, "data", names[1])
	assert.Contains(t, names, "file"+filepath.ToSlash(filepath.Join(dir, "t", "users.json")))
	assert.Contains(t, names, "file"+filepath.ToSlash(filepath.Join(dir, "t", "lib", "greet.js")))

	require.NoError(t, os.RemoveAll(filepath.Join(dir, "t")), "the archive needs nothing else")
	elsewhere := t.TempDir()
	console := filepath.Join(elsewhere, "console.log")
	code, _, stderr = command(t, elsewhere, nil, "run", "-q", "--no-summary", "--console-output="+console, arc)
	require.Equal(t, 0, code, stderr)
	lines := consoleLines(t, console)
	assert.Equal(t, []string{"hi bob archived", "hi bob archived", "hi bob archived", "hi bob archived"}, lines)

	console2 := filepath.Join(elsewhere, "console2.log")
	code, _, stderr = command(t, elsewhere, nil, "run", "-q", "--no-summary", "--console-output="+console2,
		"-e", "WHO=flag", "-u", "1", "-i", "2", arc)
	assert.Equal(t, 99, code, "two iterations cross the archived threshold count==4: %s", stderr)
	assert.Equal(t, []string{"hi bob flag", "hi bob flag"}, consoleLines(t, console2))
}

func tarNames(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var names []string
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		require.NoError(t, err)
		names = append(names, h.Name)
	}
}

func consoleLines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return minik6test.ConsoleMessages(string(data))
}

// A bad archive is refused with one message and exit code 104.
func TestBadArchive(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "data", Mode: 0o644, Size: 2}))
	_, _ = tw.Write([]byte("{}"))
	require.NoError(t, tw.Close())
	noMeta := filepath.Join(dir, "nometa.tar")
	require.NoError(t, os.WriteFile(noMeta, buf.Bytes(), 0o600))
	truncated := filepath.Join(dir, "truncated.tar")
	require.NoError(t, os.WriteFile(truncated, buf.Bytes()[:700], 0o600))

	for file, want := range map[string]string{noMeta: "no metadata.json", truncated: "truncated or corrupt"} {
		code, _, stderr := command(t, dir, nil, "run", "-q", file)
		assert.Equal(t, 104, code, stderr)
		assert.Contains(t, stderr, want)
		assert.NotContains(t, stderr, "goroutine")
	}
}

func TestInspect(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := writeTest(t, dir)
	code, stdout, stderr := command(t, dir, nil, "inspect", script)
	require.Equal(t, 0, code, stderr)
	var opts map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &opts))
	assert.EqualValues(t, 2, opts["vus"])
	assert.EqualValues(t, 4, opts["iterations"])
	assert.Contains(t, opts, "scenarios", "every key, nulls included")
	assert.Nil(t, opts["scenarios"], "the script's own options, not consolidated")
	assert.True(t, strings.HasPrefix(stdout, "{\n  \""), "indented as k6 prints it")

	code, stdout, stderr = command(t, dir, nil, "inspect", "--execution-requirements", script)
	require.Equal(t, 0, code, stderr)
	var req map[string]any
	require.NoError(t, json.Unmarshal([]byte(stdout), &req))
	assert.Equal(t, "10m30s", req["totalDuration"])
	assert.EqualValues(t, 2, req["maxVUs"])
	assert.Contains(t, req["scenarios"], "default")
	assert.Contains(t, req, "thresholds")

	arc := filepath.Join(dir, "a.tar")
	code, _, stderr = command(t, dir, nil, "archive", "-O", arc, script)
	require.Equal(t, 0, code, stderr)
	code, stdout, stderr = command(t, dir, nil, "inspect", "--execution-requirements", arc)
	require.Equal(t, 0, code, stderr)
	require.NoError(t, json.Unmarshal([]byte(stdout), &req))
	assert.EqualValues(t, 2, req["maxVUs"], "an archive inspects as its script")
}

// A script on standard input ("-") runs, and archives.
func TestScriptFromStdin(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	src := `export const options = { iterations: 3 }; export default function () { console.log('in'); }`
	console := filepath.Join(dir, "console.log")
	code, _, stderr := command(t, dir, strings.NewReader(src), "run", "-q", "--no-summary", "--console-output="+console, "-")
	require.Equal(t, 0, code, stderr)
	assert.Len(t, consoleLines(t, console), 3)
}

// handleSummary's data carries setup()'s result.
func TestHandleSummaryHasSetupData(t *testing.T) {
	t.Parallel()
	src := `export const options = { iterations: 1 };
export function setup() { return { token: 'abc', n: 2 }; }
export default function () {}
export function handleSummary(data) { return { stdout: JSON.stringify(data.setup_data) + '\n' }; }`
	res := minik6test.Run(t, minik6test.RunOptions{Source: src, Summary: true})
	require.Equal(t, 0, res.ExitCode, res.Stderr)
	assert.JSONEq(t, `{"token":"abc","n":2}`, res.Stdout)
}

// The config file is --config, else K6_CONFIG, else k6's default
// ($XDG_CONFIG_HOME/k6/config.json), read only when it exists.
func TestConfigFileLocations(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "xdg", "k6"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "xdg", "k6", "config.json"), []byte(`{"iterations": 3}`), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "env.json"), []byte(`{"iterations": 2}`), 0o600))
	src := `export default function () { console.log('i'); }`
	for name, tc := range map[string]struct {
		env  map[string]string
		want int
	}{
		"default file":          {map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "xdg")}, 3},
		"K6_CONFIG wins":        {map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "xdg"), "K6_CONFIG": filepath.Join(dir, "env.json")}, 2},
		"no default file is ok": {map[string]string{"XDG_CONFIG_HOME": filepath.Join(dir, "none")}, 1},
	} {
		res := minik6test.Run(t, minik6test.RunOptions{Source: src, Env: tc.env})
		require.Equal(t, 0, res.ExitCode, "%s: %s", name, res.Stderr)
		assert.Len(t, res.Console, tc.want, name)
	}
	res := minik6test.Run(t, minik6test.RunOptions{Source: src, Env: map[string]string{"K6_CONFIG": filepath.Join(dir, "missing.json")}})
	assert.Equal(t, 104, res.ExitCode, "an explicit file must exist: %s", res.Stderr)
}
