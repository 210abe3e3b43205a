package http

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// fastPool is a VU's HTTP/1.1 client for its sequential plain-HTTP requests:
// the request is written and its response read on the VU's own goroutine, on
// connections the VU keeps, with none of the transport's per-request
// goroutine hand-offs, channels and selects (a third of a request's CPU on
// loopback). HTTPS (HTTP/2 by ALPN), proxies, batch and asyncRequest go
// through the VU's http.Transport. Only the VU's goroutine uses a fastPool,
// except abort, which a hard stop calls from another.
type fastPool struct {
	c         *client
	idle      map[string][]*fastConn // by host:port
	keepAlive bool

	last lastHead

	mu     sync.Mutex
	active *fastConn // the connection of the request in flight

	watched   context.Context
	stopWatch func() bool

	deadline time.Time // of the request in flight; zero: none
}

// maxIdlePerHost is how many idle connections a VU keeps for one host.
const maxIdlePerHost = 4

// fastConn is one connection of a fastPool.
type fastConn struct {
	net.Conn
	buf     *fastBuf // while a request is in flight; nil when idle
	trace   *httptrace.ClientTrace
	waiting bool     // the next read with data is the response's first byte
	body    fastBody // of the response being read
}

func (fc *fastConn) Read(p []byte) (int, error) {
	n, err := fc.Conn.Read(p)
	if n > 0 && fc.waiting {
		fc.waiting = false
		if fc.trace != nil && fc.trace.GotFirstResponseByte != nil {
			fc.trace.GotFirstResponseByte()
		}
	}
	return n, err
}

// fastBuf is a request's buffers: what it writes, what it reads. They are
// shared by all VUs and held only while a request is in flight, so a
// thousand VUs that mostly sleep do not keep a thousand read buffers.
type fastBuf struct {
	br *bufio.Reader
	wb []byte
}

var fastBufs = sync.Pool{New: func() any { return &fastBuf{br: bufio.NewReaderSize(nil, 2048)} }}

// maxPooledWrite bounds the write buffer a fastBuf goes back to the pool with.
const maxPooledWrite = 64 << 10

// take gives fc a buffer for a request.
func (fc *fastConn) take() {
	if fc.buf == nil {
		fc.buf = fastBufs.Get().(*fastBuf)
		fc.buf.br.Reset(fc)
	}
}

// release gives fc's buffer back; false when it held bytes nothing asked for
// (the connection can't be kept).
func (fc *fastConn) release() bool {
	b := fc.buf
	if b == nil {
		return true
	}
	fc.buf = nil
	clean := b.br.Buffered() == 0
	b.br.Reset(nil)
	if cap(b.wb) <= maxPooledWrite {
		b.wb = b.wb[:0]
		fastBufs.Put(b)
	}
	return clean
}

// close closes fc and gives its buffer back.
func (fc *fastConn) close() {
	fc.release()
	_ = fc.Close()
}

func newFastPool(c *client) *fastPool {
	return &fastPool{c: c, idle: map[string][]*fastConn{}, keepAlive: !c.opts.NoConnectionReuse.Bool}
}

// usable reports whether req can take the fast path: plain HTTP, no proxy.
func (p *fastPool) usable(req *http.Request) bool {
	return req.URL.Scheme == "http" && !proxyFromEnv
}

// proxyFromEnv is whether the environment names an HTTP proxy.
var proxyFromEnv = os.Getenv("HTTP_PROXY") != "" || os.Getenv("http_proxy") != ""

// closeIdle closes the idle connections.
func (p *fastPool) closeIdle() {
	for k, conns := range p.idle {
		for _, fc := range conns {
			_ = fc.Close()
		}
		delete(p.idle, k)
	}
}

// watch makes a hard stop of ctx (the iteration's) break the request in
// flight.
func (p *fastPool) watch(ctx context.Context) {
	if p.watched == ctx {
		return
	}
	if p.stopWatch != nil {
		p.stopWatch()
	}
	p.watched = ctx
	p.stopWatch = context.AfterFunc(ctx, p.abort)
}

func (p *fastPool) abort() {
	p.mu.Lock()
	if p.active != nil {
		_ = p.active.SetDeadline(time.Unix(1, 0))
	}
	p.mu.Unlock()
}

