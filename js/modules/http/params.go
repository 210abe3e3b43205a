package http

import (
	"bytes"
	"errors"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/grafana/sobek"

	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/options"
)

const defaultTimeout = 60 * time.Second

// responseType is the params' responseType.
type responseType uint8

const (
	respText responseType = iota
	respBinary
	respNone
)

// request is one request as the script described it.
type request struct {
	method   string
	rawURL   string // as given (credentials included), for the request's url
	u        *url.URL
	uText    string // u.String()
	name     string // the name tag: tags.name, the http.url template, or the masked URL
	body     []byte
	bodySet  bool
	header   map[string][]string
	tags     []metrics.Tag // the params' tags
	timeout  time.Duration
	redirect int // redirects left to follow
	respType responseType
	callback *expectedStatuses // nil: none (no http_req_failed, no expected_response)
	jar      *cookieJar        // nil: no jar
	cookies  []reqCookie
	auth     string
	compress string
	err      *reqError // a request that can't be sent (invalid URL…)
	out      result    // its result, made with it
}

// reqCookie is a cookie of the params' cookies.
type reqCookie struct {
	name, value string
	replace     bool
}

// urlTemplate is what http.url`…` returns: the URL, and the template as the
// name tag, "${}" for each interpolated value.
type urlTemplate struct {
	URL  string `js:"url"`
	Name string `js:"name"`
}

// String is the URL, so the object works where a URL string is wanted.
func (u *urlTemplate) String() string { return u.URL }

// parseURL reads the url argument: a string, an http.url template, or anything
// with a toString (a URL object).
func (m *Module) parseURL(r *request, v sobek.Value) {
	if v == nil || sobek.IsUndefined(v) || sobek.IsNull(v) {
		r.err = &reqError{code: codeInvalidURL, msg: "invalid URL: it is empty"}
		return
	}
	if o, ok := v.(*sobek.Object); ok {
		if t, ok := o.Export().(*urlTemplate); ok {
			r.rawURL, r.name = t.URL, t.Name
		}
	}
	if r.rawURL == "" {
		r.rawURL = v.String()
	}
	u, text, err := m.cachedURL(r.rawURL)
	if err != nil {
		r.err = &reqError{code: codeInvalidURL, msg: err.Error(), err: err}
		return
	}
	r.u, r.uText = u, text
}

// cachedURL parses s, reusing the last parse of the same string: a VU's loop
// usually requests the same URL. The URL is never modified. text is its
// String().
func (m *Module) cachedURL(s string) (u *url.URL, text string, err error) {
	if s == m.lastURLString && m.lastURL != nil {
		return m.lastURL, m.lastURLText, nil
	}
	if u, err = url.Parse(s); err != nil {
		return nil, "", err
	}
	if u.Scheme == "" || u.Host == "" && (u.Scheme == "http" || u.Scheme == "https") {
		return nil, "", fmt.Errorf("invalid URL %q: no scheme or host", maskURL(s))
	}
	m.lastURLString, m.lastURL, m.lastURLText = s, u, u.String()
	return u, m.lastURLText, nil
}

// maskURL hides credentials in a URL as k6 does: http://****:****@host.
func maskURL(s string) string {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return s
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndexByte(rest[:end], '@')
	if at < 0 {
		return s
	}
	mask := "****"
	if strings.Contains(rest[:at], ":") {
		mask = "****:****"
	}
	return scheme + "://" + mask + rest[at:]
}

// parse reads a request from the script's arguments.
func (m *Module) parse(method string, u, body, params sobek.Value) *request {
	r := &request{method: method, timeout: defaultTimeout, redirect: m.maxRedirects(), callback: m.responseCallback, jar: m.jar}
	if m.discardBodies() {
		r.respType = respNone
	}
	m.parseURL(r, u)
	if r.err != nil {
		return r
	}
	if p, ok := params.(*sobek.Object); ok && !sobek.IsUndefined(params) && !sobek.IsNull(params) {
		if err := m.parseParams(r, p); err != nil {
			r.err = &reqError{code: codeDefault, msg: err.Error(), err: err}
			return r
		}
	}
	if body != nil && !sobek.IsUndefined(body) && !sobek.IsNull(body) {
		if err := m.parseBody(r, body); err != nil {
			r.err = &reqError{code: codeDefault, msg: err.Error(), err: err}
		}
	}
	if r.name == "" {
		r.name = maskURL(r.rawURL)
	}
	return r
}

func (m *Module) maxRedirects() int {
	if st := m.vu.State(); st != nil && st.Options.MaxRedirects.Valid {
		return int(st.Options.MaxRedirects.Int64)
	}
	return options.DefaultMaxRedirects
}

func (m *Module) discardBodies() bool {
	st := m.vu.State()
	return st != nil && st.Options.DiscardResponseBodies.Bool
}

