package http

import (
	"crypto/tls"
	"net"
	"net/http/httptrace"
	"sync/atomic"
	"time"
)

// tracer records the phases of one request from the connection-trace hooks.
// The hooks run on the transport's goroutines (the dial and the read loop) as
// well as on the request's, so every field is atomic: the request goroutine
// reads them once the response is in. A tracer is reused by a VU's sequential
// requests; its ClientTrace is made once.
type tracer struct {
	base time.Time // set before the request, read-only while it runs

	// nanoseconds since base, plus one (0: the hook did not run)
	getConn, dnsStart, dnsDone, connStart, connDone, tlsStart, tlsDone, gotConn, wrote, firstByte atomic.Int64

	reused atomic.Bool
	remote atomic.Pointer[net.TCPAddr]
	trace  httptrace.ClientTrace
}

func newTracer() *tracer {
	t := &tracer{}
	t.trace = httptrace.ClientTrace{
		GetConn:              t.onGetConn,
		DNSStart:             t.onDNSStart,
		DNSDone:              t.onDNSDone,
		ConnectStart:         t.onConnectStart,
		ConnectDone:          t.onConnectDone,
		TLSHandshakeStart:    t.onTLSStart,
		TLSHandshakeDone:     t.onTLSDone,
		GotConn:              t.onGotConn,
		WroteRequest:         t.onWrote,
		GotFirstResponseByte: t.onFirstByte,
	}
	return t
}

// reset prepares the tracer for a new request that starts now.
func (t *tracer) reset(now time.Time) {
	t.base = now
	for _, f := range []*atomic.Int64{&t.getConn, &t.dnsStart, &t.dnsDone, &t.connStart, &t.connDone, &t.tlsStart, &t.tlsDone, &t.gotConn, &t.wrote, &t.firstByte} {
		f.Store(0)
	}
	t.reused.Store(false)
	t.remote.Store(nil)
}

func (t *tracer) mark(f *atomic.Int64) { f.Store(int64(time.Since(t.base)) + 1) }

// markOnce keeps the first time (a hook may run again for a second address).
func (t *tracer) markOnce(f *atomic.Int64) { f.CompareAndSwap(0, int64(time.Since(t.base))+1) }

func (t *tracer) onGetConn(string)                     { t.markOnce(&t.getConn) }
func (t *tracer) onDNSStart(httptrace.DNSStartInfo)    { t.markOnce(&t.dnsStart) }
func (t *tracer) onDNSDone(httptrace.DNSDoneInfo)      { t.mark(&t.dnsDone) }
func (t *tracer) onConnectStart(string, string)        { t.markOnce(&t.connStart) }
func (t *tracer) onConnectDone(string, string, error)  { t.mark(&t.connDone) }
func (t *tracer) onTLSStart()                          { t.markOnce(&t.tlsStart) }
func (t *tracer) onTLSDone(tls.ConnectionState, error) { t.mark(&t.tlsDone) }
func (t *tracer) onWrote(httptrace.WroteRequestInfo)   { t.mark(&t.wrote) }
func (t *tracer) onFirstByte()                         { t.markOnce(&t.firstByte) }
func (t *tracer) onGotConn(info httptrace.GotConnInfo) {
	t.mark(&t.gotConn)
	t.reused.Store(info.Reused)
	if info.Conn != nil {
		if a, ok := info.Conn.RemoteAddr().(*net.TCPAddr); ok {
			t.remote.Store(a)
		}
	}
}

// timings are a request's phases in milliseconds, as k6 reports them.
type timings struct {
	blocked, lookingUp, connecting, tlsHandshaking, sending, waiting, receiving, duration float64
}

func ms(d int64) float64 {
	if d < 0 {
		return 0
	}
	return float64(d) / float64(time.Millisecond)
}

// timings computes the phases; end is when the body was read, since base.
func (t *tracer) timings(end int64) timings {
	var out timings
	at := func(f *atomic.Int64) (int64, bool) { v := f.Load(); return v - 1, v != 0 }
	getConn, ok := at(&t.getConn)
	if !ok {
		getConn = 0
	}
	connStart, hasConnect := at(&t.connStart)
	connDone, _ := at(&t.connDone)
	gotConn, hasConn := at(&t.gotConn)
	if hasConnect {
		out.blocked = ms(connStart - getConn)
		out.connecting = ms(connDone - connStart)
	} else if hasConn {
		out.blocked = ms(gotConn - getConn)
	}
	if ds, ok := at(&t.dnsStart); ok {
		if dd, ok := at(&t.dnsDone); ok {
			out.lookingUp = ms(dd - ds)
		}
	}
	if ts, ok := at(&t.tlsStart); ok {
		if td, ok := at(&t.tlsDone); ok {
			out.tlsHandshaking = ms(td - ts)
		}
	}
	wrote, hasWrote := at(&t.wrote)
	first, hasFirst := at(&t.firstByte)
	if hasWrote && hasConn {
		out.sending = ms(wrote - gotConn)
	}
	if hasFirst && hasWrote {
		out.waiting = ms(first - wrote)
		out.receiving = ms(end - first)
	}
	out.duration = out.sending + out.waiting + out.receiving
	return out
}
