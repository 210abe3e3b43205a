package runner

import (
	"sync"
	"sync/atomic"
	"time"
)

// ExecutionState is the instance-wide state of a run that scripts can read through
// k6/execution: VU counts, iteration counts and the test-run clock. Every field is
// read with one atomic load, from any goroutine.
type ExecutionState struct {
	vusActive      atomic.Int64
	vusInitialized atomic.Int64
	vusMax         atomic.Int64
	counterMu      sync.Mutex
	counters       []*IterationCounters
	startNanos     atomic.Int64 // monotonic offset from created, 0 until the run starts
	created        time.Time

	statusMu   sync.Mutex
	abortedBy  *AbortReason
	failReason []string
	onAbort    func()
}

// AbortReason records why and how a run was aborted.
type AbortReason struct {
	// Message is the reason the user or the runner gave.
	Message string
	// Cause is the error behind the abort: a script abort, a threshold, a signal.
	Cause error
}

// NewExecutionState returns a state whose clock starts at Start.
func NewExecutionState() *ExecutionState {
	return &ExecutionState{created: time.Now()}
}

// Start starts the test-run clock.
func (s *ExecutionState) Start() {
	s.startNanos.Store(int64(time.Since(s.created)) | 1)
}

// CurrentTestRunDuration is the time since Start, 0 before it.
func (s *ExecutionState) CurrentTestRunDuration() time.Duration {
	start := s.startNanos.Load()
	if start == 0 {
		return 0
	}
	return time.Since(s.created) - time.Duration(start)
}

// VUsActive is the number of VUs running an iteration loop now.
func (s *ExecutionState) VUsActive() int64 { return s.vusActive.Load() }

// VUsInitialized is the number of VUs whose init context has run.
func (s *ExecutionState) VUsInitialized() int64 { return s.vusInitialized.Load() }

// VUsMax is the most VUs this instance may hold.
func (s *ExecutionState) VUsMax() int64 { return s.vusMax.Load() }

// IterationCounters are one VU's counts of finished iterations. Each VU writes
// only its own, on a cache line of its own, so counting costs no contended
// atomic; the instance-wide totals are the sums, read rarely.
type IterationCounters struct {
	completed, interrupted atomic.Int64
	_                      [48]byte
}

// NewIterationCounters registers the counters of one more VU.
func (s *ExecutionState) NewIterationCounters() *IterationCounters {
	c := &IterationCounters{}
	s.counterMu.Lock()
	s.counters = append(s.counters, c)
	s.counterMu.Unlock()
	return c
}

func (s *ExecutionState) sum(read func(*IterationCounters) int64) int64 {
	s.counterMu.Lock()
	defer s.counterMu.Unlock()
	var n int64
	for _, c := range s.counters {
		n += read(c)
	}
	return n
}

// IterationsCompleted counts iterations that ran to their end (an exception ends an
// iteration normally).
func (s *ExecutionState) IterationsCompleted() int64 {
	return s.sum(func(c *IterationCounters) int64 { return c.completed.Load() })
}

// IterationsInterrupted counts iterations cut short by a stop or an abort.
func (s *ExecutionState) IterationsInterrupted() int64 {
	return s.sum(func(c *IterationCounters) int64 { return c.interrupted.Load() })
}

// SetOnAbort installs the function Abort calls once, to stop the run; it is
// called at once when the run was aborted before (a signal during start-up).
func (s *ExecutionState) SetOnAbort(f func()) {
	s.statusMu.Lock()
	s.onAbort = f
	aborted := s.abortedBy != nil
	s.statusMu.Unlock()
	if aborted {
		f()
	}
}

// Abort marks the run as aborted (exit 108 unless cause says otherwise) and stops
// it. Only the first abort counts.
func (s *ExecutionState) Abort(r AbortReason) {
	s.statusMu.Lock()
	if s.abortedBy != nil {
		s.statusMu.Unlock()
		return
	}
	s.abortedBy = &r
	stop := s.onAbort
	s.statusMu.Unlock()
	if stop != nil {
		stop()
	}
}

// Aborted returns the abort reason, nil when the run was not aborted.
func (s *ExecutionState) Aborted() *AbortReason {
	s.statusMu.Lock()
	defer s.statusMu.Unlock()
	return s.abortedBy
}

// MarkFailed marks the run as failed (exit 110) without stopping it.
func (s *ExecutionState) MarkFailed(reason string) {
	s.statusMu.Lock()
	s.failReason = append(s.failReason, reason)
	s.statusMu.Unlock()
}

// FailReasons returns the reasons given to MarkFailed, nil when it was never called.
func (s *ExecutionState) FailReasons() []string {
	s.statusMu.Lock()
	defer s.statusMu.Unlock()
	return append([]string(nil), s.failReason...)
}

// AbortError is what exec.test.abort() interrupts the script with.
type AbortError struct {
	// Reason is the message given to abort(), possibly empty.
	Reason string
}

func (e *AbortError) Error() string {
	if e.Reason == "" {
		return "test aborted"
	}
	return "test aborted: " + e.Reason
}
