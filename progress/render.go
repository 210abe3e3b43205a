// Package progress shows a test run's live progress as k6 does: a header line
//
//	running (0m05.0s), 10/10 VUs, 123 complete and 0 interrupted iterations
//
// and one line per scenario with a bar and its executor's words:
//
//	default ✓ [======================================] 10 VUs  00m01.3s/10m0s  30/30 shared iters
//
// On a terminal it is redrawn in place a few times a second; elsewhere (a CI
// log) a plain block is written every few seconds. Render is the pure part;
// Display draws it over time.
package progress

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/minik6/minik6/runner"
	"github.com/minik6/minik6/testrun"
)

// barWidth is the number of cells between a bar's brackets, as in k6.
const barWidth = 38

// Plan is what the display knows of the test before it runs.
type Plan struct {
	// MaxDuration is the longest the test can take: the header's elapsed
	// time has its format.
	MaxDuration time.Duration
	// StartTimes are the scenarios' startTime options, by name, for the
	// countdown of those still waiting.
	StartTimes map[string]time.Duration
}

// Render returns the lines that show st: the header and one line per
// scenario. bars draws bars (a terminal); otherwise a percentage stands in
// for the bar, as in k6's output to a file.
func Render(st testrun.Status, plan Plan, bars bool) []string {
	lines := []string{fmt.Sprintf("running (%s), %s/%d VUs, %d complete and %d interrupted iterations",
		fixedLength(st.Duration, plan.MaxDuration), padded(st.VUs, st.VUsMax), st.VUsMax, st.Completed, st.Interrupted)}

	type row struct{ name, mark, bar, vus, rest string }
	rows := make([]row, 0, len(st.Scenarios))
	nameW, vusW := 0, 0
	for _, sc := range st.Scenarios {
		r := row{name: sc.Name}
		if sc.Started.IsZero() {
			r.mark, r.bar, r.vus = "•", bar(0, bars), "waiting"
			if start, ok := plan.StartTimes[sc.Name]; ok && start > st.Duration {
				r.rest = fixedLength(start-st.Duration, start)
			}
		} else {
			d := sc.Detail
			done := sc.Progress >= 1
			r.mark = " "
			switch {
			case done:
				r.mark = "✓"
			case st.Stopped || st.Status >= runner.StatusEnded:
				r.mark = "✗"
			}
			r.bar = bar(sc.Progress, bars)
			if d.MaxVUs > 0 {
				r.vus = padded(d.VUs, d.MaxVUs) + "/" + strconv.FormatInt(d.MaxVUs, 10) + " VUs"
			} else {
				r.vus = strconv.FormatInt(d.VUs, 10) + " VUs"
			}
			r.rest = words(sc.Executor, d, done)
		}
		nameW = max(nameW, len(r.name))
		vusW = max(vusW, len(r.vus))
		rows = append(rows, r)
	}
	for _, r := range rows {
		line := fmt.Sprintf("%-*s %s %s %-*s", nameW, r.name, r.mark, r.bar, vusW, r.vus)
		if r.rest != "" {
			line += "  " + r.rest
		}
		lines = append(lines, strings.TrimRight(line, " "))
	}
	return lines
}

// words is the right-hand part of a started scenario's line: its time and,
// by executor, its iterations or its rate.
func words(executor string, d runner.ScenarioProgress, done bool) string {
	clock := fixedLength(min(d.Elapsed, d.Duration), d.Duration) + "/" + shortDuration(d.Duration)
	switch executor {
	case "shared-iterations":
		return fmt.Sprintf("%s  %d/%d shared iters", clock, d.Done, d.Total)
	case "per-vu-iterations":
		return fmt.Sprintf("%s  %d/%d iters, %d per VU", clock, d.Done, d.Total, d.PerVU)
	case "constant-arrival-rate", "ramping-arrival-rate":
		if done {
			return clock
		}
		return fmt.Sprintf("%s  %.2f iters/s", clock, d.Rate)
	}
	if done {
		return shortDuration(d.Duration)
	}
	return clock
}

// bar draws progress p in [0, 1]: "[=====>-----]" on a terminal, "[  42% ]"
// otherwise.
func bar(p float64, bars bool) string {
	p = math.Max(0, math.Min(1, p))
	if !bars {
		return fmt.Sprintf("[ %3d%% ]", int(p*100))
	}
	filled := int(p * barWidth)
	if filled >= barWidth {
		return "[" + strings.Repeat("=", barWidth) + "]"
	}
	return "[" + strings.Repeat("=", filled) + ">" + strings.Repeat("-", barWidth-filled-1) + "]"
}

// padded writes n with leading zeros to the width of limit, as k6 writes
// "05/10 VUs".
func padded(n, limit int64) string {
	return fmt.Sprintf("%0*d", len(strconv.FormatInt(limit, 10)), n)
}

// fixedLength formats d in the units of total, so that the text keeps its
// width as d grows: "05.0s" of 30s, "00m48.7s" of 10m0s, "0h04m02.2s" of 1h.
func fixedLength(d, total time.Duration) string {
	d = max(d, 0)
	tenths := int64(d / (100 * time.Millisecond))
	sec, tenth := tenths/10%60, tenths%10
	mins, hours := tenths/600%60, tenths/36000
	switch {
	case total >= time.Hour:
		hw := len(strconv.FormatInt(int64(total/time.Hour), 10))
		return fmt.Sprintf("%0*dh%02dm%02d.%ds", hw, hours, mins, sec, tenth)
	case total >= time.Minute:
		mw := len(strconv.FormatInt(int64(total/time.Minute), 10))
		return fmt.Sprintf("%0*dm%02d.%ds", mw, tenths/600, sec, tenth)
	}
	return fmt.Sprintf("%02d.%ds", tenths/10, tenth)
}

// shortDuration writes a duration as k6 writes a scenario's: "30s", "10m0s",
// "1h0m0s", "1.5s".
func shortDuration(d time.Duration) string { return d.Round(time.Millisecond).String() }
