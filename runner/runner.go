// Package runner is minik6's engine: it initializes the VUs, runs setup(), the
// scenarios with their executors (one file each), teardown(), and keeps the
// execution state that k6/execution reads. It knows nothing of JavaScript: it
// drives VUs through the Script and VU interfaces that the js package implements.
package runner

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/segment"
)

// Config is everything a run needs.
type Config struct {
	// Options are the consolidated options, scenarios derived.
	Options options.Options
	// Script makes the VUs.
	Script Script
	// Engine receives every sample and evaluates thresholds.
	Engine *metrics.Engine
	// Sink receives every sample instead of Engine when set (the output fan-out,
	// which feeds the engine too).
	Sink SampleSink
	// Registry holds the metrics.
	Registry *metrics.Registry
	// Builtins are the built-in metrics.
	Builtins *metrics.Builtins
	// Logger logs runner events and script errors.
	Logger logrus.FieldLogger
	// Tuple is this instance's execution segment; nil for the whole test.
	Tuple *segment.Tuple
	// ThresholdInterval is how often thresholds are evaluated during the run
	// (default 2s).
	ThresholdInterval time.Duration
}

// Runner runs one test.
type Runner struct {
	cfg       Config
	exec      *ExecutionState
	pool      *vuPool
	scenarios []*scenarioRun
	tuple     *segment.Tuple
	testTags  map[string]string
	scriptOpt []byte
	gaugeTags *metrics.TagSet
	sysTags   SystemTagSet

	gate   *gate
	status atomic.Int32 // ExecutionStatus
	// setupData is the setup data the VUs get: setup()'s, or what the REST
	// API set (see external.go).
	setupData atomic.Pointer[[]byte]

	nextID uint64
	idMu   sync.Mutex
}

// Result is what a finished run reports besides its error.
type Result struct {
	// SetupData is setup()'s return value as JSON.
	SetupData []byte
	// Duration is how long the test ran (setup to teardown).
	Duration time.Duration
}

// New checks the scenarios and prepares a run.
func New(cfg Config) (*Runner, error) {
	if cfg.ThresholdInterval == 0 {
		cfg.ThresholdInterval = 2 * time.Second
	}
	if cfg.Tuple == nil {
		t, err := segment.NewTuple(nil, nil)
		if err != nil {
			return nil, err
		}
		cfg.Tuple = t
	}
	r := &Runner{
		cfg: cfg, exec: NewExecutionState(), tuple: cfg.Tuple, testTags: cfg.Options.Tags,
		gate: newGate(cfg.Options.Paused.Bool),
	}
	r.pool = newVUPool(r)
	r.gaugeTags = NewTags(r.testTags).TagSet()
	r.sysTags = NewSystemTagSet(cfg.Options.GetSystemTags())
	var err error
	if r.scriptOpt, err = cfg.Options.ScriptJSON(); err != nil {
		return nil, exitcode.Wrap(exitcode.InvalidConfig, err)
	}

	names := make([]string, 0, len(cfg.Options.Scenarios))
	for name := range cfg.Options.Scenarios {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := cfg.Options.Scenarios[names[i]], cfg.Options.Scenarios[names[j]]
		if a.GetStartTime() != b.GetStartTime() {
			return a.GetStartTime() < b.GetStartTime()
		}
		return names[i] < names[j]
	})
	for i, name := range names {
		sc := cfg.Options.Scenarios[name]
		if fn := sc.GetExec(); !cfg.Script.HasFunction(fn) {
			code := exitcode.InvalidConfig
			if fn == "default" {
				code = exitcode.GenericEngineError // a script with nothing to run, as in k6
			}
			return nil, exitcode.Errorf(code, "executor %s: function '%s' not found in exports", name, fn)
		}
		ex, err := newExecutor(sc, r.tuple)
		if err != nil {
			return nil, exitcode.Wrap(exitcode.InvalidConfig, fmt.Errorf("scenario %q: %w", name, err))
		}
		tags := map[string]string{}
		for k, v := range sc.GetTags() {
			tags[k] = v
		}
		tags["scenario"] = name
		st := &ScenarioState{
			Name: name, Executor: sc.Type(), Exec: sc.GetExec(), Env: sc.GetEnv(), Tags: tags,
			index: i, tuple: r.tuple,
		}
		r.scenarios = append(r.scenarios, &scenarioRun{r: r, cfg: sc, state: st, ex: ex})
	}
	return r, nil
}

