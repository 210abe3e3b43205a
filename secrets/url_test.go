package secrets_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/secrets"
)

// secretServer serves /secrets/{key} on 127.0.0.1 (httptest's address) from
// a map of keys to answers, and counts and records the requests.
type secretServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []*http.Request
	hits     atomic.Int64
}

func newSecretServer(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, n int64)) *secretServer {
	t.Helper()
	s := &secretServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := s.hits.Add(1)
		s.mu.Lock()
		s.requests = append(s.requests, r)
		s.mu.Unlock()
		answer(w, r, n)
	}))
	require.True(t, strings.HasPrefix(s.URL, "http://127.0.0.1:"), s.URL)
	t.Cleanup(s.Close)
	return s
}

func (s *secretServer) last() *http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[len(s.requests)-1]
}

func urlManager(t *testing.T, env map[string]string, specs ...string) *secrets.Manager {
	t.Helper()
	m, err := secrets.New(specs, env, nil)
	require.NoError(t, err)
	return m
}

func TestURLSourceBody(t *testing.T) {
	t.Parallel()
	srv := newSecretServer(t, func(w http.ResponseWriter, r *http.Request, _ int64) {
		_, _ = w.Write([]byte("value of " + strings.TrimPrefix(r.URL.Path, "/secrets/")))
	})
	m := urlManager(t, nil, "url=urlTemplate="+srv.URL+"/secrets/{key},headers.Authorization=Bearer t0k")
	for range 2 {
		v, err := m.Get(context.Background(), secrets.DefaultName, "api")
		require.NoError(t, err)
		assert.Equal(t, "value of api", v)
	}
	assert.Equal(t, int64(1), srv.hits.Load(), "a secret is fetched once")
	assert.Equal(t, "Bearer t0k", srv.last().Header.Get("Authorization"))
	assert.Equal(t, http.MethodGet, srv.last().Method)
}

func TestURLSourceConfigLayers(t *testing.T) {
	t.Parallel()
	srv := newSecretServer(t, func(w http.ResponseWriter, r *http.Request, _ int64) {
		_, _ = w.Write([]byte(`{"data":{"value":"v-` + r.URL.Query().Get("k") + `","n":1}}`))
	})
	env := map[string]string{
		"K6_SECRET_SOURCE_URL_URL_TEMPLATE":        srv.URL + "/from-env?k={key}",
		"K6_SECRET_SOURCE_URL_HEADER_X_TOKEN":      "env-token",
		"K6_SECRET_SOURCE_URL_RESPONSE_PATH":       "data.value",
		"K6_SECRET_SOURCE_URL_METHOD":              "POST",
		"K6_SECRET_SOURCE_URL_REQUESTS_BURST":      "5",
		"K6_SECRET_SOURCE_URL_SOMETHING_ELSE":      "ignored",
		"K6_SECRET_SOURCE_URL_REQUESTS_PER_MINUTE": "",
	}
	// The environment alone: a bare "url".
	m := urlManager(t, env, "url")
	v, err := m.Get(context.Background(), secrets.DefaultName, "a")
	require.NoError(t, err)
	assert.Equal(t, "v-a", v)
	assert.Equal(t, "/from-env", srv.last().URL.Path)
	assert.Equal(t, http.MethodPost, srv.last().Method)
	assert.Equal(t, "env-token", srv.last().Header.Get("X_token"))

	// A config file over the environment, inline settings over the file.
	cfg := filepath.Join(t.TempDir(), "url.json")
	require.NoError(t, os.WriteFile(cfg, []byte(`{"urlTemplate":"`+srv.URL+`/from-file?k={key}","method":"GET",
		"headers":{"X-File":"f"},"timeout":"5s","retryBackoff":10}`), 0o600))
	m = urlManager(t, env, "url=config="+cfg+",responsePath=data.value")
	v, err = m.Get(context.Background(), secrets.DefaultName, "b")
	require.NoError(t, err)
	assert.Equal(t, "v-b", v)
	assert.Equal(t, "/from-file", srv.last().URL.Path)
	assert.Equal(t, http.MethodGet, srv.last().Method)
	assert.Equal(t, "f", srv.last().Header.Get("X-File"))
	assert.Empty(t, srv.last().Header.Get("X_token"), "the file's headers replace the environment's, as in k6")

	m = urlManager(t, env, "url=config="+cfg+",urlTemplate="+srv.URL+"/inline?k={key},responsePath=data.n")
	_, err = m.Get(context.Background(), secrets.DefaultName, "c")
	assert.EqualError(t, err, `failed to extract secret: secret value at path "data.n" is not a string (got Number)`)
	assert.Equal(t, "/inline", srv.last().URL.Path)
	m = urlManager(t, env, "url=responsePath=data.missing")
	_, err = m.Get(context.Background(), secrets.DefaultName, "c")
	assert.EqualError(t, err, `failed to extract secret: path "data.missing" not found in response`)
}

