package metrics

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMetricTypeText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		t    MetricType
		text string
	}{{Counter, "counter"}, {Gauge, "gauge"}, {Rate, "rate"}, {Trend, "trend"}} {
		assert.Equal(t, tc.text, tc.t.String())
		b, err := tc.t.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, tc.text, string(b))
		var back MetricType
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, tc.t, back)
	}
	_, err := MetricType(0).MarshalText()
	assert.ErrorIs(t, err, ErrInvalidMetricType)
	var mt MetricType
	assert.ErrorIs(t, mt.UnmarshalText([]byte("histogram")), ErrInvalidMetricType)
}

func TestValueTypeText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    ValueType
		text string
	}{{Default, "default"}, {Time, "time"}, {Data, "data"}} {
		assert.Equal(t, tc.text, tc.v.String())
		b, err := tc.v.MarshalText()
		require.NoError(t, err)
		var back ValueType
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, tc.v, back)
	}
	_, err := ValueType(9).MarshalText()
	assert.ErrorIs(t, err, ErrInvalidValueType)
	var vt ValueType
	assert.ErrorIs(t, vt.UnmarshalText([]byte("bytes")), ErrInvalidValueType)
}

// The names and messages of conformance-metrics case 36.
func TestRegistryMetricNames(t *testing.T) {
	t.Parallel()
	msg := func(name string) string {
		return "Invalid metric name: '" + name + "'. Metric names must only include up to 128 ASCII letters, " +
			"numbers, or underscores and start with a letter or an underscore."
	}
	tests := []struct {
		name string
		ok   bool
	}{
		{"", false},
		{"a b", false},
		{"1abc", false},
		{"a-b", false},
		{"a.b", false},
		{"métrique", false},
		{"c", false},
		{"ab", true},
		{"_x", true},
		{"__", true},
		{"a1", true},
		{strings.Repeat("a", 129), true},
		{strings.Repeat("b", 130), false},
		{"my_counter{k:v}", false},
	}
	r := NewRegistry()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := r.NewMetric(tc.name, Counter)
			if tc.ok {
				require.NoError(t, err)
				assert.Equal(t, tc.name, m.Name)
				return
			}
			require.EqualError(t, err, msg(tc.name))
			assert.ErrorIs(t, err, ErrInvalidMetricName)
		})
	}
}

func TestRegistryRedeclare(t *testing.T) {
	t.Parallel()
	r := NewRegistry()
	RegisterBuiltins(r)

	tests := []struct {
		name     string
		first    func() (*Metric, error)
		second   func() (*Metric, error)
		wantErr  string
		samePtr  bool
		contains ValueType
	}{
		{
			name:    "built-in with another type",
			first:   func() (*Metric, error) { return r.Get("iterations"), nil },
			second:  func() (*Metric, error) { return r.NewMetric("iterations", Trend) },
			wantErr: "metric 'iterations' already exists but with type counter, instead of trend",
		},
		{
			name:    "custom with another type",
			first:   func() (*Metric, error) { return r.NewMetric("dup_type", Counter) },
			second:  func() (*Metric, error) { return r.NewMetric("dup_type", Gauge) },
			wantErr: "metric 'dup_type' already exists but with type counter, instead of gauge",
		},
		{
			name:    "another value type",
			first:   func() (*Metric, error) { return r.NewMetric("dup_time", Trend) },
			second:  func() (*Metric, error) { return r.NewMetric("dup_time", Trend, Time) },
			wantErr: "metric 'dup_time' already exists but with a value type default, instead of time",
		},
		{
			name:    "same name and type",
			first:   func() (*Metric, error) { return r.NewMetric("same", Counter) },
			second:  func() (*Metric, error) { return r.NewMetric("same", Counter) },
			samePtr: true,
		},
		{
			name:    "same type, value type left out",
			first:   func() (*Metric, error) { return r.NewMetric("timed", Trend, Time) },
			second:  func() (*Metric, error) { return r.NewMetric("timed", Trend) },
			samePtr: true,
		},
		{
			name:    "built-in of the same type",
			first:   func() (*Metric, error) { return r.Get("http_reqs"), nil },
			second:  func() (*Metric, error) { return r.NewMetric("http_reqs", Counter) },
			samePtr: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := tc.first()
			require.NoError(t, err)
			b, err := tc.second()
			if tc.wantErr != "" {
				require.EqualError(t, err, tc.wantErr)
				assert.ErrorIs(t, err, ErrMetricExists)
				return
			}
			require.NoError(t, err)
			assert.Same(t, a, b)
		})
	}
}

func TestRegistryAllSortedAndConcurrent(t *testing.T) {
	t.Parallel()
	r := NewRegistry()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				_, err := r.NewMetric(fmt.Sprintf("m_%02d", (i+g)%50), Counter)
				assert.NoError(t, err)
				_ = r.Get("m_00")
			}
		}()
	}
	wg.Wait()
	all := r.All()
	require.Len(t, all, 50)
	assert.Equal(t, 50, r.Len())
	for i, m := range all {
		assert.Equal(t, fmt.Sprintf("m_%02d", i), m.Name)
	}
	assert.Nil(t, r.Get("nope"))
}

func TestRegistryRejectsInvalidType(t *testing.T) {
	t.Parallel()
	_, err := NewRegistry().NewMetric("ok_name", MetricType(42))
	assert.True(t, errors.Is(err, ErrInvalidMetricType))
	assert.Panics(t, func() { NewRegistry().MustNewMetric("x", Counter) })
}

func TestRegisterBuiltins(t *testing.T) {
	t.Parallel()
	r := NewRegistry()
	b := RegisterBuiltins(r)
	tests := []struct {
		m        *Metric
		name     string
		typ      MetricType
		contains ValueType
	}{
		{b.VUs, "vus", Gauge, Default},
		{b.VUsMax, "vus_max", Gauge, Default},
		{b.Iterations, "iterations", Counter, Default},
		{b.IterationDuration, "iteration_duration", Trend, Time},
		{b.DroppedIterations, "dropped_iterations", Counter, Default},
		{b.Checks, "checks", Rate, Default},
		{b.GroupDuration, "group_duration", Trend, Time},
		{b.DataSent, "data_sent", Counter, Data},
		{b.DataReceived, "data_received", Counter, Data},
		{b.HTTPReqs, "http_reqs", Counter, Default},
		{b.HTTPReqFailed, "http_req_failed", Rate, Default},
		{b.HTTPReqDuration, "http_req_duration", Trend, Time},
		{b.HTTPReqBlocked, "http_req_blocked", Trend, Time},
		{b.HTTPReqConnecting, "http_req_connecting", Trend, Time},
		{b.HTTPReqTLSHandshaking, "http_req_tls_handshaking", Trend, Time},
		{b.HTTPReqSending, "http_req_sending", Trend, Time},
		{b.HTTPReqWaiting, "http_req_waiting", Trend, Time},
		{b.HTTPReqReceiving, "http_req_receiving", Trend, Time},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.name, tc.m.Name)
		assert.Equal(t, tc.typ, tc.m.Type, tc.name)
		assert.Equal(t, tc.contains, tc.m.Contains, tc.name)
		assert.Same(t, tc.m, r.Get(tc.name))
		assert.Equal(t, tc.name, tc.m.String())
	}
	assert.Equal(t, len(tests), r.Len())
	assert.NotPanics(t, func() { RegisterBuiltins(r) }, "registering twice is harmless")
}