// setActive makes fc the connection a hard stop breaks; when the stop came
// already (its abort found no connection in flight), fc is broken at once.
func (p *fastPool) setActive(fc *fastConn) {
	p.mu.Lock()
	p.active = fc
	if fc != nil && p.watched != nil && p.watched.Err() != nil {
		_ = fc.SetDeadline(time.Unix(1, 0))
	}
	p.mu.Unlock()
}

func hostPort(u *http.Request) string {
	host := u.URL.Host
	if u.URL.Port() == "" {
		return net.JoinHostPort(strings.Trim(host, "[]"), "80")
	}
	return host
}

// RoundTrip sends req and reads the response's head; the body is read
// through the response, whose Close gives the connection back.
func (p *fastPool) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	trace := httptrace.ContextClientTrace(ctx)
	key := hostPort(req)
	if trace != nil && trace.GetConn != nil {
		trace.GetConn(key)
	}
	for attempt := 0; ; attempt++ {
		fc, reused, err := p.conn(ctx, key, trace)
		if err != nil {
			return nil, err
		}
		resp, err := p.exchange(fc, req, trace, key)
		if err == nil {
			return resp, nil
		}
		p.setActive(nil)
		fc.close()
		// a kept connection the server closed meanwhile: once more on a new one
		if reused && attempt == 0 && ctx.Err() == nil && isStale(err) {
			continue
		}
		return nil, err
	}
}

