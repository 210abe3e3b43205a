package timers_test

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/minik6/minik6/js/modules/timers"
	"github.com/minik6/minik6/minik6test"
)

func TestTimersModule(t *testing.T) {
	t.Parallel()
	out := minik6test.RunSource(t, `import { setTimeout, clearTimeout, setInterval, clearInterval } from 'k6/timers';
		import timers from 'k6/timers';
		export default function () {
			const order = [];
			return new Promise((resolve) => {
				setTimeout(() => order.push('t50'), 50);
				clearTimeout(setTimeout(() => order.push('never'), 20));
				setTimeout(() => order.push('t10'), 10);
				let n = 0;
				const id = setInterval(() => { if (++n === 3) { clearInterval(id); } }, 5);
				setTimeout(() => { console.log(order.join(',') + ' ' + n + ' ' + (timers.setTimeout === globalThis.setTimeout)); resolve(); }, 80);
			});
		}`, nil)
	require.NoError(t, out.Err)
	assert.Equal(t, []string{"t10,t50 3 true"}, out.Console)
}

// An interval keeps its period when its callback takes time: ticks are due
// an interval after the previous one was due, not after its callback ended.
func TestIntervalDoesNotDrift(t *testing.T) {
	t.Parallel()
	out := minik6test.RunSource(t, `export default function () {
			return new Promise((resolve) => {
				let n = 0;
				const start = Date.now();
				const id = setInterval(() => {
					const until = Date.now() + 4;
					while (Date.now() < until) {} // a callback that takes 4 ms
					if (++n === 40) { clearInterval(id); console.log(String(Date.now() - start)); resolve(); }
				}, 10);
			});
		}`, nil)
	require.NoError(t, out.Err)
	require.Len(t, out.Console, 1)
	elapsed, err := strconv.Atoi(out.Console[0])
	require.NoError(t, err)
	assert.Less(t, elapsed, 500, "40 ticks of 10 ms took %d ms; re-arming after each 4 ms callback would take ~560", elapsed)
}
