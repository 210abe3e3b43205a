package output

import (
	"bufio"
	"bytes"
	"compress/gzip"
	stdcsv "encoding/csv"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/metrics"
)

// run is a small metrics setup: a registry with the built-ins and a custom
// counter, and an engine with thresholds on it.
type run struct {
	reg        *metrics.Registry
	b          *metrics.Builtins
	counter    *metrics.Metric
	engine     *metrics.Engine
	thresholds map[string][]metrics.ThresholdConfig
}

func newRun(t testing.TB) *run {
	r := &run{reg: metrics.NewRegistry()}
	r.b = metrics.RegisterBuiltins(r.reg)
	r.counter = r.reg.MustNewMetric("my_counter", metrics.Counter)
	r.thresholds = map[string][]metrics.ThresholdConfig{
		"my_counter":         {{Source: "count>0"}},
		"my_counter{kind:a}": {{Source: "count>0"}},
	}
	var err error
	r.engine, err = metrics.NewEngine(r.reg, r.thresholds)
	require.NoError(t, err)
	return r
}

// batch is what one VU iteration emits: 5 samples, with metadata on some.
func (r *run) batch(vu, iter int) []metrics.Sample {
	tags := metrics.NewTagSet(map[string]string{"group": "", "scenario": "default", "vu": fmt.Sprint(vu)})
	now := time.Now()
	var md map[string]string
	if iter%2 == 0 {
		md = map[string]string{"trace_id": fmt.Sprint(iter)}
	}
	return []metrics.Sample{
		{Metric: r.counter, Tags: tags.With("kind", "a"), Metadata: md, Time: now, Value: 2},
		{Metric: r.b.Iterations, Tags: tags, Metadata: md, Time: now, Value: 1},
		{Metric: r.b.IterationDuration, Tags: tags, Metadata: md, Time: now, Value: float64(iter) / 7},
		{Metric: r.b.DataSent, Tags: tags, Metadata: md, Time: now, Value: 0},
		{Metric: r.b.DataReceived, Tags: tags, Metadata: md, Time: now, Value: 0},
	}
}

func readMaybeGzip(t testing.TB, path string) []byte {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	if filepath.Ext(path) == ".gz" {
		require.Equal(t, []byte{0x1f, 0x8b}, raw[:2], "gzip magic in %s", path)
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		require.NoError(t, err)
		raw, err = io.ReadAll(zr)
		require.NoError(t, err)
	}
	return raw
}

// jsonCounts checks the NDJSON's structure and counts its Point lines per
// metric.
func jsonCounts(t testing.TB, raw []byte) map[string]int {
	t.Helper()
	seen := map[string]bool{}
	points := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		var line struct {
			Type, Metric string
			Data         map[string]any
		}
		require.NoError(t, stdjson.Unmarshal(sc.Bytes(), &line), sc.Text())
		switch line.Type {
		case "Metric":
			require.False(t, seen[line.Metric], "second Metric line for %s", line.Metric)
			seen[line.Metric] = true
		case "Point":
			require.True(t, seen[line.Metric], "Point of %s before its Metric line", line.Metric)
			points[line.Metric]++
		default:
			t.Fatalf("unknown line %s", sc.Text())
		}
	}
	require.NoError(t, sc.Err())
	return points
}

