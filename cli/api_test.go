package cli_test

import (
	"encoding/json"
	"net"
	"net/http"
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

// apiRun is a `minik6 run` in the background with its REST API on 127.0.0.1.
type apiRun struct {
	cmd     *exec.Cmd
	url     string
	console string
	stderr  *strings.Builder
	done    chan struct{}
}

// freeAddr is a 127.0.0.1 address nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// startAPIRun starts `minik6 run` of source with --address (unless the
// arguments or env set it) and the extra arguments.
func startAPIRun(t *testing.T, source string, env map[string]string, args ...string) *apiRun {
	t.Helper()
	dir := t.TempDir()
	script := filepath.Join(dir, "script.js")
	require.NoError(t, os.WriteFile(script, []byte(source), 0o600))
	r := &apiRun{console: filepath.Join(dir, "console.log"), stderr: &strings.Builder{}, done: make(chan struct{})}
	addr := env["K6_ADDRESS"]
	if addr == "" {
		addr = freeAddr(t)
		args = append(args, "--address", addr)
	}
	r.url = "http://" + addr
	args = append(append([]string{"run", "--quiet", "--console-output=" + r.console}, args...), script)
	r.cmd = exec.Command(minik6test.Binary(t), args...)
	r.cmd.Env = minik6test.Environ(env)
	r.cmd.Stderr = r.stderr
	require.NoError(t, r.cmd.Start())
	go func() { _ = r.cmd.Wait(); close(r.done) }()
	t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			_ = r.cmd.Process.Kill()
			<-r.done
		}
	})
	return r
}

