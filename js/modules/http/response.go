package http

import (
	"crypto/tls"
	"errors"
	"strings"

	"github.com/grafana/sobek"
	"github.com/tidwall/gjson"

	"github.com/minik6/minik6/js/modules/html"
)

// respKeys are the Response's fields, as Object.keys lists them.
var respKeys = []string{
	"remote_ip", "remote_port", "url", "status", "status_text", "proto", "headers", "cookies",
	"body", "timings", "tls_version", "tls_cipher_suite", "ocsp", "error", "error_code", "request",
}

// response is the script's Response: a dynamic object that makes each field's
// value on first read, so a loop that only reads status pays for nothing else.
type response struct {
	m     *Module
	res   *result
	cache map[string]sobek.Value // fields made or set by the script
	json  sobek.Value
}

func (m *Module) responseObject(res *result) *sobek.Object {
	r := &res.js
	*r = response{m: m, res: res}
	obj := m.rt.NewDynamicObject(r)
	_ = obj.SetPrototype(m.responsePrototype())
	return obj
}

// responsePrototype holds the Response methods, made once per VU; each
// becomes a JavaScript function when first read.
func (m *Module) responsePrototype() *sobek.Object {
	if m.respProto != nil {
		return m.respProto
	}
	self := func(call sobek.FunctionCall) *response {
		if o, ok := call.This.(*sobek.Object); ok {
			if r, ok := o.Export().(*response); ok {
				return r
			}
		}
		panic(m.rt.NewTypeError("not a Response"))
	}
	m.respProto = m.lazyObject(map[string]any{
		"json":       func(call sobek.FunctionCall) sobek.Value { return self(call).jsonValue(call.Argument(0)) },
		"html":       func(call sobek.FunctionCall) sobek.Value { return self(call).htmlValue(call.Argument(0)) },
		"clickLink":  func(call sobek.FunctionCall) sobek.Value { return self(call).clickLink(call.Argument(0)) },
		"submitForm": func(call sobek.FunctionCall) sobek.Value { return self(call).submitForm(call.Argument(0)) },
	})
	return m.respProto
}

func (r *response) Has(key string) bool {
	if _, ok := r.cache[key]; ok {
		return true
	}
	for _, k := range respKeys {
		if k == key {
			return true
		}
	}
	return false
}

func (r *response) Keys() []string {
	keys := append([]string(nil), respKeys...)
	for k := range r.cache {
		if !r.isField(k) {
			keys = append(keys, k)
		}
	}
	return keys
}

func (r *response) isField(k string) bool {
	for _, f := range respKeys {
		if f == k {
			return true
		}
	}
	return false
}

func (r *response) Set(key string, val sobek.Value) bool {
	if r.cache == nil {
		r.cache = map[string]sobek.Value{}
	}
	r.cache[key] = val
	return true
}

func (r *response) Delete(key string) bool {
	if r.cache == nil {
		r.cache = map[string]sobek.Value{}
	}
	r.cache[key] = sobek.Undefined()
	return true
}

func (r *response) Get(key string) sobek.Value {
	if v, ok := r.cache[key]; ok {
		return v
	}
	rt, res := r.m.rt, r.res
	var v sobek.Value
	switch key {
	case "status":
		return rt.ToValue(res.status)
	case "error_code":
		if res.err != nil {
			return rt.ToValue(int(res.err.code))
		}
		return rt.ToValue(int(statusCode(res.status)))
	case "error":
		if res.err != nil {
			return rt.ToValue(res.err.msg)
		}
		return rt.ToValue("")
	case "url":
		return rt.ToValue(res.url)
	case "proto":
		return rt.ToValue(res.proto)
	case "status_text":
		return rt.ToValue(res.statusText)
	case "remote_ip":
		return rt.ToValue(res.remoteIP)
	case "remote_port":
		return rt.ToValue(res.remotePort)
	case "tls_version":
		if res.tls != nil {
			return rt.ToValue(tlsVersionName(res.tls.Version))
		}
		return rt.ToValue("")
	case "tls_cipher_suite":
		if res.tls != nil {
			return rt.ToValue(tls.CipherSuiteName(res.tls.CipherSuite))
		}
		return rt.ToValue("")
	case "body":
		switch {
		case !res.hasBody:
			v = sobek.Null()
		case res.req.respType == respBinary:
			v = rt.ToValue(rt.NewArrayBuffer(res.body))
		default:
			v = rt.ToValue(string(res.body))
		}
	case "headers":
		h := rt.NewObject()
		for k, vs := range res.header {
			_ = h.Set(k, strings.Join(vs, ", "))
		}
		v = h
	case "cookies":
		v = r.cookies()
	case "timings":
		t := rt.NewObject()
		tm := res.timings
		_ = t.Set("duration", tm.duration)
		_ = t.Set("blocked", tm.blocked)
		_ = t.Set("looking_up", tm.lookingUp)
		_ = t.Set("connecting", tm.connecting)
		_ = t.Set("tls_handshaking", tm.tlsHandshaking)
		_ = t.Set("sending", tm.sending)
		_ = t.Set("waiting", tm.waiting)
		_ = t.Set("receiving", tm.receiving)
		v = t
	case "ocsp":
		info := parseOCSP(res.tls)
		o := rt.NewObject()
		_ = o.Set("produced_at", info.producedAt)
		_ = o.Set("this_update", info.thisUpdate)
		_ = o.Set("next_update", info.nextUpdate)
		_ = o.Set("revocation_reason", info.reason)
		_ = o.Set("revoked_at", info.revokedAt)
		_ = o.Set("status", info.status)
		v = o
	case "request":
		v = r.request()
	default:
		return nil
	}
	r.Set(key, v)
	return v
}

