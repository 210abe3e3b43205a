package cloud

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/guregu/null.v3"

	"github.com/minik6/minik6/archive"
	"github.com/minik6/minik6/options"
)

// formPart is a part of a multipart form as the server saw it.
type formPart struct {
	Name, FileName, ContentType, Body string
}

// parseForm returns the parts of a multipart/form-data request, in order.
func parseForm(t *testing.T, r received) []formPart {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/form-data", mediaType)
	reader := multipart.NewReader(bytes.NewReader(r.Body), params["boundary"])
	var parts []formPart
	for {
		p, err := reader.NextPart()
		if err == io.EOF {
			return parts
		}
		require.NoError(t, err)
		body, err := io.ReadAll(p)
		require.NoError(t, err)
		parts = append(parts, formPart{
			Name: p.FormName(), FileName: p.FileName(), ContentType: p.Header.Get("Content-Type"), Body: string(body),
		})
	}
}

// testArchive returns a small archive whose options hold the secret token, and
// the tar it writes.
func testArchive(t *testing.T) (*archive.Archive, string) {
	t.Helper()
	arc := &archive.Archive{
		Type:      "js",
		Options:   json.RawMessage(`{"vus":1,"cloud":{"token":"` + secretToken + `","name":"n"}}`),
		Filename:  "file:///srv/t/script.js",
		Pwd:       "file:///srv/t",
		K6Version: testVersion,
		Goos:      "linux",
		Data:      []byte("export default function () {}\n"),
	}
	var tar bytes.Buffer
	require.NoError(t, arc.Write(&tar))
	require.NotContains(t, tar.String(), secretToken)
	return arc, tar.String()
}

