package minik6test_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/minik6/minik6/cloud/metricspb"
	"github.com/minik6/minik6/minik6test"
)

// cloudClient returns an HTTP client of its own whose idle connections close
// when the test ends.
func cloudClient(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// answer is what a client got back.
type answer struct {
	status int
	body   string
	header http.Header
}

// send makes one request to the fake and returns the answer; a transport error
// fails the test.
func send(t *testing.T, c *http.Client, method, url, contentType string, body []byte, header http.Header) answer {
	t.Helper()
	a, err := trySend(c, method, url, contentType, body, header)
	require.NoError(t, err, "%s %s should get an answer", method, url)
	return a
}

// trySend is send that returns the transport error.
func trySend(c *http.Client, method, url, contentType string, body []byte, header http.Header) (answer, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return answer{}, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, body: string(b), header: resp.Header}, err
}

// push sends set as a metrics push to ref and returns the answer.
func push(t *testing.T, c *http.Client, f *minik6test.FakeCloud, ref string, set *metricspb.MetricSet) answer {
	t.Helper()
	body, err := metricspb.Encode(set)
	require.NoError(t, err)
	return send(t, c, http.MethodPost, f.URL+"/v2/metrics/"+ref, metricspb.ContentType, body,
		http.Header{"Content-Encoding": {metricspb.ContentEncoding}})
}

// pushSet is a MetricSet with one series of each type: iterations 3 (a counter
// of 1s), vus with 4 samples, checks with 5, http_req_duration with 6.
func pushSet() *metricspb.MetricSet {
	at := &timestamppb.Timestamp{Seconds: 1700000001}
	series := func(s *metricspb.TimeSeries) []*metricspb.TimeSeries { return []*metricspb.TimeSeries{s} }
	return &metricspb.MetricSet{
		TestRunId: "123", AggregationPeriod: 1,
		Metrics: []*metricspb.Metric{
			{Name: "iterations", Type: metricspb.MetricType_METRIC_TYPE_COUNTER, TimeSeries: series(&metricspb.TimeSeries{
				Samples: &metricspb.TimeSeries_CounterSamples{CounterSamples: &metricspb.CounterSamples{
					Values: []*metricspb.CounterValue{{Time: at, Value: 2}, {Time: at, Value: 1}},
				}},
			})},
			{Name: "vus", Type: metricspb.MetricType_METRIC_TYPE_GAUGE, TimeSeries: series(&metricspb.TimeSeries{
				Samples: &metricspb.TimeSeries_GaugeSamples{GaugeSamples: &metricspb.GaugeSamples{
					Values: []*metricspb.GaugeValue{{Time: at, Last: 1, Count: 4, Min: 1, Max: 1, Avg: 1}},
				}},
			})},
			{Name: "checks", Type: metricspb.MetricType_METRIC_TYPE_RATE, TimeSeries: series(&metricspb.TimeSeries{
				Samples: &metricspb.TimeSeries_RateSamples{RateSamples: &metricspb.RateSamples{
					Values: []*metricspb.RateValue{{Time: at, NonzeroCount: 4, TotalCount: 5}},
				}},
			})},
			{Name: "http_req_duration", Type: metricspb.MetricType_METRIC_TYPE_TREND, TimeSeries: series(&metricspb.TimeSeries{
				Samples: &metricspb.TimeSeries_TrendHdrSamples{TrendHdrSamples: &metricspb.TrendHdrSamples{
					Values: []*metricspb.TrendHdrValue{{
						Time: at, Counters: []uint32{6}, Spans: []*metricspb.BucketSpan{{Offset: 1347, Length: 1}},
						Sum: 600, Count: 6, MinValue: 100, MaxValue: 100, MinResolution: 0.001,
					}},
				}},
			})},
		},
	}
}

