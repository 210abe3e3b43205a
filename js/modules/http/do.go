package http

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"crypto/md5" //nolint:gosec // digest auth is defined with MD5
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/Azure/go-ntlmssp"
	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
	"github.com/sirupsen/logrus"
)

// hop is one exchange on the wire: a request and its response (or error).
// Redirects and a digest challenge make more than one; each gets its samples.
type hop struct {
	method, url string // url masked of credentials
	status      int
	proto       string
	tlsVersion  string
	tls         *tls.ConnectionState
	err         *reqError
	timings     timings
	end         time.Time
	expected    bool
	remoteIP    string
}

// result is a request's outcome: its hops, and the last response.
type result struct {
	req        *request
	hops       []hop
	status     int
	statusText string
	proto      string
	header     http.Header
	body       []byte
	hasBody    bool
	url        string
	err        *reqError
	sentHeader http.Header // what the last hop sent
	sentBody   []byte
	cookies    []*http.Cookie // the response's Set-Cookie cookies
	reqCookies []*http.Cookie
	remoteIP   string
	remotePort int
	tls        *tls.ConnectionState
	timings    timings
	hopsBuf    [1]hop       // most requests have one hop
	tmpl       http.Request // what a hop's request is made from
	js         response     // the script's Response
}

var defaultUserAgent = "minik6 (https://github.com/minik6/minik6)"

// exchange sends r and follows redirects; it may run on any goroutine (batch).
// It is split in small functions: the VU's goroutine runs it deep in the
// JavaScript call stack, which stays within its first 8 KB this way.
func (m *Module) exchange(rc reqContext, c *client, r *request, logger logrus.FieldLogger, debug, userAgent string) *result {
	res := &r.out
	*res = result{req: r, url: r.rawURL}
	res.hops = res.hopsBuf[:0]
	x := &hopState{r: r, method: r.method, u: r.u, left: r.redirect}
	if !x.prepare(res) {
		return res
	}
	for {
		req := m.wireRequest(res, x.r, rc, x.method, x.u, x.body, x.digest, userAgent, x.deadline)
		resp, ok := m.send1(rc, c, x, req, res, logger, debug)
		if !ok || !x.next(res, resp, logger) {
			return res
		}
	}
}

// hopState is where an exchange is: the request of the next hop.
type hopState struct {
	r        *request
	method   string
	u        *url.URL
	body     []byte
	digest   string // the answer to a digest challenge
	left     int    // redirects left to follow
	deadline time.Time
}

// prepare reads the request's body (compressed when it asks) and deadline;
// false when the request can't be sent (res has its error).
func (x *hopState) prepare(res *result) bool {
	r := x.r
	fail := func(e *reqError) bool {
		res.err = e
		res.hops = append(res.hops, hop{method: r.method, url: maskURL(r.rawURL), err: e, end: time.Now()})
		return false
	}
	if r.err != nil {
		return fail(r.err)
	}
	x.body = r.body
	if r.compress != "" && len(x.body) > 0 {
		var err error
		if x.body, err = compressBody(r.compress, x.body); err != nil {
			return fail(&reqError{code: codeDefault, msg: err.Error(), err: err})
		}
	}
	if r.timeout > 0 {
		x.deadline = time.Now().Add(r.timeout)
	}
	return true
}

// send1 sends one hop (an NTLM handshake: several) and records its outcome
// in res; false when it failed.
func (m *Module) send1(rc reqContext, c *client, x *hopState, req *http.Request, res *result, logger logrus.FieldLogger, debug string) (*http.Response, bool) {
	r, u := x.r, x.u
	tr := rc.tracer()
	var h *hop
	var resp *http.Response
	var body []byte
	var hasBody bool
	var err *reqError
	if r.auth == "ntlm" && u.User != nil {
		resp, body, hasBody, err = m.ntlm(c, req, r, rc, x.deadline, res, logger, debug)
		h = &res.hops[len(res.hops)-1]
	} else {
		h = res.addHop()
		resp, body, hasBody, err = m.hop(c, req, r, rc, logger, debug, h)
		res.sentHeader = req.Header
	}
	res.sentBody = x.body
	res.url = r.urlText(u)
	res.timings = h.timings
	if err != nil {
		res.err = err
		res.status, res.proto, res.header, res.body, res.hasBody = 0, "", nil, nil, false
		return nil, false
	}
	res.body, res.hasBody = body, hasBody
	res.status, res.statusText, res.proto, res.header = resp.StatusCode, resp.Status, resp.Proto, resp.Header
	res.tls = resp.TLS
	res.remoteIP = h.remoteIP
	if a := tr.remote.Load(); a != nil {
		res.remotePort = a.Port
	}
	res.cookies = resp.Cookies()
	if r.jar != nil && len(res.cookies) > 0 {
		r.jar.set(u, res.cookies)
	}
	return resp, true
}