func isStale(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// conn takes an idle connection to key, or dials one.
func (p *fastPool) conn(ctx context.Context, key string, trace *httptrace.ClientTrace) (*fastConn, bool, error) {
	if conns := p.idle[key]; len(conns) > 0 {
		fc := conns[len(conns)-1]
		conns[len(conns)-1] = nil
		p.idle[key] = conns[:len(conns)-1]
		fc.trace = trace
		if trace != nil && trace.GotConn != nil {
			trace.GotConn(httptrace.GotConnInfo{Conn: fc.Conn, Reused: true, WasIdle: true})
		}
		return fc, true, nil
	}
	if trace != nil && trace.ConnectStart != nil {
		trace.ConnectStart("tcp", key)
	}
	dctx := ctx
	if !p.deadline.IsZero() {
		var cancel context.CancelFunc
		dctx, cancel = context.WithDeadline(ctx, p.deadline)
		defer cancel()
	}
	conn, err := p.c.dial(dctx, "tcp", key)
	if trace != nil && trace.ConnectDone != nil {
		trace.ConnectDone("tcp", key, err)
	}
	if err != nil {
		return nil, false, err
	}
	if tc, ok := conn.(*countingConn); ok {
		if tcp, ok := tc.Conn.(*net.TCPConn); ok {
			_ = tcp.SetNoDelay(true)
		}
	}
	fc := &fastConn{Conn: conn, trace: trace}
	if trace != nil && trace.GotConn != nil {
		trace.GotConn(httptrace.GotConnInfo{Conn: conn})
	}
	return fc, false, nil
}

// exchange writes req on fc and reads the response head.
func (p *fastPool) exchange(fc *fastConn, req *http.Request, trace *httptrace.ClientTrace, key string) (*http.Response, error) {
	p.setActive(fc)
	if !p.deadline.IsZero() {
		_ = fc.SetDeadline(p.deadline)
	} else {
		_ = fc.SetDeadline(time.Time{})
	}
	fc.take()
	fc.waiting = true
	if err := p.writeRequest(fc, req); err != nil {
		return nil, err
	}
	if trace != nil && trace.WroteRequest != nil {
		trace.WroteRequest(httptrace.WroteRequestInfo{})
	}
	for {
		resp, err := p.readHead(fc, req)
		if err != nil {
			return nil, err
		}
		if resp == nil {
			if resp, err = http.ReadResponse(fc.buf.br, req); err != nil {
				return nil, err
			}
			if resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols {
				continue // 1xx: the final response follows
			}
			fc.body = fastBody{rc: resp.Body}
		} else {
			fc.body = fastBody{left: resp.ContentLength}
		}
		fc.body.fc, fc.body.p, fc.body.key, fc.body.keep = fc, p, key, p.keepAlive && !resp.Close
		resp.Body = &fc.body
		return resp, nil
	}
}

var crlf2 = []byte("\r\n\r\n")

// readHead reads a plain response head — HTTP/1.1, a final status, a body of
// Content-Length bytes, no Transfer-Encoding — when all of it is in fc's
// buffer, with few allocations: the same head as the previous one shares its
// parse; otherwise common header names and the values the previous response
// had cost nothing. For any other
// head it returns nil and leaves the buffer to http.ReadResponse.
func (p *fastPool) readHead(fc *fastConn, req *http.Request) (*http.Response, error) {
	br := fc.buf.br
	if _, err := br.Peek(1); err != nil {
		return nil, err
	}
	buf, _ := br.Peek(br.Buffered())
	end := bytes.Index(buf, crlf2)
	if end < 0 || req.Method == http.MethodHead {
		return nil, nil
	}
	head := buf[:end+2]
	if p.last.header != nil && bytes.Equal(head, p.last.raw) {
		// the previous response's head again: its parse, header included
		resp := &http.Response{
			Status: p.last.status, StatusCode: p.last.code, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: p.last.header, ContentLength: p.last.length, Close: p.last.closing, Request: req,
		}
		_, _ = br.Discard(end + 4)
		return resp, nil
	}
	status, rest, _ := bytes.Cut(head, crlf)
	if len(status) < 12 || string(status[:9]) != "HTTP/1.1 " || len(status) > 12 && status[12] != ' ' {
		return nil, nil
	}
	code := 0
	for _, c := range status[9:12] {
		if c < '0' || c > '9' {
			return nil, nil
		}
		code = code*10 + int(c-'0')
	}
	if code < 200 || code == http.StatusNoContent || code == http.StatusNotModified {
		return nil, nil
	}
	n := bytes.Count(rest, crlf)
	h := make(http.Header, n)
	vals := make([]string, n)
	length, closing := int64(-1), false
	for i := 0; len(rest) > 0; i++ {
		var line []byte
		line, rest, _ = bytes.Cut(rest, crlf)
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return nil, nil
		}
		key := p.name(line[:colon])
		raw := bytes.Trim(line[colon+1:], " \t")
		if key == "" || !validValue(raw) {
			return nil, nil
		}
		switch key {
		case "Transfer-Encoding":
			return nil, nil
		case "Content-Length":
			if length >= 0 || len(raw) == 0 || len(raw) > 18 {
				return nil, nil
			}
			length = 0
			for _, c := range raw {
				if c < '0' || c > '9' {
					return nil, nil
				}
				length = length*10 + int64(c-'0')
			}
		case "Connection":
			for _, tok := range bytes.Split(raw, []byte(",")) {
				closing = closing || bytes.EqualFold(bytes.TrimSpace(tok), []byte("close"))
			}
		}
		vals[i] = p.value(key, raw)
		if old, ok := h[key]; ok {
			h[key] = append(old, vals[i])
		} else {
			h[key] = vals[i : i+1 : i+1]
		}
	}
	if length < 0 {
		return nil, nil
	}
	// as net/http reads a response
	if closing {
		delete(h, "Connection")
	}
	if pragma, ok := h["Pragma"]; ok && len(pragma) > 0 && pragma[0] == "no-cache" && len(h["Cache-Control"]) == 0 {
		h["Cache-Control"] = []string{"no-cache"}
	}
	resp := &http.Response{
		Status: p.status(status[9:]), StatusCode: code, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: h, ContentLength: length, Close: closing, Request: req,
	}
	p.last = lastHead{raw: append(p.last.raw[:0], head...), status: resp.Status, code: code, header: h, length: length, closing: closing}
	_, _ = br.Discard(end + 4)
	return resp, nil
}

// status is raw as a string, the previous response's when it is the same.
func (p *fastPool) status(raw []byte) string {
	if p.last.status == string(raw) {
		return p.last.status
	}
	return string(raw)
}

// lastHead is the last response head readHead parsed. Its header is shared
// by the responses with the same head, which no one modifies.
type lastHead struct {
	raw     []byte
	status  string
	code    int
	header  http.Header
	length  int64
	closing bool
}

// commonNames are the canonical forms of common response header names, by
// the canonical and the lower-case spelling.
var commonNames = func() map[string]string {
	m := map[string]string{}
	for _, n := range []string{
		"Accept-Ranges", "Access-Control-Allow-Credentials", "Access-Control-Allow-Headers",
		"Access-Control-Allow-Methods", "Access-Control-Allow-Origin", "Age", "Alt-Svc", "Cache-Control",
		"Connection", "Content-Encoding", "Content-Language", "Content-Length", "Content-Security-Policy",
		"Content-Type", "Date", "Etag", "Expires", "Keep-Alive", "Last-Modified", "Link", "Location",
		"Pragma", "Referrer-Policy", "Server", "Set-Cookie", "Strict-Transport-Security",
		"Transfer-Encoding", "Vary", "Via", "Www-Authenticate", "X-Content-Type-Options",
		"X-Frame-Options", "X-Powered-By", "X-Request-Id", "X-Xss-Protection",
	} {
		m[n], m[strings.ToLower(n)] = n, n
	}
	return m
}()