// Scenarios returns the states of the scenarios, in the order they start.
func (r *Runner) Scenarios() []*ScenarioState {
	out := make([]*ScenarioState, len(r.scenarios))
	for i, sr := range r.scenarios {
		out[i] = sr.state
	}
	return out
}

// Execution returns the instance-wide state.
func (r *Runner) Execution() *ExecutionState { return r.exec }

// Stop ends the run from outside (a signal, the REST API, an output): running
// iterations are interrupted, teardown() runs, and Run returns cause, whose
// exit code (see exitcode.Of) the run ends with. Only the first stop counts.
func (r *Runner) Stop(cause error) {
	r.exec.Abort(AbortReason{Message: cause.Error(), Cause: cause})
}

// Status is the phase the run is in; safe from any goroutine.
func (r *Runner) Status() ExecutionStatus { return ExecutionStatus(r.status.Load()) }

func (r *Runner) setStatus(s ExecutionStatus) { r.status.Store(int32(s)) }

// newState makes the state of a VU with the given instance id.
func (r *Runner) newState(id uint64) *VUState {
	st := &VUState{
		IDInInstance:  id,
		Tags:          NewTags(r.testTags),
		Metadata:      NewMetadata(),
		Options:       &r.cfg.Options,
		ScriptOptions: r.scriptOpt,
		SystemTags:    r.sysTags,
		Execution:     r.exec,
		Registry:      r.cfg.Registry,
		Builtins:      r.cfg.Builtins,
		Samples:       NewSampleBuffer(r.sink()),
		Logger:        r.cfg.Logger,
	}
	if id > 0 {
		st.IDInTest = uint64(r.tuple.GlobalIndex(int64(id-1))) + 1
	}
	st.scenarioIterDone = make([]int64, len(r.scenarios))
	st.counters = r.exec.NewIterationCounters()
	return st
}

// initVU initializes one more VU with the next id.
func (r *Runner) initVU(ctx context.Context) (*pooledVU, error) {
	r.idMu.Lock()
	r.nextID++
	id := r.nextID
	r.idMu.Unlock()
	st := r.newState(id)
	vu, err := r.cfg.Script.NewVU(ctx, st)
	if err != nil {
		return nil, err
	}
	r.exec.vusInitialized.Add(1)
	return &pooledVU{vu: vu, state: st}, nil
}