// next moves x to the next hop after resp: the answer to a digest
// challenge, or a redirect to follow; false when resp is the last.
func (x *hopState) next(res *result, resp *http.Response, logger logrus.FieldLogger) bool {
	r, u := x.r, x.u
	// digest auth: answer the challenge once
	if resp.StatusCode == http.StatusUnauthorized && r.auth == "digest" && x.digest == "" && u.User != nil {
		if d, ok := digestAuth(resp.Header.Get("WWW-Authenticate"), u, x.method); ok {
			x.digest = d
			return true
		}
	}
	loc := resp.Header.Get("Location")
	if resp.StatusCode < 300 || resp.StatusCode >= 400 || loc == "" || resp.StatusCode == http.StatusNotModified {
		return false
	}
	if x.left <= 0 {
		if r.redirect > 0 {
			logger.Warnf("Stopped after %d redirects and returned the redirection; pass { redirects: n } in request params or set global maxRedirects option", r.redirect)
		}
		return false
	}
	next, err := u.Parse(loc)
	if err != nil {
		return false
	}
	x.left--
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther:
		if x.method != http.MethodGet && x.method != http.MethodHead {
			x.method = http.MethodGet
		}
		x.body = nil
		x.r = x.r.withoutBody()
	}
	if next.Host != u.Host {
		x.r = x.r.withoutAuthHeader()
	}
	x.u = next
	res.body, res.hasBody = nil, false
	return true
}

// wireRequest is the request of one hop of r: method to u with body, the
// params' headers and the defaults, cookies, credentials.
func (m *Module) wireRequest(res *result, r *request, rc reqContext, method string, u *url.URL, body []byte, digest, userAgent string, deadline time.Time) *http.Request {
	res.tmpl = http.Request{Method: method, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Host: u.Host}
	req := res.tmpl.WithContext(rc.begin(remaining(deadline, r.timeout)))
	if len(body) > 0 || r.bodySet {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		if req.ContentLength == 0 {
			req.Body = http.NoBody
		}
	}
	if h := r.getHeader("Host"); h != "" {
		req.Host = h
	}
	var cookie string
	cookie, res.reqCookies = m.cookies(u, r)
	compressed := r.compress != "" && len(body) > 0
	if len(r.header) == 0 && cookie == "" && u.User == nil && digest == "" && !compressed {
		req.Header = plainHeader(userAgent)
		return req
	}
	req.Header = make(http.Header, len(r.header)+4)
	for k, v := range r.header {
		req.Header[k] = v
	}
	if _, ok := req.Header["User-Agent"]; !ok {
		req.Header["User-Agent"] = []string{userAgent}
	}
	if _, ok := req.Header["Accept-Encoding"]; !ok {
		req.Header["Accept-Encoding"] = acceptEncoding
	}
	if compressed {
		req.Header["Content-Encoding"] = []string{r.compress}
	}
	if u.User != nil && r.auth != "digest" {
		// for ntlm, the Negotiator's credentials
		pw, _ := u.User.Password()
		req.SetBasicAuth(u.User.Username(), pw)
	}
	if digest != "" {
		req.Header["Authorization"] = []string{digest}
	}
	if cookie != "" {
		req.Header["Cookie"] = []string{cookie}
	}
	return req
}

// addHop adds a hop to res and returns it, to be filled in.
func (res *result) addHop() *hop {
	res.hops = append(res.hops, hop{})
	return &res.hops[len(res.hops)-1]
}

var acceptEncoding = []string{"gzip, deflate"}

// plainHeader is the header of a request that adds nothing to the defaults
// (User-Agent, Accept-Encoding): one map for all VUs while the user agent
// does not change, as no one modifies a request's header once it is made.
func plainHeader(ua string) http.Header {
	if e := plainHeaders.Load(); e != nil && e.ua == ua {
		return e.h
	}
	e := &plainEntry{ua: ua, h: http.Header{"User-Agent": {ua}, "Accept-Encoding": acceptEncoding}}
	plainHeaders.Store(e)
	return e.h
}

var plainHeaders atomic.Pointer[plainEntry]

