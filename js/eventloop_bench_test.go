package js_test

import (
	"context"
	"testing"

	"github.com/minik6/minik6/runner"
)

// benchmarkLoop runs b.N iterations of script's default function through the
// VU's Loop (the runner's way), or one RunIteration call at a time.
func benchmarkLoop(b *testing.B, script string, loop bool) {
	v, _ := newHost(script, nil).vu(b)
	ctx := context.Background()
	n := 0
	next := func() bool {
		if n == b.N {
			return false
		}
		n++
		if err := v.RunIteration(ctx, "default"); err != nil {
			b.Fatal(err)
		}
		return true
	}
	b.ReportAllocs()
	b.ResetTimer()
	if loop {
		v.(runner.Looper).Loop(next)
	} else {
		for next() {
		}
	}
	if n != b.N {
		b.Fatalf("%d iterations, want %d", n, b.N)
	}
}

// BenchmarkLoopSync is the fast path: a synchronous function in Loop's frame.
func BenchmarkLoopSync(b *testing.B) {
	benchmarkLoop(b, `let n = 0; export default function () { n++; }`, true)
}

// BenchmarkCallSync is the same function called from the top level each time.
func BenchmarkCallSync(b *testing.B) {
	benchmarkLoop(b, `let n = 0; export default function () { n++; }`, false)
}

// BenchmarkLoopAsync is an async function: every iteration from the top level,
// with its promise jobs.
func BenchmarkLoopAsync(b *testing.B) {
	benchmarkLoop(b, `let n = 0; export default async function () { await null; n++; }`, true)
}

// BenchmarkLoopTimer is an iteration that waits for a zero-delay timer.
func BenchmarkLoopTimer(b *testing.B) {
	benchmarkLoop(b, `let n = 0; export default function () { setTimeout(() => { n++; }, 0); }`, true)
}