func TestFakeCloudDefaultAnswers(t *testing.T) {
	t.Parallel()
	f := minik6test.NewFakeCloud(t)
	c := cloudClient(t)
	tests := []struct {
		method, path string
		body         []byte
		status       int
		want         string
	}{
		{"POST", "/v1/tests", []byte(`{"name":"x"}`), 200, `{"reference_id":"123"}`},
		{"POST", "/v1/tests/123", []byte(`{"result_status":0,"run_status":3}`), 200, `{}`},
		{"POST", "/v1/tests/123/stop", nil, 200, `{}`},
		{"POST", "/v1/validate-options", []byte(`{"options":{}}`), 200, `{}`},
		{"POST", "/v1/archive-upload", nil, 200, `{"reference_id":"123"}`},
		{"GET", "/v1/test-progress/123", nil, 200, `{"progress":1,"run_status":3,"run_status_text":"Finished","result_status":0}`},
		{"POST", "/v1/login", []byte(`{"email":"a","password":"b"}`), 200, `{"token":"` + minik6test.FakeCloudToken + `"}`},
		{"POST", "/v1/validate-token", []byte(`{"token":"t"}`), 200, `{"is_valid":true,"message":"","token-info":""}`},
		{"GET", "/cloud/v6/auth", nil, 200, `{"stack_id":1,"default_project_id":2}`},
		{"GET", "/nowhere", nil, 404, `{"error":{"message":"fake cloud: no route for GET /nowhere"}}`},
		{"GET", "/v1/tests", nil, 404, `{"error":{"message":"fake cloud: no route for GET /v1/tests"}}`},
	}
	for _, tt := range tests {
		a := send(t, c, tt.method, f.URL+tt.path, "application/json", tt.body, nil)
		assert.Equal(t, tt.status, a.status, "%s %s", tt.method, tt.path)
		assert.JSONEq(t, tt.want, a.body, "%s %s", tt.method, tt.path)
		assert.Equal(t, "application/json", a.header.Get("Content-Type"), "%s %s", tt.method, tt.path)
	}
	a := push(t, c, f, "123", pushSet())
	assert.Equal(t, 200, a.status)
	assert.JSONEq(t, `{}`, a.body)

	reqs := f.Requests()
	require.Len(t, reqs, len(tests)+1)
	for i, tt := range tests {
		assert.Equal(t, tt.method, reqs[i].Method)
		assert.Equal(t, tt.path, reqs[i].Path)
		assert.Equal(t, tt.status, reqs[i].Status, "%s %s", tt.method, tt.path)
	}
	assert.Equal(t, minik6test.RouteCreateTestRun, reqs[0].Route)
	assert.Equal(t, minik6test.RouteTestFinished, reqs[1].Route)
	assert.Equal(t, minik6test.RouteStopTestRun, reqs[2].Route)
	assert.Equal(t, minik6test.RouteTestProgress, reqs[5].Route)
	assert.Equal(t, "", reqs[9].Route, "an unknown route has no Route")
	assert.Equal(t, "", reqs[10].Route, "a known path with another method has no Route")
	assert.Equal(t, minik6test.RouteMetricsPush, reqs[len(reqs)-1].Route)
	assert.Len(t, f.RequestsTo(minik6test.RouteMetricsPush), 1)
}

func TestFakeCloudCreateAndProgressSettings(t *testing.T) {
	t.Parallel()
	f := minik6test.NewFakeCloud(t)
	c := cloudClient(t)
	f.SetReferenceID("run-7")
	f.SetCreateConfig(minik6test.FastPushConfig())
	f.SetCreateLogs(minik6test.CloudLog{Level: "warning", Message: "be careful"})
	want := `{"reference_id":"run-7",
		"config":{"aggregationPeriod":"1s","aggregationWaitPeriod":"1s","metricPushInterval":"1s"},
		"logs":[{"level":"warning","message":"be careful"}]}`
	assert.JSONEq(t, want, send(t, c, "POST", f.URL+"/v1/tests", "application/json", []byte(`{}`), nil).body)
	assert.JSONEq(t, want, send(t, c, "POST", f.URL+"/v1/archive-upload", "", nil, nil).body)

	running := minik6test.CloudProgress{Progress: 0.5, RunStatus: 2, RunStatusText: "Running"}
	failed := minik6test.CloudProgress{Progress: 1, RunStatus: 3, RunStatusText: "Finished", ResultStatus: 1}
	f.SetProgress(running, failed)
	var got []minik6test.CloudProgress
	for range 3 {
		var p minik6test.CloudProgress
		require.NoError(t, json.Unmarshal([]byte(send(t, c, "GET", f.URL+"/v1/test-progress/run-7", "", nil, nil).body), &p))
		got = append(got, p)
	}
	assert.Equal(t, []minik6test.CloudProgress{running, failed, failed}, got, "the last progress answer repeats")

	f.SetProgress()
	assert.JSONEq(t, `{"progress":1,"run_status":3,"run_status_text":"Finished","result_status":0}`,
		send(t, c, "GET", f.URL+"/v1/test-progress/run-7", "", nil, nil).body)
}