// TestFanOutEndToEnd: what the VUs emit is what every file holds, sample for
// sample, and what the engine counted.
func TestFanOutEndToEnd(t *testing.T) {
	r := newRun(t)
	dir := t.TempDir()
	specs := []string{
		"json=" + filepath.Join(dir, "out.json"),
		"json=" + filepath.Join(dir, "out.json.gz"),
		"csv=" + filepath.Join(dir, "out.csv"),
		"csv=fileName=" + filepath.Join(dir, "out.csv.gz") + ",saveInterval=30ms",
	}
	outs, err := NewAll(specs, Params{Thresholds: r.thresholds, SystemTags: []string{"group", "scenario", "vu"}})
	require.NoError(t, err)
	f := NewFanOut(r.engine, outs, 20*time.Millisecond)
	require.NoError(t, f.Start())

	const vus, iters = 8, 400
	var wg sync.WaitGroup
	for vu := 1; vu <= vus; vu++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]metrics.Sample, 0, 64)
			for iter := range iters {
				buf = append(buf, r.batch(vu, iter)...)
				if len(buf) >= 50 || iter == iters-1 {
					f.AddSamples(buf)
					clear(buf) // the caller reuses its slice, as runner.SampleBuffer does
					buf = buf[:0]
				}
				if iter%100 == 0 {
					time.Sleep(5 * time.Millisecond) // let some hand-overs happen mid-run
				}
			}
		}()
	}
	wg.Wait()
	require.NoError(t, f.Stop())
	require.NoError(t, f.Stop(), "Stop is idempotent")

	const total = vus * iters * 5
	assert.EqualValues(t, total, r.engine.SampleCount())
	perMetric := map[string]int{"my_counter": vus * iters, "iterations": vus * iters, "iteration_duration": vus * iters,
		"data_sent": vus * iters, "data_received": vus * iters}

	plain := readMaybeGzip(t, filepath.Join(dir, "out.json"))
	assert.Equal(t, perMetric, jsonCounts(t, plain))
	assert.Equal(t, plain, readMaybeGzip(t, filepath.Join(dir, "out.json.gz")), "the gzip file holds the same lines")

	for _, name := range []string{"out.csv", "out.csv.gz"} {
		rows, err := stdcsv.NewReader(bytes.NewReader(readMaybeGzip(t, filepath.Join(dir, name)))).ReadAll()
		require.NoError(t, err, name)
		require.Equal(t, []string{"metric_name", "timestamp", "metric_value", "group", "scenario", "vu", "extra_tags", "metadata"}, rows[0])
		got := map[string]int{}
		for _, row := range rows[1:] {
			got[row[0]]++
		}
		assert.Equal(t, perMetric, got, name)
	}
}

// TestFanOutStopDeliversTheLastSamples: samples added right before Stop, long
// before the next hand-over, reach the file.
func TestFanOutStopDeliversTheLastSamples(t *testing.T) {
	r := newRun(t)
	path := filepath.Join(t.TempDir(), "out.json")
	outs, err := NewAll([]string{"json=" + path}, Params{})
	require.NoError(t, err)
	f := NewFanOut(r.engine, outs, time.Hour)
	require.NoError(t, f.Start())
	for i := range 10 {
		f.AddSamples(r.batch(1, i))
	}
	require.NoError(t, f.Stop())
	assert.Equal(t, 50, sum(jsonCounts(t, readMaybeGzip(t, path))))

	f.AddSamples(r.batch(1, 99))
	assert.EqualValues(t, 5, f.Dropped(), "samples after Stop are counted")
	assert.EqualValues(t, 55, r.engine.SampleCount(), "and still reach the engine")
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// recorder is an Output that records what it is given.
type recorder struct {
	name              string
	startErr, stopErr error
	log               *[]string

	mu      sync.Mutex
	batches [][]metrics.Sample
}

func (o *recorder) Description() string { return o.name }
func (o *recorder) Start() error        { *o.log = append(*o.log, "start "+o.name); return o.startErr }
func (o *recorder) Stop() error         { *o.log = append(*o.log, "stop "+o.name); return o.stopErr }
func (o *recorder) AddSamples(b []metrics.Sample) {
	o.mu.Lock()
	o.batches = append(o.batches, b)
	o.mu.Unlock()
}

func (o *recorder) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, b := range o.batches {
		n += len(b)
	}
	return n
}

