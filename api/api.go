// Package api serves k6's REST API (v1) over a test run: the run's status,
// pausing, resuming and stopping it, its metrics and groups, setup and
// teardown on request, and the metrics in Prometheus's text format. Bodies
// are JSON:API documents as k6 writes them. The server reads only the run's
// status snapshot and the metrics engine's snapshots, so it is safe beside the
// VUs.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/minik6/minik6/testrun"
)

// Server is the REST API of one test run.
type Server struct {
	run    *testrun.Run
	logger logrus.FieldLogger
	mux    *http.ServeMux

	srv      *http.Server
	ln       net.Listener
	served   chan struct{}
	stopOnce sync.Once
	stopped  chan struct{}
	// setupMu serialises setup and teardown requests.
	setupMu sync.Mutex
}

// New makes the API of run; it listens once Listen is called.
func New(run *testrun.Run, logger logrus.FieldLogger) *Server {
	if logger == nil {
		logger = logrus.StandardLogger()
	}
	s := &Server{run: run, logger: logger, mux: http.NewServeMux(), stopped: make(chan struct{})}
	s.routes()
	return s
}

// Handler is the API's HTTP handler.
func (s *Server) Handler() http.Handler { return s.mux }

// Listen listens on addr ("host:port") and serves in the background. The error
// is the OS's when the address can't be listened on.
func (s *Server) Listen(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.ln = ln
	s.srv = &http.Server{Handler: s.mux, ReadHeaderTimeout: 10 * time.Second}
	s.served = make(chan struct{})
	go func() {
		defer close(s.served)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger.WithError(err).Error("the REST API stopped serving")
		}
	}()
	return nil
}

// Addr is the address the API listens on, nil before Listen.
func (s *Server) Addr() net.Addr {
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// StopRequested is closed when a client asked to stop the test (PATCH
// /v1/status with stopped:true): a lingering process ends then.
func (s *Server) StopRequested() <-chan struct{} { return s.stopped }

// Close stops serving, letting requests under way finish for a moment.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if err != nil {
		err = s.srv.Close()
	}
	<-s.served
	return err
}

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /v1/status", s.getStatus)
	m.HandleFunc("PATCH /v1/status", s.patchStatus)
	m.HandleFunc("/v1/status", methodNotAllowed("GET, PATCH"))
	m.HandleFunc("GET /v1/metrics", s.getMetrics)
	m.HandleFunc("/v1/metrics", methodNotAllowed("GET"))
	m.HandleFunc("GET /v1/metrics/{id}", s.getMetric)
	m.HandleFunc("/v1/metrics/{id}", methodNotAllowed("GET"))
	m.HandleFunc("GET /v1/groups", s.getGroups)
	m.HandleFunc("/v1/groups", methodNotAllowed("GET"))
	m.HandleFunc("GET /v1/groups/{id}", s.getGroup)
	m.HandleFunc("/v1/groups/{id}", methodNotAllowed("GET"))
	m.HandleFunc("GET /v1/setup", s.getSetup)
	m.HandleFunc("PUT /v1/setup", s.putSetup)
	m.HandleFunc("POST /v1/setup", s.postSetup)
	m.HandleFunc("/v1/setup", methodNotAllowed("GET, PUT, POST"))
	m.HandleFunc("POST /v1/teardown", s.postTeardown)
	m.HandleFunc("/v1/teardown", methodNotAllowed("POST"))
	m.HandleFunc("POST /v1/abort", s.postAbort)
	m.HandleFunc("/v1/abort", methodNotAllowed("POST"))
	m.HandleFunc("GET /metrics", s.getPrometheus)
	m.HandleFunc("/metrics", methodNotAllowed("GET"))
	m.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusNotFound, "Not Found", "no such endpoint")
	})
}

// document is a JSON:API document with one resource or a list of them.
type document struct {
	Data any `json:"data"`
}

// resource is a JSON:API resource object.
type resource struct {
	Type          string                  `json:"type"`
	ID            string                  `json:"id"`
	Attributes    any                     `json:"attributes"`
	Relationships map[string]relationship `json:"relationships,omitempty"`
}

// relationship links resources: Data is a *identifier, nil or a list.
type relationship struct {
	Data any `json:"data"`
}

// identifier names a resource.
type identifier struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// apiError is one error of an error document.
type apiError struct {
	Status string `json:"status"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "Encoding error", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeData(w http.ResponseWriter, data any) { writeJSON(w, http.StatusOK, document{Data: data}) }

func writeError(w http.ResponseWriter, status int, title, detail string) {
	body, _ := json.Marshal(map[string][]apiError{"errors": {{
		Status: strconv.Itoa(status), Title: title, Detail: detail,
	}}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func methodNotAllowed(allow string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, "Method Not Allowed",
			r.Method+" is not allowed here; allowed: "+allow)
	}
}
