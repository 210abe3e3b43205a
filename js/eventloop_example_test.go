package js_test

import (
	"context"
	"testing"
	"time"

	"github.com/grafana/sobek"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/js/modules"
)

// sleepy is an example of a module that works on another goroutine: its
// resolveLater(ms) returns a promise that a goroutine resolves with ms after ms
// milliseconds, through the VU's event loop. The name k6/x/sleepy exists in
// these tests only.
type sleepy struct{ vu modules.VU }

func init() {
	modules.Register("k6/x/sleepy", modules.ModuleFunc(func(vu modules.VU) modules.Instance {
		return &sleepy{vu: vu}
	}))
}

func (s *sleepy) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{"resolveLater": s.resolveLater}}
}

// resolveLater runs on the VU's goroutine, called by the script: it makes the
// promise and reserves the slot there. The goroutine touches neither the promise
// nor the runtime: it only hands the callback to enqueue, and the callback runs
// on the VU's goroutine.
func (s *sleepy) resolveLater(ms int64) *sobek.Promise {
	p, resolve, _ := s.vu.Runtime().NewPromise()
	enqueue := s.vu.RegisterCallback()
	go func() {
		time.Sleep(time.Duration(ms) * time.Millisecond)
		enqueue(func() error { return resolve(ms) })
	}()
	return p
}

func TestExampleModuleResolvesFromAGoroutine(t *testing.T) {
	t.Parallel()
	h := newHost(`
		import { resolveLater } from 'k6/x/sleepy';
		let got = [];
		export default async function () {
			const v = await resolveLater(20);
			if (v !== 20) throw new Error('resolved with ' + v);
			got.push(v);
		}
		export function probe() { return got; }`, nil)
	v, _ := h.vu(t)
	for i := 0; i < 3; i++ {
		start := time.Now()
		require.NoError(t, v.RunIteration(context.Background(), "default"))
		assert.GreaterOrEqual(t, time.Since(start), 20*time.Millisecond, "the iteration waited for the promise")
	}
	assert.JSONEq(t, `[20,20,20]`, call(t, v, "probe"))
}