func TestFanOutHandsOverPeriodically(t *testing.T) {
	r := newRun(t)
	var log []string
	a, b := &recorder{name: "a", log: &log}, &recorder{name: "b", log: &log}
	f := NewFanOut(r.engine, []metrics.Output{a, b}, 10*time.Millisecond)
	require.NoError(t, f.Start())
	batch := r.batch(1, 1)
	f.AddSamples(batch)
	batch[0].Value = 1000 // the caller may reuse its slice at once
	require.Eventually(t, func() bool { return a.count() == 5 && b.count() == 5 }, 5*time.Second, time.Millisecond,
		"samples reach the outputs before Stop")
	a.mu.Lock()
	assert.Equal(t, 2.0, a.batches[0][0].Value, "outputs get a copy")
	a.mu.Unlock()
	require.NoError(t, f.Stop())
	assert.Equal(t, []string{"start a", "start b", "stop a", "stop b"}, log)
}

func TestFanOutStartFailure(t *testing.T) {
	var log []string
	boom := errors.New("boom")
	outs := []metrics.Output{&recorder{name: "a", log: &log}, &recorder{name: "b", log: &log, startErr: boom}, &recorder{name: "c", log: &log}}
	f := NewFanOut(nil, outs, 0)
	err := f.Start()
	require.ErrorIs(t, err, boom)
	assert.Contains(t, err.Error(), "starting output b: boom")
	assert.Equal(t, []string{"start a", "start b", "stop a"}, log, "the outputs started are stopped")
	require.NoError(t, f.Stop(), "Stop after a failed Start stops nothing")
	assert.Len(t, log, 3)
}

func TestFanOutStopErrors(t *testing.T) {
	var log []string
	e1, e2 := errors.New("disk full"), errors.New("gone")
	f := NewFanOut(nil, []metrics.Output{&recorder{name: "a", log: &log, stopErr: e1}, &recorder{name: "b", log: &log},
		&recorder{name: "c", log: &log, stopErr: e2}}, 0)
	require.NoError(t, f.Start())
	err := f.Stop()
	require.ErrorIs(t, err, e1)
	require.ErrorIs(t, err, e2)
	assert.Contains(t, err.Error(), "stopping output a: disk full")
	assert.Same(t, err, f.Stop(), "later calls return the same error")
	assert.Equal(t, []string{"start a", "start b", "start c", "stop a", "stop b", "stop c"}, log)
}

func TestFanOutWithoutOutputs(t *testing.T) {
	r := newRun(t)
	f := NewFanOut(r.engine, nil, 0)
	require.NoError(t, f.Start())
	batch := r.batch(1, 1)
	f.AddSamples(batch)
	allocs := testing.AllocsPerRun(100, func() { f.AddSamples(batch) })
	assert.Zero(t, allocs, "no outputs: AddSamples is the engine's AddSamples")
	require.NoError(t, f.Stop())
	assert.EqualValues(t, 5*102, r.engine.SampleCount())
	assert.Zero(t, f.Dropped())
}

func TestFanOutJSONFileError(t *testing.T) {
	outs, err := NewAll([]string{"json=" + filepath.Join(t.TempDir(), "no", "such", "dir.json")}, Params{})
	require.NoError(t, err, "New opens nothing")
	err = NewFanOut(nil, outs, 0).Start()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "starting output json (")
	assert.Contains(t, err.Error(), "no such file or directory")
}

// BenchmarkFanOutAddSamples measures the VUs' side of emitting: batches of
// 500 samples (100 iterations of 5 samples) into a fan-out whose json output
// writes to io.Discard on its own goroutine.
func BenchmarkFanOutAddSamples(b *testing.B) {
	for _, bc := range []struct {
		name string
		outs func() []metrics.Output
	}{
		{"no-outputs", func() []metrics.Output { return nil }},
		{"json-discard", func() []metrics.Output {
			outs, err := NewAll([]string{"json"}, Params{StdOut: io.Discard})
			require.NoError(b, err)
			return outs
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := newRun(b)
			var batch []metrics.Sample
			for i := range 100 {
				batch = append(batch, r.batch(i%4, 1)...)
			}
			f := NewFanOut(r.engine, bc.outs(), 100*time.Millisecond)
			require.NoError(b, f.Start())
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				f.AddSamples(batch)
			}
			hot := b.Elapsed()
			require.NoError(b, f.Stop()) // includes writing what is left
			b.ReportMetric(float64(hot.Nanoseconds())/float64(b.N*len(batch)), "ns/sample")
		})
	}
}

