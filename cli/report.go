package cli

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/report"
)

// reportFlags are `report`'s flags.
type reportFlags struct {
	out, compare string
	period       time.Duration
}

// newReportCommand is `minik6 report`: the HTML report of a run from its
// --out json file or its --summary-state, alone or against a base run.
func newReportCommand(stderr io.Writer) *cobra.Command {
	var rf reportFlags
	cmd := &cobra.Command{
		Use:   "report [flags] RUN",
		Short: "write the HTML report of a run from its --out json file or its --summary-state",
		Long: `Write one self-contained HTML file (inline CSS and SVG charts: it opens offline
and prints on A4) with the run's numbers, thresholds, checks and, from a
--out json file (.gz too), charts over time. With --compare BASE, the two runs
side by side and the differences of the key numbers highlighted.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, fail := commandLogger(stderr, "", false)
			if err := writeReport(args[0], &rf); err != nil {
				return fail(exitcode.Wrap(exitcode.GenericEngineError, err))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&rf.out, "output", "o", "report.html", "the HTML file to write")
	f.StringVar(&rf.compare, "compare", "", "a base run (--out json file or summary state) to compare RUN with")
	f.DurationVar(&rf.period, "period", 0, "the charts' period for a --out json file (default: a whole number of seconds giving at most 120 points)")
	return cmd
}

func writeReport(path string, rf *reportFlags) error {
	run, err := readRun(path, rf.period)
	if err != nil {
		return err
	}
	var base *report.Run
	if rf.compare != "" {
		b, err := readRun(rf.compare, rf.period)
		if err != nil {
			return err
		}
		base = &b
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, run, base); err != nil {
		return err
	}
	return os.WriteFile(rf.out, buf.Bytes(), 0o644)
}

// readRun reads a run from a summary state or a --out json file.
func readRun(path string, period time.Duration) (report.Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return report.Run{}, err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	title := filepath.Base(path)
	head, _ := br.Peek(64)
	if bytes.Contains(head, []byte(`"format":"`+metrics.StateFormat+`"`)) {
		s, err := metrics.ReadState(br)
		if err != nil {
			return report.Run{}, fmt.Errorf("%s: %w", path, err)
		}
		run, err := report.FromState(s, title)
		if err != nil {
			return report.Run{}, fmt.Errorf("%s: %w", path, err)
		}
		return run, nil
	}
	run, err := report.FromJSON(br, title, period)
	if err != nil {
		return report.Run{}, fmt.Errorf("%s: %w", path, err)
	}
	return run, nil
}
