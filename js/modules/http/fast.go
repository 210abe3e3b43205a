package http

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
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
	br      *bufio.Reader
	bw      *bufio.Writer
	trace   *httptrace.ClientTrace
	waiting bool // the next read with data is the response's first byte
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

func (p *fastPool) setActive(fc *fastConn) {
	p.mu.Lock()
	p.active = fc
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
		resp, err := p.exchange(fc, req, trace)
		if err == nil {
			return resp, nil
		}
		p.setActive(nil)
		_ = fc.Close()
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
	fc.br = bufio.NewReaderSize(fc, 4096)
	fc.bw = bufio.NewWriterSize(conn, 4096)
	if trace != nil && trace.GotConn != nil {
		trace.GotConn(httptrace.GotConnInfo{Conn: conn})
	}
	return fc, false, nil
}

// exchange writes req on fc and reads the response head.
func (p *fastPool) exchange(fc *fastConn, req *http.Request, trace *httptrace.ClientTrace) (*http.Response, error) {
	p.setActive(fc)
	if !p.deadline.IsZero() {
		_ = fc.SetDeadline(p.deadline)
	} else {
		_ = fc.SetDeadline(time.Time{})
	}
	if err := p.writeRequest(fc.bw, req); err != nil {
		return nil, err
	}
	fc.waiting = true
	if err := fc.bw.Flush(); err != nil {
		return nil, err
	}
	if trace != nil && trace.WroteRequest != nil {
		trace.WroteRequest(httptrace.WroteRequestInfo{})
	}
	for {
		resp, err := http.ReadResponse(fc.br, req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode >= 100 && resp.StatusCode < 200 && resp.StatusCode != http.StatusSwitchingProtocols {
			continue // 1xx: the final response follows
		}
		resp.Body = &fastBody{ReadCloser: resp.Body, fc: fc, p: p, keep: p.keepAlive && !resp.Close, key: hostPort(req)}
		return resp, nil
	}
}

// writeRequest writes an HTTP/1.1 request head and body.
func (p *fastPool) writeRequest(w *bufio.Writer, req *http.Request) error {
	w.WriteString(req.Method)
	w.WriteByte(' ')
	w.WriteString(req.URL.RequestURI())
	w.WriteString(" HTTP/1.1\r\nHost: ")
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	w.WriteString(host)
	w.WriteString("\r\n")
	for k, vs := range req.Header {
		if k == "Host" || k == "Content-Length" || k == "Connection" && !p.keepAlive {
			continue
		}
		for _, v := range vs {
			if v == "" && k == "User-Agent" {
				continue // as net/http: an empty User-Agent sends none
			}
			w.WriteString(k)
			w.WriteString(": ")
			if strings.ContainsAny(v, "\r\n") {
				v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
			}
			w.WriteString(v)
			w.WriteString("\r\n")
		}
	}
	n := req.ContentLength
	if n > 0 || req.Method == http.MethodPost || req.Method == http.MethodPut || req.Method == http.MethodPatch {
		w.WriteString("Content-Length: ")
		w.WriteString(strconv.FormatInt(max(n, 0), 10))
		w.WriteString("\r\n")
	}
	if !p.keepAlive {
		w.WriteString("Connection: close\r\n")
	}
	_, err := w.WriteString("\r\n")
	if err != nil || n <= 0 || req.GetBody == nil {
		return err
	}
	body, err := req.GetBody()
	if err != nil {
		return err
	}
	_, err = io.Copy(w, body)
	return err
}

// fastBody is a response body on a fastConn: closed after it was read to the
// end, it gives the connection back to the pool.
type fastBody struct {
	io.ReadCloser
	fc   *fastConn
	p    *fastPool
	key  string
	keep bool
	eof  bool
	done bool
}

func (b *fastBody) Read(buf []byte) (int, error) {
	n, err := b.ReadCloser.Read(buf)
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

func (b *fastBody) Close() error {
	if b.done {
		return nil
	}
	b.done = true
	err := b.ReadCloser.Close()
	b.p.setActive(nil)
	if !b.keep || !b.eof || err != nil || len(b.p.idle[b.key]) >= maxIdlePerHost {
		_ = b.fc.Close()
		return err
	}
	b.fc.trace = nil
	b.p.idle[b.key] = append(b.p.idle[b.key], b.fc)
	return nil
}