type plainEntry struct {
	ua string
	h  http.Header
}

// remaining is the timeout of a request (or hop) sent now: the time left
// until the request's deadline, if it has one.
func remaining(deadline time.Time, timeout time.Duration) time.Duration {
	if deadline.IsZero() {
		return timeout
	}
	if left := time.Until(deadline); left > 0 {
		return left
	}
	return time.Nanosecond
}

// hop sends one request on the wire, logging it and its response as
// httpDebug asks; h is filled in.
func (m *Module) hop(c *client, req *http.Request, r *request, rc reqContext, logger logrus.FieldLogger, debug string, h *hop) (*http.Response, []byte, bool, *reqError) {
	if debug == "" {
		return m.roundTrip(c, req, r, rc.tracer(), rc, h)
	}
	id := dumpRequest(logger, req, debug == "full")
	resp, body, hasBody, err := m.roundTrip(c, req, r, rc.tracer(), rc, h)
	if err == nil {
		dumpResponse(logger, id, resp, body, debug == "full")
	}
	return resp, body, hasBody, err
}

// ntlm sends req through go-ntlmssp's Negotiator, which turns its basic
// credentials into an NTLM handshake on one connection: a try without them,
// the negotiate message, the authenticate message. Each exchange is a hop of
// res with its samples, as in k6, where the Negotiator wraps the traced
// transport.
func (m *Module) ntlm(c *client, req *http.Request, r *request, rc reqContext, deadline time.Time, res *result, logger logrus.FieldLogger, debug string) (*http.Response, []byte, bool, *reqError) {
	rec := &hopRecorder{m: m, c: c, r: r, rc: rc, deadline: deadline, res: res, logger: logger, debug: debug}
	resp, err := ntlmssp.Negotiator{RoundTripper: rec}.RoundTrip(req)
	if err != nil {
		if rec.err == nil {
			rec.err = classify(err)
		}
		return nil, nil, false, rec.err
	}
	rb := resp.Body.(*recordedBody)
	return resp, rb.data, rb.has, nil
}

// hopRecorder is the round tripper under the NTLM Negotiator: each request
// it sends is a hop of the result.
type hopRecorder struct {
	m        *Module
	c        *client
	r        *request
	rc       reqContext
	deadline time.Time
	res      *result
	logger   logrus.FieldLogger
	debug    string
	err      *reqError
}

// recordedBody is a body the recorder read: the Negotiator drains and closes
// the ones it does not return.
type recordedBody struct {
	*bytes.Reader
	data []byte
	has  bool
}

func (b *recordedBody) Close() error { return nil }

func (h *hopRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		defer req.Body.Close() // the Negotiator rewinds the body once it is closed
	}
	req = req.WithContext(h.rc.begin(remaining(h.deadline, h.r.timeout)))
	resp, body, has, err := h.m.hop(h.c, req, h.r, h.rc, h.logger, h.debug, h.res.addHop())
	h.res.sentHeader = req.Header
	if err != nil {
		h.err = err
		return nil, err
	}
	resp.Body = &recordedBody{Reader: bytes.NewReader(body), data: body, has: has}
	return resp, nil
}

// roundTrip sends one request with the tracer and reads the body.
func (m *Module) roundTrip(c *client, req *http.Request, r *request, tr *tracer, rc reqContext, h *hop) (*http.Response, []byte, bool, *reqError) {
	h.method = req.Method
	if req.URL == r.u {
		h.url = r.maskedURL()
	} else {
		h.url = maskURL(req.URL.String())
	}
	start := time.Now()
	tr.reset(start)
	var rt http.RoundTripper
	if vc, ok := rc.(*vuContext); ok && c.fast.usable(req) {
		c.fast.deadline = vc.deadline
		c.fast.watch(vc.parent)
		rt = c.fast
	} else {
		rt = c.transport()
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		timedOut := rc.end()
		h.err = classify(&url.Error{Op: urlErrorOp(req.Method), URL: h.url, Err: err})
		if timedOut {
			h.err = &reqError{code: codeTimeout, msg: "request timeout", err: h.err.err}
		}
		h.end = time.Now()
		h.timings = tr.timings(int64(h.end.Sub(start)))
		if h.err.code == codeTimeout && h.timings.duration == 0 {
			h.timings.duration = ms(int64(h.end.Sub(start)))
		}
		return nil, nil, false, h.err
	}
	h.status, h.proto = resp.StatusCode, resp.Proto
	if resp.TLS != nil {
		h.tlsVersion, h.tls = tlsVersionName(resp.TLS.Version), resp.TLS
	}
	if a := tr.remote.Load(); a != nil {
		h.remoteIP = m.ipString(a.IP)
	}
	var body []byte
	var rerr error
	noBody := req.Method == http.MethodHead || resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusNotModified
	if r.respType == respNone || resp.Body == http.NoBody || noBody {
		_, rerr = io.Copy(io.Discard, resp.Body)
	} else {
		body, rerr = readBody(resp)
	}
	_ = resp.Body.Close()
	h.end = time.Now()
	timedOut := rc.end()
	h.timings = tr.timings(int64(h.end.Sub(start)))
	if rerr != nil {
		h.err = classify(rerr)
		if timedOut {
			h.err = &reqError{code: codeTimeout, msg: "request timeout", err: rerr}
		}
		return nil, nil, false, h.err
	}
	// as k6: no body (null) when the response says it has none
	hasBody := r.respType != respNone && (len(body) > 0 || resp.ContentLength != 0)
	return resp, body, hasBody, nil
}

