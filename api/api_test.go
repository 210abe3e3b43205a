package api_test

import (
	"bytes"
	"context"
	"crypto/md5" //nolint:gosec // k6's group ids
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/api"
	"github.com/minik6/minik6/exitcode"
	_ "github.com/minik6/minik6/js/modules/execution"
	_ "github.com/minik6/minik6/js/modules/k6"
	"github.com/minik6/minik6/minik6test"
	"github.com/minik6/minik6/runner"
	"github.com/minik6/minik6/testrun"
)

// fixture is a test run with its API served over HTTP on 127.0.0.1.
type fixture struct {
	run     *testrun.Run
	api     *api.Server
	srv     *httptest.Server
	console *logtest.Hook
}

// start loads src, starts its run and serves its API.
func start(t *testing.T, src string) *fixture {
	t.Helper()
	logger, _ := logtest.NewNullLogger()
	console, hook := logtest.NewNullLogger()
	test, err := minik6test.LoadScript(src, logger, console, nil)
	require.NoError(t, err)
	run, err := testrun.New(test, testrun.Config{Logger: logger})
	require.NoError(t, err)
	f := &fixture{run: run, api: api.New(run, logger), console: hook}
	f.srv = httptest.NewServer(f.api.Handler())
	t.Cleanup(func() {
		run.Stop(exitcode.Errorf(exitcode.ExternalAbort, "test over"))
		select {
		case <-run.Done():
		case <-time.After(30 * time.Second):
			t.Error("the run did not end")
		}
		f.srv.Close()
	})
	require.NoError(t, run.Start(context.Background()))
	return f
}

// answer is an HTTP answer: status, content type and decoded JSON body.
type answer struct {
	status int
	ctype  string
	body   map[string]any
	raw    string
}

func (f *fixture) do(t *testing.T, method, path, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	resp, err := f.srv.Client().Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := answer{status: resp.StatusCode, ctype: resp.Header.Get("Content-Type"), raw: string(raw)}
	if len(raw) > 0 && strings.HasPrefix(a.ctype, "application/json") {
		require.NoError(t, json.Unmarshal(raw, &a.body), "%s", raw)
	}
	return a
}

// attrs are the attributes of a single-resource answer.
func (a answer) attrs(t *testing.T) map[string]any {
	t.Helper()
	data, ok := a.body["data"].(map[string]any)
	require.True(t, ok, "no data object in %s", a.raw)
	at, ok := data["attributes"].(map[string]any)
	require.True(t, ok, "no attributes in %s", a.raw)
	return at
}

// apiErr is the first error of an error answer.
func (a answer) apiErr(t *testing.T) map[string]any {
	t.Helper()
	errs, ok := a.body["errors"].([]any)
	require.True(t, ok && len(errs) == 1, "not an error document: %s", a.raw)
	return errs[0].(map[string]any)
}

func (f *fixture) waitStatus(t *testing.T, want runner.ExecutionStatus) {
	t.Helper()
	require.Eventually(t, func() bool { return f.run.Status().Status == want }, 20*time.Second, 5*time.Millisecond)
}

func statusPatch(attrs string) string {
	return `{"data":{"type":"status","id":"default","attributes":` + attrs + `}}`
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s)) //nolint:gosec // an id
	return hex.EncodeToString(sum[:])
}