func TestURLSourceRetries(t *testing.T) {
	t.Parallel()
	srv := newSecretServer(t, func(w http.ResponseWriter, r *http.Request, n int64) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/missing"):
			w.WriteHeader(http.StatusNotFound)
		case strings.HasSuffix(r.URL.Path, "/flaky") && n%3 != 0:
			w.WriteHeader(http.StatusServiceUnavailable)
		case strings.HasSuffix(r.URL.Path, "/down"):
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			_, _ = w.Write([]byte("ok"))
		}
	})
	base := "url=urlTemplate=" + srv.URL + "/s/{key},retryBackoff=1ms"

	m := urlManager(t, nil, base)
	v, err := m.Get(context.Background(), secrets.DefaultName, "flaky")
	require.NoError(t, err)
	assert.Equal(t, "ok", v)
	assert.Equal(t, int64(3), srv.hits.Load(), "two 503s retried, the third answer taken")

	srv.hits.Store(0)
	_, err = m.Get(context.Background(), secrets.DefaultName, "missing")
	assert.EqualError(t, err, "status code 404: failed to get secret")
	assert.Equal(t, int64(1), srv.hits.Load(), "a 404 is not retried")

	srv.hits.Store(0)
	_, err = m.Get(context.Background(), secrets.DefaultName, "down")
	assert.EqualError(t, err, "status code 429: failed to get secret")
	assert.Equal(t, int64(4), srv.hits.Load(), "maxRetries is 3 by default: 4 attempts")

	srv.hits.Store(0)
	m = urlManager(t, nil, base+",maxRetries=0")
	_, err = m.Get(context.Background(), secrets.DefaultName, "down")
	require.Error(t, err)
	assert.Equal(t, int64(1), srv.hits.Load())
}

func TestURLSourceLimits(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 24*1024+1)
	srv := newSecretServer(t, func(w http.ResponseWriter, r *http.Request, _ int64) {
		if strings.HasSuffix(r.URL.Path, "/big") {
			_, _ = w.Write([]byte(big))
			return
		}
		if strings.HasSuffix(r.URL.Path, "/slow") {
			time.Sleep(300 * time.Millisecond)
		}
		_, _ = w.Write([]byte("s"))
	})
	m := urlManager(t, nil, "url=urlTemplate="+srv.URL+"/{key},timeout=50ms,maxRetries=0")
	_, err := m.Get(context.Background(), secrets.DefaultName, "big")
	assert.EqualError(t, err, "failed to extract secret: secret response exceeds maximum size of 24576 bytes")
	_, err = m.Get(context.Background(), secrets.DefaultName, "slow")
	assert.ErrorContains(t, err, "failed to get secret: ")
	assert.ErrorContains(t, err, "Client.Timeout exceeded")

	// 600 a minute with a burst of 1: a token every 100 ms.
	m = urlManager(t, nil, "url=urlTemplate="+srv.URL+"/{key},requestsPerMinuteLimit=600,requestsBurst=1")
	start := time.Now()
	for _, k := range []string{"a", "b", "c"} {
		_, err := m.Get(context.Background(), secrets.DefaultName, k)
		require.NoError(t, err)
	}
	assert.GreaterOrEqual(t, time.Since(start), 190*time.Millisecond, "three requests wait for two tokens")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = m.Get(ctx, secrets.DefaultName, "d")
	assert.ErrorContains(t, err, "rate limiter error: context canceled")
}

func TestURLSourceBadConfig(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(cfg, []byte(`{"urlTemplate":`), 0o600))
	for spec, want := range map[string]string{
		"url=urlTemplate=http://127.0.0.1/x":                              "urlTemplate must contain {key} placeholder",
		"url=urlTemplate=/relative/{key}":                                 "urlTemplate must be an absolute URL with a scheme (e.g., https://...)",
		"url=urlTemplate=http://127.0.0.1/{key},timeout=0s":               "timeout must be greater than 0",
		"url=urlTemplate=http://127.0.0.1/{key},timeout=soon":             `invalid timeout: time: invalid duration "soon"`,
		"url=urlTemplate=http://127.0.0.1/{key},maxRetries=-1":            "maxRetries must be non-negative",
		"url=urlTemplate=http://127.0.0.1/{key},maxRetries=x":             `invalid maxRetries: strconv.ParseInt: parsing "x": invalid syntax`,
		"url=urlTemplate=http://127.0.0.1/{key},requestsBurst=0":          "requestsBurst must be greater than 0",
		"url=urlTemplate=http://127.0.0.1/{key},requestsPerMinuteLimit=0": "requestsPerMinuteLimit must be greater than 0",
		"url=urlTemplate=http://127.0.0.1/{key},retryBackoff=-1s":         "retryBackoff must be greater than 0",
		"url=urlTemplate=http://127.0.0.1/{key},colour=blue":              `unknown configuration key: "colour"`,
		"url=urlTemplate=http://127.0.0.1/{key},oops":                     `invalid config format "oops", expected key=value`,
		"url=config=" + cfg:            "failed to parse JSON config: unexpected end of JSON input",
		"url=config=/nonexistent.json": "failed to open config file: open /nonexistent.json: no such file or directory",
	} {
		_, err := secrets.New([]string{spec}, nil, nil)
		assert.EqualError(t, err, "missing or invalid config: "+want, spec)
	}
}