func TestFakeCloudRecordsRequests(t *testing.T) {
	t.Parallel()
	f := minik6test.NewFakeCloud(t)
	c := cloudClient(t)
	before := time.Now()
	send(t, c, "POST", f.URL+"/v1/tests?x=1&y=2", "application/json",
		[]byte(`{"name":"my test","vus":10,"thresholds":{}}`),
		http.Header{"Authorization": {"Token abc"}, "K6-Idempotency-Key": {"0123456789abcdef"}, "User-Agent": {"k6cloud/0.1.0"}})
	send(t, c, "GET", f.URL+"/v1/test-progress/123", "application/json", nil, nil)

	reqs := f.Requests()
	require.Len(t, reqs, 2)
	r := reqs[0]
	assert.Equal(t, "POST", r.Method)
	assert.Equal(t, "/v1/tests", r.Path)
	assert.Equal(t, "x=1&y=2", r.RawQuery)
	assert.Equal(t, "Token abc", r.Header.Get("Authorization"))
	assert.Equal(t, "0123456789abcdef", r.Header.Get("K6-Idempotency-Key"))
	assert.Equal(t, "k6cloud/0.1.0", r.Header.Get("User-Agent"))
	assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
	assert.Equal(t, `{"name":"my test","vus":10,"thresholds":{}}`, string(r.Body))
	assert.Equal(t, map[string]any{"name": "my test", "vus": float64(10), "thresholds": map[string]any{}}, r.JSON)
	var typed struct {
		Name string `json:"name"`
		VUs  int    `json:"vus"`
	}
	require.NoError(t, r.DecodeJSON(&typed))
	assert.Equal(t, "my test", typed.Name)
	assert.Equal(t, 10, typed.VUs)
	assert.False(t, r.Time.Before(before), "the arrival time should be after the test started")
	assert.Equal(t, 200, r.Status)
	assert.NoError(t, r.Err)

	g := reqs[1]
	assert.Nil(t, g.JSON, "a GET without a body has no JSON")
	assert.Empty(t, g.Body)
	assert.Equal(t, "application/json", g.Header.Get("Content-Type"))

	// A body of unknown length goes out chunked, as metrics pushes do.
	req, err := http.NewRequest("POST", f.URL+"/v2/metrics/123", io.MultiReader(strings.NewReader("x")))
	require.NoError(t, err)
	resp, err := c.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	ch := f.Requests()[2]
	assert.Equal(t, []string{"chunked"}, ch.TransferEncoding)
	assert.Equal(t, int64(-1), ch.ContentLength)
	assert.Equal(t, int64(len(`{"name":"my test","vus":10,"thresholds":{}}`)), r.ContentLength)
	assert.Empty(t, r.TransferEncoding)

	// Requests hands out a copy.
	reqs[0].Method = "changed"
	assert.Equal(t, "POST", f.Requests()[0].Method)
}

