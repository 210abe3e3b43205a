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
	progress  atomic.Pointer[func() float64] // set by the executor when it starts

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

// nextIteration hands out the next iteration number of this scenario in this
// instance and its test-wide number.
func (s *ScenarioState) nextIteration() (inInstance, inTest int64) {
	n := s.nextIter.Add(1) - 1
	return n, s.tuple.GlobalIndex(n)
}

func (s *ScenarioState) markStarted(now time.Time) { s.startedMs.Store(now.UnixMilli()) }

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
