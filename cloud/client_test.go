package cloud

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var idempotencyKeyPattern = regexp.MustCompile(`^[0-9a-f]{16}$`)

func TestNewClient(t *testing.T) {
	c := NewClient(logrus.New(), secretToken, "https://ingest.k6.io", testVersion, time.Minute)
	assert.Equal(t, "https://ingest.k6.io/v1", c.BaseURL())
	assert.Equal(t, RetryInterval, c.retryInterval)
	assert.Equal(t, 500*time.Millisecond, RetryInterval)
	assert.Equal(t, 3, MaxRetries)
	assert.Equal(t, time.Minute, c.httpClient.Timeout)
}

func TestNewRequest(t *testing.T) {
	c, _ := newTestClient(t, "http://127.0.0.1:1", true)

	req, err := c.NewRequest(http.MethodPost, c.BaseURL()+"/x", map[string]any{"b": []int{1, 2}, "a": "<&>"})
	require.NoError(t, err)
	body, err := io.ReadAll(req.Body)
	require.NoError(t, err)
	assert.Equal(t, `{"a":"\u003c\u0026\u003e","b":[1,2]}`, string(body), "compact encoding/json output")
	require.NotNil(t, req.GetBody)
	again, err := req.GetBody()
	require.NoError(t, err)
	replay, err := io.ReadAll(again)
	require.NoError(t, err)
	assert.Equal(t, body, replay)

	req, err = c.NewRequest(http.MethodGet, c.BaseURL()+"/x", nil)
	require.NoError(t, err)
	assert.Nil(t, req.Body)

	_, err = c.NewRequest(http.MethodPost, c.BaseURL()+"/x", map[string]any{"bad": func() {}})
	assert.Contains(t, errText(t, err), "cannot encode the body of the request to http://127.0.0.1:1/v1/x")

	_, err = c.NewRequest("BAD METHOD", c.BaseURL(), nil)
	errText(t, err)
}

func TestDoHeaders(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		token       bool
		stackID     int64
		contentType string // set on the request before Do
		key         string // K6-Idempotency-Key set on the request before Do
		want        map[string]string
		wantAbsent  []string
		wantKey     bool
	}{
		{
			name: "GET with token and stack", method: http.MethodGet, token: true, stackID: 42,
			want: map[string]string{
				"Authorization": "Token " + secretToken, "Content-Type": "application/json",
				"User-Agent": "k6cloud/1.7.0", "X-Stack-Id": "42",
			},
			wantAbsent: []string{"K6-Idempotency-Key"},
		},
		{
			name: "GET without token or stack", method: http.MethodGet,
			want:       map[string]string{"Content-Type": "application/json", "User-Agent": "k6cloud/1.7.0"},
			wantAbsent: []string{"Authorization", "X-Stack-Id", "K6-Idempotency-Key"},
		},
		{
			name: "POST with token", method: http.MethodPost, token: true,
			want: map[string]string{
				"Authorization": "Token " + secretToken, "Content-Type": "application/json", "User-Agent": "k6cloud/1.7.0",
			},
			wantAbsent: []string{"X-Stack-Id"},
			wantKey:    true,
		},
		{
			name: "POST without token, with stack", method: http.MethodPost, stackID: 7,
			want:       map[string]string{"Content-Type": "application/json", "X-Stack-Id": "7"},
			wantAbsent: []string{"Authorization"},
			wantKey:    true,
		},
		{
			name: "POST keeps its own content type", method: http.MethodPost, token: true,
			contentType: "application/x-protobuf",
			want:        map[string]string{"Content-Type": "application/x-protobuf"},
			wantKey:     true,
		},
		{
			name: "POST keeps its own idempotency key", method: http.MethodPost, key: "00112233aabbccdd",
			want: map[string]string{"K6-Idempotency-Key": "00112233aabbccdd"},
		},
		{name: "PUT", method: http.MethodPut, wantKey: true},
		{name: "PATCH", method: http.MethodPatch, wantKey: true},
		{name: "DELETE", method: http.MethodDelete, wantKey: true},
		{name: "HEAD", method: http.MethodHead, wantAbsent: []string{"K6-Idempotency-Key"}},
		{name: "OPTIONS", method: http.MethodOptions, wantAbsent: []string{"K6-Idempotency-Key"}},
		{name: "TRACE", method: http.MethodTrace, wantAbsent: []string{"K6-Idempotency-Key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeCloud(t, answer(http.StatusOK, "", ""))
			c, _ := newTestClient(t, fc.URL, tt.token)
			c.SetStackID(tt.stackID)
			req, err := c.NewRequest(tt.method, c.BaseURL()+"/x", nil)
			require.NoError(t, err)
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if tt.key != "" {
				req.Header.Set("K6-Idempotency-Key", tt.key)
			}
			require.NoError(t, c.Do(req, nil))

			got := fc.received()
			require.Len(t, got, 1)
			assert.Equal(t, tt.method, got[0].Method)
			for name, value := range tt.want {
				assert.Equal(t, value, got[0].Header.Get(name), name)
			}
			for _, name := range tt.wantAbsent {
				assert.NotContains(t, got[0].Header, http.CanonicalHeaderKey(name))
			}
			if tt.wantKey {
				assert.Regexp(t, idempotencyKeyPattern, got[0].Header.Get("K6-Idempotency-Key"))
			}
		})
	}
}

