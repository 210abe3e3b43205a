package options

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/guregu/null.v3"
)

func mustParse(t *testing.T, s string) Options {
	t.Helper()
	o, err := Parse([]byte(s))
	require.NoError(t, err)
	return o
}

func TestApplyScalars(t *testing.T) {
	low := mustParse(t, `{"vus":1,"paused":true,"userAgent":"low","tags":{"a":"1"},"dns":{"ttl":"1m","select":"first"},
		"systemTags":["url"],"blacklistIPs":["10.0.0.0/8"]}`)
	high := mustParse(t, `{"vus":2,"userAgent":"high","tags":{},"dns":{"select":"random"},"blacklistIPs":[]}`)
	got := low.Apply(high)
	assert.Equal(t, null.IntFrom(2), got.VUs, "set in high")
	assert.Equal(t, null.BoolFrom(true), got.Paused, "unset in high keeps low")
	assert.Equal(t, null.StringFrom("high"), got.UserAgent)
	assert.Equal(t, map[string]string{"a": "1"}, got.Tags, "empty tags do not override, as in k6")
	assert.Equal(t, null.StringFrom("1m"), got.DNS.TTL, "dns merges field by field")
	assert.Equal(t, null.StringFrom("random"), got.DNS.Select)
	assert.Equal(t, []string{"url"}, got.SystemTags)
	assert.NotNil(t, got.BlacklistIPs, "an explicitly empty list overrides")
	assert.Empty(t, got.BlacklistIPs)
}

func TestApplyExecutionOptions(t *testing.T) {
	tests := []struct {
		name       string
		low, high  string
		scenarios  []string // scenario names after apply; nil for none
		duration   time.Duration
		iterations null.Int
		stages     int
		vus        null.Int
	}{
		{name: "higher shortcut replaces lower scenarios",
			low:  `{"scenarios":{"s":{"executor":"per-vu-iterations"}}}`,
			high: `{"iterations":5}`, iterations: null.IntFrom(5)},
		{name: "higher scenarios replace lower shortcuts",
			low:       `{"duration":"1m","stages":[{"duration":"1s","target":1}],"vus":4}`,
			high:      `{"scenarios":{"x":{"executor":"constant-vus","duration":"1s"}}}`,
			scenarios: []string{"x"}, vus: null.IntFrom(4)},
		{name: "vus alone does not reset anything",
			low: `{"duration":"1m"}`, high: `{"vus":9}`,
			duration: time.Minute, vus: null.IntFrom(9)},
		{name: "same layer keeps both for DeriveScenarios to reject",
			low: `{}`, high: `{"iterations":2,"scenarios":{"s":{"executor":"per-vu-iterations"}}}`,
			scenarios: []string{"s"}, iterations: null.IntFrom(2)},
		{name: "stages without a duration are dropped",
			low: `{}`, high: `{"stages":[{"target":3},{"duration":"1s","target":1}]}`, stages: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mustParse(t, tt.low).Apply(mustParse(t, tt.high))
			if tt.scenarios == nil {
				assert.Nil(t, got.Scenarios)
			} else {
				assert.Equal(t, tt.scenarios, got.Scenarios.Names())
			}
			assert.Equal(t, tt.duration, got.Duration.ValueOr(0))
			assert.Equal(t, tt.iterations, got.Iterations)
			assert.Len(t, got.Stages, tt.stages)
			assert.Equal(t, tt.vus, got.VUs)
		})
	}
}

func TestConsolidatePrecedence(t *testing.T) {
	file := mustParse(t, `{"vus":1,"userAgent":"file","noSetup":true,"batch":1,"summaryTimeUnit":"s"}`)
	script := mustParse(t, `{"vus":2,"userAgent":"script","batch":2,"duration":"10s"}`)
	env, err := FromEnv(map[string]string{"K6_VUS": "3", "K6_USER_AGENT": "env"})
	require.NoError(t, err)
	cli := Options{VUs: null.IntFrom(4)}

	o, warnings, err := Consolidate(file, script, env, cli)
	require.NoError(t, err)
	assert.Empty(t, warnings)
	assert.Equal(t, null.IntFrom(4), o.VUs, "CLI beats everything")
	assert.Equal(t, null.StringFrom("env"), o.UserAgent, "env beats script and file")
	assert.Equal(t, null.IntFrom(2), o.Batch, "script beats file")
	assert.Equal(t, null.BoolFrom(true), o.NoSetup, "file beats defaults")
	assert.Equal(t, null.StringFrom("s"), o.SummaryTimeUnit)
	assert.Equal(t, DefaultSystemTags(), o.SystemTags, "defaults fill what nobody set")
	assert.Equal(t, DefaultSummaryTrendStats(), o.SummaryTrendStats)

	cv, ok := o.Scenarios[DefaultScenarioName].(ConstantVUsConfig)
	require.True(t, ok, "script duration + CLI vus → constant-vus")
	assert.Equal(t, int64(4), cv.GetVUs())
	assert.Equal(t, 10*time.Second, cv.GetDuration())
}