func TestCreateTestRunJSON(t *testing.T) {
	tests := []struct {
		name    string
		testRun TestRun
		want    string
	}{
		{
			name: "with project and thresholds",
			testRun: TestRun{
				Name: "my test", ProjectID: 5, VUsMax: 10, Duration: 33,
				Thresholds: map[string][]string{"my_trend": {"p(95)<1000", "avg<500"}},
			},
			want: `{"name":"my test","project_id":5,"vus":10,"thresholds":{"my_trend":["p(95)\u003c1000","avg\u003c500"]},"duration":33}`,
		},
		{
			name:    "without project or thresholds",
			testRun: TestRun{Name: "t", VUsMax: 1, Duration: 1},
			want:    `{"name":"t","vus":1,"thresholds":{},"duration":1}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeCloud(t, answer(http.StatusOK, "application/json", `{"reference_id":"123"}`))
			c, _ := newTestClient(t, fc.URL, true)

			got, err := c.CreateTestRun(&tt.testRun)

			require.NoError(t, err)
			assert.Equal(t, &CreateTestRunResponse{ReferenceID: "123"}, got)
			reqs := fc.received()
			require.Len(t, reqs, 1)
			assert.Equal(t, http.MethodPost, reqs[0].Method)
			assert.Equal(t, "/v1/tests", reqs[0].Path)
			assert.Equal(t, "application/json", reqs[0].Header.Get("Content-Type"))
			assert.Equal(t, tt.want, string(reqs[0].Body))
		})
	}
}

func TestCreateTestRunMultipart(t *testing.T) {
	arc, tar := testArchive(t)
	tests := []struct {
		name      string
		projectID int64
	}{
		{"with a project", 5},
		{"project 0 is still sent", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeCloud(t, answer(http.StatusOK, "application/json", `{"reference_id":"123"}`))
			c, _ := newTestClient(t, fc.URL, true)

			got, err := c.CreateTestRun(&TestRun{
				Name: "my test", ProjectID: tt.projectID, VUsMax: 10, Duration: 33, Archive: arc,
				Thresholds: map[string][]string{"my_trend": {"p(95)<1000"}},
			})

			require.NoError(t, err)
			assert.Equal(t, "123", got.ReferenceID)
			reqs := fc.received()
			require.Len(t, reqs, 1)
			assert.Equal(t, http.MethodPost, reqs[0].Method)
			assert.Equal(t, "/v1/tests", reqs[0].Path)
			assert.Equal(t, []formPart{
				{Name: "name", Body: "my test"},
				{Name: "project_id", Body: itoa(tt.projectID)},
				{Name: "vus", Body: "10"},
				{Name: "duration", Body: "33"},
				{Name: "file", FileName: "archive.tar", ContentType: "application/octet-stream", Body: tar},
			}, parseForm(t, reqs[0]), "fields in order, no thresholds")
			assert.NotContains(t, string(reqs[0].Body), secretToken)
		})
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestCreateTestRunBadArchive(t *testing.T) {
	fc := newFakeCloud(t, answer(http.StatusOK, "", `{"reference_id":"123"}`))
	c, _ := newTestClient(t, fc.URL, true)

	_, err := c.CreateTestRun(&TestRun{Name: "t", Archive: &archive.Archive{Filename: "https://example.com/s.js"}})

	assert.Contains(t, errText(t, err), "is not a file:// URL")
	assert.Empty(t, fc.received())
}

func TestCreateTestRunAnswer(t *testing.T) {
	const logs = `"logs":[` +
		`{"level":"info","message":"i"},{"level":"warning","message":"w1"},{"level":"warn","message":"w2"},` +
		`{"level":"debug","message":"d"},{"level":"trace","message":"t"},{"level":"ERROR","message":"e"},` +
		`{"level":"fatal","message":"f"},{"level":"panic","message":"p"},{"level":"loud","message":"u"}]`
	wantLogs := []struct {
		level   logrus.Level
		message string
	}{
		{logrus.InfoLevel, "i"}, {logrus.WarnLevel, "w1"}, {logrus.WarnLevel, "w2"},
		{logrus.DebugLevel, "d"}, {logrus.TraceLevel, "t"}, {logrus.ErrorLevel, "e"},
		{logrus.FatalLevel, "f"}, {logrus.PanicLevel, "p"}, {logrus.ErrorLevel, "u"},
	}
	tests := []struct {
		name    string
		body    string
		want    *CreateTestRunResponse
		wantErr string
	}{
		{
			name: "reference ID, config and logs",
			body: `{"reference_id":"123","config":{"aggregationPeriod":"1s","aggregationWaitPeriod":2000,` +
				`"maxTimeSeriesInBatch":4,"webAppURL":"https://example.com","testRunDetails":"https://example.com/r/1"},` + logs + `}`,
			want: &CreateTestRunResponse{
				ReferenceID: "123",
				ConfigOverride: &Config{
					AggregationPeriod:     options.NullDurationFrom(time.Second),
					AggregationWaitPeriod: options.NullDurationFrom(2 * time.Second),
					MaxTimeSeriesInBatch:  null.IntFrom(4),
					WebAppURL:             null.StringFrom("https://example.com"),
					TestRunDetails:        null.StringFrom("https://example.com/r/1"),
				},
			},
		},
		{name: "missing reference ID", body: `{` + logs + `}`, wantErr: "failed to get a reference ID"},
		{name: "empty reference ID", body: `{"reference_id":"",` + logs + `}`, wantErr: "failed to get a reference ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeCloud(t, answer(http.StatusOK, "application/json", tt.body))
			c, hook := newTestClient(t, fc.URL, true)

			got, err := c.CreateTestRun(&TestRun{Name: "t"})

			if tt.wantErr != "" {
				assert.Equal(t, tt.wantErr, errText(t, err))
				assert.Nil(t, got)
			} else {
				require.NoError(t, err)
				require.Len(t, got.Logs, len(wantLogs))
				got.Logs = nil
				assert.Equal(t, tt.want, got)
			}
			entries := hook.AllEntries()
			require.Len(t, entries, len(wantLogs), "the logs are printed either way")
			for i, want := range wantLogs {
				assert.Equal(t, want.level, entries[i].Level, want.message)
				assert.Equal(t, want.message, entries[i].Message)
				assert.Equal(t, logrus.Fields{"source": "grafana-k6-cloud"}, entries[i].Data)
			}
		})
	}
}

func TestCreateTestRunError(t *testing.T) {
	fc := newFakeCloud(t, answer(http.StatusBadRequest, "application/json",
		`{"error":{"code":13,"message":"Validation failed","details":{"vus":["Too many VUs."]}}}`))
	c, hook := newTestClient(t, fc.URL, true)

	got, err := c.CreateTestRun(&TestRun{Name: "t"})

	assert.Nil(t, got)
	assert.Equal(t, "(400/E13) Validation failed\n vus: Too many VUs.", errText(t, err))
	assert.Empty(t, hook.AllEntries())
}

func TestTestRunEndpoints(t *testing.T) {
	opts := options.Options{VUs: null.IntFrom(10), Duration: options.NullDurationFrom(30 * time.Second)}
	encodedOpts, err := json.Marshal(opts)
	require.NoError(t, err)

	tests := []struct {
		name     string
		call     func(c *Client) error
		answer   string
		method   string
		path     string
		wantBody string
	}{
		{
			name: "test finished, passed",
			call: func(c *Client) error {
				return c.TestFinished("123", ThresholdResult{"checks": {"rate>0.9": false}}, false, RunStatusFinished)
			},
			method: http.MethodPost, path: "/v1/tests/123",
			wantBody: `{"result_status":0,"run_status":3,"thresholds":{"checks":{"rate\u003e0.9":false}}}`,
		},
		{
			name: "test finished, tainted",
			call: func(c *Client) error {
				return c.TestFinished("123", ThresholdResult{
					"my_trend": {"p(95)<1": true},
					"checks":   {"rate>0.9": false},
				}, true, RunStatusAbortedThreshold)
			},
			method: http.MethodPost, path: "/v1/tests/123",
			wantBody: `{"result_status":1,"run_status":8,"thresholds":{"checks":{"rate\u003e0.9":false},"my_trend":{"p(95)\u003c1":true}}}`,
		},
		{
			name:   "test finished without thresholds",
			call:   func(c *Client) error { return c.TestFinished("123", nil, false, RunStatusAbortedUser) },
			method: http.MethodPost, path: "/v1/tests/123",
			wantBody: `{"result_status":0,"run_status":5,"thresholds":{}}`,
		},
		{
			name:   "test finished escapes the reference ID",
			call:   func(c *Client) error { return c.TestFinished("a/b c", nil, false, RunStatusFinished) },
			method: http.MethodPost, path: "/v1/tests/a%2Fb%20c",
			wantBody: `{"result_status":0,"run_status":3,"thresholds":{}}`,
		},
		{
			name:   "stop",
			call:   func(c *Client) error { return c.StopCloudTestRun("123") },
			method: http.MethodPost, path: "/v1/tests/123/stop",
		},
		{
			name:   "validate options",
			call:   func(c *Client) error { return c.ValidateOptions(opts) },
			answer: `{}`,
			method: http.MethodPost, path: "/v1/validate-options",
			wantBody: `{"options":` + string(encodedOpts) + `}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeCloud(t, answer(http.StatusOK, "application/json", tt.answer))
			c, _ := newTestClient(t, fc.URL, true)

			require.NoError(t, tt.call(c))

			reqs := fc.received()
			require.Len(t, reqs, 1)
			assert.Equal(t, tt.method, reqs[0].Method)
			assert.Equal(t, tt.path, reqs[0].Path)
			assert.Equal(t, tt.wantBody, string(reqs[0].Body))
			assert.Equal(t, "application/json", reqs[0].Header.Get("Content-Type"))
			assert.Equal(t, "Token "+secretToken, reqs[0].Header.Get("Authorization"))
			assert.Regexp(t, idempotencyKeyPattern, reqs[0].Header.Get("K6-Idempotency-Key"))
		})
	}
}