// cookies are the response's Set-Cookie cookies, by name.
func (r *response) cookies() sobek.Value {
	rt := r.m.rt
	out := rt.NewObject()
	byName := map[string][]any{}
	var order []string
	for _, c := range r.res.cookies {
		if _, ok := byName[c.Name]; !ok {
			order = append(order, c.Name)
		}
		var expires int64
		if !c.Expires.IsZero() {
			expires = c.Expires.UnixMilli()
		}
		byName[c.Name] = append(byName[c.Name], map[string]any{
			"name": c.Name, "value": c.Value, "domain": c.Domain, "path": c.Path,
			"http_only": c.HttpOnly, "secure": c.Secure, "max_age": c.MaxAge, "expires": expires,
		})
	}
	for _, n := range order {
		_ = out.Set(n, byName[n])
	}
	return out
}

// request is the Response's request: method, url, headers, body, cookies.
func (r *response) request() sobek.Value {
	rt, res := r.m.rt, r.res
	o := rt.NewObject()
	_ = o.Set("method", res.req.method)
	_ = o.Set("url", res.url)
	h := rt.NewObject()
	for k, vs := range res.sentHeader {
		_ = h.Set(k, vs)
	}
	_ = o.Set("headers", h)
	_ = o.Set("body", string(res.sentBody))
	cookies := map[string][]any{}
	for _, c := range res.reqCookies {
		cookies[c.Name] = append(cookies[c.Name], map[string]any{"name": c.Name, "value": c.Value, "replace": false})
	}
	_ = o.Set("cookies", cookies)
	return o
}

// htmlValue is Response.html([selector]): the body parsed as k6/html's
// parseHTML does, then the selector found in it when one is given.
func (r *response) htmlValue(sel sobek.Value) sobek.Value {
	rt, res := r.m.rt, r.res
	if !res.hasBody || res.body == nil && res.req.respType == respNone {
		panic(rt.NewGoError(errors.New("the body is null so we can't transform it to HTML - this likely was because of a request error getting the response")))
	}
	doc := html.ParseHTML(rt, string(res.body))
	if sel == nil || sobek.IsUndefined(sel) || sobek.IsNull(sel) {
		return doc
	}
	find, _ := sobek.AssertFunction(doc.Get("find"))
	v, err := find(doc, sel)
	if err != nil {
		panic(err)
	}
	return v
}

// jsonValue is Response.json([selector]).
func (r *response) jsonValue(sel sobek.Value) sobek.Value {
	rt, res := r.m.rt, r.res
	if !res.hasBody || res.body == nil && res.req.respType == respNone {
		panic(rt.NewGoError(errors.New("the body is null so we can't transform it to JSON - this likely was because of a request error getting the response")))
	}
	if sel != nil && !sobek.IsUndefined(sel) && !sobek.IsNull(sel) {
		got := gjson.GetBytes(res.body, sel.String())
		if !got.Exists() {
			return sobek.Undefined()
		}
		return rt.ToValue(got.Value())
	}
	if r.json != nil {
		return r.json
	}
	parse, ok := sobek.AssertFunction(rt.GlobalObject().Get("JSON").ToObject(rt).Get("parse"))
	if !ok {
		panic(rt.NewGoError(errors.New("JSON.parse is missing")))
	}
	v, err := parse(sobek.Undefined(), rt.ToValue(string(res.body)))
	if err != nil {
		panic(err)
	}
	r.json = v
	return v
}
