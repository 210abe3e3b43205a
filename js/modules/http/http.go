// Package http is the k6/http module, as far as the runnable core needs it:
// request, get, post, put, patch, del, head, options and batch, with the
// response's status, body, headers and timings, and the http_req_* metrics. The
// full module (cookies, files, TLS options, redirects control, …) is later work.
package http

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
	"github.com/minik6/minik6/runner"
)

func init() {
	modules.Register("k6/http", modules.ModuleFunc(New))
}

// Module is one VU's k6/http, with its own connection pool.
type Module struct {
	vu     modules.VU
	rt     *sobek.Runtime
	client *http.Client
}

// New makes the module's instance for vu.
func New(vu modules.VU) modules.Instance {
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		DialContext:         (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12},
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
	}
	return &Module{vu: vu, rt: vu.Runtime(), client: &http.Client{Transport: tr, Timeout: 60 * time.Second}}
}

// Close closes the VU's idle connections.
func (m *Module) Close() error {
	m.client.CloseIdleConnections()
	return nil
}

// Exports lists the request functions; the default export holds them too.
func (m *Module) Exports() modules.Exports {
	verb := func(method string, hasBody bool) func(call sobek.FunctionCall) sobek.Value {
		return func(call sobek.FunctionCall) sobek.Value {
			body, params := sobek.Undefined(), call.Argument(1)
			if hasBody {
				body, params = call.Argument(1), call.Argument(2)
			}
			return m.do(method, call.Argument(0), body, params)
		}
	}
	return modules.Exports{Named: map[string]any{
		"get":     verb(http.MethodGet, false),
		"head":    verb(http.MethodHead, false),
		"post":    verb(http.MethodPost, true),
		"put":     verb(http.MethodPut, true),
		"patch":   verb(http.MethodPatch, true),
		"del":     verb(http.MethodDelete, true),
		"options": verb(http.MethodOptions, true),
		"request": func(call sobek.FunctionCall) sobek.Value {
			return m.do(strings.ToUpper(call.Argument(0).String()), call.Argument(1), call.Argument(2), call.Argument(3))
		},
		"batch": m.batch,
	}}
}

// request is one prepared request.
type request struct {
	method, url string
	body        []byte
	headers     map[string]string
	tags        map[string]string
}

func (m *Module) prepare(method string, u, body, params sobek.Value) request {
	r := request{method: method, url: u.String(), headers: map[string]string{}, tags: map[string]string{}}
	if body != nil && !sobek.IsUndefined(body) && !sobek.IsNull(body) {
		r.body = []byte(body.String())
	}
	if p, ok := params.(*sobek.Object); ok {
		if h, ok := p.Get("headers").(*sobek.Object); ok {
			for _, k := range h.Keys() {
				r.headers[k] = h.Get(k).String()
			}
		}
		if t, ok := p.Get("tags").(*sobek.Object); ok {
			for _, k := range t.Keys() {
				r.tags[k] = t.Get(k).String()
			}
		}
	}
	return r
}

func (m *Module) do(method string, u, body, params sobek.Value) sobek.Value {
	st := m.vu.State()
	if st == nil {
		panic(m.rt.NewGoError(errors.New("making http requests in the init context is not supported")))
	}
	res := m.send(m.vu.Context(), st, m.prepare(method, u, body, params))
	return m.responseObject(res)
}

// batch sends several requests in parallel and returns their responses in the
// same shape (array or object) as the requests.
func (m *Module) batch(reqs sobek.Value) sobek.Value {
	st := m.vu.State()
	if st == nil {
		panic(m.rt.NewGoError(errors.New("making http requests in the init context is not supported")))
	}
	obj, ok := reqs.(*sobek.Object)
	if !ok {
		panic(m.rt.NewTypeError("http.batch() needs an array or an object of requests"))
	}
	keys := obj.Keys()
	prepared := make([]request, len(keys))
	for i, k := range keys {
		prepared[i] = m.prepareBatchItem(obj.Get(k))
	}
	results := make([]*response, len(keys))
	var wg sync.WaitGroup
	ctx := m.vu.Context()
	for i := range prepared {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = m.exchange(ctx, prepared[i])
		}(i)
	}
	wg.Wait()
	var out *sobek.Object
	if _, isArray := obj.Export().([]any); isArray {
		out = m.rt.NewArray()
	} else {
		out = m.rt.NewObject()
	}
	for i, k := range keys {
		m.record(st, prepared[i], results[i])
		_ = out.Set(k, m.responseObject(results[i]))
	}
	return out
}