// slowDiscard takes its time over every write.
type slowDiscard struct {
	mu    sync.Mutex
	lines int
}

func (w *slowDiscard) Write(p []byte) (int, error) {
	time.Sleep(time.Millisecond)
	w.mu.Lock()
	w.lines += bytes.Count(p, []byte("\n"))
	w.mu.Unlock()
	return len(p), nil
}

// TestFanOutSlowOutput: VUs faster than the output are slowed down, the
// samples the FanOut holds stay bounded, and none is lost.
func TestFanOutSlowOutput(t *testing.T) {
	r := newRun(t)
	out := &slowDiscard{}
	outs, err := NewAll([]string{"json"}, Params{StdOut: out})
	require.NoError(t, err)
	f := NewFanOut(r.engine, outs, time.Hour)
	require.NoError(t, f.Start())
	batch := make([]metrics.Sample, 0, 500)
	for i := range 100 {
		batch = append(batch, r.batch(1, i)...)
	}
	const vus, batches = 4, 200 // 400,000 samples
	var wg sync.WaitGroup
	var maxSeen atomic.Int64
	for range vus {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range batches {
				f.AddSamples(batch)
				f.mu.Lock()
				n := int64(f.npending)
				f.mu.Unlock()
				for old := maxSeen.Load(); n > old && !maxSeen.CompareAndSwap(old, n); old = maxSeen.Load() {
				}
			}
		}()
	}
	wg.Wait()
	require.NoError(t, f.Stop())
	assert.LessOrEqual(t, maxSeen.Load(), int64(maxPending+len(batch)), "pending samples stay bounded")
	out.mu.Lock()
	defer out.mu.Unlock()
	assert.Equal(t, vus*batches*len(batch)+5, out.lines, "every sample, and 5 Metric lines")
}

// checker is a BatchRecycler output that keeps a copy of every batch and,
// when it reports a batch done (after a delay, from its own goroutine),
// checks that nobody changed the batch meanwhile.
type checker struct {
	t    *testing.T
	done func([]metrics.Sample)

	mu      sync.Mutex
	wg      sync.WaitGroup
	samples int
	seen    map[*metrics.Sample]int // chunks by first element: times handed over
}

func (c *checker) Description() string                      { return "checker" }
func (c *checker) Start() error                             { return nil }
func (c *checker) Stop() error                              { c.wg.Wait(); return nil }
func (c *checker) SetBatchDone(done func([]metrics.Sample)) { c.done = done }
func (c *checker) AddSamples(b []metrics.Sample) {
	c.mu.Lock()
	c.samples += len(b)
	c.seen[&b[:1][0]]++
	c.mu.Unlock()
	want := append([]metrics.Sample(nil), b...)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		time.Sleep(time.Millisecond)
		for i := range b {
			if b[i].Metric != want[i].Metric || b[i].Tags != want[i].Tags || b[i].Value != want[i].Value ||
				!b[i].Time.Equal(want[i].Time) || len(b[i].Metadata) != len(want[i].Metadata) {
				c.t.Errorf("sample %d of a batch changed before the output was done with it", i)
				break
			}
		}
		c.done(b)
	}()
}

