package http

import (
	"errors"
	"net/http"
	"strings"
	"sync"

	"github.com/grafana/sobek"

	"github.com/minik6/minik6/options"
)

// send sends r on the VU's goroutine, emits its samples and logs its failure.
func (m *Module) send(r *request) *result {
	st := m.vu.State()
	c, err := m.vuClient()
	var res *result
	if err != nil {
		res = &result{req: r, err: &reqError{code: codeDefault, msg: err.Error(), err: err}}
		return res
	}
	m.seq.use(m.vu.Context())
	res = m.exchange(&m.seq, c, r, st.Logger, st.Options.HTTPDebug.String, m.userAgent())
	if res.err != nil {
		m.seq.fresh()
	}
	m.record(st, res)
	m.warnFailed(res)
	return res
}

func (m *Module) userAgent() string {
	if st := m.vu.State(); st != nil && st.Options.UserAgent.Valid {
		return st.Options.UserAgent.String
	}
	return defaultUserAgent
}

// warnFailed logs k6's "Request Failed" warning for a request that got no
// response, unless throw is on (then the script gets an exception instead).
func (m *Module) warnFailed(res *result) {
	st := m.vu.State()
	if res.err == nil || st.Options.Throw.Bool {
		return
	}
	st.Logger.WithField("error", failureText(res)).Warn("Request Failed")
}

// failureText is the failed request's error as k6 logs and throws it.
func failureText(res *result) string {
	e := res.err
	text := e.msg
	if e.err != nil {
		text = e.err.Error()
	}
	if res.req != nil && res.req.u != nil && res.req.u.User != nil {
		text = strings.ReplaceAll(text, res.req.u.Redacted(), res.req.maskedURL())
		text = strings.ReplaceAll(text, res.req.rawURL, res.req.maskedURL())
	}
	return text
}

// asyncRequest is http.asyncRequest: a promise of the Response, settled on the
// VU's goroutine through its event loop.
func (m *Module) asyncRequest(call sobek.FunctionCall) sobek.Value {
	st := m.vu.State()
	if st == nil {
		m.throwErr(errInitContext)
	}
	m.startIteration()
	method := strings.ToUpper(call.Argument(0).String())
	r := m.parse(method, call.Argument(1), call.Argument(2), call.Argument(3))
	p, resolve, reject := m.rt.NewPromise()
	c, err := m.vuClient()
	if err != nil {
		_ = reject(m.rt.NewGoError(err))
		return m.rt.ToValue(p)
	}
	enqueue := m.vu.RegisterCallback()
	ctx, logger, debug, ua := m.vu.Context(), st.Logger, st.Options.HTTPDebug.String, m.userAgent()
	go func() {
		oc := newOnceContext(ctx)
		res := m.exchange(oc, c, r, logger, debug, ua)
		oc.release()
		enqueue(func() error {
			st := m.vu.State()
			m.record(st, res)
			if res.err != nil && st.Options.Throw.Bool {
				return reject(m.rt.NewGoError(errors.New(failureText(res))))
			}
			m.warnFailed(res)
			return resolve(m.responseObject(res))
		})
	}()
	return m.rt.ToValue(p)
}

