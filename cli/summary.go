package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/runner"
)

// summaryOptions are the summary settings the options ask for.
func summaryOptions(o options.Options, mode string) metrics.SummaryOptions {
	so := metrics.SummaryOptions{TrendStats: o.GetSummaryTrendStats(), TimeUnit: o.SummaryTimeUnit.String}
	if mode == "full" {
		so.Mode = metrics.SummaryFull
	}
	return so
}

// writeSummaryExport writes k6's --summary-export JSON to path.
func writeSummaryExport(e *metrics.Engine, path string, o options.Options) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--summary-export: %w", err)
	}
	if err := e.WriteSummaryExport(f, summaryOptions(o, "")); err != nil {
		_ = f.Close()
		return fmt.Errorf("--summary-export: %w", err)
	}
	return f.Close()
}

// summaryRun is what the end-of-test summary needs to know about the run.
type summaryRun struct {
	engine    *metrics.Engine
	runner    *runner.Runner
	opts      options.Options
	mode      string
	setupData []byte
	duration  time.Duration
	hasHandle bool
	stdoutTTY bool
	stderrTTY bool
	noColor   bool
	logger    logrus.FieldLogger
	stdout    io.Writer
	stderr    io.Writer
}

// report prints the end-of-test summary: handleSummary()'s outputs when the script
// exports it (the default text summary when it throws), the text summary otherwise.
func (s *summaryRun) report() {
	if s.hasHandle {
		err := s.handleSummary()
		if err == nil {
			return
		}
		s.logger.WithField("hint", "script exception").Errorf("handleSummary() failed: %v", err)
	}
	so := summaryOptions(s.opts, s.mode)
	so.Color = s.stdoutTTY && !s.noColor
	if err := s.engine.WriteTextSummary(s.stdout, so); err != nil {
		s.logger.WithError(err).Error("could not write the summary")
	}
}

// handleSummary calls the script's handleSummary(data) and writes what it returns:
// "stdout" and "stderr" to those streams, any other key to the file it names.
func (s *summaryRun) handleSummary() error {
	sum, err := s.engine.Summary(summaryOptions(s.opts, s.mode))
	if err != nil {
		return err
	}
	data := sum.HandleSummaryData()
	data["options"] = map[string]any{
		"summaryTrendStats": s.opts.GetSummaryTrendStats(),
		"summaryTimeUnit":   s.opts.SummaryTimeUnit.String,
		"noColor":           s.noColor,
	}
	data["state"] = map[string]any{
		"isStdOutTTY":       s.stdoutTTY,
		"isStdErrTTY":       s.stderrTTY,
		"testRunDurationMs": float64(s.duration) / float64(time.Millisecond),
	}
	if s.setupData != nil {
		data["setup_data"] = json.RawMessage(s.setupData)
	}
	arg, err := json.Marshal(data)
	if err != nil {
		return err
	}
	out, err := s.runner.HandleSummary(context.Background(), arg)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(out))
	for name := range out {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		content := out[name]
		switch name {
		case "stdout":
			_, err = s.stdout.Write(content)
		case "stderr":
			_, err = s.stderr.Write(content)
		default:
			err = os.WriteFile(name, content, 0o644)
		}
		if err != nil {
			return fmt.Errorf("writing the summary to %s: %w", name, err)
		}
	}
	return nil
}
