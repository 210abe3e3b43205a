package cli

import (
	"io"
	"os"
	"time"

	"golang.org/x/term"

	"github.com/minik6/minik6/progress"
	"github.com/minik6/minik6/runner"
	"github.com/minik6/minik6/testrun"
)

// startProgress starts the live progress display on w (stderr): redrawn in
// place with bars on a terminal, a plain block every few seconds otherwise.
func startProgress(w io.Writer, run *testrun.Run, overview runner.Overview) *progress.Display {
	plan := progress.Plan{MaxDuration: overview.MaxDuration, StartTimes: map[string]time.Duration{}}
	for _, sc := range overview.Scenarios {
		plan.StartTimes[sc.Name] = sc.StartTime
	}
	cfg := progress.Config{Out: w, Terminal: isTerminal(w), Status: run.Status, Plan: plan}
	if f, ok := w.(*os.File); ok && cfg.Terminal {
		cfg.Width = func() int {
			width, _, err := term.GetSize(int(f.Fd()))
			if err != nil {
				return 0
			}
			return width
		}
	}
	return progress.Start(cfg)
}
