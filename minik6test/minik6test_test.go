package minik6test_test

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/minik6test"
)

func TestMain(m *testing.M) { os.Exit(minik6test.Main(m)) }

func TestConsoleMessages(t *testing.T) {
	t.Parallel()
	out := strings.Join([]string{
		`time="2026-01-02T03:04:05Z" level=info msg="VU 1 says \"hi\"\tthere" source=console`,
		`time="2026-01-02T03:04:05Z" level=info msg=bare source=console`,
		`time="2026-01-02T03:04:05Z" level=warning msg="line one\nline two"`,
		`{"level":"info","msg":"from json","source":"console","time":"2026-01-02T03:04:05Z"}`,
		``,
		`just a plain line`,
	}, "\n")
	assert.Equal(t, []string{
		"VU 1 says \"hi\"\tthere",
		"bare",
		"line one\nline two",
		"from json",
		"just a plain line",
	}, minik6test.ConsoleMessages(out))
}

func TestRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		opts     minik6test.RunOptions
		code     int
		console  []string
		stderr   string
		inStdout string
	}{
		{
			name: "inline source logs each iteration",
			opts: minik6test.RunOptions{Source: `
import exec from 'k6/execution';
export const options = { iterations: 3 };
export default function () { console.log('iteration ' + exec.scenario.iterationInTest); }
`},
			console: []string{"iteration 0", "iteration 1", "iteration 2"},
		},
		{
			name: "flags come before the script",
			opts: minik6test.RunOptions{
				Source: `export default function () { console.log('hello "quoted" world'); }`,
				Flags:  []string{"--iterations", "2"},
			},
			console: []string{`hello "quoted" world`, `hello "quoted" world`},
		},
		{
			name: "env reaches __ENV",
			opts: minik6test.RunOptions{
				Source: `const greeting = __ENV.GREETING;
export default function () { console.log('init saw ' + greeting + ', default sees ' + __ENV.GREETING); }`,
				Env: map[string]string{"GREETING": "hi"},
			},
			console: []string{"init saw hi, default sees hi"},
		},
		{
			name: "an exception in the init context exits 107",
			opts: minik6test.RunOptions{Source: `throw new Error('broken at init');
export default function () {}`},
			code:   107,
			stderr: "broken at init",
		},
		{
			name: "abort exits 108 and keeps teardown",
			opts: minik6test.RunOptions{Source: `import exec from 'k6/execution';
export default function () { exec.test.abort('enough'); }
export function teardown() { console.log('teardown'); }`},
			code:    108,
			console: []string{"teardown"},
			stderr:  "enough",
		},
		{
			name: "summary on request",
			opts: minik6test.RunOptions{
				Source:  `export default function () {}`,
				Summary: true,
			},
			inStdout: "iterations",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := minik6test.Run(t, tt.opts)
			require.Equal(t, tt.code, res.ExitCode, "stderr:\n%s", res.Stderr)
			assert.Equal(t, tt.console, res.Console)
			assert.Contains(t, res.Stderr, tt.stderr)
			assert.Contains(t, res.Stdout, tt.inStdout)
			if !tt.opts.Summary {
				assert.NotContains(t, res.Stdout, "iterations", "--no-summary was not passed")
			}
		})
	}
}

func TestRunScriptInDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "lib.js"),
		[]byte(`export const word = 'imported';`), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.js"),
		[]byte(`import { word } from './lib.js';
export default function () { console.log(word); }`), 0o600))

	res := minik6test.Run(t, minik6test.RunOptions{Script: "main.js", Dir: dir})
	require.Equal(t, 0, res.ExitCode, res.Stderr)
	assert.Equal(t, []string{"imported"}, res.Console)
}

func TestRunDropsK6Env(t *testing.T) {
	t.Setenv("K6_ITERATIONS", "5")
	res := minik6test.Run(t, minik6test.RunOptions{
		Source: `export default function () { console.log('K6_ITERATIONS=' + __ENV.K6_ITERATIONS); }`,
	})
	require.Equal(t, 0, res.ExitCode, res.Stderr)
	assert.Equal(t, []string{"K6_ITERATIONS=undefined"}, res.Console, "K6_* leaked into the run")
}

func TestTargetRoutes(t *testing.T) {
	t.Parallel()
	target := minik6test.NewTarget()
	defer target.Close()
	require.True(t, strings.HasPrefix(target.URL(), "http://127.0.0.1:"), target.URL())

	tests := []struct {
		path string
		code int
		body string
	}{
		{path: "/", code: 200, body: "ok"},
		{path: "/any/path?q=1", code: 200, body: "ok"},
		{path: "/status/404", code: 404, body: "not found"},
		{path: "/status/503", code: 503, body: "service unavailable"},
		{path: "/status/abc", code: 400},
		{path: "/status/42", code: 400},
	}
	for _, tt := range tests {
		resp, err := http.Get(target.URL() + tt.path)
		require.NoError(t, err)
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, tt.code, resp.StatusCode, tt.path)
		if tt.body != "" {
			assert.Equal(t, tt.body, string(body), tt.path)
		}
	}

	reqs := target.Requests()
	require.Len(t, reqs, len(tests))
	assert.Equal(t, "/any/path", reqs[1].Path)
	assert.Equal(t, "q=1", reqs[1].RawQuery)
	assert.Len(t, target.RequestsTo("/status/404"), 1)
}

func TestUnstartedTargetCustomRoute(t *testing.T) {
	t.Parallel()
	target := minik6test.NewUnstartedTarget()
	assert.PanicsWithValue(t, "minik6test: Target.URL called before Start", func() { _ = target.URL() })
	target.Handle("POST /echo", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(w, r.Body)
	}))
	target.Start()
	defer target.Close()
	assert.Panics(t, func() { target.Handle("/late", http.NotFoundHandler()) })
	assert.Panics(t, target.Start)

	resp, err := http.Post(target.URL()+"/echo", "text/plain", strings.NewReader("ping"))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	assert.Equal(t, "ping", string(body), "the handler must still see the recorded body")
	reqs := target.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "POST", reqs[0].Method)
	assert.Equal(t, "ping", string(reqs[0].Body))

	target.Close()
	target.Close() // idempotent
}

// TestRunAgainstTarget runs VUs against the target and checks what arrived.
func TestRunAgainstTarget(t *testing.T) {
	t.Parallel()
	target := minik6test.NewTarget()
	defer target.Close()

	res := minik6test.Run(t, minik6test.RunOptions{
		Source: `import http from 'k6/http';
import exec from 'k6/execution';
export const options = { vus: 2, iterations: 4 };
export default function () {
  const res = http.get(__ENV.BASE_URL + '/status/201', { headers: { 'X-Iteration': String(exec.scenario.iterationInTest) } });
  console.log('status ' + res.status);
}`,
		Env: target.Env(),
	})
	require.Equal(t, 0, res.ExitCode, res.Stderr)
	assert.Equal(t, []string{"status 201", "status 201", "status 201", "status 201"}, res.Console)

	var seen []string
	for _, r := range target.RequestsTo("/status/201") {
		seen = append(seen, r.Header.Get("X-Iteration"))
	}
	assert.ElementsMatch(t, []string{"0", "1", "2", "3"}, seen)
}
