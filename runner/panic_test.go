package runner

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/exitcode"
)

// TestGoPanicAbortsTheRun: a Go panic during an iteration (a bug in minik6 or in
// an extension) ends the run with exit code 109 instead of crashing the process.
func TestGoPanicAbortsTheRun(t *testing.T) {
	t.Parallel()
	s := &fakeScript{iter: func(_ context.Context, v *fakeVU, _ <-chan struct{}) error {
		if v.state.ScenarioIterationInInstance == 3 {
			panic("extension bug")
		}
		return nil
	}}
	tr := newTestRun(t, `{"vus":2,"iterations":10}`, s, nil)
	_, _, err := tr.run(30 * time.Second)
	require.Error(t, err)
	assert.Equal(t, exitcode.GoPanic, exitcode.Of(err))
	assert.Contains(t, err.Error(), "extension bug")
}