// batch is http.batch: the requests in parallel (at most `batch` at once, and
// `batchPerHost` to one host), the Responses in the requests' shape.
func (m *Module) batch(reqs sobek.Value) sobek.Value {
	st := m.vu.State()
	if st == nil {
		m.throwErr(errInitContext)
	}
	m.startIteration()
	obj, ok := reqs.(*sobek.Object)
	if !ok || sobek.IsNull(reqs) {
		m.throwErr(errors.New("http.batch() needs an array or an object of requests"))
	}
	_, isArray := obj.Export().([]any)
	keys := obj.Keys()
	prepared := make([]*request, len(keys))
	for i, k := range keys {
		prepared[i] = m.parseBatchItem(obj.Get(k))
		if prepared[i].err != nil && prepared[i].err.code == codeBatchEntry && st.Options.Throw.Bool {
			m.throwErr(prepared[i].err)
		}
	}
	c, err := m.vuClient()
	if err != nil {
		m.throwErr(err)
	}
	limit := int(st.Options.Batch.Int64)
	if !st.Options.Batch.Valid {
		limit = options.DefaultBatch
	}
	perHost := int(st.Options.BatchPerHost.Int64)
	if !st.Options.BatchPerHost.Valid {
		perHost = options.DefaultBatchPerHost
	}
	results := make([]*result, len(prepared))
	ctx, logger, debug, ua := m.vu.Context(), st.Logger, st.Options.HTTPDebug.String, m.userAgent()
	sem := make(chan struct{}, max(limit, 1))
	var hostMu sync.Mutex
	hostSems := map[string]chan struct{}{}
	hostSem := func(r *request) chan struct{} {
		if perHost <= 0 || r.u == nil {
			return nil
		}
		hostMu.Lock()
		defer hostMu.Unlock()
		s := hostSems[r.u.Host]
		if s == nil {
			s = make(chan struct{}, perHost)
			hostSems[r.u.Host] = s
		}
		return s
	}
	var wg sync.WaitGroup
	for i, r := range prepared {
		wg.Add(1)
		go func(i int, r *request) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if hs := hostSem(r); hs != nil {
				hs <- struct{}{}
				defer func() { <-hs }()
			}
			oc := newOnceContext(ctx)
			results[i] = m.exchange(oc, c, r, logger, debug, ua)
			oc.release()
		}(i, r)
	}
	wg.Wait()
	var out *sobek.Object
	if isArray {
		out = m.rt.NewArray()
	} else {
		out = m.rt.NewObject()
	}
	var firstErr *result
	for i, k := range keys {
		m.record(st, results[i])
		if results[i].err != nil && firstErr == nil {
			firstErr = results[i]
		}
		if !st.Options.Throw.Bool {
			m.warnFailed(results[i])
		}
		_ = out.Set(k, m.responseObject(results[i]))
	}
	if firstErr != nil && st.Options.Throw.Bool {
		m.throwErr(errors.New(failureText(firstErr)))
	}
	return out
}

// codeBatchEntry marks a batch entry that is not a request.
const codeBatchEntry = codeDefault

// parseBatchItem reads one batch entry: a URL, [method, url, body, params] or
// {method, url, body, params}. A malformed entry is a failed request with a
// warning, not a crash.
func (m *Module) parseBatchItem(v sobek.Value) *request {
	bad := func(msg string) *request {
		err := errors.New(msg)
		return &request{method: http.MethodGet, err: &reqError{code: codeBatchEntry, msg: msg, err: err}}
	}
	if v == nil || sobek.IsUndefined(v) || sobek.IsNull(v) {
		return bad("invalid http.batch() request: it is null or undefined")
	}
	obj, isObj := v.(*sobek.Object)
	if !isObj {
		return m.parse(http.MethodGet, v, nil, nil)
	}
	if _, isTemplate := obj.Export().(*urlTemplate); isTemplate {
		return m.parse(http.MethodGet, v, nil, nil)
	}
	if arr, ok := obj.Export().([]any); ok {
		switch len(arr) {
		case 0:
			return bad("invalid http.batch() request: an empty array, want [method, url, body, params]")
		case 1:
			return bad("invalid http.batch() request: an array with no URL, want [method, url, body, params]")
		}
		return m.parse(strings.ToUpper(get(obj, "0").String()), get(obj, "1"), get(obj, "2"), get(obj, "3"))
	}
	u := get(obj, "url")
	if u == nil || sobek.IsUndefined(u) || sobek.IsNull(u) {
		return bad("invalid http.batch() request: the object has no url")
	}
	method := http.MethodGet
	if mv := get(obj, "method"); mv != nil && !sobek.IsUndefined(mv) && !sobek.IsNull(mv) {
		method = strings.ToUpper(mv.String())
	}
	return m.parse(method, u, get(obj, "body"), get(obj, "params"))
}