// status is GET /v1/status's attributes, nil while the API does not answer.
func (r *apiRun) status() map[string]any {
	resp, err := http.Get(r.url + "/v1/status")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var doc struct {
		Data struct {
			Attributes map[string]any `json:"attributes"`
		} `json:"data"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&doc) != nil {
		return nil
	}
	return doc.Data.Attributes
}

// waitFor polls the status every 20ms until ok says yes.
func (r *apiRun) waitFor(t *testing.T, what string, ok func(st map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if st := r.status(); st != nil && ok(st) {
			return st
		}
		select {
		case <-r.done:
			t.Fatalf("minik6 ended (exit code %d) while waiting for %s: %s", r.cmd.ProcessState.ExitCode(), what, r.stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("waited 30s for %s: %s", what, r.stderr)
	return nil
}

func (r *apiRun) patchStatus(t *testing.T, attrs string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPatch, r.url+"/v1/status",
		strings.NewReader(`{"data":{"type":"status","id":"default","attributes":`+attrs+`}}`))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

// exitCode waits for minik6 to end.
func (r *apiRun) exitCode(t *testing.T) int {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("minik6 did not end within 30s: %s", r.stderr)
	}
	return r.cmd.ProcessState.ExitCode()
}

func (r *apiRun) consoleLines(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(r.console)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	return minik6test.ConsoleMessages(string(data))
}

const lifecycleScript = `export const options = { vus: 3, iterations: 6 };
export function setup() { console.log('setup ran'); }
export default function () {}
export function teardown() { console.log('teardown ran'); }
`

// TestPausedRunResumedThroughAPI is k6-operator's flow: a paused start, status
// polling until the VUs are initialised, a PATCH that resumes.
func TestPausedRunResumedThroughAPI(t *testing.T) {
	t.Parallel()
	for name, viaEnv := range map[string]bool{"flags": false, "environment": true} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var r *apiRun
			if viaEnv {
				r = startAPIRun(t, lifecycleScript, map[string]string{"K6_PAUSED": "true", "K6_ADDRESS": freeAddr(t)})
			} else {
				r = startAPIRun(t, lifecycleScript, nil, "--paused")
			}
			st := r.waitFor(t, "the VUs to be initialised", func(st map[string]any) bool { return st["status"] == 4.0 })
			assert.Equal(t, true, st["paused"])
			assert.Equal(t, 3.0, st["vus-max"])
			assert.Equal(t, false, st["running"])
			time.Sleep(100 * time.Millisecond)
			assert.Empty(t, r.consoleLines(t), "nothing runs while paused, not even setup")

			r.patchStatus(t, `{"paused":false}`)
			assert.Equal(t, 0, r.exitCode(t), r.stderr.String())
			assert.Equal(t, []string{"setup ran", "teardown ran"}, r.consoleLines(t))
		})
	}
}

// TestStopThroughAPI: stopped:true ends the run with exit code 103, teardown
// still run.
func TestStopThroughAPI(t *testing.T) {
	t.Parallel()
	r := startAPIRun(t, `import { sleep } from 'k6';
export const options = { vus: 2, duration: '30s' };
export default function () { sleep(0.1); }
export function teardown() { console.log('teardown ran'); }
`, nil)
	r.waitFor(t, "the run to start", func(st map[string]any) bool { return st["running"] == true && st["vus"] == 2.0 })
	r.patchStatus(t, `{"stopped":true}`)
	assert.Equal(t, 103, r.exitCode(t), r.stderr.String())
	assert.Contains(t, r.stderr.String(), "test run stopped from REST API")
	assert.Equal(t, []string{"teardown ran"}, r.consoleLines(t))
}

// TestLinger: after the test the process stays up, its API answering, until a
// signal or a REST stop; the exit code is the test's.
func TestLinger(t *testing.T) {
	t.Parallel()
	for name, end := range map[string]func(t *testing.T, r *apiRun){
		"SIGTERM":   func(t *testing.T, r *apiRun) { require.NoError(t, r.cmd.Process.Signal(syscall.SIGTERM)) },
		"SIGINT":    func(t *testing.T, r *apiRun) { require.NoError(t, r.cmd.Process.Signal(syscall.SIGINT)) },
		"REST stop": func(t *testing.T, r *apiRun) { r.patchStatus(t, `{"stopped":true}`) },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := startAPIRun(t, lifecycleScript, nil, "--linger")
			r.waitFor(t, "the end of the test", func(st map[string]any) bool { return st["status"] == 9.0 })
			time.Sleep(300 * time.Millisecond)
			select {
			case <-r.done:
				t.Fatalf("minik6 did not linger: %s", r.stderr)
			default:
			}
			st := r.status()
			require.NotNil(t, st, "the API answers while lingering")
			assert.Equal(t, false, st["running"])
			end(t, r)
			assert.Equal(t, 0, r.exitCode(t), r.stderr.String())
			assert.Equal(t, []string{"setup ran", "teardown ran"}, r.consoleLines(t))
		})
	}
	t.Run("K6_LINGER", func(t *testing.T) {
		t.Parallel()
		r := startAPIRun(t, lifecycleScript, map[string]string{"K6_LINGER": "true"})
		r.waitFor(t, "the end of the test", func(st map[string]any) bool { return st["status"] == 9.0 })
		time.Sleep(200 * time.Millisecond)
		require.NotNil(t, r.status(), "the API answers while lingering")
		require.NoError(t, r.cmd.Process.Signal(syscall.SIGTERM))
		assert.Equal(t, 0, r.exitCode(t), r.stderr.String())
	})
}

// TestAPIFlagErrors: a taken address is exit code 106 with the OS's error; a
// paused test without the API, which nothing could resume, is refused.
func TestAPIFlagErrors(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "script.js"), []byte(lifecycleScript), 0o600))
	for _, tc := range []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		stderr string
	}{
		{"taken address", nil, []string{"--address", ln.Addr().String()}, 106, "address already in use"},
		{"taken address from K6_ADDRESS", map[string]string{"K6_ADDRESS": ln.Addr().String()}, nil, 106, "address already in use"},
		{"paused without the API", nil, []string{"--paused"}, 104, "set --address"},
		{"K6_PAUSED without the API", map[string]string{"K6_PAUSED": "true"}, nil, 104, "set --address"},
		{"K6_LINGER not a boolean", map[string]string{"K6_LINGER": "maybe"}, nil, 104, "K6_LINGER"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append(append([]string{"run", "--quiet"}, tc.args...), "script.js")
			code, _, stderr := commandEnv(t, dir, tc.env, args...)
			assert.Equal(t, tc.code, code, stderr)
			assert.Contains(t, stderr, tc.stderr)
			assert.Equal(t, 1, strings.Count(stderr, "level=error"), stderr)
		})
	}
}

// TestInstances runs two instances of one test as k6-operator does (segments,
// --tag instance_id, a paused start): the tag reaches every sample and the
// thresholds, each instance runs its own setup and teardown, and a REST stop
// of one ends only that one, with its own exit code.
func TestInstances(t *testing.T) {
	t.Parallel()
	const source = `import { sleep } from 'k6';
export const options = {
  scenarios: { s: { executor: 'constant-vus', vus: 4, duration: '2s' } },
  thresholds: { ['iterations{instance_id:' + __ENV.ID + '}']: ['count>0'] },
};
export function setup() { console.log('setup ' + __ENV.ID); }
export default function () { sleep(0.05); }
export function teardown() { console.log('teardown ' + __ENV.ID); }
`
	segments := []string{"0:1/2", "1/2:1"}
	runs := make([]*apiRun, len(segments))
	outs := make([]string, len(segments))
	exports := make([]string, len(segments))
	for i, seg := range segments {
		outs[i] = filepath.Join(t.TempDir(), "out.json")
		exports[i] = filepath.Join(t.TempDir(), "summary.json")
		id := strconv.Itoa(i)
		runs[i] = startAPIRun(t, source, nil, "--paused", "--execution-segment", seg,
			"--execution-segment-sequence", "0,1/2,1", "--tag", "instance_id="+id, "-e", "ID="+id,
			"--out", "json="+outs[i], "--summary-export", exports[i])
	}
	for i, r := range runs {
		st := r.waitFor(t, "the VUs of instance "+strconv.Itoa(i), func(st map[string]any) bool { return st["status"] == 4.0 })
		assert.Equal(t, 2.0, st["vus-max"], "each instance holds its segment's VUs")
	}
	for _, r := range runs {
		r.patchStatus(t, `{"paused":false}`)
	}
	runs[0].waitFor(t, "instance 0 to run", func(st map[string]any) bool { return st["status"] == 7.0 })
	time.Sleep(500 * time.Millisecond) // some iterations, for its threshold to pass
	runs[0].patchStatus(t, `{"stopped":true}`)

	assert.Equal(t, 103, runs[0].exitCode(t), runs[0].stderr.String())
	assert.Equal(t, 0, runs[1].exitCode(t), runs[1].stderr.String())
	for i, r := range runs {
		id := strconv.Itoa(i)
		assert.Equal(t, []string{"setup " + id, "teardown " + id}, r.consoleLines(t))
		data, err := os.ReadFile(outs[i])
		require.NoError(t, err)
		points := 0
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var rec struct {
				Type string `json:"type"`
				Data struct {
					Tags map[string]string `json:"tags"`
				} `json:"data"`
			}
			require.NoError(t, json.Unmarshal([]byte(line), &rec))
			if rec.Type == "Point" {
				points++
				require.Equal(t, id, rec.Data.Tags["instance_id"], "instance %d: %s", i, line)
			}
		}
		assert.Positive(t, points)

		data, err = os.ReadFile(exports[i])
		require.NoError(t, err)
		var export struct {
			Metrics map[string]struct {
				Count      float64         `json:"count"`
				Thresholds map[string]bool `json:"thresholds"`
			} `json:"metrics"`
		}
		require.NoError(t, json.Unmarshal(data, &export))
		sub, ok := export.Metrics["iterations{instance_id:"+id+"}"]
		require.True(t, ok, "instance %d: no tagged sub-metric in %s", i, data)
		assert.Equal(t, export.Metrics["iterations"].Count, sub.Count, "every iteration carries the tag")
		assert.Equal(t, map[string]bool{"count>0": false}, sub.Thresholds, "instance %d: the threshold passed", i)
	}
}
