package minik6test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minik6/minik6/cloud/metricspb"
)

// FakeCloudReferenceID is the reference ID a FakeCloud gives new test runs
// unless told otherwise with SetReferenceID.
const FakeCloudReferenceID = "123"

// FakeCloudToken is the token a FakeCloud's POST /v1/login answers with.
const FakeCloudToken = "fake-cloud-token"

// maxCloudBody is the largest request body a FakeCloud takes; a larger one is
// answered 413.
const maxCloudBody = 64 << 20

// Routes of the default answers, in net/http.ServeMux syntax. CloudRequest.Route
// holds one of them.
const (
	RouteCreateTestRun   = "POST /v1/tests"
	RouteTestFinished    = "POST /v1/tests/{ref}"
	RouteStopTestRun     = "POST /v1/tests/{ref}/stop"
	RouteValidateOptions = "POST /v1/validate-options"
	RouteArchiveUpload   = "POST /v1/archive-upload"
	RouteTestProgress    = "GET /v1/test-progress/{ref}"
	RouteLogin           = "POST /v1/login"
	RouteValidateToken   = "POST /v1/validate-token"
	RouteMetricsPush     = "POST /v2/metrics/{ref}"
	RouteV6Auth          = "GET /cloud/v6/auth"
)

// FastPushConfig returns the `config` override that makes the cloud output
// aggregate and push every second, for SetCreateConfig.
func FastPushConfig() map[string]any {
	return map[string]any{
		"aggregationPeriod":     "1s",
		"aggregationWaitPeriod": "1s",
		"metricPushInterval":    "1s",
	}
}

// FakeCloud is a fake k6 cloud API on 127.0.0.1 that records every request. It
// gives the minimal answers that keep a k6-compatible client going (the legacy
// /v1 API, the /v2/metrics push, GET /cloud/v6/auth), decodes metrics pushes,
// and can be told to fail a route (Fail). Its methods are safe for concurrent
// use.
type FakeCloud struct {
	// URL is the server's base URL, http://127.0.0.1:PORT, without a trailing
	// slash: the cloud host (K6_CLOUD_HOST) and v6 host (K6_CLOUD_HOST_V6).
	URL string

	srv       *httptest.Server
	defaults  *http.ServeMux
	done      chan struct{}
	closeOnce sync.Once

	mu           sync.Mutex
	requests     []CloudRequest
	rules        []*failRule
	overrides    *http.ServeMux
	refID        string
	createConfig map[string]any
	createLogs   []CloudLog
	progress     []CloudProgress
	progressNext int
}

// CloudRequest is one request a FakeCloud received, and how it was answered.
type CloudRequest struct {
	// Method is the HTTP method.
	Method string
	// Path is the URL path, RawQuery the query without '?'.
	Path, RawQuery string
	// Route is the default route the request matched (one of the Route…
	// constants), or "" for an unknown route.
	Route string
	// Header is a copy of the request's headers (Go keeps Host,
	// Content-Length and Transfer-Encoding apart: see the fields below).
	Header http.Header
	// ContentLength is the declared body length, -1 when unknown (chunked).
	ContentLength int64
	// TransferEncoding lists the request's transfer codings, e.g. "chunked".
	TransferEncoding []string
	// Body is the request body as received (still compressed for a metrics
	// push).
	Body []byte
	// JSON is the body decoded, when it is a JSON object; nil otherwise. Numbers
	// are float64. DecodeJSON decodes into a type of the caller's.
	JSON map[string]any
	// Form holds the parts of a multipart/form-data body, in the order sent.
	Form []FormPart
	// Metrics is the decoded MetricSet of a metrics push (RouteMetricsPush);
	// nil for other routes or when the body did not decode.
	Metrics *metricspb.MetricSet
	// Err says what was wrong with the request (a metrics push that did not
	// decode, a bad multipart body), or that the client went away before the
	// answer. A push with an Err is answered 400 unless a FailRule answers it.
	Err error
	// Status is the status answered; 0 while the request is being answered,
	// and for a dropped connection or a client that went away.
	Status int
	// Dropped is true when a FailRule closed the connection without answering.
	Dropped bool
	// Time is when the request arrived.
	Time time.Time
}

// FormPart is one part of a multipart/form-data body.
type FormPart struct {
	// Name is the form field's name.
	Name string
	// FileName is the part's filename; "" for a plain field.
	FileName string
	// ContentType is the part's Content-Type header; "" when it has none.
	ContentType string
	// Data is the part's content.
	Data []byte
}