func TestStatusPauseAndResume(t *testing.T) {
	t.Parallel()
	f := start(t, `export const options = { vus: 2, iterations: 4, paused: true };
		export default function () {}`)
	f.waitStatus(t, runner.StatusPausedBeforeRun)

	a := f.do(t, "GET", "/v1/status", "")
	require.Equal(t, http.StatusOK, a.status)
	assert.Equal(t, "application/json", a.ctype)
	data := a.body["data"].(map[string]any)
	assert.Equal(t, "status", data["type"])
	assert.Equal(t, "default", data["id"])
	assert.Equal(t, map[string]any{
		"status": 4.0, "paused": true, "vus": 0.0, "vus-max": 2.0,
		"stopped": false, "running": false, "tainted": false,
	}, a.attrs(t))

	for _, tc := range []struct {
		name, body, title, detail string
		status                    int
	}{
		{"not JSON", `{"data":`, "Invalid data", "", http.StatusBadRequest},
		{"empty body", ``, "Invalid data", "", http.StatusBadRequest},
		{"wrong type", statusPatch(`{"paused":"yes"}`), "Invalid data", "", http.StatusBadRequest},
		{"second pause", statusPatch(`{"paused":true}`), "Pause error", "execution is already paused", http.StatusInternalServerError},
		{"vus", statusPatch(`{"vus":3}`), "Execution config error", "externally-controlled executor", http.StatusInternalServerError},
		{"vus-max", statusPatch(`{"vus-max":3}`), "Execution config error", "externally-controlled executor", http.StatusInternalServerError},
	} {
		a := f.do(t, "PATCH", "/v1/status", tc.body)
		assert.Equal(t, tc.status, a.status, tc.name)
		assert.Equal(t, "application/json", a.ctype, tc.name)
		e := a.apiErr(t)
		assert.Equal(t, tc.title, e["title"], tc.name)
		assert.Equal(t, strconv.Itoa(tc.status), e["status"], tc.name)
		assert.Contains(t, e["detail"], tc.detail, tc.name)
	}
	assert.Equal(t, runner.StatusPausedBeforeRun, f.run.Status().Status, "nothing started")

	a = f.do(t, "PATCH", "/v1/status", statusPatch(`{"paused":false}`))
	require.Equal(t, http.StatusOK, a.status, a.raw)
	assert.Equal(t, false, a.attrs(t)["paused"])
	res := f.run.Wait()
	require.NoError(t, res.Err)
	assert.EqualValues(t, 4, f.run.Status().Completed)

	a = f.do(t, "PATCH", "/v1/status", statusPatch(`{"paused":false}`))
	assert.Equal(t, http.StatusInternalServerError, a.status)
	assert.Equal(t, "execution wasn't paused", a.apiErr(t)["detail"])
	a = f.do(t, "PATCH", "/v1/status", statusPatch(`{"paused":true}`))
	assert.Equal(t, http.StatusInternalServerError, a.status)
	assert.Contains(t, a.apiErr(t)["detail"], "doesn't support pause and resume operations after its start")

	at := f.do(t, "GET", "/v1/status", "").attrs(t)
	assert.Equal(t, 9.0, at["status"])
	assert.Equal(t, false, at["running"])
	assert.Equal(t, false, at["stopped"])
}

func TestStopRunsTeardown(t *testing.T) {
	t.Parallel()
	f := start(t, `export const options = { vus: 1, duration: '30s' };
		export default function () {}
		export function teardown() { console.log('teardown ran'); }`)
	f.waitStatus(t, runner.StatusRunning)
	at := f.do(t, "GET", "/v1/status", "").attrs(t)
	assert.Equal(t, true, at["running"])
	assert.Equal(t, 1.0, at["vus"])

	a := f.do(t, "PATCH", "/v1/status", statusPatch(`{"stopped":true}`))
	require.Equal(t, http.StatusOK, a.status, a.raw)
	assert.Equal(t, true, a.attrs(t)["stopped"])
	select {
	case <-f.api.StopRequested():
	default:
		t.Error("StopRequested is not closed")
	}
	res := f.run.Wait()
	assert.Equal(t, exitcode.StoppedViaREST, exitcode.Of(res.Err), "%v", res.Err)
	assert.Contains(t, res.Err.Error(), "stopped from REST API")
	var msgs []string
	for _, e := range f.console.AllEntries() {
		msgs = append(msgs, e.Message)
	}
	assert.Contains(t, msgs, "teardown ran")
}

