package cloud_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/exitcode"
	_ "github.com/minik6/minik6/js/modules/execution"
	_ "github.com/minik6/minik6/js/modules/k6"
	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/minik6test"
	_ "github.com/minik6/minik6/output/cloud"
	"github.com/minik6/minik6/testrun"
)

// cloudRun runs src with --out cloud against a fake cloud that pushes every
// second; it returns the run's result, its iterations and what was logged.
func cloudRun(t *testing.T, fake *minik6test.FakeCloud, src string, env map[string]string) (testrun.Result, float64, string) {
	t.Helper()
	var logs bytes.Buffer
	logger := logrus.New()
	logger.SetOutput(&logs)
	test, err := minik6test.LoadScript(src, logger, logger, nil)
	require.NoError(t, err)
	all := fake.Env()
	for k, v := range env {
		all[k] = v
	}
	run, res := minik6test.RunTest(t, test, testrun.Config{Outputs: []string{"cloud"}, Env: all, Logger: logger, Version: "9.9.9"})
	sum, err := run.Engine().Summary(metricsSummaryOptions)
	require.NoError(t, err)
	var iterations float64
	for _, m := range sum.Metrics {
		if m.Name == "iterations" {
			iterations = m.Values["count"]
		}
	}
	return res, iterations, logs.String()
}

func TestOutCloudFlow(t *testing.T) {
	t.Parallel()
	fake := minik6test.NewFakeCloud(t)
	fake.SetCreateConfig(minik6test.FastPushConfig())
	res, iterations, logs := cloudRun(t, fake, `import { check, sleep } from 'k6';
		export const options = { vus: 2, duration: '3s', thresholds: { checks: ['rate==1'], iterations: ['count>1000000'] } };
		export default function () { check(1, { ok: (v) => v === 1 }); sleep(0.05); }`, nil)
	assert.Equal(t, exitcode.ThresholdsFailed, exitcode.Of(res.Err))

	reqs := fake.Requests()
	require.NotEmpty(t, reqs)
	assert.Equal(t, minik6test.RouteCreateTestRun, reqs[0].Route)
	assert.Equal(t, minik6test.RouteTestFinished, reqs[len(reqs)-1].Route)
	pushes := fake.RequestsTo(minik6test.RouteMetricsPush)
	assert.GreaterOrEqual(t, len(pushes), 2, "pushed during the run and at the end")

	var create map[string]any
	require.NoError(t, reqs[0].DecodeJSON(&create))
	assert.Equal(t, "script.js", create["name"])
	assert.EqualValues(t, 2, create["vus"])
	assert.EqualValues(t, 33, create["duration"], "the graceful stop counts")
	assert.Equal(t, map[string]any{"checks": []any{"rate==1"}, "iterations": []any{"count>1000000"}}, create["thresholds"])
	assert.Equal(t, "Token "+minik6test.FakeCloudToken, reqs[0].Header.Get("Authorization"))
	assert.Equal(t, "k6cloud/9.9.9", reqs[0].Header.Get("User-Agent"))

	p := pushes[0]
	assert.Equal(t, "application/x-protobuf", p.Header.Get("Content-Type"))
	assert.Equal(t, "snappy", p.Header.Get("Content-Encoding"))
	assert.Equal(t, "2.0", p.Header.Get("K6-Metrics-Protocol-Version"))
	assert.Len(t, p.Header.Get("K6-Idempotency-Key"), 16)
	require.NotNil(t, p.Metrics)
	assert.Equal(t, "123", p.Metrics.TestRunId)
	assert.EqualValues(t, 1, p.Metrics.AggregationPeriod)

	assert.Equal(t, iterations, fake.CounterSums()["iterations"], "every iteration reached the cloud once")

	var finished map[string]any
	require.NoError(t, reqs[len(reqs)-1].DecodeJSON(&finished))
	assert.EqualValues(t, 1, finished["result_status"])
	assert.EqualValues(t, 3, finished["run_status"])
	assert.Equal(t, map[string]any{"checks": map[string]any{"rate==1": false}, "iterations": map[string]any{"count>1000000": true}},
		finished["thresholds"])
	assert.NotContains(t, logs, minik6test.FakeCloudToken)
}