// CloudLog is one entry of the `logs` a create answer carries.
type CloudLog struct {
	Level   string `json:"level"`
	Message string `json:"message"`
}

// CloudProgress is one answer of GET /v1/test-progress/{ref}.
type CloudProgress struct {
	Progress      float64 `json:"progress"`
	RunStatus     int     `json:"run_status"`
	RunStatusText string  `json:"run_status_text"`
	ResultStatus  int     `json:"result_status"`
}

// FinishedProgress is the progress answer of a finished, passed test run.
var FinishedProgress = CloudProgress{Progress: 1, RunStatus: 3, RunStatusText: "Finished", ResultStatus: 0}

// FailRule says how a FakeCloud answers a route instead of its normal answer.
type FailRule struct {
	// Status is the status to answer with. Zero (and Drop false) keeps the
	// route's normal answer, so a rule with only Delay makes a slow route.
	Status int
	// Body is the body answered with Status, as is; it may be empty. E.g.
	// `{"error":{"code":4,"message":"test run is not accepting more metrics"}}`.
	Body string
	// ContentType is the answer's Content-Type; empty means application/json
	// when Body is JSON, text/plain otherwise.
	ContentType string
	// Times is how many matching requests the rule applies to; 0 means all.
	Times int
	// Delay is how long to wait before answering (or dropping). The wait ends
	// early, without an answer, when the client goes away or the server closes.
	Delay time.Duration
	// Drop closes the connection without answering: the client sees a
	// transport error. Go's HTTP client may silently resend a GET on a dropped
	// reused connection, which the rule then counts too.
	Drop bool
}

// failRule is a FailRule with its route and use count.
type failRule struct {
	FailRule
	route string
	mux   *http.ServeMux
	used  int
}

// routeMatch is the handler a route-matching ServeMux holds: finding it means
// the route matched.
type routeMatch struct{}

func (routeMatch) ServeHTTP(http.ResponseWriter, *http.Request) {}

// NewFakeCloud starts a FakeCloud on a free port of 127.0.0.1; it is closed when
// t's test ends.
func NewFakeCloud(t testing.TB) *FakeCloud {
	t.Helper()
	f := &FakeCloud{
		done:      make(chan struct{}),
		refID:     FakeCloudReferenceID,
		progress:  []CloudProgress{FinishedProgress},
		overrides: http.NewServeMux(),
	}
	f.defaults = http.NewServeMux()
	f.defaults.HandleFunc(RouteCreateTestRun, f.createAnswer)
	f.defaults.HandleFunc(RouteArchiveUpload, f.createAnswer)
	for _, route := range []string{RouteTestFinished, RouteStopTestRun, RouteValidateOptions, RouteMetricsPush} {
		f.defaults.HandleFunc(route, func(w http.ResponseWriter, _ *http.Request) {
			writeJSON(w, http.StatusOK, map[string]any{})
		})
	}
	f.defaults.HandleFunc(RouteTestProgress, f.progressAnswer)
	f.defaults.HandleFunc(RouteLogin, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"token": FakeCloudToken})
	})
	f.defaults.HandleFunc(RouteValidateToken, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"is_valid": true, "message": "", "token-info": ""})
	})
	f.defaults.HandleFunc(RouteV6Auth, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"stack_id": 1, "default_project_id": 2})
	})
	f.defaults.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, errorBody(0, fmt.Sprintf("fake cloud: no route for %s %s", r.Method, r.URL.Path)))
	})
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	f.URL = f.srv.URL
	t.Cleanup(f.Close)
	return f
}

// Close stops the server: delayed answers still waiting end at once, without
// an answer, and Close waits for the other handlers. NewFakeCloud arranges for
// it to run when the test ends; it may be called more than once.
func (f *FakeCloud) Close() {
	f.closeOnce.Do(func() {
		close(f.done)
		f.srv.Close()
	})
}

// Env returns the environment that points minik6's cloud client at the fake:
// K6_CLOUD_HOST and K6_CLOUD_HOST_V6 are URL, K6_CLOUD_TOKEN is
// FakeCloudToken, and K6_CLOUD_TRACES_ENABLED is false.
func (f *FakeCloud) Env() map[string]string {
	return map[string]string{
		"K6_CLOUD_HOST":           f.URL,
		"K6_CLOUD_HOST_V6":        f.URL,
		"K6_CLOUD_TOKEN":          FakeCloudToken,
		"K6_CLOUD_TRACES_ENABLED": "false",
	}
}

