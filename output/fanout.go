package output

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minik6/minik6/metrics"
)

// BatchRecycler is an optional interface of outputs that say when they are
// done with a batch. When every output of a FanOut implements it, the FanOut
// reuses the memory of the batches it hands over instead of allocating new
// ones, which spares the garbage collector most of the outputs' cost.
type BatchRecycler interface {
	// SetBatchDone is called once, before Start, with the function the output
	// must call with each batch it was given by AddSamples, exactly once, when
	// it will read the batch no more.
	SetBatchDone(done func(batch []metrics.Sample))
}

// MetricFilter is an optional interface of outputs that need the samples of
// some metrics only. When every output of a FanOut implements it, the FanOut
// hands over only the samples some output wants, and a batch with none of
// them costs nothing more than the engine's work.
type MetricFilter interface {
	// WantsMetric says whether the output needs m's samples; asked once
	// per metric, the answer must not change.
	WantsMetric(m *metrics.Metric) bool
}

// DefaultFlushInterval is how often a FanOut hands the samples it collected
// to the outputs when NewFanOut is given no interval.
const DefaultFlushInterval = time.Second

// Bounds of the samples a FanOut holds for its outputs. A run that emits
// faster than its outputs write must not grow without bound: past
// handOverSize pending samples the FanOut hands them over at once, without
// waiting for the interval; past maxPending, AddSamples waits until the
// outputs have taken them, which slows the VUs down to what the outputs can
// write. (The outputs bound their own queues the same way.)
const (
	chunkSize    = 4096 // samples in one chunk of pending samples
	handOverSize = 8 * chunkSize
	maxPending   = 4 * handOverSize
	maxFree      = 2 * maxPending / chunkSize // chunks kept for reuse
)

// FanOut is where the VUs' sample batches go: AddSamples feeds the metrics
// engine synchronously (so thresholds and the summary see every sample at
// once) and collects a copy for the outputs, which a goroutine of the
// FanOut's own hands to every output once per flush interval. With no
// outputs, AddSamples only feeds the engine.
//
// Lifecycle: Start, then AddSamples from any goroutine, then Stop, which
// hands over what is left and stops every output. Every sample added before
// Stop reaches every output.
//
// Memory is bounded: when the outputs fall behind, AddSamples waits for them
// rather than queueing without end (see maxPending).
type FanOut struct {
	engine *metrics.Engine
	outs   []metrics.Output
	every  time.Duration

	mu sync.Mutex
	// pending holds the samples since the last hand-over in chunks of
	// chunkSize (the last one partly filled): appending never copies a chunk
	// again, and each chunk is handed to the outputs as one batch.
	pending  [][]metrics.Sample
	npending int
	room     *sync.Cond    // on mu: signalled when pending is handed over
	closed   bool          // Stop has taken the last pending samples
	full     chan struct{} // npending reached handOverSize

	// Chunk reuse, when every output is a BatchRecycler: how many outputs
	// still read each handed-over chunk (by its first element), and the
	// chunks none reads any more. Guarded by mu.
	recycle bool
	readers map[*metrics.Sample]int
	free    [][]metrics.Sample

	dropped atomic.Uint64 // samples added after Stop: engine only

	// With every output a MetricFilter: whether some output wants a
	// metric's samples, by metric index (0 unknown, 1 no, 2 yes).
	filtered bool
	wanted   atomic.Pointer[[]uint8]
	wantMu   sync.Mutex

	started  bool
	stop     chan struct{}
	done     chan struct{}
	stopOnce sync.Once
	stopErr  error
}

// NewFanOut returns a fan-out to engine (which may be nil) and outs, handing
// samples to the outputs every flushEvery (DefaultFlushInterval if not
// positive).
func NewFanOut(engine *metrics.Engine, outs []metrics.Output, flushEvery time.Duration) *FanOut {
	if flushEvery <= 0 {
		flushEvery = DefaultFlushInterval
	}
	f := &FanOut{
		engine: engine, outs: outs, every: flushEvery,
		full: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}),
	}
	f.room = sync.NewCond(&f.mu)
	f.filtered = len(outs) > 0
	for _, o := range outs {
		_, ok := o.(MetricFilter)
		f.filtered = f.filtered && ok
	}
	f.recycle = len(outs) > 0
	for _, o := range outs {
		_, ok := o.(BatchRecycler)
		f.recycle = f.recycle && ok
	}
	if f.recycle {
		f.readers = make(map[*metrics.Sample]int)
		for _, o := range outs {
			o.(BatchRecycler).SetBatchDone(f.batchDone)
		}
	}
	return f
}

// newChunk returns an empty chunk, reused when one is free. The caller holds mu.
func (f *FanOut) newChunk() []metrics.Sample {
	if n := len(f.free); n > 0 {
		c := f.free[n-1]
		f.free[n-1] = nil
		f.free = f.free[:n-1]
		return c
	}
	return make([]metrics.Sample, 0, chunkSize)
}

// batchDone is told by an output that it no longer reads batch; when no
// output does, the chunk is cleared (dropping its references) and reused.
func (f *FanOut) batchDone(batch []metrics.Sample) {
	if cap(batch) == 0 {
		return
	}
	first := &batch[:1][0]
	f.mu.Lock()
	n, ours := f.readers[first] // not ours, or told twice: never reuse it
	switch {
	case ours && n > 1:
		f.readers[first] = n - 1
	case ours:
		delete(f.readers, first)
	}
	reuse := ours && n == 1 && len(f.free) < maxFree
	f.mu.Unlock()
	if !reuse {
		return
	}
	batch = batch[:cap(batch)]
	clear(batch)
	f.mu.Lock()
	if len(f.free) < maxFree {
		f.free = append(f.free, batch[:0])
	}
	f.mu.Unlock()
}