// urlErrorOp is how net/http names a method in its errors: "Get", "Post"…
func urlErrorOp(method string) string {
	if method == "" {
		return "Get"
	}
	if lower := strings.ToLower(method); len(lower) > 1 {
		return method[:1] + lower[1:]
	}
	return method
}

// ipString is ip as text, reusing the last one (a VU mostly talks to one IP).
func (m *Module) ipString(ip net.IP) string {
	m.ipMu.Lock()
	defer m.ipMu.Unlock()
	if !ip.Equal(m.lastIP) {
		m.lastIP, m.lastIPStr = ip, ip.String()
	}
	return m.lastIPStr
}

// urlText is u.String(), known for the request's own URL.
func (r *request) urlText(u *url.URL) string {
	if u == r.u {
		return r.uText
	}
	return u.String()
}

// maskedURL is the request's URL for tags and logs, without credentials.
func (r *request) maskedURL() string {
	if r.u != nil && r.u.User == nil {
		return r.rawURL
	}
	return maskURL(r.rawURL)
}

func (r *request) withoutBody() *request {
	c := *r
	c.body, c.bodySet = nil, false
	if c.header != nil {
		c.header = cloneHeader(c.header)
		delete(c.header, "Content-Type")
		delete(c.header, "Content-Length")
	}
	return &c
}

func (r *request) withoutAuthHeader() *request {
	if r.header == nil {
		return r
	}
	c := *r
	c.header = cloneHeader(c.header)
	delete(c.header, "Authorization")
	delete(c.header, "Cookie")
	return &c
}

func cloneHeader(h map[string][]string) map[string][]string {
	out := make(map[string][]string, len(h))
	for k, v := range h {
		out[k] = v
	}
	return out
}

// readBody reads and decodes the body per Content-Encoding.
func readBody(resp *http.Response) ([]byte, error) {
	var data []byte
	if n := resp.ContentLength; n >= 0 && n < 64<<20 {
		// the exact size: one allocation, then make sure the body ends there
		data = make([]byte, n)
		if _, err := io.ReadFull(resp.Body, data); err != nil {
			return nil, err
		}
		var one [1]byte
		if k, err := resp.Body.Read(one[:]); k > 0 || err != nil && err != io.EOF {
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	} else {
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(resp.Body); err != nil {
			return nil, err
		}
		data = buf.Bytes()
	}
	enc := resp.Header.Get("Content-Encoding")
	if enc == "" {
		return data, nil
	}
	encs := strings.Split(enc, ",")
	for i := len(encs) - 1; i >= 0; i-- {
		var rd io.Reader
		var err error
		switch strings.TrimSpace(strings.ToLower(encs[i])) {
		case "gzip", "x-gzip":
			rd, err = gzip.NewReader(bytes.NewReader(data))
		case "deflate":
			rd, err = zlib.NewReader(bytes.NewReader(data))
			if err != nil {
				rd, err = flate.NewReader(bytes.NewReader(data)), nil
			}
		case "br":
			rd = brotli.NewReader(bytes.NewReader(data))
		case "zstd":
			var d *zstd.Decoder
			d, err = zstd.NewReader(bytes.NewReader(data))
			if err == nil {
				defer d.Close()
				rd = d
			}
		case "identity", "":
			continue
		default:
			return data, nil
		}
		if err != nil {
			return nil, err
		}
		if data, err = io.ReadAll(rd); err != nil {
			return nil, err
		}
	}
	// as Go's transport does for the gzip it asks for
	if strings.EqualFold(strings.TrimSpace(enc), "gzip") {
		resp.Header = resp.Header.Clone() // it may be shared with other responses (fastPool.readHead)
		resp.Header.Del("Content-Encoding")
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
		resp.Uncompressed = true
	}
	return data, nil
}

// compressBody compresses a request body with the algorithms named in enc.
func compressBody(enc string, body []byte) ([]byte, error) {
	for _, e := range strings.Split(enc, ",") {
		var buf bytes.Buffer
		var w io.WriteCloser
		var err error
		switch strings.TrimSpace(e) {
		case "gzip":
			w = gzip.NewWriter(&buf)
		case "deflate":
			w = zlib.NewWriter(&buf)
		case "br":
			w = brotli.NewWriter(&buf)
		case "zstd":
			w, err = zstd.NewWriter(&buf)
		default:
			return nil, fmt.Errorf("unknown compression algorithm %s, supported algorithms are gzip, deflate, br, zstd", e)
		}
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(body); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		body = buf.Bytes()
	}
	return body, nil
}

func tlsVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "tls1.0"
	case tls.VersionTLS11:
		return "tls1.1"
	case tls.VersionTLS12:
		return "tls1.2"
	case tls.VersionTLS13:
		return "tls1.3"
	}
	return ""
}