func TestConsolidateOverrideWarning(t *testing.T) {
	script := mustParse(t, `{"scenarios":{"s":{"executor":"constant-vus","duration":"1m"}}}`)
	cli := Options{Iterations: null.IntFrom(3)}
	o, warnings, err := Consolidate(Options{}, script, Options{}, cli)
	require.NoError(t, err)
	assert.Equal(t, []string{`"cli" level configuration overrode scenarios configuration entirely`}, warnings)
	si, ok := o.Scenarios[DefaultScenarioName].(SharedIterationsConfig)
	require.True(t, ok)
	assert.Equal(t, int64(3), si.GetIterations())
	assert.Equal(t, []string{DefaultScenarioName}, o.Scenarios.Names())
}

func TestConsolidateConflict(t *testing.T) {
	script := mustParse(t, `{"duration":"1m","scenarios":{"s":{"executor":"per-vu-iterations"}}}`)
	_, _, err := Consolidate(Options{}, script, Options{}, Options{})
	assert.EqualError(t, err, "using `duration` and `scenarios` options simultaneously is not allowed")
}

func TestWithDefaults(t *testing.T) {
	o := Options{SystemTags: []string{"vu", "nope", "vu"}, SummaryTrendStats: []string{}}.WithDefaults()
	assert.Equal(t, []string{"vu"}, o.SystemTags)
	assert.Equal(t, []string{}, o.SummaryTrendStats, "an explicitly empty list is kept")
	o = Options{}.WithDefaults()
	assert.Equal(t, DefaultSystemTags(), o.SystemTags)
	assert.Equal(t, DefaultSummaryTrendStats(), o.SummaryTrendStats)
	assert.Len(t, KnownSystemTags(), 18)
}

func TestAccessorDefaults(t *testing.T) {
	var o Options
	assert.Equal(t, 60*time.Second, o.GetSetupTimeout())
	assert.Equal(t, 60*time.Second, o.GetTeardownTimeout())
	assert.Equal(t, 2*time.Minute, o.GetHandleSummaryTimeout())
	assert.Equal(t, int64(20), o.GetBatch())
	assert.Equal(t, int64(6), o.GetBatchPerHost())
	assert.Equal(t, int64(10), o.GetMaxRedirects())
	assert.Equal(t, DefaultSystemTags(), o.GetSystemTags())
	assert.Equal(t, DefaultSummaryTrendStats(), o.GetSummaryTrendStats())
	ttl, forever := o.DNS.GetTTL()
	assert.Equal(t, 5*time.Minute, ttl)
	assert.False(t, forever)
	assert.Equal(t, "random", o.DNS.GetSelect())
	assert.Equal(t, "preferIPv4", o.DNS.GetPolicy())

	base := BaseConfig{}
	assert.Equal(t, time.Duration(0), base.GetStartTime())
	assert.Equal(t, 30*time.Second, base.GetGracefulStop())
	assert.Equal(t, "default", base.GetExec())

	si := SharedIterationsConfig{}
	assert.Equal(t, int64(1), si.GetVUs())
	assert.Equal(t, int64(1), si.GetIterations())
	assert.Equal(t, 10*time.Minute, si.GetMaxDuration())
	pvi := PerVUIterationsConfig{}
	assert.Equal(t, int64(1), pvi.GetVUs())
	assert.Equal(t, int64(1), pvi.GetIterations())
	assert.Equal(t, 10*time.Minute, pvi.GetMaxDuration())
	assert.Equal(t, int64(1), ConstantVUsConfig{}.GetVUs())
	rv := RampingVUsConfig{Stages: []Stage{{NullDurationFrom(time.Second), null.IntFrom(7)}}}
	assert.Equal(t, int64(1), rv.GetStartVUs())
	assert.Equal(t, 30*time.Second, rv.GetGracefulRampDown())
	assert.Equal(t, int64(7), rv.GetMaxVUs())
	car := ConstantArrivalRateConfig{PreAllocatedVUs: null.IntFrom(3)}
	assert.Equal(t, time.Second, car.GetTimeUnit())
	assert.Equal(t, int64(3), car.GetMaxVUs(), "maxVUs defaults to preAllocatedVUs")
	rar := RampingArrivalRateConfig{PreAllocatedVUs: null.IntFrom(2), MaxVUs: null.IntFrom(5)}
	assert.Equal(t, time.Second, rar.GetTimeUnit())
	assert.Equal(t, int64(0), rar.GetStartRate())
	assert.Equal(t, int64(5), rar.GetMaxVUs())
}