// Run runs the test: VU initialization, setup, scenarios, teardown. The error
// carries the exit code of a run that did not end normally.
func (r *Runner) Run(parent context.Context) (Result, error) {
	var res Result
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	r.exec.SetOnAbort(cancel)

	defer r.setStatus(StatusEnded)
	need := r.plannedVUs()
	r.exec.vusMax.Store(need)
	initStart := time.Now()
	r.setStatus(StatusInitVUs)
	if err := r.pool.initialize(ctx, need); err != nil {
		return res, err
	}
	r.cfg.Logger.WithField("vus", need).WithField("took", time.Since(initStart).String()).Debug("initialized the VUs")
	defer r.pool.closeAll()

	setupVU, err := r.setupVU(parent)
	if err != nil {
		return res, err
	}
	defer setupVU.vu.Close()
	r.setStatus(StatusInitDone)

	if r.gate.isPaused() {
		r.setStatus(StatusPausedBeforeRun)
	}
	if err := r.gate.wait(ctx); err != nil {
		if ab := r.exec.Aborted(); ab != nil {
			return res, r.abortError(ab)
		}
		return res, err
	}
	r.gate.started.Store(true)
	r.setStatus(StatusStarted)
	r.exec.Start()
	started := time.Now()
	stopGauges := r.emitGauges()
	stopThresholds := r.watchThresholds(ctx)

	opts := r.cfg.Options
	if !opts.NoSetup.Bool && r.cfg.Script.HasFunction("setup") {
		r.setStatus(StatusSetup)
		data, err := r.callWithTimeout(ctx, setupVU, "setup", nil,
			opts.GetSetupTimeout(), exitcode.SetupTimeout, "setup()")
		if err != nil {
			stopThresholds()
			stopGauges()
			if ab := r.exec.Aborted(); ab != nil {
				return res, r.abortError(ab)
			}
			return res, err
		}
		r.SetSetupData(data)
	}
	// Without setup() here, the data is what the REST API set, if anything.
	res.SetupData = r.SetupData()
	r.pool.setSetupData(res.SetupData)

	if r.exec.Aborted() == nil {
		r.setStatus(StatusRunning)
		r.runScenarios(ctx)
	}
	stopThresholds()

	var teardownErr error
	if !opts.NoTeardown.Bool && r.cfg.Script.HasFunction("teardown") {
		r.setStatus(StatusTeardown)
		res.SetupData = r.SetupData() // the REST API may have set it since
		setupVU.state.setupData = res.SetupData
		_, teardownErr = r.callWithTimeout(context.WithoutCancel(parent), setupVU, "teardown", res.SetupData,
			opts.GetTeardownTimeout(), exitcode.TeardownTimeout, "teardown()")
	}
	stopGauges()
	res.Duration = time.Since(started)
	r.cfg.Engine.SetTestRunDuration(res.Duration)

	if ab := r.exec.Aborted(); ab != nil {
		return res, r.abortError(ab)
	}
	return res, teardownErr
}

func (r *Runner) abortError(ab *AbortReason) error {
	if ab.Cause != nil {
		return ab.Cause
	}
	msg := "test aborted"
	if ab.Message != "" {
		msg += ": " + ab.Message
	}
	return exitcode.Errorf(exitcode.ScriptAborted, "%s", msg)
}

// setupVU makes the VU that runs setup() and teardown(): id 0, no scenario, the
// group tag "::setup".
func (r *Runner) setupVU(ctx context.Context) (*pooledVU, error) {
	st := r.newState(0)
	vu, err := r.cfg.Script.NewVU(ctx, st)
	if err != nil {
		return nil, err
	}
	st.Tags = NewTags(r.testTags)
	return &pooledVU{vu: vu, state: st}, nil
}

// callWithTimeout runs setup() or teardown() on the setup VU, interrupting it
// after timeout.
func (r *Runner) callWithTimeout(ctx context.Context, v *pooledVU, fn string, arg []byte,
	timeout time.Duration, code exitcode.Code, what string,
) ([]byte, error) {
	if r.sysTags.Has("group") {
		v.state.Tags.Set("group", "::"+fn)
	}
	defer v.state.Samples.Flush()
	ctx, cancel := interruptAfter(ctx, v, timeout)
	defer cancel()
	out, err := v.vu.Call(ctx, fn, arg)
	now := time.Now()
	v.state.Emit(r.cfg.Builtins.DataSent, now, float64(v.state.DataSent))
	v.state.Emit(r.cfg.Builtins.DataReceived, now, float64(v.state.DataReceived))
	v.state.DataSent, v.state.DataReceived = 0, 0
	if err == nil {
		return out, nil
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) && r.exec.Aborted() == nil {
		return nil, exitcode.Errorf(code, "%s execution timed out after %s", what, formatSeconds(timeout))
	}
	if ab := r.exec.Aborted(); ab != nil && fn == "setup" {
		return nil, r.abortError(ab) // Run returns at once: no teardown after setup aborted
	}
	if errors.Is(err, ErrInterrupted) {
		return nil, nil
	}
	return nil, exitcode.Wrap(exitcode.ScriptException, err)
}