func (m *Module) prepareBatchItem(v sobek.Value) request {
	switch x := v.Export().(type) {
	case string:
		return m.prepare(http.MethodGet, v, nil, nil)
	case []any:
		obj := v.(*sobek.Object)
		method := http.MethodGet
		if len(x) > 0 {
			method = strings.ToUpper(obj.Get("0").String())
		}
		return m.prepare(method, obj.Get("1"), obj.Get("2"), obj.Get("3"))
	case map[string]any:
		obj := v.(*sobek.Object)
		method := http.MethodGet
		if mv := obj.Get("method"); mv != nil && !sobek.IsUndefined(mv) {
			method = strings.ToUpper(mv.String())
		}
		return m.prepare(method, obj.Get("url"), obj.Get("body"), obj.Get("params"))
	}
	return m.prepare(http.MethodGet, v, nil, nil)
}

// response is the outcome of one request.
type response struct {
	status   int
	proto    string
	body     []byte
	headers  http.Header
	url      string
	err      error
	sent     int64
	received int64
	timings  timings
	finished time.Time
}

// timings are the phases of a request in milliseconds.
type timings struct {
	blocked, connecting, tlsHandshaking, sending, waiting, receiving, duration float64
}

func (m *Module) send(ctx context.Context, st *runner.VUState, r request) *response {
	res := m.exchange(ctx, r)
	m.record(st, r, res)
	return res
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// exchange performs the request and measures it.
func (m *Module) exchange(ctx context.Context, r request) *response {
	res := &response{url: r.url}
	req, err := http.NewRequestWithContext(ctx, r.method, r.url, bytes.NewReader(r.body))
	if err != nil {
		res.err = err
		res.finished = time.Now()
		return res
	}
	for k, v := range r.headers {
		req.Header.Set(k, v)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "minik6 (https://github.com/minik6/minik6)")
	}
	var start, connStart, connDone, tlsStart, tlsDone, wrote, firstByte time.Time
	trace := &httptrace.ClientTrace{
		GetConn:              func(string) { start = time.Now() },
		ConnectStart:         func(string, string) { connStart = time.Now() },
		ConnectDone:          func(string, string, error) { connDone = time.Now() },
		TLSHandshakeStart:    func() { tlsStart = time.Now() },
		TLSHandshakeDone:     func(tls.ConnectionState, error) { tlsDone = time.Now() },
		GotConn:              func(httptrace.GotConnInfo) { connDone = maxTime(connDone, time.Now()) },
		WroteRequest:         func(httptrace.WroteRequestInfo) { wrote = time.Now() },
		GotFirstResponseByte: func() { firstByte = time.Now() },
	}
	begin := time.Now()
	req = req.WithContext(httptrace.WithClientTrace(ctx, trace))
	resp, err := m.client.Do(req)
	if err != nil {
		res.err = err
		res.finished = time.Now()
		res.timings.duration = ms(res.finished.Sub(begin))
		return res
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	end := time.Now()
	res.finished = end
	res.status, res.proto, res.headers, res.body, res.err = resp.StatusCode, resp.Proto, resp.Header, body, err
	res.url = resp.Request.URL.String()
	res.sent = requestSize(req, len(r.body))
	res.received = int64(len(body)) + headerSize(resp.Header) + int64(len(resp.Proto)+len(resp.Status)+4)
	if start.IsZero() {
		start = begin
	}
	t := &res.timings
	if !connStart.IsZero() {
		t.blocked = ms(connStart.Sub(start))
		t.connecting = ms(connDone.Sub(connStart))
	} else if !connDone.IsZero() {
		t.blocked = ms(connDone.Sub(start))
	}
	if !tlsStart.IsZero() {
		t.tlsHandshaking = ms(tlsDone.Sub(tlsStart))
	}
	if !wrote.IsZero() && !connDone.IsZero() {
		t.sending = ms(wrote.Sub(connDone))
	}
	if !firstByte.IsZero() && !wrote.IsZero() {
		t.waiting = ms(firstByte.Sub(wrote))
		t.receiving = ms(end.Sub(firstByte))
	}
	t.duration = t.sending + t.waiting + t.receiving
	return res
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func headerSize(h http.Header) int64 {
	var n int64
	for k, vs := range h {
		for _, v := range vs {
			n += int64(len(k) + len(v) + 4)
		}
	}
	return n + 2
}

func requestSize(req *http.Request, body int) int64 {
	return int64(len(req.Method)+len(req.URL.RequestURI())+len(req.Proto)+4) + headerSize(req.Header) + int64(body)
}

// record emits the request's samples with its tags.
func (m *Module) record(st *runner.VUState, r request, res *response) {
	b := st.Builtins
	tags := map[string]string{}
	sys := func(k, v string) {
		if st.SystemTags.Has(k) {
			tags[k] = v
		}
	}
	name := r.url
	if n, ok := st.Tags.Get("name"); ok {
		name = n
	}
	sys("method", r.method)
	sys("url", r.url)
	sys("name", name)
	failed := 1.0
	if res.err == nil {
		sys("status", strconv.Itoa(res.status))
		sys("proto", res.proto)
		if res.status >= 200 && res.status < 400 {
			failed = 0
		}
	} else {
		sys("status", "0")
		sys("error", res.err.Error())
	}
	sys("expected_response", strconv.FormatBool(failed == 0))
	for k, v := range r.tags {
		tags[k] = v
	}
	now := res.finished
	st.EmitTagged(b.HTTPReqs, now, 1, tags)
	st.EmitTagged(b.HTTPReqFailed, now, failed, tags)
	st.EmitTagged(b.HTTPReqDuration, now, res.timings.duration, tags)
	st.EmitTagged(b.HTTPReqBlocked, now, res.timings.blocked, tags)
	st.EmitTagged(b.HTTPReqConnecting, now, res.timings.connecting, tags)
	st.EmitTagged(b.HTTPReqTLSHandshaking, now, res.timings.tlsHandshaking, tags)
	st.EmitTagged(b.HTTPReqSending, now, res.timings.sending, tags)
	st.EmitTagged(b.HTTPReqWaiting, now, res.timings.waiting, tags)
	st.EmitTagged(b.HTTPReqReceiving, now, res.timings.receiving, tags)
	st.DataSent += res.sent
	st.DataReceived += res.received
}

// responseObject is the script's view of a response.
func (m *Module) responseObject(res *response) *sobek.Object {
	obj := m.rt.NewObject()
	_ = obj.Set("status", res.status)
	_ = obj.Set("proto", res.proto)
	_ = obj.Set("url", res.url)
	_ = obj.Set("body", string(res.body))
	headers := m.rt.NewObject()
	for k, vs := range res.headers {
		_ = headers.Set(k, strings.Join(vs, ", "))
	}
	_ = obj.Set("headers", headers)
	errText, errCode := "", 0
	if res.err != nil {
		errText, errCode = res.err.Error(), 1000
	}
	_ = obj.Set("error", errText)
	_ = obj.Set("error_code", errCode)
	t := m.rt.NewObject()
	_ = t.Set("blocked", res.timings.blocked)
	_ = t.Set("connecting", res.timings.connecting)
	_ = t.Set("tls_handshaking", res.timings.tlsHandshaking)
	_ = t.Set("sending", res.timings.sending)
	_ = t.Set("waiting", res.timings.waiting)
	_ = t.Set("receiving", res.timings.receiving)
	_ = t.Set("duration", res.timings.duration)
	_ = obj.Set("timings", t)
	return obj
}