// Start starts every output, in order, and the hand-over goroutine. When an
// output fails to start, the outputs already started are stopped and the
// error names the failing one. Call Start once, before the first AddSamples.
func (f *FanOut) Start() error {
	for i, o := range f.outs {
		if err := o.Start(); err != nil {
			errs := []error{fmt.Errorf("starting output %s: %w", o.Description(), err)}
			for _, started := range f.outs[:i] {
				errs = append(errs, started.Stop())
			}
			return errors.Join(errs...)
		}
	}
	f.mu.Lock()
	f.started = true
	f.mu.Unlock()
	if len(f.outs) > 0 {
		go f.loop()
	}
	return nil
}

// AddSamples feeds batch to the engine and queues a copy for the outputs. It
// does not keep batch, so the caller may reuse it. It waits only when the
// outputs are far behind. Samples added after Stop reach only the engine;
// Dropped counts them.
func (f *FanOut) AddSamples(batch []metrics.Sample) {
	if f.engine != nil {
		f.engine.AddSamples(batch)
	}
	if len(f.outs) == 0 || len(batch) == 0 {
		return
	}
	if f.filtered {
		if batch = f.filter(batch); len(batch) == 0 {
			return
		}
	}
	f.mu.Lock()
	for f.started && !f.closed && f.npending >= maxPending {
		f.room.Wait()
	}
	if f.closed {
		f.mu.Unlock()
		f.dropped.Add(uint64(len(batch)))
		return
	}
	f.npending += len(batch)
	for len(batch) > 0 {
		last := len(f.pending) - 1
		if last < 0 || len(f.pending[last]) == cap(f.pending[last]) {
			f.pending = append(f.pending, f.newChunk())
			last++
		}
		chunk := f.pending[last]
		k := min(len(batch), cap(chunk)-len(chunk))
		f.pending[last] = append(chunk, batch[:k]...)
		batch = batch[k:]
	}
	n := f.npending
	f.mu.Unlock()
	if n >= handOverSize {
		select {
		case f.full <- struct{}{}:
		default: // the loop has been told already
		}
	}
}

// filter returns the samples of batch that some output wants: batch itself
// when all are, a new slice when only some are.
func (f *FanOut) filter(batch []metrics.Sample) []metrics.Sample {
	cut := -1 // the first unwanted sample; -1: none so far
	var out []metrics.Sample
	var known []uint8
	if w := f.wanted.Load(); w != nil {
		known = *w
	}
	for i := range batch {
		m := batch[i].Metric
		var wanted bool
		switch {
		case m == nil:
			wanted = true
		case m.Index() < len(known) && known[m.Index()] != 0:
			wanted = known[m.Index()] == 2
		default:
			wanted = f.wants(m)
		}
		switch {
		case wanted && cut >= 0:
			if out == nil {
				out = append(make([]metrics.Sample, 0, len(batch)-i+cut), batch[:cut]...)
			}
			out = append(out, batch[i])
		case !wanted && cut < 0:
			cut = i
		}
	}
	switch {
	case cut < 0:
		return batch
	case out == nil:
		return batch[:cut] // nothing wanted after the first unwanted sample
	}
	return out
}

// wants says whether some output wants m's samples, asking them once.
func (f *FanOut) wants(m *metrics.Metric) bool {
	i := m.Index()
	if w := f.wanted.Load(); w != nil && i < len(*w) && (*w)[i] != 0 {
		return (*w)[i] == 2
	}
	f.wantMu.Lock()
	defer f.wantMu.Unlock()
	var w []uint8
	if old := f.wanted.Load(); old != nil {
		w = append(w, *old...)
	}
	for len(w) <= i {
		w = append(w, 0)
	}
	w[i] = 1
	for _, o := range f.outs {
		if o.(MetricFilter).WantsMetric(m) {
			w[i] = 2
			break
		}
	}
	f.wanted.Store(&w)
	return w[i] == 2
}

// Dropped returns how many samples were added after Stop and so reached the
// engine but no output.
func (f *FanOut) Dropped() uint64 { return f.dropped.Load() }

func (f *FanOut) loop() {
	defer close(f.done)
	t := time.NewTicker(f.every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			f.handOver(false)
		case <-f.full:
			f.handOver(false)
		case <-f.stop:
			return
		}
	}
}

// handOver gives the pending samples to every output; last also closes the
// queue, so that later samples are counted as dropped.
func (f *FanOut) handOver(last bool) {
	f.mu.Lock()
	// The outputs keep the chunks until they are done with them (for ever,
	// unless they are BatchRecyclers): later samples go to other chunks.
	chunks := f.pending
	f.pending, f.npending = nil, 0
	if f.recycle {
		for _, c := range chunks {
			f.readers[&c[:1][0]] = len(f.outs)
		}
	}
	f.closed = f.closed || last
	f.room.Broadcast()
	f.mu.Unlock()
	for _, chunk := range chunks {
		for _, o := range f.outs {
			o.AddSamples(chunk)
		}
	}
}

// Stop hands the remaining samples to the outputs and stops them all, in
// order, returning their errors joined. Only the first call does anything;
// later calls return the same error. Stop without Start stops nothing.
func (f *FanOut) Stop() error {
	f.stopOnce.Do(func() {
		f.mu.Lock()
		started := f.started
		f.closed = f.closed || !started
		f.mu.Unlock()
		if !started {
			return
		}
		if len(f.outs) > 0 {
			close(f.stop)
			<-f.done
		}
		f.handOver(true)
		var errs []error
		for _, o := range f.outs {
			if err := o.Stop(); err != nil {
				errs = append(errs, fmt.Errorf("stopping output %s: %w", o.Description(), err))
			}
		}
		f.stopErr = errors.Join(errs...)
	})
	return f.stopErr
}