func (r *request) setHeader(k, v string) {
	if r.header == nil {
		r.header = make(map[string][]string, 4)
	}
	r.header[textproto.CanonicalMIMEHeaderKey(k)] = []string{v}
}

func (r *request) getHeader(k string) string {
	if vs := r.header[textproto.CanonicalMIMEHeaderKey(k)]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

func (m *Module) parseParams(r *request, p *sobek.Object) error {
	for _, k := range p.Keys() {
		v := p.Get(k)
		switch k {
		case "headers":
			if h, ok := v.(*sobek.Object); ok && !sobek.IsNull(v) {
				for _, hk := range h.Keys() {
					hv := h.Get(hk)
					if sobek.IsUndefined(hv) || sobek.IsNull(hv) {
						continue
					}
					r.setHeader(hk, hv.String())
				}
			}
		case "tags":
			if t, ok := v.(*sobek.Object); ok && !sobek.IsNull(v) {
				for _, tk := range t.Keys() {
					tv := t.Get(tk).String()
					if tk == "name" {
						r.name = tv
						continue
					}
					r.tags = append(r.tags, metrics.Tag{Key: tk, Value: tv})
				}
			}
		case "timeout":
			d, err := parseTimeout(v)
			if err != nil {
				return err
			}
			r.timeout = d
		case "redirects":
			if !sobek.IsUndefined(v) && !sobek.IsNull(v) {
				r.redirect = int(v.ToInteger())
			}
		case "responseType":
			switch s := v.String(); s {
			case "text":
				r.respType = respText
			case "binary":
				r.respType = respBinary
			case "none":
				r.respType = respNone
			case "undefined":
			default:
				return fmt.Errorf("invalid responseType %q, the valid values are 'text', 'binary' and 'none'", s)
			}
		case "responseCallback":
			if sobek.IsNull(v) {
				r.callback = nil
				continue
			}
			if sobek.IsUndefined(v) {
				continue
			}
			cb, ok := v.Export().(*expectedStatuses)
			if !ok {
				return errors.New("unsupported responseCallback: only http.expectedStatuses(…) callbacks are supported")
			}
			r.callback = cb
		case "jar":
			if sobek.IsNull(v) {
				r.jar = nil
				continue
			}
			if j, ok := v.Export().(*cookieJar); ok {
				r.jar = j
			}
		case "cookies":
			if c, ok := v.(*sobek.Object); ok && !sobek.IsNull(v) {
				for _, name := range c.Keys() {
					cv := c.Get(name)
					rc := reqCookie{name: name}
					if co, ok := cv.(*sobek.Object); ok {
						rc.value = get(co, "value").String()
						rc.replace = get(co, "replace").ToBoolean()
					} else {
						rc.value = cv.String()
					}
					r.cookies = append(r.cookies, rc)
				}
			}
		case "auth":
			if !sobek.IsUndefined(v) && !sobek.IsNull(v) {
				r.auth = v.String()
			}
		case "compression":
			if !sobek.IsUndefined(v) && !sobek.IsNull(v) {
				r.compress = v.String()
			}
		}
	}
	return nil
}

// parseTimeout reads a timeout: milliseconds as a number, or a duration
// string ("200ms", "1m", "3000" meaning milliseconds).
func parseTimeout(v sobek.Value) (time.Duration, error) {
	if sobek.IsUndefined(v) || sobek.IsNull(v) {
		return defaultTimeout, nil
	}
	switch x := v.Export().(type) {
	case int64:
		return time.Duration(x) * time.Millisecond, nil
	case float64:
		return time.Duration(x * float64(time.Millisecond)), nil
	}
	d, err := options.ParseDuration(v.String())
	if err != nil {
		return 0, fmt.Errorf("invalid timeout %q: %w", v.String(), err)
	}
	return d, nil
}

// parseBody reads a body: a string, an ArrayBuffer or typed array, or an
// object (form-encoded, or multipart when one of its values is an http.file).
func (m *Module) parseBody(r *request, body sobek.Value) error {
	r.bodySet = true
	switch x := body.Export().(type) {
	case string:
		r.body = []byte(x)
		return nil
	case sobek.ArrayBuffer:
		r.body = bytes.Clone(x.Bytes())
		return nil
	case []byte:
		r.body = bytes.Clone(x)
		return nil
	case *fileData:
		return m.multipart(r, body.(*sobek.Object))
	}
	obj, ok := body.(*sobek.Object)
	if !ok {
		r.body = []byte(body.String())
		return nil
	}
	if buf := typedArrayBytes(m.rt, obj); buf != nil {
		r.body = buf
		return nil
	}
	keys := obj.Keys()
	for _, k := range keys {
		if _, isFile := obj.Get(k).Export().(*fileData); isFile {
			return m.multipart(r, obj)
		}
	}
	vals := url.Values{}
	for _, k := range keys {
		v := obj.Get(k)
		if arr, ok := v.Export().([]any); ok {
			for _, e := range arr {
				vals.Add(k, fmt.Sprint(e))
			}
			continue
		}
		vals.Add(k, v.String())
	}
	r.body = []byte(vals.Encode())
	if r.getHeader("Content-Type") == "" {
		r.setHeader("Content-Type", "application/x-www-form-urlencoded")
	}
	return nil
}

// typedArrayBytes returns the bytes of a typed array or DataView, nil for
// other objects.
func typedArrayBytes(rt *sobek.Runtime, obj *sobek.Object) []byte {
	buf, ok := get(obj, "buffer").Export().(sobek.ArrayBuffer)
	if !ok {
		return nil
	}
	off := get(obj, "byteOffset").ToInteger()
	n := get(obj, "byteLength").ToInteger()
	b := buf.Bytes()
	if off < 0 || off+n > int64(len(b)) {
		return nil
	}
	return bytes.Clone(b[off : off+n])
}

// multipart encodes an object with http.file values as multipart/form-data.
func (m *Module) multipart(r *request, obj *sobek.Object) error {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	write := func(name string, v sobek.Value) error {
		if f, ok := v.Export().(*fileData); ok {
			h := textproto.MIMEHeader{}
			fn := f.Filename
			if fn == "" {
				fn = name
			}
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, escapeQuotes(name), escapeQuotes(fn)))
			h.Set("Content-Type", f.ContentType)
			part, err := w.CreatePart(h)
			if err != nil {
				return err
			}
			_, err = part.Write(f.data)
			return err
		}
		return w.WriteField(name, v.String())
	}
	if _, single := obj.Export().(*fileData); single {
		if err := write("file", obj); err != nil {
			return err
		}
	} else {
		keys := obj.Keys()
		sort.Strings(keys)
		for _, k := range keys {
			if err := write(k, obj.Get(k)); err != nil {
				return err
			}
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	r.body = buf.Bytes()
	if ct := r.getHeader("Content-Type"); ct == "" || strings.HasPrefix(ct, "multipart/form-data") && !strings.Contains(ct, "boundary") {
		r.setHeader("Content-Type", w.FormDataContentType())
	}
	return nil
}

func escapeQuotes(s string) string {
	return strings.NewReplacer("\\", "\\\\", `"`, "\\\"").Replace(s)
}

// fileData is what http.file() returns.
type fileData struct {
	data        []byte
	Data        sobek.Value `js:"data"`
	Filename    string      `js:"filename"`
	ContentType string      `js:"content_type"`
}

// file is http.file(data, filename, contentType).
func (m *Module) file(call sobek.FunctionCall) sobek.Value {
	f := &fileData{ContentType: "application/octet-stream", Data: call.Argument(0)}
	switch x := call.Argument(0).Export().(type) {
	case string:
		f.data = []byte(x)
	case sobek.ArrayBuffer:
		f.data = bytes.Clone(x.Bytes())
	case []byte:
		f.data = bytes.Clone(x)
	default:
		if o, ok := call.Argument(0).(*sobek.Object); ok {
			f.data = typedArrayBytes(m.rt, o)
		}
		if f.data == nil && !sobek.IsUndefined(call.Argument(0)) {
			f.data = []byte(call.Argument(0).String())
		}
	}
	if a := call.Argument(1); !sobek.IsUndefined(a) && !sobek.IsNull(a) {
		f.Filename = a.String()
	}
	if a := call.Argument(2); !sobek.IsUndefined(a) && !sobek.IsNull(a) {
		f.ContentType = a.String()
	}
	return m.rt.ToValue(f)
}

// urlTag is http.url`…`.
func (m *Module) urlTag(call sobek.FunctionCall) sobek.Value {
	strs, ok := call.Argument(0).(*sobek.Object)
	if !ok {
		panic(m.rt.NewTypeError("http.url must be used as a tagged template: http.url`...`"))
	}
	n := int(get(strs, "length").ToInteger())
	var u, name strings.Builder
	for i := 0; i < n; i++ {
		s := strs.Get(strconv.Itoa(i)).String()
		u.WriteString(s)
		name.WriteString(s)
		if i+1 < n {
			u.WriteString(call.Argument(i + 1).String())
			name.WriteString("${}")
		}
	}
	return m.rt.ToValue(&urlTemplate{URL: u.String(), Name: name.String()})
}

// get is o[key], undefined when o has no such property.
func get(o *sobek.Object, key string) sobek.Value {
	if v := o.Get(key); v != nil {
		return v
	}
	return sobek.Undefined()
}
