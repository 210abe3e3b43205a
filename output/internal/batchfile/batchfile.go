// Package batchfile writes batches of samples to a file (or stdout) on a
// goroutine of its own, for the file outputs (json, csv). An output hands it a
// batch and returns at once; the writer encodes and writes the queued batches
// in chunks, so its memory stays bounded by the queue, not by the file.
package batchfile

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/minik6/minik6/metrics"
)

// Stdout is the file name that means standard output.
const Stdout = "-"

// chunk is how many samples are encoded into the buffer before it is written,
// which bounds the buffer's size.
const chunk = 1024

// Bounds of the queue: past highWater queued samples the writer is woken
// without waiting for the interval; past maxQueued, Add waits for it, so an
// output that cannot keep up slows its caller down instead of growing.
const (
	highWater = 1 << 15
	maxQueued = 4 * highWater
)

// EncodeFunc appends the encoding of batch to dst and returns the extended
// buffer. The writer calls it from its own goroutine only, so an encoder may
// keep state (such as the metrics it has already described) without locks.
type EncodeFunc func(dst []byte, batch []metrics.Sample) []byte

// Config says where and how often a Writer writes.
type Config struct {
	// Label names the output in messages, such as "json".
	Label string
	// FileName is the file to create (truncating it); "" or Stdout writes to
	// StdOut. A name ending in ".gz" is written gzip-compressed (at
	// gzip.BestSpeed).
	FileName string
	// StdOut receives the output when FileName is "" or Stdout; os.Stdout if nil.
	StdOut io.Writer
	// Interval is how often queued batches are written; 0 writes each batch as
	// soon as it arrives.
	Interval time.Duration
	// Logger reports the first write error as it happens; nil logs nothing.
	Logger logrus.FieldLogger
}

// Description is the output's name for messages: "json (out.json)", or
// "json (stdout)" when it writes to standard output.
func (c Config) Description() string {
	if c.toStdout() {
		return c.Label + " (stdout)"
	}
	return c.Label + " (" + c.FileName + ")"
}

func (c Config) toStdout() bool { return c.FileName == "" || c.FileName == Stdout }

// Gzip reports whether the file is written gzip-compressed.
func (c Config) Gzip() bool { return !c.toStdout() && strings.HasSuffix(c.FileName, ".gz") }

// Writer queues batches of samples and writes them on its own goroutine.
// Start, Add and Stop follow the metrics.Output lifecycle.
type Writer struct {
	cfg    Config
	encode EncodeFunc

	mu      sync.Mutex
	room    *sync.Cond // on mu: signalled when the queue is taken
	queue   [][]metrics.Sample
	queued  int // samples in queue
	started bool
	stopped bool
	lost    uint64 // samples that were not written: after an error, or added after Stop

	release func([]metrics.Sample) // told when a batch is no longer needed; may be nil

	wake      chan struct{} // a batch is queued (Interval 0 only)
	stop      chan struct{}
	done      chan struct{} // the writing goroutine has ended
	closed    chan struct{} // Stop has closed the file
	abandoned atomic.Bool   // write no more: the process is about to exit

	// owned by the writer goroutine (and by Stop after it ended)
	out    io.Writer
	closer []io.Closer // closed in order at Stop
	buf    []byte
	err    error // the first write error
}

// New returns a writer that encodes with encode. Nothing is opened before Start.
func New(cfg Config, encode EncodeFunc) *Writer {
	w := &Writer{
		cfg: cfg, encode: encode,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{}), closed: make(chan struct{}),
	}
	w.room = sync.NewCond(&w.mu)
	return w
}

// SetRelease sets a function that the writer calls with every batch given to
// Add, once, when it no longer reads the batch (written, or not written
// because of an error), so that the caller may reuse its memory. Call it
// before Start.
func (w *Writer) SetRelease(release func(batch []metrics.Sample)) { w.release = release }

// Start creates the file, writes header (which may be nil) and starts the
// writing goroutine.
func (w *Writer) Start(header []byte) error {
	if err := w.open(); err != nil {
		return err
	}
	if len(header) > 0 {
		if _, err := w.out.Write(header); err != nil {
			w.closeAll()
			return fmt.Errorf("writing the header: %w", err)
		}
	}
	w.mu.Lock()
	w.started = true
	w.mu.Unlock()
	go w.loop()
	return nil
}

