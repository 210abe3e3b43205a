package runner

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/segment"
)

func TestDescribe(t *testing.T) {
	t.Parallel()
	half, err := segment.ParseSegment("0:1/2")
	require.NoError(t, err)
	halfTuple, err := segment.NewTuple(half, nil)
	require.NoError(t, err)
	tests := []struct {
		scenario string
		tuple    *segment.Tuple
		want     string
	}{
		{`{"executor":"shared-iterations","vus":3,"iterations":9}`, nil,
			"9 iterations shared among 3 VUs (maxDuration: 10m0s, gracefulStop: 30s)"},
		{`{"executor":"per-vu-iterations","vus":2,"iterations":4,"exec":"fn","startTime":"5s"}`, nil,
			"4 iterations for each of 2 VUs (maxDuration: 10m0s, exec: fn, startTime: 5s, gracefulStop: 30s)"},
		{`{"executor":"constant-vus","vus":50,"duration":"10s"}`, halfTuple,
			"25 looping VUs for 10s (gracefulStop: 30s)"},
		{`{"executor":"ramping-vus","stages":[{"duration":"5s","target":100},{"duration":"5s","target":50}]}`, nil,
			"Up to 100 looping VUs for 10s over 2 stages (gracefulRampDown: 30s, gracefulStop: 30s)"},
		{`{"executor":"constant-arrival-rate","rate":120,"timeUnit":"1m","duration":"1m","preAllocatedVUs":2,"maxVUs":4}`, nil,
			"2.00 iterations/s for 1m0s (maxVUs: 2-4, gracefulStop: 30s)"},
		{`{"executor":"ramping-arrival-rate","startRate":1,"stages":[{"duration":"1s","target":5}],"preAllocatedVUs":3}`, nil,
			"Up to 5.00 iterations/s for 1s over 1 stages (maxVUs: 3, gracefulStop: 30s)"},
	}
	for _, tt := range tests {
		o, err := options.Parse([]byte(`{"scenarios":{"s":` + tt.scenario + `}}`))
		require.NoError(t, err)
		tuple := tt.tuple
		if tuple == nil {
			tuple, err = segment.NewTuple(nil, nil)
			require.NoError(t, err)
		}
		assert.Equal(t, tt.want, describe(o.Scenarios["s"], tuple), tt.scenario)
	}
}
