package timers_test

import (
	"testing"

	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/minik6/minik6/js/modules/timers"
	"github.com/minik6/minik6/minik6test"
	"github.com/minik6/minik6/testrun"
)

func TestTimersModule(t *testing.T) {
	t.Parallel()
	logger, _ := logtest.NewNullLogger()
	console, lines := logtest.NewNullLogger()
	test, err := minik6test.LoadScript(`import { setTimeout, clearTimeout, setInterval, clearInterval } from 'k6/timers';
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
		}`, logger, console, nil)
	require.NoError(t, err)
	_, res := minik6test.RunTest(t, test, testrun.Config{Logger: logger})
	require.NoError(t, res.Err)
	require.Len(t, lines.AllEntries(), 1)
	assert.Equal(t, "t10,t50 3 true", lines.AllEntries()[0].Message)
}