// Pushes that fail are kept and sent again: every sample still arrives once.
func TestOutCloudRedeliversFailedPushes(t *testing.T) {
	t.Parallel()
	fake := minik6test.NewFakeCloud(t)
	fake.SetCreateConfig(minik6test.FastPushConfig())
	fake.Fail(minik6test.RouteMetricsPush, minik6test.FailRule{Status: 500, Body: `{"error":{"message":"ingest down"}}`, Times: 4})
	res, iterations, logs := cloudRun(t, fake, `import { sleep } from 'k6';
		export const options = { vus: 2, duration: '3s' };
		export default function () { sleep(0.05); }`, nil)
	require.NoError(t, res.Err)
	assert.Contains(t, logs, "ingest down")
	assert.Positive(t, iterations)
	assert.Equal(t, iterations, fake.CounterSums()["iterations"], "nothing lost, nothing twice")
	assert.NotContains(t, logs, "could not be delivered")
}

// With a push reference ID there is no create and no test-finished.
func TestOutCloudPushRefID(t *testing.T) {
	t.Parallel()
	fake := minik6test.NewFakeCloud(t)
	res, iterations, _ := cloudRun(t, fake, `export const options = { iterations: 5 };
		export default function () {}`, map[string]string{"K6_CLOUD_PUSH_REF_ID": "777"})
	require.NoError(t, res.Err)
	for _, r := range fake.Requests() {
		assert.Equal(t, minik6test.RouteMetricsPush, r.Route)
		assert.Equal(t, "/v2/metrics/777", r.Path)
	}
	assert.Equal(t, iterations, fake.CounterSums()["iterations"])
}

// 403 with code 4 halts pushing; with stopOnError it stops the run (105,
// run_status 6).
func TestOutCloudStopOnError(t *testing.T) {
	t.Parallel()
	fake := minik6test.NewFakeCloud(t)
	fake.SetCreateConfig(minik6test.FastPushConfig())
	fake.Fail(minik6test.RouteMetricsPush, minik6test.FailRule{Status: 403, Body: `{"error":{"code":4,"message":"test run is not accepting more metrics"}}`})
	start := time.Now()
	res, _, logs := cloudRun(t, fake, `import { sleep } from 'k6';
		export const options = { vus: 1, duration: '20s' };
		export default function () { sleep(0.1); }`, map[string]string{"K6_CLOUD_STOP_ON_ERROR": "true"})
	assert.Less(t, time.Since(start), 15*time.Second)
	assert.Equal(t, exitcode.ExternalAbort, exitcode.Of(res.Err))
	assert.Contains(t, logs, "Interrupt sending metrics to cloud due to an error")
	finished := fake.RequestsTo(minik6test.RouteTestFinished)
	require.Len(t, finished, 1)
	assert.EqualValues(t, 6, finished[0].JSON["run_status"])
}

func TestOutCloudRefusals(t *testing.T) {
	t.Parallel()
	fake := minik6test.NewFakeCloud(t)
	logger, _ := logtest.NewNullLogger()
	for name, tc := range map[string]struct{ src, want string }{
		"system tags": {`export const options = { systemTags: ['status'] }; export default function () {}`,
			"the cloud output needs the following system tags enabled: status, method, name, group, check, error"},
	} {
		test, err := minik6test.LoadScript(tc.src, logger, logger, nil)
		require.NoError(t, err, name)
		run, err := testrun.New(test, testrun.Config{Outputs: []string{"cloud"}, Env: fake.Env(), Logger: logger})
		require.NoError(t, err, name)
		err = run.StartOutputs()
		require.Error(t, err, name)
		assert.True(t, strings.Contains(err.Error(), tc.want), "%s: %v", name, err)
		assert.Equal(t, exitcode.GenericEngineError, exitcode.Of(err))
	}
	assert.Empty(t, fake.Requests(), "nothing is sent before the checks pass")
}

var metricsSummaryOptions = metrics.SummaryOptions{TrendStats: []string{"avg"}}