// digestAuth answers a Digest challenge (RFC 7616, MD5, qop=auth).
func digestAuth(challenge string, u *url.URL, method string) (string, bool) {
	scheme, params, ok := strings.Cut(challenge, " ")
	if !ok || !strings.EqualFold(scheme, "Digest") {
		return "", false
	}
	p := map[string]string{}
	for _, part := range splitParams(params) {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		p[strings.ToLower(k)] = strings.Trim(v, `"`)
	}
	user := u.User.Username()
	pass, _ := u.User.Password()
	h := func(s string) string { sum := md5.Sum([]byte(s)); return hex.EncodeToString(sum[:]) } //nolint:gosec
	uri := u.RequestURI()
	ha1 := h(user + ":" + p["realm"] + ":" + pass)
	ha2 := h(method + ":" + uri)
	var cn [8]byte
	_, _ = rand.Read(cn[:])
	cnonce := hex.EncodeToString(cn[:])
	nc := "00000001"
	var response string
	qop := ""
	if q := p["qop"]; q != "" {
		qop = "auth"
		response = h(ha1 + ":" + p["nonce"] + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2)
	} else {
		response = h(ha1 + ":" + p["nonce"] + ":" + ha2)
	}
	out := fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", response="%s"`, user, p["realm"], p["nonce"], uri, response)
	if alg := p["algorithm"]; alg != "" {
		out += ", algorithm=" + alg
	}
	if o := p["opaque"]; o != "" {
		out += fmt.Sprintf(`, opaque="%s"`, o)
	}
	if qop != "" {
		out += fmt.Sprintf(`, qop=%s, nc=%s, cnonce="%s"`, qop, nc, cnonce)
	}
	return out, true
}

// splitParams splits a challenge's comma-separated params, commas inside
// quotes kept.
func splitParams(s string) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// dumpRequest logs req as k6's httpDebug does, its body too when full, and
// returns the request_id that pairs it with its response's log.
func dumpRequest(logger logrus.FieldLogger, req *http.Request, full bool) string {
	// the dump sends the request through a transport of its own, which must
	// not report to the request's trace; it reads the body and leaves a copy
	dreq := req.WithContext(context.Background())
	d, err := httputil.DumpRequestOut(dreq, full)
	req.Body = dreq.Body
	if err != nil {
		logger.Error(err)
		return ""
	}
	id := requestID()
	logger.WithField("request_id", id).Infof("Request:\n%s\n", bytes.ReplaceAll(d, crlf, lf))
	return id
}

// dumpResponse logs resp (b its body) as k6's httpDebug does.
func dumpResponse(logger logrus.FieldLogger, id string, resp *http.Response, b []byte, full bool) {
	saved := resp.Body
	resp.Body = io.NopCloser(bytes.NewReader(b))
	d, err := httputil.DumpResponse(resp, full)
	resp.Body = saved
	if err != nil {
		logger.Error(err)
		return
	}
	logger.WithField("request_id", id).Infof("Response:\n%s\n", bytes.ReplaceAll(d, crlf, lf))
}

var crlf, lf = []byte("\r\n"), []byte("\n")

// requestID is a random (version 4) UUID.
func requestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
