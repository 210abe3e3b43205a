package minik6test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxRecordedBody is how much of each request body a Target keeps.
const maxRecordedBody = 64 << 10

// Request is one request a Target received.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the URL path, RawQuery the query without '?'.
	Path, RawQuery string
	// Header holds the request's headers.
	Header http.Header
	// Body is the request body, up to 64 KiB.
	Body []byte
	// Time is when the request arrived.
	Time time.Time
}

// Target is a local HTTP server for scripts to load: on 127.0.0.1, any path
// answers 200 "ok" and /status/NNN answers with status NNN. It records every
// request, so a test can check what the VUs sent.
//
// Make one with NewTarget, or with NewUnstartedTarget, add routes with Handle,
// then Start. Close it when done.
type Target struct {
	srv     *httptest.Server
	mux     *http.ServeMux
	started bool

	mu       sync.Mutex
	requests []Request

	closeOnce sync.Once
}

// NewTarget starts a Target and returns it.
func NewTarget() *Target {
	t := NewUnstartedTarget()
	t.Start()
	return t
}

// NewUnstartedTarget returns a Target that is not listening yet: add routes with
// Handle, then call Start.
func NewUnstartedTarget() *Target {
	t := &Target{mux: http.NewServeMux()}
	t.mux.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})
	t.mux.HandleFunc("/status/{code}", statusHandler)
	t.srv = httptest.NewUnstartedServer(http.HandlerFunc(t.serve))
	return t
}

// Handle routes requests matching pattern (net/http.ServeMux syntax) to h
// instead of the default answers. It must be called before Start.
func (t *Target) Handle(pattern string, h http.Handler) {
	if t.started {
		panic("minik6test: Target.Handle called after Start; add routes to an unstarted target")
	}
	t.mux.Handle(pattern, h)
}

// Start starts listening on a free port of 127.0.0.1.
func (t *Target) Start() {
	if t.started {
		panic("minik6test: Target already started")
	}
	t.started = true
	t.srv.Start()
}

// URL is the target's base URL, http://127.0.0.1:PORT, without a trailing slash.
func (t *Target) URL() string {
	if !t.started {
		panic("minik6test: Target.URL called before Start")
	}
	return t.srv.URL
}

// Env returns the environment for Run that points a script's __ENV.BASE_URL at
// the target.
func (t *Target) Env() map[string]string {
	return map[string]string{"BASE_URL": t.URL()}
}

// Close stops the target and waits for requests in flight. It may be called more
// than once.
func (t *Target) Close() {
	t.closeOnce.Do(func() {
		if t.started {
			t.srv.Close()
		}
	})
}

// Requests returns a copy of the requests received so far, in arrival order.
func (t *Target) Requests() []Request {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Request(nil), t.requests...)
}

// RequestsTo returns the received requests whose path is path.
func (t *Target) RequestsTo(path string) []Request {
	var out []Request
	for _, r := range t.Requests() {
		if r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// serve records r, then answers it through the routes.
func (t *Target) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxRecordedBody))
	t.mu.Lock()
	t.requests = append(t.requests, Request{
		Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: body, Time: time.Now(),
	})
	t.mu.Unlock()
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
	t.mux.ServeHTTP(w, r)
}

// statusHandler answers /status/NNN with status NNN, or 400 when NNN is not a
// status code.
func statusHandler(w http.ResponseWriter, r *http.Request) {
	code, err := strconv.Atoi(r.PathValue("code"))
	if err != nil || code < 200 || code > 599 {
		http.Error(w, "want /status/NNN with NNN in 200..599", http.StatusBadRequest)
		return
	}
	w.WriteHeader(code)
	_, _ = io.WriteString(w, strings.ToLower(http.StatusText(code)))
}