func TestStopWhilePaused(t *testing.T) {
	t.Parallel()
	f := start(t, `export const options = { iterations: 1, paused: true };
		export function setup() { console.log('setup ran'); }
		export default function () {}`)
	f.waitStatus(t, runner.StatusPausedBeforeRun)
	require.Equal(t, http.StatusOK, f.do(t, "PATCH", "/v1/status", statusPatch(`{"stopped":true}`)).status)
	res := f.run.Wait()
	assert.Equal(t, exitcode.StoppedViaREST, exitcode.Of(res.Err), "%v", res.Err)
	assert.Empty(t, f.console.AllEntries(), "setup must not run")
}

func TestMetricsAndGroups(t *testing.T) {
	t.Parallel()
	f := start(t, `import { check, group } from 'k6';
		export const options = { iterations: 2, thresholds: { checks: ['rate==1'], iterations: ['count<1'] } };
		export default function () {
			check(1, { 'top': (v) => v === 1 });
			group('outer', function () {
				group('inner', function () { check(1, { 'deep': (v) => v === 2 }); });
			});
		}`)
	require.Error(t, f.run.Wait().Err) // both thresholds fail

	a := f.do(t, "GET", "/v1/metrics", "")
	require.Equal(t, http.StatusOK, a.status)
	list := a.body["data"].([]any)
	byID := map[string]map[string]any{}
	for _, m := range list {
		m := m.(map[string]any)
		assert.Equal(t, "metrics", m["type"])
		byID[m["id"].(string)] = m["attributes"].(map[string]any)
	}
	require.Contains(t, byID, "iterations")
	require.Contains(t, byID, "iteration_duration")
	assert.Equal(t, "counter", byID["iterations"]["type"])
	assert.Equal(t, "default", byID["iterations"]["contains"])
	assert.Equal(t, true, byID["iterations"]["tainted"])
	assert.Equal(t, 2.0, byID["iterations"]["sample"].(map[string]any)["count"])
	assert.Equal(t, "trend", byID["iteration_duration"]["type"])
	assert.Equal(t, "time", byID["iteration_duration"]["contains"])
	assert.Nil(t, byID["iteration_duration"]["tainted"])
	assert.ElementsMatch(t, []string{"avg", "min", "med", "max", "p(90)", "p(95)"},
		keys(byID["iteration_duration"]["sample"].(map[string]any)))

	a = f.do(t, "GET", "/v1/metrics/checks", "")
	require.Equal(t, http.StatusOK, a.status)
	at := a.attrs(t)
	assert.Equal(t, "rate", at["type"])
	assert.Equal(t, true, at["tainted"])
	assert.Equal(t, map[string]any{"rate": 0.5, "passes": 2.0, "fails": 2.0}, at["sample"])

	a = f.do(t, "GET", "/v1/metrics/nope", "")
	assert.Equal(t, http.StatusNotFound, a.status)
	assert.Equal(t, "404", a.apiErr(t)["status"])

	a = f.do(t, "GET", "/v1/groups", "")
	require.Equal(t, http.StatusOK, a.status)
	groups := a.body["data"].([]any)
	require.Len(t, groups, 3)
	root := groups[0].(map[string]any)
	assert.Equal(t, md5hex(""), root["id"])
	assert.Equal(t, "d41d8cd98f00b204e9800998ecf8427e", root["id"])
	rootAttrs := root["attributes"].(map[string]any)
	assert.Equal(t, "", rootAttrs["path"])
	assert.Equal(t, []any{map[string]any{
		"id": md5hex("::top"), "path": "::top", "name": "top", "passes": 2.0, "fails": 0.0,
	}}, rootAttrs["checks"])
	rel := root["relationships"].(map[string]any)
	assert.Equal(t, map[string]any{"data": nil}, rel["parent"])
	assert.Equal(t, map[string]any{"data": []any{map[string]any{"type": "groups", "id": md5hex("::outer")}}}, rel["groups"])

	a = f.do(t, "GET", "/v1/groups/"+md5hex("::outer::inner"), "")
	require.Equal(t, http.StatusOK, a.status)
	inner := a.body["data"].(map[string]any)
	assert.Equal(t, "groups", inner["type"])
	at = a.attrs(t)
	assert.Equal(t, "inner", at["name"])
	assert.Equal(t, "::outer::inner", at["path"])
	assert.Equal(t, 2.0, at["checks"].([]any)[0].(map[string]any)["fails"])
	rel = inner["relationships"].(map[string]any)
	assert.Equal(t, map[string]any{"data": map[string]any{"type": "groups", "id": md5hex("::outer")}}, rel["parent"])
	assert.Equal(t, map[string]any{"data": []any{}}, rel["groups"])

	a = f.do(t, "GET", "/v1/groups/nope", "")
	assert.Equal(t, http.StatusNotFound, a.status)
	assert.Equal(t, "Not Found", a.apiErr(t)["title"])

	a = f.do(t, "GET", "/metrics", "")
	require.Equal(t, http.StatusOK, a.status)
	assert.True(t, strings.HasPrefix(a.ctype, "text/plain"), a.ctype)
	for _, want := range []string{
		"# TYPE k6_iterations_total counter\nk6_iterations_total 2\n",
		"k6_checks_rate 0.5\n",
		"# TYPE k6_iteration_duration_p95 gauge\n",
	} {
		assert.Contains(t, a.raw, want)
	}
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestSetupAndTeardownOnRequest(t *testing.T) {
	t.Parallel()
	f := start(t, `import exec from 'k6/execution';
		export const options = { iterations: 1, paused: true, noSetup: true, noTeardown: true };
		export function setup() { console.log('setup ran'); return { n: 1 }; }
		export default function (data) { if (data.n !== 2) { exec.test.abort('data.n is ' + data.n); } }
		export function teardown(data) { console.log('teardown got ' + data.n); }`)
	f.waitStatus(t, runner.StatusPausedBeforeRun)

	a := f.do(t, "GET", "/v1/setup", "")
	require.Equal(t, http.StatusOK, a.status)
	assert.Equal(t, map[string]any{"type": "setupData", "id": "default", "attributes": map[string]any{"data": nil}}, a.body["data"])

	a = f.do(t, "POST", "/v1/setup", "")
	require.Equal(t, http.StatusOK, a.status, a.raw)
	assert.Equal(t, map[string]any{"data": map[string]any{"n": 1.0}}, a.attrs(t))

	a = f.do(t, "PUT", "/v1/setup", `{"n": `)
	assert.Equal(t, http.StatusBadRequest, a.status)
	assert.Equal(t, "Error parsing request body", a.apiErr(t)["title"])

	a = f.do(t, "PUT", "/v1/setup", `{"n": 2}`)
	require.Equal(t, http.StatusOK, a.status, a.raw)
	assert.Equal(t, map[string]any{"data": map[string]any{"n": 2.0}}, a.attrs(t))
	assert.Equal(t, a.body, f.do(t, "GET", "/v1/setup", "").body)

	require.Equal(t, http.StatusOK, f.do(t, "PATCH", "/v1/status", statusPatch(`{"paused":false}`)).status)
	res := f.run.Wait()
	require.NoError(t, res.Err)
	assert.EqualValues(t, 1, f.run.Status().Completed)

	a = f.do(t, "POST", "/v1/teardown", "")
	require.Equal(t, http.StatusOK, a.status, a.raw)
	var msgs []string
	for _, e := range f.console.AllEntries() {
		msgs = append(msgs, e.Message)
	}
	assert.Equal(t, []string{"setup ran", "teardown got 2"}, msgs)
}

func TestSetupErrors(t *testing.T) {
	t.Parallel()
	f := start(t, `export const options = { iterations: 1, paused: true, noSetup: true };
		export function setup() { throw new Error('no setup today'); }
		export default function () {}`)
	f.waitStatus(t, runner.StatusPausedBeforeRun)
	a := f.do(t, "POST", "/v1/setup", "")
	assert.Equal(t, http.StatusInternalServerError, a.status)
	assert.Equal(t, "Error executing setup", a.apiErr(t)["title"])
	assert.Contains(t, a.apiErr(t)["detail"], "no setup today")
}

func TestPathsAndMethods(t *testing.T) {
	t.Parallel()
	f := start(t, `export const options = { iterations: 1, paused: true };
		export default function () {}`)
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/v1/nope", http.StatusNotFound},
		{"GET", "/", http.StatusNotFound},
		{"GET", "/v2/status", http.StatusNotFound},
		{"DELETE", "/v1/status", http.StatusMethodNotAllowed},
		{"POST", "/v1/status", http.StatusMethodNotAllowed},
		{"POST", "/v1/metrics", http.StatusMethodNotAllowed},
		{"PATCH", "/v1/metrics/iterations", http.StatusMethodNotAllowed},
		{"DELETE", "/v1/groups", http.StatusMethodNotAllowed},
		{"PUT", "/v1/groups/x", http.StatusMethodNotAllowed},
		{"DELETE", "/v1/setup", http.StatusMethodNotAllowed},
		{"GET", "/v1/teardown", http.StatusMethodNotAllowed},
		{"POST", "/metrics", http.StatusMethodNotAllowed},
	} {
		a := f.do(t, tc.method, tc.path, "")
		assert.Equal(t, tc.status, a.status, "%s %s", tc.method, tc.path)
		assert.Equal(t, "application/json", a.ctype, "%s %s", tc.method, tc.path)
		a.apiErr(t)
	}
}