func TestDoIdempotencyKey(t *testing.T) {
	fc := newFakeCloud(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n <= 2 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	c, _ := newTestClient(t, fc.URL, true)

	for range 2 {
		req, err := c.NewRequest(http.MethodPost, c.BaseURL()+"/tests", map[string]int{"a": 1})
		require.NoError(t, err)
		require.NoError(t, c.Do(req, nil))
	}

	got := fc.received()
	require.Len(t, got, 4, "3 attempts for the first request, 1 for the second")
	first := got[0].Header.Get("K6-Idempotency-Key")
	assert.Regexp(t, idempotencyKeyPattern, first)
	assert.Equal(t, first, got[1].Header.Get("K6-Idempotency-Key"), "same key on a retry")
	assert.Equal(t, first, got[2].Header.Get("K6-Idempotency-Key"), "same key on a retry")
	second := got[3].Header.Get("K6-Idempotency-Key")
	assert.Regexp(t, idempotencyKeyPattern, second)
	assert.NotEqual(t, first, second, "a new request has a new key")
}

func TestDoRetries(t *testing.T) {
	tests := []struct {
		status   int
		attempts int
		wantErr  string
	}{
		{http.StatusOK, 1, ""},
		{http.StatusNoContent, 1, ""},
		{http.StatusInternalServerError, 3, "(500) down"},
		{http.StatusBadGateway, 3, "(502) down"},
		{http.StatusServiceUnavailable, 3, "(503) down"},
		{http.StatusTooManyRequests, 3, "(429) down"},
		{http.StatusBadRequest, 1, "(400) down"},
		{http.StatusUnauthorized, 1, "(401) down"},
		{http.StatusForbidden, 1, "(403) down"},
		{http.StatusNotFound, 1, "(404) down"},
		{http.StatusConflict, 1, "(409) down"},
		{http.StatusUnprocessableEntity, 1, "(422) down"},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			body := ""
			if tt.status >= 300 {
				body = `{"error":{"message":"down"}}`
			}
			fc := newFakeCloud(t, answer(tt.status, "application/json", body))
			c, hook := newTestClient(t, fc.URL, true)
			req, err := c.NewRequest(http.MethodPost, c.BaseURL()+"/tests", map[string]string{"name": "x"})
			require.NoError(t, err)

			err = c.Do(req, nil)

			assert.Len(t, fc.received(), tt.attempts)
			if tt.wantErr == "" {
				assert.NoError(t, err)
			} else {
				assert.Equal(t, tt.wantErr, errText(t, err))
			}
			retries := 0
			for _, e := range hook.AllEntries() {
				if e.Level == logrus.DebugLevel && e.Message == "The k6 Cloud request failed; retrying" {
					retries++
					assert.Equal(t, tt.status, e.Data["status"])
				}
			}
			assert.Equal(t, tt.attempts-1, retries)
		})
	}
}

