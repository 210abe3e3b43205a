package cli

import (
	"fmt"
	"os"

	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/options"
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
