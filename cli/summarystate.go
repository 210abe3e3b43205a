package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/options"
)

// writeSummaryState writes the run's end-of-test state, which `minik6 summary
// merge` merges with other instances' (--summary-state, K6_SUMMARY_STATE).
// The file is written whole or not at all: a partial state would merge wrong.
func writeSummaryState(e *metrics.Engine, path string, o options.Options, setupData []byte) error {
	about := metrics.State{
		Producer:          "minik6 v" + version,
		Tags:              o.Tags,
		SummaryTrendStats: o.GetSummaryTrendStats(),
		SummaryTimeUnit:   o.SummaryTimeUnit.String,
	}
	if o.ExecutionSegment != nil {
		about.ExecutionSegment = o.ExecutionSegment.String()
	}
	if json.Valid(setupData) {
		about.SetupData = setupData
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".summary-state-*")
	if err != nil {
		return fmt.Errorf("--summary-state: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	if err := e.WriteState(tmp, about); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("--summary-state: %w", err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("--summary-state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("--summary-state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("--summary-state: %w", err)
	}
	return nil
}

// readSummaryStates reads state files; the error names the file.
func readSummaryStates(paths []string) ([]*metrics.State, error) {
	states := make([]*metrics.State, 0, len(paths))
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		s, err := metrics.ReadState(f)
		_ = f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		states = append(states, s)
	}
	return states, nil
}
