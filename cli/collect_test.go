package cli_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/minik6test"
)

// background is a minik6 command running in the background.
type background struct {
	cmd            *exec.Cmd
	stdout, stderr strings.Builder
	done           chan struct{}
}

func startCommand(t *testing.T, env map[string]string, args ...string) *background {
	t.Helper()
	b := &background{done: make(chan struct{})}
	b.cmd = exec.Command(minik6test.Binary(t), args...)
	b.cmd.Env = minik6test.Environ(env)
	b.cmd.Stdout, b.cmd.Stderr = &b.stdout, &b.stderr
	require.NoError(t, b.cmd.Start())
	go func() { _ = b.cmd.Wait(); close(b.done) }()
	t.Cleanup(func() {
		select {
		case <-b.done:
		default:
			_ = b.cmd.Process.Kill()
			<-b.done
		}
	})
	return b
}

func (b *background) exitCode(t *testing.T) int {
	t.Helper()
	select {
	case <-b.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("%v did not end within 60s: %s", b.cmd.Args, &b.stderr)
	}
	return b.cmd.ProcessState.ExitCode()
}

// TestCollectorAbortsEveryInstance: a threshold with abortOnFail that no
// instance crosses alone, crossed over the union, stops every runner — the
// one with a REST API through it, the one without at its next push — and
// each ends with exit code 99, as does the collector after its summary.
func TestCollectorAbortsEveryInstance(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := filepath.Join(dir, "test.js")
	require.NoError(t, os.WriteFile(script, []byte(`
import { sleep } from 'k6';
import { Counter } from 'k6/metrics';
const bad = new Counter('bad');
export const options = {
  scenarios: { s: { executor: 'constant-vus', vus: 2, duration: '30s' } },
  thresholds: { bad: [{ threshold: 'count<12', abortOnFail: true }] },
};
export default function () { bad.add(1); sleep(0.1); }
`), 0o600))
	addr := freeAddr(t)
	col := startCommand(t, nil, "collect", "--listen", addr, "--instances", "2", "--interval", "200ms")
	env := map[string]string{"K6_COLLECTOR_PUSH_INTERVAL": "100ms"}
	out := "collector=http://" + addr
	waitListening(t, addr)
	start := time.Now()
	withAPI := startCommand(t, env, "run", "-q", "--no-summary", "--execution-segment", "0:1/2", "--tag", "instance_id=a",
		"--address", freeAddr(t), "--out", out, script)
	withoutAPI := startCommand(t, env, "run", "-q", "--no-summary", "--execution-segment", "1/2:1", "--tag", "instance_id=b",
		"--out", out, script)
	assert.Equal(t, 99, withAPI.exitCode(t), withAPI.stderr.String())
	assert.Equal(t, 99, withoutAPI.exitCode(t), withoutAPI.stderr.String())
	assert.Less(t, time.Since(start), 15*time.Second, "stopped long before the 30s the test would run")
	assert.Contains(t, withAPI.stderr.String(), "crossed over all instances")
	assert.Equal(t, 1, strings.Count(withAPI.stderr.String(), "crossed over all instances"), "said once")
	assert.Equal(t, 99, col.exitCode(t), col.stderr.String())
	assert.Contains(t, col.stdout.String(), "collector: 2 instances")
	assert.Contains(t, col.stdout.String(), "ABORTED")
	assert.Contains(t, col.stdout.String(), "✗ 'count<12'")
}

// TestCollectorMergesFinalStates: without an abort, the collector ends when
// every instance has finished and prints the summary of all of them.
func TestCollectorMergesFinalStates(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := filepath.Join(dir, "test.js")
	require.NoError(t, os.WriteFile(script, []byte(`
export const options = { iterations: 90, vus: 3, thresholds: { iterations: ['count==90'] } };
export default function () {}
`), 0o600))
	addr := freeAddr(t)
	export := filepath.Join(dir, "export.json")
	col := startCommand(t, nil, "collect", "--listen", addr, "--instances", "3", "--interval", "100ms", "--summary-export", export)
	waitListening(t, addr)
	var runs []*background
	for i := range 3 {
		runs = append(runs, startCommand(t, nil, "run", "-q", "--no-summary",
			"--execution-segment", fmt.Sprintf("%d/3:%d/3", i, i+1), "--out", "collector=http://"+addr, script))
	}
	for _, r := range runs {
		assert.Equal(t, 99, r.exitCode(t), "alone, an instance runs 30 of the 90 iterations: %s", &r.stderr)
	}
	assert.Equal(t, 0, col.exitCode(t), col.stderr.String())
	assert.Contains(t, col.stdout.String(), "✓ 'count==90'")
	assert.Contains(t, col.stderr.String(), "segment 0:1/3")
	assert.Equal(t, float64(90), readJSON(t, export)["metrics"].(map[string]any)["iterations"].(map[string]any)["count"])
}

// TestCollectorUnreachable: a runner whose collector does not answer does not
// start, and says why.
func TestCollectorUnreachable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := filepath.Join(dir, "test.js")
	require.NoError(t, os.WriteFile(script, []byte(`export default function () {}`), 0o600))
	code, _, stderr := command(t, dir, nil, "run", "-q", "--out", "collector=http://"+freeAddr(t), script)
	assert.Equal(t, 104, code)
	assert.Contains(t, stderr, "collector: ")
	code, _, stderr = command(t, dir, nil, "run", "-q", "--out", "collector=ftp://x", script)
	assert.Equal(t, 104, code)
	assert.Contains(t, stderr, "want the collector's URL")
	code, _, stderr = commandEnv(t, dir, map[string]string{"K6_COLLECTOR_PUSH_INTERVAL": "often"}, "run", "-q", "--out", "collector=http://127.0.0.1:1", script)
	assert.Equal(t, 104, code)
	assert.Contains(t, stderr, "K6_COLLECTOR_PUSH_INTERVAL")
}

// waitListening waits until something accepts connections at addr.
func waitListening(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nothing listens at %s", addr)
}
