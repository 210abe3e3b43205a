package cli

import (
	"context"
	"encoding/json"
	"errors"
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
// exports it, the text summary otherwise. As in k6, a handleSummary that throws,
// returns something else than an object, or names a file that cannot be written
// is logged as "failed to handle the end-of-test summary", and the outputs that
// can be written still are.
func (s *summaryRun) report() {
	if s.hasHandle {
		if err := s.handleSummary(); err != nil {
			s.logger.WithError(err).Error("failed to handle the end-of-test summary")
		}
		return
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
		return fmt.Errorf("error while generating the summary: %w", err)
	}
	return writeSummaryOutputs(out, s.stdout, s.stderr)
}

// writeSummaryOutputs writes each of handleSummary's outputs, in the order of
// their names, and reports every one that failed in one error, as k6 does.
func writeSummaryOutputs(out map[string][]byte, stdout, stderr io.Writer) error {
	names := make([]string, 0, len(out))
	for name := range out {
		names = append(names, name)
	}
	sort.Strings(names)
	var errs []error
	for _, name := range names {
		content := out[name]
		var w io.Writer
		switch name {
		case "stdout":
			w = stdout
		case "stderr":
			w = stderr
		}
		if w != nil {
			if _, err := w.Write(content); err != nil {
				errs = append(errs, fmt.Errorf("error saving summary to '%s': %w", name, err))
			}
			continue
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			errs = append(errs, fmt.Errorf("could not open '%s': %w", name, err))
			continue
		}
		_, err = f.Write(content)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("error saving summary to '%s': %w", name, err))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	msg := "Could not save some summary information:"
	for _, err := range errs {
		msg += "\n\t- " + err.Error()
	}
	return errors.New(msg)
}
