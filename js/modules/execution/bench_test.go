package execution_test

import (
	"context"
	"testing"
)

// benchmarkIteration runs the script's default function b.N times in one VU, the
// way the runner does, moving the VU's iteration counters between iterations.
func benchmarkIteration(b *testing.B, script string) {
	e := mustEnv(b, script)
	v := e.vu(b)
	ctx := context.Background()
	st := e.state
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := int64(i)
		st.IterationInInstance, st.IterationInScenario = n, n
		st.ScenarioIterationInInstance, st.ScenarioIterationInTest = n, n
		if err := v.RunIteration(ctx, "default"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIterationEmpty is the cost of calling an empty default function.
func BenchmarkIterationEmpty(b *testing.B) {
	benchmarkIteration(b, `export default function () {}`)
}

// BenchmarkIterationExecReads adds what scripts do with k6/execution on the hot
// path: three live reads and one tag write.
func BenchmarkIterationExecReads(b *testing.B) {
	benchmarkIteration(b, `import exec from 'k6/execution';
		export default function () {
			if (exec.vu.idInTest < 1 || exec.scenario.iterationInTest < 0 || exec.vu.iterationInScenario < 0) {
				throw new Error('impossible');
			}
			exec.vu.metrics.tags.mytag = 'value';
		}`)
}