// SetReferenceID sets the reference_id that create and archive-upload answer
// with (FakeCloudReferenceID by default).
func (f *FakeCloud) SetReferenceID(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.refID = id
}

// SetCreateConfig sets the `config` object that create and archive-upload
// answer with (none by default); nil removes it. FastPushConfig is a common
// one.
func (f *FakeCloud) SetCreateConfig(config map[string]any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.createConfig = config
}

// SetCreateLogs sets the `logs` that create and archive-upload answer with
// (none by default).
func (f *FakeCloud) SetCreateLogs(logs ...CloudLog) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.createLogs = append([]CloudLog(nil), logs...)
}

// SetProgress sets the answers of GET /v1/test-progress/{ref}: the first poll
// from now on gets the first, and so on; the last one repeats. Without answers
// it goes back to the default, FinishedProgress.
func (f *FakeCloud) SetProgress(answers ...CloudProgress) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(answers) == 0 {
		answers = []CloudProgress{FinishedProgress}
	}
	f.progress = append([]CloudProgress(nil), answers...)
	f.progressNext = 0
}

// Handle answers requests matching pattern (net/http.ServeMux syntax) with h
// instead of the default answers, e.g. for v6 API routes. The requests are still
// recorded, and FailRules still come first. A pattern may be handled only once.
func (f *FakeCloud) Handle(pattern string, h http.Handler) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.overrides.Handle(pattern, h)
}

// Fail makes requests matching route (net/http.ServeMux syntax, e.g.
// "POST /v2/metrics/" for every push, or "POST /v1/tests") get rule's answer.
// Rules apply in the order they were added; a rule that has been used Times
// times no longer applies, so rules added in turn make a sequence (two 500s,
// then a 403). A bad route pattern panics.
func (f *FakeCloud) Fail(route string, rule FailRule) {
	mux := http.NewServeMux()
	mux.Handle(route, routeMatch{})
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = append(f.rules, &failRule{FailRule: rule, route: route, mux: mux})
}

// ClearFails removes every FailRule.
func (f *FakeCloud) ClearFails() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules = nil
}

// Requests returns a copy of every request received so far, in arrival order.
func (f *FakeCloud) Requests() []CloudRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]CloudRequest(nil), f.requests...)
}

// RequestsTo returns the received requests whose default route is route (one of
// the Route… constants), in arrival order.
func (f *FakeCloud) RequestsTo(route string) []CloudRequest {
	var out []CloudRequest
	for _, r := range f.Requests() {
		if r.Route == route {
			out = append(out, r)
		}
	}
	return out
}

// Pushes returns the decoded MetricSets of the metrics pushes answered with a
// 2xx status, in arrival order. Pushes that failed (by a FailRule, a bad body or
// a dropped connection) are not among them.
func (f *FakeCloud) Pushes() []*metricspb.MetricSet {
	var out []*metricspb.MetricSet
	for _, r := range f.Requests() {
		if r.Route == RouteMetricsPush && r.Metrics != nil && r.Status >= 200 && r.Status < 300 {
			out = append(out, r.Metrics)
		}
	}
	return out
}

// SampleCounts returns, per metric name, how many samples the accepted pushes
// carried: a gauge's counts, a rate's total counts and a trend's counts, summed.
// A counter's aggregate is a sum of values, not a count, so its entry is the sum
// of its values (the count when every sample is 1, as for iterations).
func (f *FakeCloud) SampleCounts() map[string]float64 {
	counts := map[string]float64{}
	for _, set := range f.Pushes() {
		for _, m := range set.GetMetrics() {
			for _, ts := range m.GetTimeSeries() {
				counts[m.GetName()] += seriesCount(ts)
			}
		}
	}
	return counts
}

// CounterSums returns, per counter metric, the sum of its values over the
// accepted pushes.
func (f *FakeCloud) CounterSums() map[string]float64 {
	sums := map[string]float64{}
	for _, set := range f.Pushes() {
		for _, m := range set.GetMetrics() {
			for _, ts := range m.GetTimeSeries() {
				for _, v := range ts.GetCounterSamples().GetValues() {
					sums[m.GetName()] += v.GetValue()
				}
			}
		}
	}
	return sums
}

