package batchfile

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/metrics"
)

// lineEncoder writes each sample's value on a line of its own.
func lineEncoder(dst []byte, batch []metrics.Sample) []byte {
	for _, s := range batch {
		dst = strconv.AppendFloat(dst, s.Value, 'f', -1, 64)
		dst = append(dst, '\n')
	}
	return dst
}

// slowWriter takes its time over every write and remembers the largest
// number of bytes it was handed at once.
type slowWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	delay time.Duration
	max   int
}

func (w *slowWriter) Write(p []byte) (int, error) {
	time.Sleep(w.delay)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.max = max(w.max, len(p))
	return w.buf.Write(p)
}

func batchOf(from, n int) []metrics.Sample {
	b := make([]metrics.Sample, n)
	for i := range b {
		b[i].Value = float64(from + i)
	}
	return b
}

func TestWriterWritesEverythingInOrder(t *testing.T) {
	for _, interval := range []time.Duration{0, 5 * time.Millisecond, time.Hour} {
		t.Run(interval.String(), func(t *testing.T) {
			out := &slowWriter{delay: 50 * time.Microsecond}
			w := New(Config{Label: "test", StdOut: out, Interval: interval}, lineEncoder)
			assert.Equal(t, "test (stdout)", w.cfg.Description())
			require.NoError(t, w.Start([]byte("header\n")))
			const n = maxQueued + 17 // past highWater: wakes the writer even with a long interval
			var added atomic.Int64
			go func() {
				for i := 0; i < n; i += 1000 {
					w.Add(batchOf(i, min(1000, n-i)))
					added.Add(int64(min(1000, n-i)))
				}
			}()
			require.Eventually(t, func() bool { return added.Load() == n }, 20*time.Second, time.Millisecond)
			require.NoError(t, w.Stop())
			lines := bytes.Split(bytes.TrimSuffix(out.buf.Bytes(), []byte("\n")), []byte("\n"))
			require.Len(t, lines, n+1)
			assert.Equal(t, "header", string(lines[0]))
			for i, l := range lines[1:] {
				if string(l) != strconv.Itoa(i) {
					t.Fatalf("line %d is %q", i+1, l)
				}
			}
			assert.LessOrEqual(t, out.max, chunk*len("1000000\n"), "writes are chunked")
		})
	}
}

// TestWriterBoundsItsQueue: when the file is slower than the producer, Add
// waits instead of queueing without end.
func TestWriterBoundsItsQueue(t *testing.T) {
	out := &slowWriter{delay: 2 * time.Millisecond}
	w := New(Config{Label: "test", StdOut: out}, lineEncoder)
	require.NoError(t, w.Start(nil))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 8 {
			w.Add(batchOf(i*maxQueued, maxQueued/2))
		}
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		w.mu.Lock()
		queued := w.queued
		w.mu.Unlock()
		require.LessOrEqual(t, queued, maxQueued+maxQueued/2, "the queue stays bounded")
		select {
		case <-done:
			require.NoError(t, w.Stop())
			assert.Equal(t, 4*maxQueued, bytes.Count(out.buf.Bytes(), []byte("\n")))
			return
		case <-time.After(time.Millisecond):
		}
		require.True(t, time.Now().Before(deadline), "the producer finished")
	}
}

func TestWriterLostSamples(t *testing.T) {
	var out bytes.Buffer
	w := New(Config{Label: "test", StdOut: &out}, lineEncoder)
	w.Add(batchOf(0, 3)) // before Start
	require.NoError(t, w.Start(nil))
	w.Add(batchOf(3, 2))
	err := w.Stop()
	require.EqualError(t, err, "3 samples arrived outside Start and Stop and were not written")
	w.Add(batchOf(5, 1)) // after Stop
	assert.NoError(t, w.Stop(), "only the first Stop reports")
	assert.Equal(t, "3\n4\n", out.String())
}

func TestConfig(t *testing.T) {
	tests := []struct {
		cfg  Config
		desc string
		gzip bool
	}{
		{Config{Label: "json"}, "json (stdout)", false},
		{Config{Label: "json", FileName: "-"}, "json (stdout)", false},
		{Config{Label: "json", FileName: "-.gz"}, "json (-.gz)", true},
		{Config{Label: "csv", FileName: "a/b.csv"}, "csv (a/b.csv)", false},
		{Config{Label: "csv", FileName: "b.csv.gz"}, "csv (b.csv.gz)", true},
		{Config{Label: "csv", FileName: "b.GZ"}, "csv (b.GZ)", false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.desc, tt.cfg.Description())
		assert.Equal(t, tt.gzip, tt.cfg.Gzip(), tt.desc)
	}
}

// TestAbandonLeavesAValidGzipFile: Abandon drops the queue but closes the
// gzip stream, so the file decodes whole; it waits for a Stop in progress.
func TestAbandonLeavesAValidGzipFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.gz")
	w := New(Config{Label: "test", FileName: path, Interval: time.Hour}, lineEncoder)
	require.NoError(t, w.Start(nil))
	batch := make([]metrics.Sample, 10_000)
	for range 20 {
		w.Add(batch)
	}
	w.Abandon()
	w.Abandon() // again, at once
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	data, err := io.ReadAll(zr)
	require.NoError(t, err, "a whole gzip stream")
	assert.Less(t, len(data), 20*10_000*2, "the queue was dropped, not written")
	assert.NoError(t, w.Stop(), "Stop after Abandon does nothing")
}