func TestFakeCloudRecordsMultipartInOrder(t *testing.T) {
	t.Parallel()
	f := minik6test.NewFakeCloud(t)
	c := cloudClient(t)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	require.NoError(t, mw.WriteField("name", "my test"))
	require.NoError(t, mw.WriteField("upload_only", "true"))
	require.NoError(t, mw.WriteField("project_id", "42"))
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="archive.tar"`)
	h.Set("Content-Type", "application/octet-stream")
	fw, err := mw.CreatePart(h)
	require.NoError(t, err)
	archive := []byte("tar bytes\x00\x01\x02")
	_, err = fw.Write(archive)
	require.NoError(t, err)
	require.NoError(t, mw.Close())

	a := send(t, c, "POST", f.URL+"/v1/archive-upload", mw.FormDataContentType(), body.Bytes(), nil)
	assert.Equal(t, 200, a.status)
	assert.JSONEq(t, `{"reference_id":"123"}`, a.body)

	reqs := f.RequestsTo(minik6test.RouteArchiveUpload)
	require.Len(t, reqs, 1)
	r := reqs[0]
	require.NoError(t, r.Err)
	assert.Nil(t, r.JSON)
	assert.Equal(t, []string{"name", "upload_only", "project_id", "file"}, r.FormNames())
	v, ok := r.FormValue("upload_only")
	assert.True(t, ok)
	assert.Equal(t, "true", v)
	_, ok = r.FormValue("missing")
	assert.False(t, ok)
	assert.Equal(t, minik6test.FormPart{Name: "name", Data: []byte("my test")}, r.Form[0])
	file, ok := r.FormPart("file")
	require.True(t, ok)
	assert.Equal(t, minik6test.FormPart{
		Name: "file", FileName: "archive.tar", ContentType: "application/octet-stream", Data: archive,
	}, file)
	assert.Equal(t, body.Bytes(), r.Body, "the raw body is kept too")
}

func TestFakeCloudDecodesPushes(t *testing.T) {
	t.Parallel()
	f := minik6test.NewFakeCloud(t)
	c := cloudClient(t)
	assert.Equal(t, 200, push(t, c, f, "123", pushSet()).status)
	assert.Equal(t, 200, push(t, c, f, "123", pushSet()).status)

	pushes := f.Pushes()
	require.Len(t, pushes, 2)
	assert.Equal(t, "123", pushes[0].GetTestRunId())
	assert.Equal(t, uint32(1), pushes[0].GetAggregationPeriod())
	assert.Len(t, pushes[0].GetMetrics(), 4)

	r := f.RequestsTo(minik6test.RouteMetricsPush)[0]
	assert.Equal(t, metricspb.ContentType, r.Header.Get("Content-Type"))
	assert.Equal(t, "snappy", r.Header.Get("Content-Encoding"))
	require.NotNil(t, r.Metrics)
	assert.Equal(t, "iterations", r.Metrics.GetMetrics()[0].GetName())

	assert.Equal(t, map[string]float64{"iterations": 6, "vus": 8, "checks": 10, "http_req_duration": 12}, f.SampleCounts())
	assert.Equal(t, map[string]float64{"iterations": 6}, f.CounterSums())

	// A body that does not decode is recorded, answered 400 and not counted.
	a := send(t, c, "POST", f.URL+"/v2/metrics/123", metricspb.ContentType, []byte("not snappy"),
		http.Header{"Content-Encoding": {"snappy"}})
	assert.Equal(t, 400, a.status)
	assert.Contains(t, a.body, "bad metrics push")
	reqs := f.RequestsTo(minik6test.RouteMetricsPush)
	require.Len(t, reqs, 3)
	assert.Error(t, reqs[2].Err)
	assert.Nil(t, reqs[2].Metrics)
	assert.Equal(t, []byte("not snappy"), reqs[2].Body)
	assert.Len(t, f.Pushes(), 2)
}

func TestFakeCloudFailStatusTimesThenOK(t *testing.T) {
	t.Parallel()
	f := minik6test.NewFakeCloud(t)
	c := cloudClient(t)
	f.Fail("POST /v2/metrics/", minik6test.FailRule{Status: 500, Body: `{"error":{"message":"ingest down"}}`, Times: 2})

	for i := range 2 {
		a := push(t, c, f, "123", pushSet())
		assert.Equal(t, 500, a.status, "push %d", i+1)
		assert.Equal(t, `{"error":{"message":"ingest down"}}`, a.body)
		assert.Equal(t, "application/json", a.header.Get("Content-Type"))
	}
	assert.Equal(t, 200, push(t, c, f, "123", pushSet()).status, "the rule applies twice only")

	reqs := f.RequestsTo(minik6test.RouteMetricsPush)
	require.Len(t, reqs, 3, "failed pushes are recorded too")
	assert.Equal(t, []int{500, 500, 200}, []int{reqs[0].Status, reqs[1].Status, reqs[2].Status})
	assert.NotNil(t, reqs[0].Metrics, "a failed push is still decoded")
	assert.Len(t, f.Pushes(), 1, "only the accepted push counts")
	assert.Equal(t, float64(3), f.SampleCounts()["iterations"])

	// Other routes are not touched by the rule.
	assert.Equal(t, 200, send(t, c, "POST", f.URL+"/v1/tests", "application/json", []byte(`{}`), nil).status)
}

func TestFakeCloudFailAlwaysAndSequences(t *testing.T) {
	t.Parallel()
	f := minik6test.NewFakeCloud(t)
	c := cloudClient(t)
	f.Fail("POST /v1/tests/{ref}", minik6test.FailRule{Status: 429, Body: "slow down"})
	for range 4 {
		a := send(t, c, "POST", f.URL+"/v1/tests/123", "application/json", []byte(`{}`), nil)
		assert.Equal(t, 429, a.status)
		assert.Equal(t, "slow down", a.body)
		assert.Equal(t, "text/plain; charset=utf-8", a.header.Get("Content-Type"))
	}
	f.ClearFails()
	assert.Equal(t, 200, send(t, c, "POST", f.URL+"/v1/tests/123", "application/json", []byte(`{}`), nil).status)

	// One 500, then one 403 with code 4, then the normal answer.
	f.Fail("POST /v2/metrics/{ref}", minik6test.FailRule{Status: 500, Times: 1})
	f.Fail("POST /v2/metrics/{ref}", minik6test.FailRule{
		Status: 403, Body: `{"error":{"code":4,"message":"test run is not accepting more metrics"}}`, Times: 1,
	})
	got := []int{}
	for range 3 {
		got = append(got, push(t, c, f, "123", pushSet()).status)
	}
	assert.Equal(t, []int{500, 403, 200}, got)

	// A 400 with details, and an empty body with a content type of the test's.
	f.Fail("POST /v1/validate-options", minik6test.FailRule{
		Status: 400, Body: `{"error":{"code":13,"message":"Validation failed","details":{"vus":["Too many VUs."]}}}`, Times: 1,
	})
	f.Fail("POST /v1/validate-options", minik6test.FailRule{Status: 401, ContentType: "text/html", Times: 1})
	a := send(t, c, "POST", f.URL+"/v1/validate-options", "application/json", []byte(`{}`), nil)
	assert.Equal(t, 400, a.status)
	assert.JSONEq(t, `{"error":{"code":13,"message":"Validation failed","details":{"vus":["Too many VUs."]}}}`, a.body)
	a = send(t, c, "POST", f.URL+"/v1/validate-options", "application/json", []byte(`{}`), nil)
	assert.Equal(t, 401, a.status)
	assert.Empty(t, a.body)
	assert.Equal(t, "text/html", a.header.Get("Content-Type"))
}

func TestFakeCloudFailDelay(t *testing.T) {
	t.Parallel()
	f := minik6test.NewFakeCloud(t)
	c := cloudClient(t)
	const delay = 300 * time.Millisecond
	// Slow but successful: Delay alone keeps the normal answer.
	f.Fail(minik6test.RouteCreateTestRun, minik6test.FailRule{Delay: delay, Times: 1})
	start := time.Now()
	a := send(t, c, "POST", f.URL+"/v1/tests", "application/json", []byte(`{}`), nil)
	assert.GreaterOrEqual(t, time.Since(start), delay, "the answer should come after the delay")
	assert.Equal(t, 200, a.status)
	assert.JSONEq(t, `{"reference_id":"123"}`, a.body)

	// Slow and failing.
	f.Fail("POST /v1/tests/{ref}", minik6test.FailRule{Delay: delay, Status: 503, Times: 1})
	start = time.Now()
	assert.Equal(t, 503, send(t, c, "POST", f.URL+"/v1/tests/123", "", nil, nil).status)
	assert.GreaterOrEqual(t, time.Since(start), delay)

	// A client that gives up first gets no answer, and the push does not count.
	f.Fail("POST /v2/metrics/", minik6test.FailRule{Delay: 10 * time.Second})
	impatient := &http.Client{Transport: c.Transport, Timeout: 100 * time.Millisecond}
	body, err := metricspb.Encode(pushSet())
	require.NoError(t, err)
	_, err = trySend(impatient, "POST", f.URL+"/v2/metrics/123", metricspb.ContentType, body, nil)
	require.Error(t, err, "the client should time out")
	require.Eventually(t, func() bool {
		reqs := f.RequestsTo(minik6test.RouteMetricsPush)
		return len(reqs) == 1 && reqs[0].Err != nil
	}, 5*time.Second, 10*time.Millisecond, "the fake should notice the client went away")
	r := f.RequestsTo(minik6test.RouteMetricsPush)[0]
	assert.Equal(t, 0, r.Status)
	assert.Empty(t, f.Pushes())
}

func TestFakeCloudFailDropsConnection(t *testing.T) {
	t.Parallel()
	f := minik6test.NewFakeCloud(t)
	c := cloudClient(t)
	f.Fail("POST /v2/metrics/", minik6test.FailRule{Drop: true, Times: 1})
	body, err := metricspb.Encode(pushSet())
	require.NoError(t, err)
	_, err = trySend(c, "POST", f.URL+"/v2/metrics/123", metricspb.ContentType, body, nil)
	require.Error(t, err, "a dropped connection should be a transport error")
	assert.Equal(t, 200, push(t, c, f, "123", pushSet()).status, "the next push is answered")

	reqs := f.RequestsTo(minik6test.RouteMetricsPush)
	require.Len(t, reqs, 2)
	assert.True(t, reqs[0].Dropped)
	assert.Equal(t, 0, reqs[0].Status)
	assert.False(t, reqs[1].Dropped)
	assert.Len(t, f.Pushes(), 1)

	// A drop after a delay.
	f.Fail("GET /v1/test-progress/{ref}", minik6test.FailRule{Drop: true, Delay: 100 * time.Millisecond, Times: 1})
	noRetry := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	start := time.Now()
	_, err = trySend(noRetry, "GET", f.URL+"/v1/test-progress/123", "", nil, nil)
	require.Error(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 100*time.Millisecond)
}

func TestFakeCloudHandle(t *testing.T) {
	t.Parallel()
	f := minik6test.NewFakeCloud(t)
	c := cloudClient(t)
	f.Handle("GET /cloud/v6/projects", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = fmt.Fprintf(w, `{"value":[],"query":%q}`, r.URL.RawQuery)
	}))
	a := send(t, c, "GET", f.URL+"/cloud/v6/projects?$top=5", "", nil, nil)
	assert.Equal(t, 201, a.status)
	assert.JSONEq(t, `{"value":[],"query":"$top=5"}`, a.body)
	r := f.Requests()[0]
	assert.Equal(t, "/cloud/v6/projects", r.Path)
	assert.Equal(t, 201, r.Status)

	// Fail rules come before handlers.
	f.Fail("/cloud/v6/projects", minik6test.FailRule{Status: 500, Times: 1})
	assert.Equal(t, 500, send(t, c, "GET", f.URL+"/cloud/v6/projects", "", nil, nil).status)
}

func TestFakeCloudConcurrentPushes(t *testing.T) {
	t.Parallel()
	f := minik6test.NewFakeCloud(t)
	c := cloudClient(t)
	f.Fail("POST /v2/metrics/", minik6test.FailRule{Status: 500, Times: 5})
	const n = 20
	var wg sync.WaitGroup
	statuses := make(chan int, n)
	for range n {
		wg.Go(func() {
			body, err := metricspb.Encode(pushSet())
			if err != nil {
				statuses <- -1
				return
			}
			a, err := trySend(c, "POST", f.URL+"/v2/metrics/123", metricspb.ContentType, body, nil)
			if err != nil {
				statuses <- -1
				return
			}
			statuses <- a.status
		})
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	assert.Equal(t, map[int]int{500: 5, 200: n - 5}, count)
	assert.Len(t, f.Requests(), n)
	assert.Len(t, f.Pushes(), n-5)
	assert.Equal(t, float64(3*(n-5)), f.CounterSums()["iterations"])
}

func TestFakeCloudCloseEndsDelays(t *testing.T) {
	t.Parallel()
	f := minik6test.NewFakeCloud(t)
	f.Fail("POST /v1/tests", minik6test.FailRule{Delay: time.Minute})
	c := cloudClient(t)
	errc := make(chan error, 1)
	go func() {
		_, err := trySend(c, "POST", f.URL+"/v1/tests", "application/json", []byte(`{}`), nil)
		errc <- err
	}()
	require.Eventually(t, func() bool { return len(f.Requests()) == 1 }, 5*time.Second, 10*time.Millisecond)
	start := time.Now()
	f.Close()
	assert.Less(t, time.Since(start), 10*time.Second, "Close should not wait out a delay")
	assert.Error(t, <-errc, "the delayed request gets no answer")
	f.Close() // a second Close is fine
}

func TestFakeCloudEnv(t *testing.T) {
	t.Parallel()
	f := minik6test.NewFakeCloud(t)
	env := f.Env()
	assert.Equal(t, f.URL, env["K6_CLOUD_HOST"])
	assert.Equal(t, f.URL, env["K6_CLOUD_HOST_V6"])
	assert.Equal(t, minik6test.FakeCloudToken, env["K6_CLOUD_TOKEN"])
	assert.True(t, strings.HasPrefix(f.URL, "http://127.0.0.1:"), "the fake should listen on loopback, not %s", f.URL)
}