// interruptAfter returns a context that ends after timeout (or with ctx) and
// interrupts v's script when it does; cancel releases both.
func interruptAfter(ctx context.Context, v *pooledVU, timeout time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	stop := context.AfterFunc(ctx, func() { v.vu.Interrupt(ctx.Err()) })
	return ctx, func() { stop(); cancel() }
}

func formatSeconds(d time.Duration) string {
	return fmt.Sprintf("%g seconds", d.Seconds())
}

// runScenarios starts every scenario at its start time and waits for all of them.
func (r *Runner) runScenarios(ctx context.Context) {
	var wg sync.WaitGroup
	start := time.Now()
	for _, sr := range r.scenarios {
		wg.Add(1)
		go func(sr *scenarioRun) {
			defer wg.Done()
			defer r.recoverPanic()
			if d := sr.cfg.GetStartTime() - time.Since(start); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-ctx.Done():
					t.Stop()
					return
				}
			}
			if r.gate.wait(ctx) != nil {
				return
			}
			sr.run(ctx)
		}(sr)
	}
	wg.Wait()
}

// recoverPanic turns a Go panic in one of the run's goroutines (a bug, in minik6
// or an extension) into an aborted run with exit code 109, instead of a crash.
// Use it deferred, first thing in each goroutine.
func (r *Runner) recoverPanic() {
	p := recover()
	if p == nil {
		return
	}
	msg := fmt.Sprintf("a Go panic stopped the test: %v", p)
	r.cfg.Logger.WithField("stack", string(debug.Stack())).Debug(msg)
	r.exec.Abort(AbortReason{Message: msg, Cause: exitcode.Errorf(exitcode.GoPanic, "%s", msg)})
}

// addActive changes the number of active VUs.
func (r *Runner) addActive(delta int64) { r.exec.vusActive.Add(delta) }

// emitGauges samples the vus and vus_max gauges every second until stopped, as
// k6 does: a run shorter than a second has none.
func (r *Runner) emitGauges() func() {
	b := NewSampleBuffer(r.sink())
	tags := r.gaugeTags
	emit := func() {
		now := time.Now()
		b.Add(metrics.Sample{Metric: r.cfg.Builtins.VUs, Tags: tags, Time: now, Value: float64(r.exec.VUsActive())})
		b.Add(metrics.Sample{Metric: r.cfg.Builtins.VUsMax, Tags: tags, Time: now, Value: float64(r.exec.VUsMax())})
		b.Flush()
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				emit()
			case <-done:
				return
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			<-finished
		})
	}
}

// watchThresholds evaluates thresholds every ThresholdInterval and aborts the run
// when one with abortOnFail fails.
func (r *Runner) watchThresholds(ctx context.Context) func() {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(r.cfg.ThresholdInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				_, abort := r.cfg.Engine.EvaluateThresholds(r.exec.CurrentTestRunDuration())
				if abort != nil {
					msg := fmt.Sprintf("thresholds on metrics '%s' were crossed; at least one has abortOnFail enabled, stopping test prematurely", abort.Metric)
					r.cfg.Logger.Error(msg)
					r.exec.Abort(AbortReason{Message: msg, Cause: exitcode.Errorf(exitcode.ThresholdsFailed, "%s", msg)})
				}
			case <-done:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done); <-finished }) }
}

// sink is where samples go: the output fan-out, or the engine alone.
func (r *Runner) sink() SampleSink {
	if r.cfg.Sink != nil {
		return r.cfg.Sink
	}
	return r.cfg.Engine
}

// plannedVUs is the most VUs the scenarios need at the same time, counting each
// scenario from its start time to its longest possible end.
func (r *Runner) plannedVUs() int64 {
	spans := make([]vuSpan, 0, len(r.scenarios))
	for _, sr := range r.scenarios {
		from := sr.cfg.GetStartTime()
		spans = append(spans, vuSpan{from, from + sr.ex.maxDuration() + sr.cfg.GetGracefulStop(), sr.ex.initialVUs()})
	}
	return peakVUs(spans)
}

// pooledVU is an initialized VU with its state.
type pooledVU struct {
	vu    VU
	state *VUState
}