func TestFanOutRecyclesChunks(t *testing.T) {
	r := newRun(t)
	a, b := &checker{t: t, seen: map[*metrics.Sample]int{}}, &checker{t: t, seen: map[*metrics.Sample]int{}}
	f := NewFanOut(r.engine, []metrics.Output{a, b}, time.Millisecond)
	require.True(t, f.recycle)
	require.NoError(t, f.Start())
	const n = 40
	for vu := range 4 {
		for i := range n * chunkSize / 5 / 4 {
			f.AddSamples(r.batch(vu, i))
		}
	}
	require.NoError(t, f.Stop())
	assert.Equal(t, n*chunkSize, a.samples)
	assert.Equal(t, n*chunkSize, b.samples)
	reused := 0
	for _, times := range a.seen {
		reused += times - 1
	}
	assert.Positive(t, reused, "chunks are reused")
	assert.Less(t, len(a.seen), n, "fewer chunks than hand-overs")
	assert.Empty(t, f.readers, "every chunk was reported done")
	assert.LessOrEqual(t, len(f.free), maxFree)
	for _, c := range f.free {
		for _, s := range c[:chunkSize] {
			require.Nil(t, s.Metric, "free chunks hold no references")
			require.Nil(t, s.Tags)
			require.Nil(t, s.Metadata)
		}
	}

	// Done with something that is not a chunk, or twice: ignored.
	f.batchDone(make([]metrics.Sample, 3))
	f.batchDone(nil)
}

func TestFanOutDoesNotRecycleForOtherOutputs(t *testing.T) {
	var log []string
	f := NewFanOut(nil, []metrics.Output{&checker{t: t, seen: map[*metrics.Sample]int{}}, &recorder{name: "r", log: &log}}, 0)
	assert.False(t, f.recycle, "a recorder may keep its batches")
}

// filtering is a recorder that wants some metrics only.
type filtering struct {
	recorder
	wants map[string]bool
}

func (o *filtering) WantsMetric(m *metrics.Metric) bool { return o.wants[m.Name] }

// TestFanOutHandsOverWantedMetricsOnly: when every output is a MetricFilter,
// only the samples some output wants are handed over; the engine still gets
// them all. One output without a filter gets everything.
func TestFanOutHandsOverWantedMetricsOnly(t *testing.T) {
	r := newRun(t)
	var log []string
	a := &filtering{recorder: recorder{name: "a", log: &log}, wants: map[string]bool{metrics.IterationsName: true}}
	b := &filtering{recorder: recorder{name: "b", log: &log}, wants: map[string]bool{}}
	f := NewFanOut(r.engine, []metrics.Output{a, b}, time.Hour)
	require.NoError(t, f.Start())
	batch := r.batch(1, 1)
	f.AddSamples(batch)
	require.NoError(t, f.Stop())
	var names []string
	for _, bt := range a.batches {
		for _, s := range bt {
			names = append(names, s.Metric.Name)
		}
	}
	assert.Equal(t, []string{metrics.IterationsName}, names)
	assert.Equal(t, uint64(len(batch)), r.engine.SampleCount(), "the engine gets every sample")

	c := &recorder{name: "c", log: &log}
	a.batches = nil
	f = NewFanOut(r.engine, []metrics.Output{a, c}, time.Hour)
	require.NoError(t, f.Start())
	f.AddSamples(batch)
	require.NoError(t, f.Stop())
	assert.Equal(t, len(batch), c.count(), "an output without a filter gets every sample")
}

// BenchmarkFanOutFiltered: the samples of an empty iteration through a
// fan-out to the engine alone, and with an output that wants none of them
// (the web dashboard's case): the filter must cost next to nothing.
func BenchmarkFanOutFiltered(b *testing.B) {
	for _, withOutput := range []bool{false, true} {
		b.Run(fmt.Sprintf("output=%v", withOutput), func(b *testing.B) {
			r := newRun(b)
			var outs []metrics.Output
			if withOutput {
				var log []string
				outs = []metrics.Output{&filtering{recorder: recorder{name: "f", log: &log}, wants: map[string]bool{}}}
			}
			f := NewFanOut(r.engine, outs, time.Hour)
			require.NoError(b, f.Start())
			batch := r.batch(1, 1)
			b.ResetTimer()
			for range b.N {
				f.AddSamples(batch)
			}
			b.StopTimer()
			require.NoError(b, f.Stop())
		})
	}
}
