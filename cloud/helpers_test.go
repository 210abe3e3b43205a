package cloud

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// secretToken is the API token of every test client; it must never show up
// in a log entry or an error.
const secretToken = "tok-5ecr3t-0123456789abcdef"

// testVersion is the version the test clients send in the User-Agent.
const testVersion = "1.7.0"

// received is a request as the fake cloud saw it.
type received struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	At     time.Time
}

// fakeCloud is an HTTP server on 127.0.0.1 that records every request and
// answers with respond, which gets the 1-based number of the request.
type fakeCloud struct {
	*httptest.Server
	mu       sync.Mutex
	requests []received
}

// newFakeCloud starts a fake cloud, closed when the test ends.
func newFakeCloud(t *testing.T, respond func(w http.ResponseWriter, r *http.Request, n int)) *fakeCloud {
	t.Helper()
	fc := &fakeCloud{}
	fc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		fc.mu.Lock()
		fc.requests = append(fc.requests, received{
			Method: r.Method, Path: r.URL.EscapedPath(), Header: r.Header.Clone(), Body: body, At: time.Now(),
		})
		n := len(fc.requests)
		fc.mu.Unlock()
		respond(w, r, n)
	}))
	t.Cleanup(fc.Close)
	return fc
}

// answer returns a responder that always answers status with body.
func answer(status int, contentType, body string) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, _ *http.Request, _ int) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// received returns a copy of the requests so far.
func (fc *fakeCloud) received() []received {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	return append([]received(nil), fc.requests...)
}

// newTestClient returns a client of host with the secret token (when
// withToken), a retry interval of 1 ms, and a logger at trace level whose
// entries are returned as a hook. When the test ends it checks that no log
// entry holds the token.
func newTestClient(t *testing.T, host string, withToken bool) (*Client, *logtest.Hook) {
	t.Helper()
	logger, hook := logtest.NewNullLogger()
	logger.SetLevel(logrus.TraceLevel)
	token := ""
	if withToken {
		token = secretToken
	}
	c := NewClient(logger, token, host, testVersion, 5*time.Second)
	c.retryInterval = time.Millisecond
	t.Cleanup(func() { assertNoTokenInLogs(t, hook) })
	return c, hook
}

// assertNoTokenInLogs fails the test if a log entry's message or fields hold
// the secret token.
func assertNoTokenInLogs(t *testing.T, hook *logtest.Hook) {
	t.Helper()
	for _, e := range hook.AllEntries() {
		assert.NotContains(t, e.Message, secretToken)
		for k, v := range e.Data {
			assert.NotContains(t, fmt.Sprint(v), secretToken, "log field %s", k)
		}
	}
}

// errText returns err's message after checking that there is an error and
// that it does not hold the secret token.
func errText(t *testing.T, err error) string {
	t.Helper()
	require.Error(t, err)
	assert.NotContains(t, err.Error(), secretToken)
	return err.Error()
}
