package minik6test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// DefaultTimeout is how long Run lets the binary run when RunOptions.Timeout is
// zero.
const DefaultTimeout = 60 * time.Second

// RunOptions say what Run runs and how.
type RunOptions struct {
	// Script is the path of the script to run, relative to Dir (or the test's
	// working directory). Exactly one of Script and Source is set.
	Script string
	// Source is a script's text; Run writes it to a temporary file and runs that.
	Source string
	// Flags are extra flags of `run`, placed before the script.
	Flags []string
	// Env is added to the binary's environment (which has no K6_* variables of the
	// test process), and so reaches the script as __ENV.
	Env map[string]string
	// Dir is the binary's working directory; empty means the test's.
	Dir string
	// Timeout bounds the run; zero means DefaultTimeout. A run that takes longer
	// is killed and fails the test.
	Timeout time.Duration
	// Binary is the minik6 binary to run; empty means Binary(t).
	Binary string
	// Summary keeps the end-of-test summary (and handleSummary): Run then does not
	// pass --no-summary.
	Summary bool
}

// Result is what a user of the binary saw.
type Result struct {
	// ExitCode is the process's exit code.
	ExitCode int
	// Console holds the messages the script's console wrote (the
	// --console-output file), one per line, without logrus' time and level.
	Console []string
	// Stdout and Stderr are the process's standard streams.
	Stdout, Stderr string
}

// Run runs `minik6 run --quiet --no-summary --console-output=FILE FLAGS… SCRIPT`
// and returns its outcome. A binary that cannot start or outlives the timeout
// fails t; any exit code is a Result, for the test to judge.
func Run(t testing.TB, opts RunOptions) Result {
	t.Helper()
	if (opts.Script == "") == (opts.Source == "") {
		t.Fatal("minik6test.Run: set exactly one of RunOptions.Script and RunOptions.Source")
	}
	bin := opts.Binary
	if bin == "" {
		bin = Binary(t)
	}
	tmp := t.TempDir()
	script := opts.Script
	if opts.Source != "" {
		script = filepath.Join(tmp, "script.js")
		if err := os.WriteFile(script, []byte(opts.Source), 0o600); err != nil {
			t.Fatalf("minik6test.Run: writing the script: %v", err)
		}
	}
	consoleFile := filepath.Join(tmp, "console.log")

	args := []string{"run", "--quiet", "--console-output=" + consoleFile}
	if !opts.Summary {
		args = append(args, "--no-summary")
	}
	args = append(args, opts.Flags...)
	args = append(args, script)

	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = opts.Dir
	cmd.Env = Environ(opts.Env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()

	res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	if ctx.Err() != nil {
		t.Fatalf("minik6test.Run: %s did not finish within %s\nstdout:\n%s\nstderr:\n%s",
			strings.Join(args, " "), timeout, res.Stdout, res.Stderr)
	}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		res.ExitCode = exitErr.ExitCode()
	default:
		t.Fatalf("minik6test.Run: running %s: %v", bin, err)
	}
	if data, err := os.ReadFile(consoleFile); err == nil {
		res.Console = ConsoleMessages(string(data))
	} else if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("minik6test.Run: reading the console output: %v", err)
	}
	return res
}

// Environ is the test process's environment without K6_* variables, with
// extra on top: what Run gives the binary.
func Environ(extra map[string]string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "K6_") {
			continue
		}
		if k, _, _ := strings.Cut(kv, "="); extra != nil {
			if _, override := extra[k]; override {
				continue
			}
		}
		env = append(env, kv)
	}
	for k, v := range extra {
		env = append(env, k+"="+v)
	}
	return env
}

// logrusText matches a logrus text line up to its msg value.
var logrusText = regexp.MustCompile(`^time="[^"]*"\s+level=\w+\s+msg=`)

// ConsoleMessages returns the message of each line of console output: the
// msg value of logrus text lines (Go-unquoted when quoted), the "msg" of JSON
// lines, and other non-empty lines as they are.
func ConsoleMessages(output string) []string {
	var msgs []string
	sc := bufio.NewScanner(strings.NewReader(output))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		msgs = append(msgs, lineMessage(line))
	}
	return msgs
}

// lineMessage is the message of one console line.
func lineMessage(line string) string {
	if loc := logrusText.FindStringIndex(line); loc != nil {
		rest := line[loc[1]:]
		if strings.HasPrefix(rest, `"`) {
			if quoted, err := strconv.QuotedPrefix(rest); err == nil {
				if s, err := strconv.Unquote(quoted); err == nil {
					return s
				}
			}
			return rest
		}
		msg, _, _ := strings.Cut(rest, " ")
		return msg
	}
	if strings.HasPrefix(line, "{") {
		var obj struct {
			Msg *string `json:"msg"`
		}
		if json.Unmarshal([]byte(line), &obj) == nil && obj.Msg != nil {
			return *obj.Msg
		}
	}
	return line
}