func TestTestRunEndpointErrors(t *testing.T) {
	calls := map[string]func(c *Client) error{
		"test finished":    func(c *Client) error { return c.TestFinished("1", nil, false, RunStatusFinished) },
		"stop":             func(c *Client) error { return c.StopCloudTestRun("1") },
		"validate options": func(c *Client) error { return c.ValidateOptions(options.Options{}) },
		"progress": func(c *Client) error {
			_, err := c.GetTestProgress("1")
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			fc := newFakeCloud(t, answer(http.StatusBadRequest, "application/json", `{"error":{"code":7,"message":"nope"}}`))
			c, _ := newTestClient(t, fc.URL, true)
			assert.Equal(t, "(400/E7) nope", errText(t, call(c)))

			bad := NewClient(logrus.New(), secretToken, "http://bad host", testVersion, time.Second)
			errText(t, call(bad))
		})
	}
}

func TestGetTestProgress(t *testing.T) {
	fc := newFakeCloud(t, answer(http.StatusOK, "application/json",
		`{"progress":1,"run_status":3,"run_status_text":"Finished","result_status":0}`))
	c, _ := newTestClient(t, fc.URL, true)

	got, err := c.GetTestProgress("123")

	require.NoError(t, err)
	assert.Equal(t, &TestProgressResponse{
		Progress: 1, RunStatus: RunStatusFinished, RunStatusText: "Finished", ResultStatus: ResultStatusPassed,
	}, got)
	reqs := fc.received()
	require.Len(t, reqs, 1)
	assert.Equal(t, http.MethodGet, reqs[0].Method)
	assert.Equal(t, "/v1/test-progress/123", reqs[0].Path)
	assert.Empty(t, reqs[0].Body)
	assert.Equal(t, "application/json", reqs[0].Header.Get("Content-Type"))
	assert.Empty(t, reqs[0].Header.Get("K6-Idempotency-Key"))
}

func TestRunStatusNumbers(t *testing.T) {
	assert.Equal(t, []RunStatus{-2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, []RunStatus{
		RunStatusCreated, RunStatusValidated, RunStatusQueued, RunStatusInitializing, RunStatusRunning,
		RunStatusFinished, RunStatusTimedOut, RunStatusAbortedUser, RunStatusAbortedSystem,
		RunStatusAbortedScriptError, RunStatusAbortedThreshold, RunStatusAbortedLimit, RunStatusArchived,
	})
	assert.Equal(t, ResultStatus(0), ResultStatusPassed)
	assert.Equal(t, ResultStatus(1), ResultStatusFailed)
}
