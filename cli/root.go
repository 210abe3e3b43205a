// Package cli is minik6's command line (cobra): `run`, `version`. It parses
// flags, wires the parts together and maps the outcome to k6's exit codes.
package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/minik6/minik6/exitcode"

	// The built-in JavaScript modules register themselves.
	_ "github.com/minik6/minik6/js/modules/browser"
	_ "github.com/minik6/minik6/js/modules/crypto"
	_ "github.com/minik6/minik6/js/modules/data"
	_ "github.com/minik6/minik6/js/modules/encoding"
	_ "github.com/minik6/minik6/js/modules/execution"
	_ "github.com/minik6/minik6/js/modules/experimental/csv"
	_ "github.com/minik6/minik6/js/modules/experimental/fs"
	_ "github.com/minik6/minik6/js/modules/experimental/streams"
	_ "github.com/minik6/minik6/js/modules/grpc"
	_ "github.com/minik6/minik6/js/modules/html"
	_ "github.com/minik6/minik6/js/modules/http"
	_ "github.com/minik6/minik6/js/modules/k6"
	_ "github.com/minik6/minik6/js/modules/metrics"
	_ "github.com/minik6/minik6/js/modules/secrets"
	_ "github.com/minik6/minik6/js/modules/textencoding"
	_ "github.com/minik6/minik6/js/modules/timers"
	_ "github.com/minik6/minik6/js/modules/webcrypto"
	_ "github.com/minik6/minik6/js/modules/websockets"
	_ "github.com/minik6/minik6/js/modules/ws"

	// So do the outputs.
	_ "github.com/minik6/minik6/output/cloud"
	_ "github.com/minik6/minik6/output/collector"
	_ "github.com/minik6/minik6/output/csv"
	_ "github.com/minik6/minik6/output/dashboard"
	_ "github.com/minik6/minik6/output/json"
)

// version is minik6's version, set at build time with -ldflags.
var version = "0.1.0-dev"

// Execute runs minik6's command line with the process's arguments, environment
// and standard streams, and returns the exit code. A custom binary that adds
// JavaScript modules imports them for their registration and calls Execute from
// its main function.
func Execute() int {
	return Run(os.Args[1:], environ(), os.Stdout, os.Stderr)
}

// Run runs the command line args and returns the process exit code. A Go panic
// (a bug) ends with exit code 109 and one message, not a crash.
func Run(args []string, env map[string]string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(stderr, "error: a Go panic stopped minik6 (a bug; please report it): %v\n", p)
			code = int(exitcode.GoPanic)
		}
	}()
	root := &cobra.Command{
		Use:           "minik6",
		Short:         "a k6-compatible load-testing runner",
		Long:          "minik6 runs k6 test scripts: same scripts, same answers, less CPU and memory.",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       fullVersion(),
	}
	root.SetVersionTemplate("{{.Name}} {{.Version}}\n") // minik6 --version, as k6 --version
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetArgs(args)
	root.AddCommand(newRunCommand(env, stdout, stderr), newArchiveCommand(env, stderr), newCloudCommand(env, stdout, stderr),
		newInspectCommand(env, stdout, stderr), newNewCommand(stdout), newSummaryCommand(env, stdout, stderr),
		newCollectCommand(env, stdout, stderr), newReportCommand(stderr), newVersionCommand(stdout))
	err := root.Execute()
	if err == nil {
		return 0
	}
	var already *reportedError
	if !errors.As(err, &already) {
		fmt.Fprintf(stderr, "error: %v\n", err)
	}
	// A usage error (an unknown flag, a flag value of the wrong type) carries no
	// code and ends with 255, as in k6.
	return int(exitcode.Of(err))
}

// environ returns the process environment as a map.
func environ() map[string]string {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}

// reportedError is an error whose message was already logged.
type reportedError struct{ err error }

func (e *reportedError) Error() string { return e.err.Error() }
func (e *reportedError) Unwrap() error { return e.err }

// fullVersion is the version as k6 prints its own: "v0.1.0 (go1.26.8,
// linux/amd64)".
func fullVersion() string {
	return fmt.Sprintf("v%s (%s, %s/%s)", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func newVersionCommand(stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "print minik6's version",
		Args:  cobra.NoArgs,
		Run: func(*cobra.Command, []string) {
			fmt.Fprintf(stdout, "minik6 %s\n", fullVersion())
		},
	}
}
