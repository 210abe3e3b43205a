package cli_test

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/creack/pty"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/minik6test"
)

const progressScript = `import { sleep } from 'k6';
export const options = { scenarios: {
  shared: { executor: 'shared-iterations', vus: 2, iterations: 16 },
  rate: { executor: 'constant-arrival-rate', rate: 10, timeUnit: '1s', duration: '1500ms', preAllocatedVUs: 2 },
} };
export default function () { if (__ITER === 3 && __VU === 1) console.log('a log line'); sleep(0.1); }
`

// TestProgressOnATerminal runs minik6 with stderr on a pseudo-terminal and
// replays what it wrote as a terminal would: the progress was redrawn in
// place (one block on the screen at the end, not one per redraw), its final
// state stays, and a log line printed meanwhile sits above it.
func TestProgressOnATerminal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := filepath.Join(dir, "script.js")
	require.NoError(t, os.WriteFile(script, []byte(progressScript), 0o600))
	ptmx, tty, err := pty.Open()
	require.NoError(t, err)
	defer ptmx.Close()
	require.NoError(t, pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 160}))
	cmd := exec.Command(minik6test.Binary(t), "run", script)
	cmd.Env = minik6test.Environ(nil)
	cmd.Stdout, cmd.Stderr = io.Discard, tty
	require.NoError(t, cmd.Start())
	_ = tty.Close()
	var raw bytes.Buffer
	_, _ = io.Copy(&raw, ptmx) // until the process closes its end
	require.NoError(t, cmd.Wait(), raw.String())

	screen := replay(raw.String())
	text := strings.Join(screen, "\n")
	assert.Greater(t, strings.Count(raw.String(), "\x1b[1A"), 3, "redrawn in place")
	assert.Equal(t, 1, strings.Count(text, "running ("), "one block on the screen:\n%s", text)
	assert.Regexp(t, `running \(\d\dm\d\d\.\ds\), 0/4 VUs, \d+ complete and 0 interrupted iterations`, text)
	assert.Contains(t, text, "shared ✓ [======================================] 2 VUs    ")
	assert.Regexp(t, `shared ✓ .* 2 VUs +00m0\d\.\ds/10m0s  16/16 shared iters`, text)
	assert.Regexp(t, `rate   ✓ \[=+\] 0/2 VUs  01\.5s/1\.5s`, text)
	logAt, headerAt := -1, -1
	for i, l := range screen {
		if strings.Contains(l, "a log line") {
			logAt = i
		}
		if strings.HasPrefix(l, "running (") {
			headerAt = i
		}
	}
	assert.True(t, logAt >= 0 && logAt < headerAt, "the log line is above the progress:\n%s", text)
}

// TestProgressWithoutATerminal: to a file or a pipe, the progress is a plain
// block without escape codes or bars, the final one included; --quiet has
// none.
func TestProgressWithoutATerminal(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	script := filepath.Join(dir, "script.js")
	require.NoError(t, os.WriteFile(script, []byte(progressScript), 0o600))
	code, _, stderr := command(t, dir, nil, "run", script)
	require.Equal(t, 0, code, stderr)
	assert.NotContains(t, stderr, "\x1b[")
	assert.Contains(t, stderr, "shared ✓ [ 100% ] 2 VUs")
	assert.Contains(t, stderr, "16/16 shared iters")
	code, _, stderr = command(t, dir, nil, "run", "-q", script)
	require.Equal(t, 0, code, stderr)
	assert.NotContains(t, stderr, "running (")
}

var csi = regexp.MustCompile(`^\x1b\[(\d*)([A-Za-z])`)

// replay plays terminal output on a screen as a terminal would, for the
// sequences the progress uses: newlines, carriage returns, cursor up (CSI n
// A) and erase line (CSI n K).
func replay(out string) []string {
	screen := []string{""}
	row := 0
	for len(out) > 0 {
		if m := csi.FindStringSubmatch(out); m != nil {
			n, _ := strconv.Atoi(m[1])
			switch m[2] {
			case "A":
				row = max(0, row-max(n, 1))
			case "K":
				screen[row] = ""
			}
			out = out[len(m[0]):]
			continue
		}
		r, size := utf8.DecodeRuneInString(out)
		switch r {
		case '\n':
			row++
			if row == len(screen) {
				screen = append(screen, "")
			}
		case '\r':
		default:
			screen[row] += string(r)
		}
		out = out[size:]
	}
	for len(screen) > 0 && screen[len(screen)-1] == "" {
		screen = screen[:len(screen)-1]
	}
	return screen
}