func TestDoRecoversAfterRetries(t *testing.T) {
	fc := newFakeCloud(t, func(w http.ResponseWriter, _ *http.Request, n int) {
		if n < 3 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		_, _ = io.WriteString(w, `{"reference_id":"77"}`)
	})
	c, _ := newTestClient(t, fc.URL, true)
	req, err := c.NewRequest(http.MethodPost, c.BaseURL()+"/tests", map[string]string{"name": "x"})
	require.NoError(t, err)

	var got CreateTestRunResponse
	require.NoError(t, c.Do(req, &got))
	assert.Equal(t, "77", got.ReferenceID)
	assert.Len(t, fc.received(), 3)
}

// countingTransport counts the round trips it passes on.
type countingTransport struct {
	calls atomic.Int32
}

func (ct *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ct.calls.Add(1)
	return http.DefaultTransport.RoundTrip(req)
}

func TestDoTransportErrorIsRetried(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	host := "http://" + l.Addr().String()
	require.NoError(t, l.Close())

	c, hook := newTestClient(t, host, true)
	transport := &countingTransport{}
	c.httpClient.Transport = transport
	req, err := c.NewRequest(http.MethodPost, c.BaseURL()+"/tests", map[string]string{"name": "x"})
	require.NoError(t, err)

	err = c.Do(req, nil)

	msg := errText(t, err)
	assert.True(t, strings.HasPrefix(msg, `Post "`+host+`/v1/tests": dial tcp `), msg)
	assert.Contains(t, msg, "connection refused")
	assert.EqualValues(t, MaxRetries, transport.calls.Load())
	assert.Len(t, hook.AllEntries(), MaxRetries-1, "one debug entry per retry")
}

func TestDoReplaysBody(t *testing.T) {
	tests := []struct {
		name    string
		request func(c *Client) *http.Request
	}{
		{"NewRequest", func(c *Client) *http.Request {
			req, err := c.NewRequest(http.MethodPost, c.BaseURL()+"/tests", map[string]string{"name": "replayed"})
			require.NoError(t, err)
			return req
		}},
		{"http.NewRequest with a bytes.Reader", func(c *Client) *http.Request {
			req, err := http.NewRequest(http.MethodPost, c.BaseURL()+"/tests", bytes.NewReader([]byte(`{"name":"replayed"}`)))
			require.NoError(t, err)
			return req
		}},
		{"a body without GetBody", func(c *Client) *http.Request {
			req, err := http.NewRequest(http.MethodPost, c.BaseURL()+"/tests", io.NopCloser(strings.NewReader(`{"name":"replayed"}`)))
			require.NoError(t, err)
			require.Nil(t, req.GetBody)
			return req
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeCloud(t, answer(http.StatusInternalServerError, "", ""))
			c, _ := newTestClient(t, fc.URL, true)
			errText(t, c.Do(tt.request(c), nil))

			got := fc.received()
			require.Len(t, got, 3)
			for _, r := range got {
				assert.Equal(t, `{"name":"replayed"}`, string(r.Body))
				assert.Equal(t, got[0].Header, r.Header)
			}
		})
	}
}

func TestDoWaitsRetryInterval(t *testing.T) {
	fc := newFakeCloud(t, answer(http.StatusInternalServerError, "", ""))
	c, _ := newTestClient(t, fc.URL, true)
	c.retryInterval = RetryInterval
	req, err := c.NewRequest(http.MethodGet, c.BaseURL()+"/test-progress/1", nil)
	require.NoError(t, err)

	errText(t, c.Do(req, nil))

	got := fc.received()
	require.Len(t, got, 3)
	for i := 1; i < len(got); i++ {
		assert.GreaterOrEqual(t, got[i].At.Sub(got[i-1].At), RetryInterval)
	}
}

// cancelOnRetry is a log hook that cancels a context when the client logs
// that it will retry, i.e. after the first attempt and before the wait.
type cancelOnRetry struct {
	cancel context.CancelFunc
}

func (h cancelOnRetry) Levels() []logrus.Level { return logrus.AllLevels }

func (h cancelOnRetry) Fire(e *logrus.Entry) error {
	if e.Message == "The k6 Cloud request failed; retrying" {
		h.cancel()
	}
	return nil
}

