package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/sirupsen/logrus"
)

// logOutput is where --log-output (K6_LOG_OUTPUT) sends the logs, as k6
// names them: "stderr" (the default), "stdout", "none", or
// "file=PATH[,level=LEVEL]", which appends to PATH and, with level, logs
// that level and the more severe ones. k6's "loki" is refused: minik6 sends
// no logs to Loki.
type logOutput struct {
	w     io.Writer
	level *logrus.Level // nil: the logger's own
	close func() error
}

func openLogOutput(spec string, stdout, stderr io.Writer) (logOutput, error) {
	noClose := func() error { return nil }
	switch {
	case spec == "" || spec == "stderr":
		return logOutput{w: stderr, close: noClose}, nil
	case spec == "stdout":
		return logOutput{w: stdout, close: noClose}, nil
	case spec == "none":
		return logOutput{w: io.Discard, close: noClose}, nil
	case strings.HasPrefix(spec, "loki"):
		return logOutput{}, fmt.Errorf("unsupported log output '%s': minik6 does not send logs to Loki; use stderr, stdout, none or file=PATH", spec)
	case strings.HasPrefix(spec, "file"):
		return openLogFile(spec)
	}
	return logOutput{}, fmt.Errorf("unsupported log output '%s'", spec)
}

// openLogFile opens the file of a "file=PATH[,level=LEVEL]" log output.
func openLogFile(spec string) (logOutput, error) {
	var out logOutput
	path := ""
	for _, kv := range strings.Split(spec, ",") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "file":
			if v == "" {
				return out, errors.New("log output file: filepath must not be empty")
			}
			path = v
		case "level":
			lvl, err := logrus.ParseLevel(v)
			if err != nil {
				return out, fmt.Errorf("log output file: level %q: want debug, info, warning or error", v)
			}
			out.level = &lvl
		default:
			return out, fmt.Errorf("unknown logfile config key %s", k)
		}
	}
	if path == "" {
		return out, fmt.Errorf("logfile configuration should be in the form `file=path-to-local-file` but is `%s`", spec)
	}
	if _, err := os.Stat(filepath.Dir(path)); errors.Is(err, os.ErrNotExist) {
		return out, fmt.Errorf("provided directory '%s' does not exist", filepath.Dir(path))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return out, fmt.Errorf("failed to open logfile %s: %w", path, err)
	}
	out.w, out.close = f, f.Close
	return out, nil
}
