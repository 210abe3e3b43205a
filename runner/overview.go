package runner

import (
	"fmt"
	"strings"
	"time"

	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/segment"
)

// Overview is what a run is about to do, as the banner before a test shows it.
type Overview struct {
	// MaxVUs is the most VUs the scenarios need at once.
	MaxVUs int64
	// MaxDuration is the longest the run can take, graceful stops included.
	MaxDuration time.Duration
	// Scenarios describe each scenario in k6's words, in start order.
	Scenarios []ScenarioOverview
}

// ScenarioOverview is one scenario of an Overview.
type ScenarioOverview struct {
	// Name is the scenario's name.
	Name string
	// Description says what its executor will do, e.g. "50 looping VUs for 10s
	// (gracefulStop: 30s)".
	Description string
	// StartTime is when it starts, from the start of the test (startTime).
	StartTime time.Duration
}

// Overview describes the run, scaled to this instance's segment.
func (r *Runner) Overview() Overview {
	o := Overview{MaxVUs: r.plannedVUs()}
	for _, sr := range r.scenarios {
		end := sr.cfg.GetStartTime() + sr.ex.maxDuration() + sr.cfg.GetGracefulStop()
		if end > o.MaxDuration {
			o.MaxDuration = end
		}
		o.Scenarios = append(o.Scenarios, ScenarioOverview{
			Name: sr.state.Name, Description: describe(sr.cfg, r.tuple), StartTime: sr.cfg.GetStartTime(),
		})
	}
	return o
}

// describe says what a scenario's executor will do, in k6's words.
func describe(sc options.Scenario, t *segment.Tuple) string {
	var what string
	var extra []string
	switch c := sc.(type) {
	case options.SharedIterationsConfig:
		what = fmt.Sprintf("%d iterations shared among %d VUs", t.Scale(c.GetIterations()), t.Scale(c.GetVUs()))
		extra = append(extra, "maxDuration: "+c.GetMaxDuration().String())
	case options.PerVUIterationsConfig:
		what = fmt.Sprintf("%d iterations for each of %d VUs", c.GetIterations(), t.Scale(c.GetVUs()))
		extra = append(extra, "maxDuration: "+c.GetMaxDuration().String())
	case options.ConstantVUsConfig:
		what = fmt.Sprintf("%d looping VUs for %s", t.Scale(c.GetVUs()), c.GetDuration())
	case options.RampingVUsConfig:
		e := newRampingVUs(c, t)
		what = fmt.Sprintf("Up to %d looping VUs for %s over %d stages", e.maxVUs, e.total, len(c.Stages))
		extra = append(extra, "gracefulRampDown: "+c.GetGracefulRampDown().String())
	case options.ConstantArrivalRateConfig:
		rate := t.ScaleRate(c.GetRate(), c.GetTimeUnit())
		what = fmt.Sprintf("%.2f iterations/s for %s", rate, c.GetDuration())
		extra = append(extra, "maxVUs: "+vuRange(t.Scale(c.GetPreAllocatedVUs()), t.Scale(c.GetMaxVUs())))
	case options.RampingArrivalRateConfig:
		var peak int64 = c.GetStartRate()
		for _, s := range c.Stages {
			peak = max(peak, s.Target.Int64)
		}
		what = fmt.Sprintf("Up to %.2f iterations/s for %s over %d stages", t.ScaleRate(peak, c.GetTimeUnit()),
			stagesDuration(c.Stages), len(c.Stages))
		extra = append(extra, "maxVUs: "+vuRange(t.Scale(c.GetPreAllocatedVUs()), t.Scale(c.GetMaxVUs())))
	default:
		what = sc.Type()
	}
	if fn := sc.GetExec(); fn != "default" {
		extra = append(extra, "exec: "+fn)
	}
	if st := sc.GetStartTime(); st > 0 {
		extra = append(extra, "startTime: "+st.String())
	}
	extra = append(extra, "gracefulStop: "+sc.GetGracefulStop().String())
	return what + " (" + strings.Join(extra, ", ") + ")"
}

func vuRange(pre, maxVUs int64) string {
	if maxVUs <= pre {
		return fmt.Sprint(pre)
	}
	return fmt.Sprintf("%d-%d", pre, maxVUs)
}

func stagesDuration(stages []options.Stage) time.Duration {
	var d time.Duration
	for _, s := range stages {
		d += s.Duration.ValueOr(0)
	}
	return d
}