func TestListen(t *testing.T) {
	t.Parallel()
	logger := logrus.New()
	logger.SetOutput(io.Discard)
	test, err := minik6test.LoadScript(`export default function () {}`, logger, logger, nil)
	require.NoError(t, err)
	run, err := testrun.New(test, testrun.Config{Logger: logger})
	require.NoError(t, err)

	s := api.New(run, logger)
	require.NoError(t, s.Listen("127.0.0.1:0"))
	resp, err := http.Get("http://" + s.Addr().String() + "/v1/status")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.True(t, bytes.Contains(body, []byte(`"status":0`)), "%s", body)

	taken := api.New(run, logger)
	err = taken.Listen(s.Addr().String())
	require.Error(t, err)
	var opErr *net.OpError
	assert.ErrorAs(t, err, &opErr)
	assert.Contains(t, err.Error(), "address already in use")
	require.NoError(t, taken.Close())
	require.NoError(t, s.Close())
}

// POST /v1/abort (minik6's, for the collector) ends the run as a threshold
// abort: exit code 99 with the reason, teardown still run.
func TestAbortEndsAsAThresholdAbort(t *testing.T) {
	t.Parallel()
	f := start(t, `export const options = { vus: 1, duration: '30s' };
		export default function () {}
		export function teardown() { console.log('teardown ran'); }`)
	f.waitStatus(t, runner.StatusRunning)
	bad := f.do(t, "POST", "/v1/abort", `{"data":{"type":"abort","attributes":{}}}`)
	assert.Equal(t, http.StatusBadRequest, bad.status, bad.raw)
	assert.Equal(t, http.StatusMethodNotAllowed, f.do(t, "GET", "/v1/abort", "").status)

	a := f.do(t, "POST", "/v1/abort", `{"data":{"type":"abort","attributes":{"reason":"crossed over all instances"}}}`)
	require.Equal(t, http.StatusOK, a.status, a.raw)
	res := f.run.Wait()
	assert.Equal(t, exitcode.ThresholdsFailed, exitcode.Of(res.Err), "%v", res.Err)
	assert.Contains(t, res.Err.Error(), "crossed over all instances")
	var msgs []string
	for _, e := range f.console.AllEntries() {
		msgs = append(msgs, e.Message)
	}
	assert.Contains(t, msgs, "teardown ran")
}