// name is the canonical form of a header name, "" when it is not a token.
func (p *fastPool) name(raw []byte) string {
	if s, ok := commonNames[string(raw)]; ok {
		return s
	}
	for _, c := range raw {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\\]{}`, c) >= 0 {
			return ""
		}
	}
	return textproto.CanonicalMIMEHeaderKey(string(raw))
}

// value is raw as a string: the previous response's value of the header key
// when it is the same.
func (p *fastPool) value(key string, raw []byte) string {
	for _, v := range p.last.header[key] {
		if v == string(raw) {
			return v
		}
	}
	return string(raw)
}

// validValue reports whether a header value has no control characters but
// tabs (as net/http, which rejects the others).
func validValue(v []byte) bool {
	for _, c := range v {
		if c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// writeRequest writes an HTTP/1.1 request, head and body, in one write
// (bodies up to maxPooledWrite; larger ones in a second).
func (p *fastPool) writeRequest(fc *fastConn, req *http.Request) error {
	w := fc.buf.wb[:0]
	w = append(w, req.Method...)
	w = append(w, ' ')
	w = append(w, req.URL.RequestURI()...)
	w = append(w, " HTTP/1.1\r\nHost: "...)
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	w = append(w, host...)
	w = append(w, "\r\n"...)
	for k, vs := range req.Header {
		if k == "Host" || k == "Content-Length" || k == "Connection" && !p.keepAlive {
			continue
		}
		for _, v := range vs {
			if v == "" && k == "User-Agent" {
				continue // as net/http: an empty User-Agent sends none
			}
			w = append(w, k...)
			w = append(w, ": "...)
			if strings.ContainsAny(v, "\r\n") {
				v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
			}
			w = append(w, v...)
			w = append(w, "\r\n"...)
		}
	}
	n := req.ContentLength
	if n > 0 || req.Method == http.MethodPost || req.Method == http.MethodPut || req.Method == http.MethodPatch {
		w = append(w, "Content-Length: "...)
		w = strconv.AppendInt(w, max(n, 0), 10)
		w = append(w, "\r\n"...)
	}
	if !p.keepAlive {
		w = append(w, "Connection: close\r\n"...)
	}
	w = append(w, "\r\n"...)
	var body io.Reader
	if n > 0 && req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return err
		}
		body = rc
		if int64(len(w))+n <= maxPooledWrite {
			b := bytes.NewBuffer(w)
			if _, err := io.Copy(b, rc); err != nil {
				return err
			}
			w, body = b.Bytes(), nil
		}
	}
	fc.buf.wb = w
	if _, err := fc.Conn.Write(w); err != nil || body == nil {
		return err
	}
	_, err := io.Copy(fc.Conn, body)
	return err
}

// fastBody is a response body on a fastConn (one per connection, reset for
// each response): closed after it was read to the end, it gives the
// connection back to the pool.
type fastBody struct {
	rc   io.ReadCloser // the body as net/http reads it; nil: the next left bytes of the connection
	left int64
	fc   *fastConn
	p    *fastPool
	key  string
	keep bool
	eof  bool
	done bool
}

func (b *fastBody) Read(buf []byte) (int, error) {
	if b.rc != nil {
		n, err := b.rc.Read(buf)
		if err == io.EOF {
			b.eof = true
		}
		return n, err
	}
	if b.left <= 0 {
		b.eof = true
		return 0, io.EOF
	}
	if int64(len(buf)) > b.left {
		buf = buf[:b.left]
	}
	n, err := b.fc.buf.br.Read(buf)
	b.left -= int64(n)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (b *fastBody) Close() error {
	if b.done {
		return nil
	}
	b.done = true
	var err error
	if b.rc != nil {
		err = b.rc.Close()
	} else {
		b.eof = b.left == 0
	}
	b.p.setActive(nil)
	clean := b.fc.release()
	if !b.keep || !b.eof || !clean || err != nil || len(b.p.idle[b.key]) >= maxIdlePerHost {
		_ = b.fc.Close()
		return err
	}
	b.fc.trace = nil
	b.p.idle[b.key] = append(b.p.idle[b.key], b.fc)
	return nil
}