// seriesCount is the number of samples in ts's values (a counter's sum).
func seriesCount(ts *metricspb.TimeSeries) float64 {
	var n float64
	for _, v := range ts.GetCounterSamples().GetValues() {
		n += v.GetValue()
	}
	for _, v := range ts.GetGaugeSamples().GetValues() {
		n += float64(v.GetCount())
	}
	for _, v := range ts.GetRateSamples().GetValues() {
		n += float64(v.GetTotalCount())
	}
	for _, v := range ts.GetTrendHdrSamples().GetValues() {
		n += float64(v.GetCount())
	}
	return n
}

// DecodeJSON decodes the request's JSON body into v.
func (r CloudRequest) DecodeJSON(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("decoding the body of %s %s: %w", r.Method, r.Path, err)
	}
	return nil
}

// FormNames returns the names of the multipart form fields, in the order sent.
func (r CloudRequest) FormNames() []string {
	names := make([]string, 0, len(r.Form))
	for _, p := range r.Form {
		names = append(names, p.Name)
	}
	return names
}

// FormValue returns the content of the first form field named name, as a
// string, and whether there is one.
func (r CloudRequest) FormValue(name string) (string, bool) {
	p, ok := r.FormPart(name)
	return string(p.Data), ok
}

// FormPart returns the first form part named name, and whether there is one.
func (r CloudRequest) FormPart(name string) (FormPart, bool) {
	for _, p := range r.Form {
		if p.Name == name {
			return p, true
		}
	}
	return FormPart{}, false
}

// serve records r, then answers it by the first FailRule that applies, an
// override route, or the default routes.
func (f *FakeCloud) serve(w http.ResponseWriter, r *http.Request) {
	rec := CloudRequest{
		Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
		Header: r.Header.Clone(), ContentLength: r.ContentLength,
		TransferEncoding: append([]string(nil), r.TransferEncoding...),
		Time:             time.Now(),
	}
	if _, pattern := f.defaults.Handler(r); pattern != "/" {
		rec.Route = pattern
	}
	body, readErr := io.ReadAll(io.LimitReader(r.Body, maxCloudBody+1))
	rec.Body = body
	tooBig := len(body) > maxCloudBody
	switch {
	case readErr != nil:
		rec.Err = fmt.Errorf("reading the body: %w", readErr)
	case tooBig:
		rec.Err = fmt.Errorf("the body is over %d bytes", maxCloudBody)
	default:
		decodeBody(&rec, r)
	}

	f.mu.Lock()
	idx := len(f.requests)
	f.requests = append(f.requests, rec)
	rule := f.takeRule(r)
	h, pattern := f.overrides.Handler(r)
	f.mu.Unlock()

	if rule != nil && rule.Delay > 0 {
		timer := time.NewTimer(rule.Delay)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-r.Context().Done():
			f.setErr(idx, errors.New("the client went away before the answer"))
			panic(http.ErrAbortHandler) // no answer; the server closes the connection quietly
		case <-f.done:
			f.setErr(idx, errors.New("the fake cloud closed before the answer"))
			panic(http.ErrAbortHandler)
		}
	}
	if rule != nil && rule.Drop {
		f.drop(w, idx)
		return
	}

	sw := &statusWriter{ResponseWriter: w, f: f, idx: idx}
	switch {
	case rule != nil && rule.Status != 0:
		ct := rule.ContentType
		if ct == "" {
			ct = "text/plain; charset=utf-8"
			if json.Valid([]byte(rule.Body)) {
				ct = "application/json"
			}
		}
		sw.Header().Set("Content-Type", ct)
		sw.WriteHeader(rule.Status)
		_, _ = io.WriteString(sw, rule.Body)
	case tooBig:
		writeJSON(sw, http.StatusRequestEntityTooLarge, errorBody(0, "fake cloud: "+rec.Err.Error()))
	case pattern != "":
		r.Body = io.NopCloser(bytes.NewReader(body))
		h.ServeHTTP(sw, r)
	case rec.Err != nil && rec.Route == RouteMetricsPush:
		writeJSON(sw, http.StatusBadRequest, errorBody(0, "fake cloud: bad metrics push: "+rec.Err.Error()))
	default:
		r.Body = io.NopCloser(bytes.NewReader(body))
		f.defaults.ServeHTTP(sw, r)
	}
	if sw.status == 0 { // a handler that wrote nothing answers 200
		f.setStatus(idx, http.StatusOK)
	}
}

