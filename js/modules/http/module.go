// Package http is the k6/http module: requests (get, post, …, request,
// asyncRequest, batch) on a connection pool and cookie jar of each VU's own,
// k6's Response object, the http_req_* metrics from connection traces, k6's
// error codes, and the HTTP options of the run (userAgent, maxRedirects, batch,
// TLS, hosts, dns, blocked IPs and hosts, discardResponseBodies, throw, …).
package http

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
)

func init() {
	modules.Register("k6/http", modules.ModuleFunc(New))
}

// errInitContext is k6's error for a request made in the init context.
var errInitContext = errors.New("Making http requests in the init context is not supported") //nolint:staticcheck // k6's wording

// Module is one VU's k6/http.
type Module struct {
	vu modules.VU
	rt *sobek.Runtime

	client    *client // made on the first request, from the run's options
	clientErr error

	jar       *cookieJar // the VU's jar
	lastIter  int64      // the iteration the jar belongs to
	seenIter  bool
	seq       vuContext // the context of sequential requests
	ipMu      sync.Mutex
	lastIP    net.IP
	lastIPStr string
	tags      tagCache
	respProto *sobek.Object // the prototype of Response objects

	responseCallback *expectedStatuses

	lastURLString string   // as the script gave it
	lastURL       *url.URL // parsed
	lastURLText   string   // lastURL.String()

	exports modules.Exports
}

// New makes the module's instance for vu (in the init context).
func New(vu modules.VU) modules.Instance {
	m := &Module{vu: vu, rt: vu.Runtime()}
	m.seq.tr = newTracer()
	m.jar = newCookieJar()
	m.responseCallback = defaultExpected
	m.exports = m.makeExports()
	vuModules.Store(vu, m)
	return m
}

// Close closes the VU's idle connections and forgets the VU.
func (m *Module) Close() error {
	vuModules.Delete(m.vu)
	if m.client != nil {
		m.client.close()
	}
	return nil
}

// Exports is the module's exports: a default export that holds them all,
// which named imports read too.
func (m *Module) Exports() modules.Exports { return m.exports }

func (m *Module) makeExports() modules.Exports {
	verb := func(method string, hasBody bool) func(call sobek.FunctionCall) sobek.Value {
		return func(call sobek.FunctionCall) sobek.Value {
			body, params := sobek.Undefined(), call.Argument(1)
			if hasBody {
				body, params = call.Argument(1), call.Argument(2)
			}
			return m.request(method, call.Argument(0), body, params)
		}
	}
	named := map[string]any{
		"get":     verb(http.MethodGet, false),
		"head":    verb(http.MethodHead, false),
		"post":    verb(http.MethodPost, true),
		"put":     verb(http.MethodPut, true),
		"patch":   verb(http.MethodPatch, true),
		"del":     verb(http.MethodDelete, true),
		"options": verb(http.MethodOptions, true),
		"request": func(call sobek.FunctionCall) sobek.Value {
			return m.request(strings.ToUpper(call.Argument(0).String()), call.Argument(1), call.Argument(2), call.Argument(3))
		},
		"asyncRequest":              m.asyncRequest,
		"batch":                     m.batch,
		"url":                       m.urlTag,
		"file":                      m.file,
		"expectedStatuses":          m.expectedStatuses,
		"setResponseCallback":       m.setResponseCallback,
		"cookieJar":                 m.cookieJarFn,
		"CookieJar":                 m.newCookieJarCtor(),
		"OCSP_STATUS_GOOD":          ocspGood,
		"OCSP_STATUS_REVOKED":       ocspRevoked,
		"OCSP_STATUS_UNKNOWN":       ocspUnknown,
		"OCSP_STATUS_SERVER_FAILED": ocspServerFailed,
		"TLS_1_0":                   "tls1.0",
		"TLS_1_1":                   "tls1.1",
		"TLS_1_2":                   "tls1.2",
		"TLS_1_3":                   "tls1.3",
	}
	for _, reason := range ocspReasons {
		named["OCSP_REASON_"+strings.ToUpper(reason)] = reason
	}
	return modules.Exports{Default: m.lazyObject(named)}
}

// lazyObject is an object of the given properties, each of which becomes a
// JavaScript value when first read: a VU that only calls http.get does not
// make forty functions.
func (m *Module) lazyObject(props map[string]any) *sobek.Object {
	keys := make([]string, 0, len(props))
	for k := range props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return m.rt.NewDynamicObject(&lazyObject{rt: m.rt, named: props, keys: keys})
}

// lazyObject is the dynamic object behind Module.lazyObject.
type lazyObject struct {
	rt    *sobek.Runtime
	named map[string]any
	keys  []string               // the properties' names, sorted, then the script's
	made  map[string]sobek.Value // values made or set by the script
}

func (e *lazyObject) Get(key string) sobek.Value {
	if v, ok := e.made[key]; ok {
		return v
	}
	x, ok := e.named[key]
	if !ok {
		return nil
	}
	v := e.rt.ToValue(x)
	e.Set(key, v)
	return v
}

func (e *lazyObject) Set(key string, v sobek.Value) bool {
	if e.made == nil {
		e.made = map[string]sobek.Value{}
	}
	if _, ok := e.named[key]; !ok && !e.Has(key) {
		e.keys = append(e.keys, key)
	}
	e.made[key] = v
	return true
}

func (e *lazyObject) Has(key string) bool {
	_, made := e.made[key]
	_, named := e.named[key]
	return made || named
}

func (e *lazyObject) Delete(key string) bool {
	delete(e.made, key)
	delete(e.named, key)
	e.keys = slices.DeleteFunc(e.keys, func(k string) bool { return k == key })
	return true
}

func (e *lazyObject) Keys() []string { return slices.Clone(e.keys) }

// throwErr throws err as a JavaScript error.
func (m *Module) throwErr(err error) {
	panic(m.rt.NewGoError(err))
}

// vuClient returns the VU's client, made from the run's options on first use.
func (m *Module) vuClient() (*client, error) {
	if m.client == nil && m.clientErr == nil {
		st := m.vu.State()
		m.client, m.clientErr = newClient(st.Options, st.IDInTest)
	}
	return m.client, m.clientErr
}

// request is http.get/post/…/request: it sends the request now and returns the
// Response.
func (m *Module) request(method string, u, body, params sobek.Value) sobek.Value {
	st := m.vu.State()
	if st == nil {
		m.throwErr(errInitContext)
	}
	m.startIteration()
	return m.finish(m.parse(method, u, body, params))
}

// finish sends a parsed request now and returns its Response, or throws its
// error with the throw option.
func (m *Module) finish(r *request) sobek.Value {
	res := m.send(r)
	if res.err != nil && m.vu.State().Options.Throw.Bool {
		m.throwErr(res.err)
	}
	return m.responseObject(res)
}

// startIteration resets the cookie jar (unless noCookiesReset) and, with
// noVUConnectionReuse, the connections, when a new iteration has begun.
func (m *Module) startIteration() {
	st := m.vu.State()
	if m.seenIter && st.IterationInInstance == m.lastIter {
		return
	}
	first := !m.seenIter
	m.seenIter, m.lastIter = true, st.IterationInInstance
	if !first && !st.Options.NoCookiesReset.Bool {
		m.jar.reset()
	}
	if !first && st.Options.NoVUConnectionReuse.Bool && m.client != nil {
		m.client.close()
	}
}
