package timers_test

import (
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