func (w *Writer) open() error {
	if w.cfg.toStdout() {
		w.out = w.cfg.StdOut
		if w.out == nil {
			w.out = os.Stdout
		}
		return nil
	}
	f, err := os.Create(w.cfg.FileName)
	if err != nil {
		return err // an *fs.PathError, which names the file
	}
	w.out = f
	if w.cfg.Gzip() {
		// The fastest level: four times the speed of the default for about
		// three quarters of its ratio on NDJSON, so that compressing does not
		// slow the test down.
		gz, _ := gzip.NewWriterLevel(f, gzip.BestSpeed) // a valid level: no error
		w.out = gz
		w.closer = append(w.closer, gz)
	}
	w.closer = append(w.closer, f)
	return nil
}

// Add queues a batch for writing; the writer keeps the slice until it is
// written and never changes it. Add waits only when the writer is far behind.
// Batches added before Start or after Stop are not written; Stop reports them.
func (w *Writer) Add(batch []metrics.Sample) {
	if len(batch) == 0 {
		return
	}
	w.mu.Lock()
	for w.started && !w.stopped && w.queued >= maxQueued {
		w.room.Wait()
	}
	if !w.started || w.stopped {
		w.lost += uint64(len(batch))
		w.mu.Unlock()
		if w.release != nil {
			w.release(batch)
		}
		return
	}
	w.queue = append(w.queue, batch)
	w.queued += len(batch)
	queued := w.queued
	w.mu.Unlock()
	if w.cfg.Interval <= 0 || queued >= highWater {
		select {
		case w.wake <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
}

func (w *Writer) loop() {
	defer close(w.done)
	var tick <-chan time.Time
	if w.cfg.Interval > 0 {
		t := time.NewTicker(w.cfg.Interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-w.wake:
			w.drain()
		case <-tick:
			w.drain()
		case <-w.stop:
			w.drain()
			return
		}
	}
}

// drain writes every queued batch.
func (w *Writer) drain() {
	w.mu.Lock()
	queue := w.queue
	w.queue, w.queued = nil, 0
	w.room.Broadcast()
	w.mu.Unlock()
	for i, batch := range queue {
		w.write(batch)
		queue[i] = nil // let the batch go as soon as it is written
		if w.release != nil {
			w.release(batch)
		}
	}
}

func (w *Writer) write(batch []metrics.Sample) {
	for len(batch) > 0 {
		n := min(len(batch), chunk)
		if w.err != nil || w.abandoned.Load() {
			w.addLost(len(batch))
			return
		}
		w.buf = w.encode(w.buf[:0], batch[:n])
		if _, err := w.out.Write(w.buf); err != nil {
			w.err = err
			w.addLost(len(batch))
			if w.cfg.Logger != nil {
				w.cfg.Logger.WithError(err).Errorf("%s: could not write samples; the output stops writing",
					w.cfg.Description())
			}
			return
		}
		batch = batch[n:]
	}
	if cap(w.buf) > 4<<20 { // one huge sample must not pin a huge buffer
		w.buf = nil
	}
}

func (w *Writer) addLost(n int) {
	w.mu.Lock()
	w.lost += uint64(n)
	w.mu.Unlock()
}

// Stop writes what is queued, closes the file and returns the first error,
// with the number of samples that could not be written. Errors do not name
// the output; the caller adds its Description. It is safe to call
// more than once and without Start; only the first call does anything.
func (w *Writer) Stop() error {
	w.mu.Lock()
	if w.stopped {
		w.mu.Unlock()
		return nil
	}
	w.stopped = true
	started := w.started
	w.room.Broadcast()
	w.mu.Unlock()
	if !started {
		close(w.closed)
		return nil
	}
	close(w.stop)
	<-w.done
	err := w.err
	if cerr := w.closeAll(); err == nil {
		err = cerr
	}
	close(w.closed)
	w.mu.Lock()
	lost := w.lost
	w.mu.Unlock()
	switch {
	case err != nil && lost > 0:
		return fmt.Errorf("%w (%d samples were not written)", err, lost)
	case err != nil:
		return err
	case lost > 0:
		return fmt.Errorf("%d samples arrived outside Start and Stop and were not written", lost)
	}
	return nil
}

// Abandon ends the writer at once when the process must exit now (a second
// signal): it writes no more than the chunk it is writing, drops what is
// queued, and closes the file, so that what was written is a valid file — a
// gzip file gets its trailer. It returns when the file is closed, whoever
// closes it; safe to call during or after Stop.
func (w *Writer) Abandon() {
	w.abandoned.Store(true)
	_ = w.Stop()
	<-w.closed
}

func (w *Writer) closeAll() error {
	var errs []error
	for _, c := range w.closer {
		errs = append(errs, c.Close())
	}
	w.closer = nil
	return errors.Join(errs...)
}