// decodeBody fills rec's JSON, Form and Metrics from its Body.
func decodeBody(rec *CloudRequest, r *http.Request) {
	if rec.Route == RouteMetricsPush {
		set, err := metricspb.Decode(rec.Body)
		if err != nil {
			rec.Err = err
			return
		}
		rec.Metrics = set
		return
	}
	mediaType, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if strings.HasPrefix(mediaType, "multipart/") {
		form, err := readForm(rec.Body, params["boundary"])
		rec.Form = form
		if err != nil {
			rec.Err = fmt.Errorf("reading the multipart body: %w", err)
		}
		return
	}
	if trimmed := bytes.TrimSpace(rec.Body); len(trimmed) > 0 && trimmed[0] == '{' {
		var obj map[string]any
		if json.Unmarshal(trimmed, &obj) == nil {
			rec.JSON = obj
		}
	}
}

// readForm reads the parts of a multipart body in order.
func readForm(body []byte, boundary string) ([]FormPart, error) {
	if boundary == "" {
		return nil, errors.New("the Content-Type has no boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	var form []FormPart
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			return form, nil
		}
		if err != nil {
			return form, err
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return form, err
		}
		form = append(form, FormPart{
			Name: p.FormName(), FileName: p.FileName(),
			ContentType: p.Header.Get("Content-Type"), Data: data,
		})
	}
}

// takeRule returns the first FailRule that applies to r and counts its use, or
// nil. f.mu is held.
func (f *FakeCloud) takeRule(r *http.Request) *FailRule {
	for _, rule := range f.rules {
		if rule.Times > 0 && rule.used >= rule.Times {
			continue
		}
		if h, _ := rule.mux.Handler(r); h != (routeMatch{}) {
			continue
		}
		rule.used++
		applied := rule.FailRule
		return &applied
	}
	return nil
}

// drop closes the connection of request idx without answering.
func (f *FakeCloud) drop(w http.ResponseWriter, idx int) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not droppable (never so on HTTP/1.1): a 502 is the closest answer.
		f.setErr(idx, fmt.Errorf("could not drop the connection: %w", err))
		sw := &statusWriter{ResponseWriter: w, f: f, idx: idx}
		writeJSON(sw, http.StatusBadGateway, errorBody(0, "fake cloud: could not drop the connection"))
		return
	}
	_ = conn.Close()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests[idx].Dropped = true
}

// setStatus records the status request idx was answered with.
func (f *FakeCloud) setStatus(idx, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests[idx].Status = status
}

// setErr records an error of request idx, keeping an earlier one.
func (f *FakeCloud) setErr(idx int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.requests[idx].Err == nil {
		f.requests[idx].Err = err
	}
}

// createAnswer answers create and archive-upload.
func (f *FakeCloud) createAnswer(w http.ResponseWriter, _ *http.Request) {
	f.mu.Lock()
	answer := map[string]any{"reference_id": f.refID}
	if f.createConfig != nil {
		answer["config"] = f.createConfig
	}
	if len(f.createLogs) > 0 {
		answer["logs"] = f.createLogs
	}
	body, err := json.Marshal(answer)
	f.mu.Unlock()
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, errorBody(0, "fake cloud: encoding the create answer: "+err.Error()))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// progressAnswer answers a test-progress poll with the next progress answer.
func (f *FakeCloud) progressAnswer(w http.ResponseWriter, _ *http.Request) {
	f.mu.Lock()
	p := f.progress[f.progressNext]
	if f.progressNext < len(f.progress)-1 {
		f.progressNext++
	}
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, p)
}

// statusWriter records the status of request idx before it goes out.
type statusWriter struct {
	http.ResponseWriter
	f      *FakeCloud
	idx    int
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 && status >= 200 {
		w.status = status
		w.f.setStatus(w.idx, status)
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// writeJSON answers with status and v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status, body = http.StatusInternalServerError, []byte(`{"error":{"message":"fake cloud: encoding the answer failed"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// errorBody is a k6 cloud error body: {"error":{"code":…,"message":…}}, the
// code left out when 0.
func errorBody(code int, message string) map[string]any {
	e := map[string]any{"message": message}
	if code != 0 {
		e["code"] = code
	}
	return map[string]any{"error": e}
}
