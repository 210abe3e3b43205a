package runner

import (
	"sync/atomic"
	"time"

	"github.com/minik6/minik6/segment"
)

// ScenarioState is the live state of one scenario that k6/execution reads: its name,
// executor, start time, progress and iteration counters.
type ScenarioState struct {
	// Name is the scenario's key in options.scenarios.
	Name string
	// Executor is the executor type name (shared-iterations, …).
	Executor string
	// Exec is the name of the exported function the iterations call.
	Exec string
	// Env holds the scenario's extra environment variables for __ENV.
	Env map[string]string
	// Tags holds the scenario's tags (the scenario option's tags plus "scenario").
	Tags map[string]string

	index     int
	tuple     *segment.Tuple
	startedMs atomic.Int64
	endedMs   atomic.Int64
	progress  atomic.Pointer[func() float64] // set by the executor when it starts
	detail    atomic.Pointer[func(*ScenarioProgress)]
	activeVUs atomic.Int64 // VUs bound to the scenario now

	// nextIter is written by every VU of the scenario on every iteration: it
	// sits on a cache line of its own, so the fields above, which the VUs only
	// read, are not pulled away from their cores at each write (false sharing).
	_        [64]byte
	nextIter atomic.Int64
	_        [56]byte
}

// StartTime is when the scenario started, as Unix milliseconds (0 before).
func (s *ScenarioState) StartTime() int64 { return s.startedMs.Load() }

// Progress is the scenario's progress in [0, 1].
func (s *ScenarioState) Progress() float64 {
	f := s.progress.Load()
	if f == nil {
		return 0
	}
	p := (*f)()
	switch {
	case p < 0:
		return 0
	case p > 1:
		return 1
	}
	return p
}

// ScenarioProgress is a started scenario's numbers as k6's progress bars
// show them, in its executor's terms.
type ScenarioProgress struct {
	// VUs are the scenario's VUs: its active VUs now for the executors whose
	// VUs vary, up to MaxVUs; the set number for the others (MaxVUs 0).
	VUs, MaxVUs int64
	// Elapsed is how long it has run, or ran when it has ended.
	Elapsed time.Duration
	// Duration is the scenario's planned length: its duration or stages,
	// maxDuration for the iteration-based executors.
	Duration time.Duration
	// Done of Total iterations, for shared-iterations and per-vu-iterations
	// (Total 0 for the others); PerVU is per-vu-iterations' count for each VU.
	Done, Total, PerVU int64
	// Rate is the arrival-rate executors' iterations per second now (0 for
	// the others).
	Rate float64
}

// ProgressDetail reports the scenario's numbers; ok is false before it starts.
func (s *ScenarioState) ProgressDetail() (p ScenarioProgress, ok bool) {
	f := s.detail.Load()
	if f == nil {
		return p, false
	}
	(*f)(&p)
	if p.MaxVUs > 0 {
		p.VUs = s.activeVUs.Load()
	}
	end := time.Now()
	if ms := s.endedMs.Load(); ms != 0 {
		end = time.UnixMilli(ms)
	}
	p.Elapsed = end.Sub(time.UnixMilli(s.startedMs.Load()))
	return p, true
}

// setDetail installs the executor's report of its numbers; ProgressDetail may
// call it from any goroutine.
func (s *ScenarioState) setDetail(f func(*ScenarioProgress)) { s.detail.Store(&f) }

// nextIteration hands out the next iteration number of this scenario in this
// instance and its test-wide number.
func (s *ScenarioState) nextIteration() (inInstance, inTest int64) {
	n := s.nextIter.Add(1) - 1
	return n, s.tuple.GlobalIndex(n)
}

func (s *ScenarioState) markStarted(now time.Time) { s.startedMs.Store(now.UnixMilli()) }
func (s *ScenarioState) markEnded(now time.Time)   { s.endedMs.Store(now.UnixMilli()) }

// setProgress installs the executor's measure of progress; Progress may call
// it from any goroutine.
func (s *ScenarioState) setProgress(f func() float64) { s.progress.Store(&f) }

// timeProgress returns a progress function for a scenario that lasts d from its
// start.
func timeProgress(start *time.Time, d time.Duration) func() float64 {
	return func() float64 {
		if d <= 0 {
			return 1
		}
		return float64(time.Since(*start)) / float64(d)
	}
}

// countProgress returns a progress function of done out of total.
func countProgress(done *atomic.Int64, total int64) func() float64 {
	return func() float64 {
		if total <= 0 {
			return 1
		}
		return float64(done.Load()) / float64(total)
	}
}