func TestDoRespectsContext(t *testing.T) {
	fc := newFakeCloud(t, answer(http.StatusInternalServerError, "", ""))
	c, _ := newTestClient(t, fc.URL, true)
	c.retryInterval = time.Hour

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.logger.(*logrus.Logger).AddHook(cancelOnRetry{cancel})
	req, err := c.NewRequest(http.MethodPost, c.BaseURL()+"/tests", map[string]string{"name": "x"})
	require.NoError(t, err)
	start := time.Now()

	err = c.Do(req.WithContext(ctx), nil)

	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, "POST "+fc.URL+"/v1/tests: context canceled", errText(t, err))
	assert.Less(t, time.Since(start), time.Minute, "the wait between attempts is cut short")
	assert.Len(t, fc.received(), 1)

	cancelled, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	req, err = c.NewRequest(http.MethodPost, c.BaseURL()+"/tests", map[string]string{"name": "x"})
	require.NoError(t, err)
	err = c.Do(req.WithContext(cancelled), nil)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Len(t, fc.received(), 1, "a cancelled request is not sent")
}

func TestDoDecodes(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    TestProgressResponse
		wantErr string
	}{
		{
			name: "JSON",
			body: `{"progress":0.5,"run_status":2,"run_status_text":"Running","result_status":1,"extra":true}`,
			want: TestProgressResponse{Progress: 0.5, RunStatus: RunStatusRunning, RunStatusText: "Running", ResultStatus: ResultStatusFailed},
		},
		{name: "empty body", body: ""},
		{name: "blank body", body: " \n"},
		{name: "truncated JSON", body: `{"progress":`, wantErr: "cannot decode the answer of "},
		{name: "not JSON", body: `<html>`, wantErr: "cannot decode the answer of "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeCloud(t, answer(http.StatusOK, "application/json", tt.body))
			c, _ := newTestClient(t, fc.URL, true)
			req, err := c.NewRequest(http.MethodGet, c.BaseURL()+"/test-progress/1", nil)
			require.NoError(t, err)

			var got TestProgressResponse
			err = c.Do(req, &got)

			if tt.wantErr != "" {
				assert.Contains(t, errText(t, err), tt.wantErr+fc.URL+"/v1/test-progress/1")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

// failingReader fails every read.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestDoUnreadableBody(t *testing.T) {
	fc := newFakeCloud(t, answer(http.StatusOK, "", ""))
	c, _ := newTestClient(t, fc.URL, true)
	req, err := http.NewRequest(http.MethodPost, c.BaseURL()+"/tests", failingReader{})
	require.NoError(t, err)

	err = c.Do(req, nil)

	assert.ErrorIs(t, err, io.ErrClosedPipe)
	assert.Contains(t, errText(t, err), "cannot read the body of the request to "+fc.URL+"/v1/tests")
	assert.Empty(t, fc.received())
}

func TestDoWithoutHeaderMap(t *testing.T) {
	fc := newFakeCloud(t, answer(http.StatusOK, "", ""))
	c, _ := newTestClient(t, fc.URL, true)
	req, err := http.NewRequest(http.MethodGet, c.BaseURL()+"/x", nil)
	require.NoError(t, err)
	req.Header = nil

	require.NoError(t, c.Do(req, nil))
	got := fc.received()
	require.Len(t, got, 1)
	assert.Equal(t, "k6cloud/1.7.0", got[0].Header.Get("User-Agent"))
}

func TestDoBodyThatCannotBeReplayed(t *testing.T) {
	fc := newFakeCloud(t, answer(http.StatusInternalServerError, "", ""))
	c, _ := newTestClient(t, fc.URL, true)
	req, err := c.NewRequest(http.MethodPost, c.BaseURL()+"/tests", map[string]string{"name": "x"})
	require.NoError(t, err)
	req.GetBody = func() (io.ReadCloser, error) { return nil, io.ErrUnexpectedEOF }

	err = c.Do(req, nil)

	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Contains(t, errText(t, err), "cannot replay the body of the request to "+fc.URL+"/v1/tests")
	assert.Len(t, fc.received(), 1)
}