// vuPool holds the initialized VUs that no scenario uses now, lowest id first.
type vuPool struct {
	r    *Runner
	mu   sync.Mutex
	cond *sync.Cond
	free []*pooledVU
	all  []*pooledVU
	data []byte
}

func newVUPool(r *Runner) *vuPool {
	p := &vuPool{r: r}
	p.cond = sync.NewCond(&p.mu)
	return p
}

// initialize makes n VUs in parallel, numbered 1..n. The garbage collector runs
// more often meanwhile: the heap only grows during initialization, and keeping
// its target close to the live heap keeps the peak RSS near what the VUs need.
func (p *vuPool) initialize(ctx context.Context, n int64) error {
	if n > 100 {
		defer debug.SetGCPercent(debug.SetGCPercent(20))
	}
	vus := make([]*pooledVU, n)
	ids := make(chan int64)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer p.r.recoverPanic()
			for i := range ids {
				st := p.r.newState(uint64(i + 1))
				vu, err := p.r.cfg.Script.NewVU(ctx, st)
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					continue
				}
				p.r.exec.vusInitialized.Add(1)
				vus[i] = &pooledVU{vu: vu, state: st}
			}
		}()
	}
	var err error
feed:
	for i := int64(0); i < n; i++ {
		select {
		case ids <- i:
		case err = <-errs:
			break feed
		}
	}
	close(ids)
	wg.Wait()
	if err == nil {
		select {
		case err = <-errs:
		default:
		}
	}
	p.r.nextID = uint64(n)
	for _, v := range vus {
		if v != nil {
			p.all = append(p.all, v)
		}
	}
	if err != nil {
		p.closeAll()
		return err
	}
	p.free = append(p.free, p.all...)
	return nil
}

// get takes the free VU with the lowest id, waiting for one while ctx lasts.
func (p *vuPool) get(ctx context.Context) (*pooledVU, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.free) == 0 {
		if ctx.Err() != nil {
			return nil, false
		}
		stop := context.AfterFunc(ctx, func() { p.mu.Lock(); p.cond.Broadcast(); p.mu.Unlock() })
		p.cond.Wait()
		stop()
	}
	best := 0
	for i, v := range p.free {
		if v.state.IDInInstance < p.free[best].state.IDInInstance {
			best = i
		}
	}
	v := p.free[best]
	p.free = append(p.free[:best], p.free[best+1:]...)
	return v, true
}

// put returns a VU to the pool.
func (p *vuPool) put(v *pooledVU) {
	v.state.Samples.Flush()
	p.mu.Lock()
	p.free = append(p.free, v)
	p.mu.Unlock()
	p.cond.Broadcast()
}

// grow initializes one more VU (arrival-rate executors, up to maxVUs).
func (p *vuPool) grow(ctx context.Context) (*pooledVU, error) {
	v, err := p.r.initVU(ctx)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.all = append(p.all, v)
	p.mu.Unlock()
	p.r.exec.vusMax.Add(1)
	return v, nil
}

func (p *vuPool) setupData() []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.data
}

func (p *vuPool) setSetupData(data []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.data = data
	for _, v := range p.all {
		v.state.setupData = data
	}
}

func (p *vuPool) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, v := range p.all {
		v.vu.Close()
	}
	p.all, p.free = nil, nil
}

// HandleSummary calls the script's handleSummary(data) on a fresh VU, with data as
// JSON, and returns the contents it maps outputs to; it gives up after
// handleSummaryTimeout.
func (r *Runner) HandleSummary(ctx context.Context, data []byte) (map[string][]byte, error) {
	v, err := r.setupVU(ctx)
	if err != nil {
		return nil, err
	}
	defer v.vu.Close()
	timeout := r.cfg.Options.GetHandleSummaryTimeout()
	ctx, cancel := interruptAfter(ctx, v, timeout)
	defer cancel()
	out, err := v.vu.HandleSummary(ctx, data)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, fmt.Errorf("handleSummary() execution timed out after %s", formatSeconds(timeout))
	}
	return out, err
}
