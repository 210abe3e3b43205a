// Package websockets is the k6/websockets module: the browser-like WebSocket
// class (onopen, onmessage, onerror, onclose, onping, onpong and
// addEventListener; send of strings, ArrayBuffers, typed arrays and Blobs;
// ping; close; readyState, binaryType, protocol, extensions) and the Blob
// class, with k6's params (headers, tags, jar, compression), ws_* metrics and
// tags, on gorilla/websocket.
//
// A socket keeps the iteration going while it is open: it always holds one
// slot of the VU's event loop (modules.VU.RegisterCallback), which the
// reading goroutine uses to hand the next event to the VU's goroutine; the
// handler of that event reserves the next slot. The close event reserves
// none, and the iteration can end. Sending writes on the VU's goroutine.
package websockets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
	"github.com/minik6/minik6/js/modules/ws/wsnet"
)

func init() {
	modules.Register("k6/websockets", modules.ModuleFunc(New))
}

// The ready states of a WebSocket.
const (
	connecting = iota
	open
	closing
	closed
)

// The events, as indexes of a socket's listeners.
const (
	evOpen = iota
	evMessage
	evError
	evClose
	evPing
	evPong
	numEvents
)

var eventNames = [numEvents]string{"open", "message", "error", "close", "ping", "pong"}

// writeWait bounds the writing of control frames, and the wait for the
// server's close frame after ours.
const writeWait = 10 * time.Second

// Module is one VU's k6/websockets.
type Module struct {
	vu     modules.VU
	rt     *sobek.Runtime
	m      *wsnet.Metrics
	dialer wsnet.Dialer
	jars   wsnet.Jars
	blobs  *blobClass
	open   map[*socket]struct{} // closed when the VU ends
}

// New makes the module's instance for vu.
func New(vu modules.VU) modules.Instance {
	return &Module{vu: vu, rt: vu.Runtime(), m: wsnet.NewMetrics(vu.InitEnv().Registry), open: map[*socket]struct{}{}}
}

// Exports are the WebSocket and Blob classes.
func (m *Module) Exports() modules.Exports {
	m.blobs = newBlobClass(m.rt)
	ws := m.rt.ToValue(m.newWebSocket).(*sobek.Object)
	_ = ws.DefineDataProperty("name", m.rt.ToValue("WebSocket"), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	return modules.Exports{Named: map[string]any{"WebSocket": ws, "Blob": m.blobs.ctor}}
}

// Close closes the sockets still open when the VU ends (those of an
// iteration that ended with an exception).
func (m *Module) Close() error {
	for s := range m.open {
		s.shut()
	}
	return nil
}

// listeners are an event's: the on<event> property's, then those added.
type listeners struct {
	on   sobek.Callable
	list []sobek.Callable
}

// socket is one WebSocket's Go side. Its fields are the VU goroutine's but
// for conn, which the reader uses too, and next and done.
type socket struct {
	m          *Module
	obj        *sobek.Object
	ctx        context.Context
	url        string
	state      int
	binaryType string
	protocol   string
	extensions []string
	conn       *websocket.Conn
	em         *wsnet.Emitter
	started    time.Time
	listeners  [numEvents]listeners
	protos     [numEvents]*sobek.Object // the events' prototypes, made on first use
	sendBuf    []byte                   // the bytes of the last text message sent
	pings      map[string]time.Time
	pingCount  int
	writeErr   error // the failed write that closed the connection

	closeCode   int
	closeReason string

	next      chan func(func() error) // the reserved slot for the reader's next event
	done      chan struct{}           // closed when the socket is closed: the reader gives up
	stopWatch func() bool
}

func (m *Module) throw(err error) { panic(m.rt.NewGoError(err)) }

// newWebSocket is new WebSocket(url, protocols, params).
func (m *Module) newWebSocket(call sobek.ConstructorCall) *sobek.Object {
	rt := m.rt
	st := m.vu.State()
	if st == nil {
		m.throw(errors.New("WebSocket can't be used in the init context"))
	}
	u, err := parseURL(call.Argument(0))
	if err != nil {
		m.throw(err)
	}
	p, err := wsnet.ParseParams(rt, call.Argument(2), wsnet.Browser)
	if err != nil {
		m.throw(err)
	}
	var protocols []string
	if v := call.Argument(1); !nullish(v) {
		if obj, ok := v.(*sobek.Object); ok && obj.ClassName() == "Array" {
			for _, k := range obj.Keys() {
				protocols = append(protocols, obj.Get(k).String())
			}
		} else {
			protocols = []string{v.String()}
		}
	}
	jar := p.Jar
	if jar == nil {
		jar = m.jars.VU(m.vu)
	}
	s := &socket{
		m: m, obj: call.This, ctx: m.vu.Context(), url: u, binaryType: "blob",
		next: make(chan func(func() error), 1), done: make(chan struct{}),
	}
	s.define()

	enqueue := m.vu.RegisterCallback()
	s.started = time.Now()
	go func() {
		var h handshake
		h.conn, h.resp, h.err = m.dialer.Dial(s.ctx, st, s.url, p, jar, protocols)
		h.took = time.Since(s.started)
		if h.resp != nil && h.resp.Body != nil {
			_ = h.resp.Body.Close()
		}
		if h.err == nil {
			// A hard stop closes the connection, also when it comes before
			// the VU's goroutine takes the socket over.
			h.stopWatch = context.AfterFunc(s.ctx, func() { _ = h.conn.Close() })
		}
		enqueue(func() error { return s.handshakeDone(&h, p.Tags) })
	}()
	return nil
}

// parseURL checks the URL as k6 does.
func parseURL(v sobek.Value) (string, error) {
	if nullish(v) {
		return "", errors.New("WebSocket requires a url")
	}
	raw := v.String()
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("WebSocket requires valid url, but got %q which resulted in %w", raw, err)
	}
	if u.Scheme != "ws" && u.Scheme != "wss" {
		return "", fmt.Errorf("WebSocket requires url with scheme ws or wss, but got %q", u.Scheme)
	}
	if u.Fragment != "" {
		return "", fmt.Errorf("WebSocket requires no url fragment, but got %q", u.Fragment)
	}
	return u.String(), nil
}

// handshake is how the opening handshake ended.
type handshake struct {
	conn      *websocket.Conn
	resp      *http.Response
	err       error
	took      time.Duration
	stopWatch func() bool // closes conn at a hard stop
}

// handshakeDone emits ws_sessions and ws_connecting (whether the handshake
// succeeded or not, as k6 does), then opens the socket, or closes it with the
// error.
func (s *socket) handshakeDone(h *handshake, tags map[string]string) error {
	m := s.m
	st := m.vu.State()
	m.dialer.Count(st)
	s.em = wsnet.NewEmitter(st, wsnet.Browser, tags, s.url, h.resp, h.conn)
	s.em.Emit(m.m.Sessions, s.started, 1)
	s.em.Emit(m.m.Connecting, s.started, wsnet.Ms(h.took))
	if h.err != nil {
		s.state = closed
		close(s.done)
		if err := s.fire(evError, s.errorEvent(h.err)); err != nil {
			return err
		}
		return s.fire(evClose, s.closeEvent())
	}
	s.conn, s.stopWatch = h.conn, h.stopWatch
	s.protocol = s.conn.Subprotocol()
	s.extensions = h.resp.Header.Values("Sec-WebSocket-Extensions")
	s.pings = map[string]time.Time{}
	m.open[s] = struct{}{}
	s.conn.SetPingHandler(s.onServerPing)
	s.conn.SetPongHandler(s.onPong)
	s.reserve()
	go s.read()
	if s.state == closing { // close() was called while connecting
		s.sendClose()
		return nil
	}
	s.state = open
	return s.guard(s.fire(evOpen, s.event(evOpen)))
}

// define sets the socket's properties and methods.
func (s *socket) define() {
	rt, obj := s.m.rt, s.obj
	getter := func(name string, get func() any) {
		_ = obj.DefineAccessorProperty(name, rt.ToValue(func() any { return get() }), nil, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	}
	method := func(name string, fn func(sobek.FunctionCall) sobek.Value) {
		_ = obj.DefineDataProperty(name, rt.ToValue(fn), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	}
	_ = obj.DefineDataProperty("url", rt.ToValue(s.url), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	getter("readyState", func() any { return s.state })
	getter("bufferedAmount", func() any { return 0 }) // send writes before it returns
	getter("protocol", func() any { return s.protocol })
	getter("extensions", func() any { return s.extensions })
	_ = obj.DefineAccessorProperty("binaryType", rt.ToValue(func() string { return s.binaryType }),
		rt.ToValue(func(v string) {
			if v != "blob" && v != "arraybuffer" {
				s.m.throw(fmt.Errorf(`unknown binaryType %s, the supported ones are "blob" and "arraybuffer"`, v))
			}
			s.binaryType = v
		}), sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	for i, name := range eventNames {
		l := &s.listeners[i]
		prop := "on" + name
		_ = obj.DefineAccessorProperty(prop,
			rt.ToValue(func() sobek.Value {
				if l.on == nil {
					return sobek.Null()
				}
				return rt.ToValue(l.on)
			}),
			rt.ToValue(func(v sobek.Value) {
				if nullish(v) {
					l.on = nil
					return
				}
				fn, ok := sobek.AssertFunction(v)
				if !ok {
					s.m.throw(fmt.Errorf("a value for '%s' should be callable", prop))
				}
				l.on = fn
			}), sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	}
	method("addEventListener", s.addEventListener)
	method("send", s.send)
	method("ping", s.ping)
	method("close", s.close)
}

// addEventListener is addEventListener(event, handler), for one of the six
// events.
func (s *socket) addEventListener(call sobek.FunctionCall) sobek.Value {
	event := call.Argument(0).String()
	fn, ok := sobek.AssertFunction(call.Argument(1))
	if !ok {
		s.m.throw(fmt.Errorf("handler for event type %q isn't a callable function", event))
	}
	for i, name := range eventNames {
		if name == event {
			s.listeners[i].list = append(s.listeners[i].list, fn)
			return sobek.Undefined()
		}
	}
	s.m.vu.State().Logger.Warnf("can't add event handler: unknown event type: %s", event)
	return sobek.Undefined()
}

// fire calls the event's listeners with e; an exception in one is the error.
func (s *socket) fire(event int, e *sobek.Object) error {
	l := &s.listeners[event]
	if l.on != nil {
		if _, err := l.on(sobek.Undefined(), e); err != nil {
			return err
		}
	}
	for _, fn := range l.list {
		if _, err := fn(sobek.Undefined(), e); err != nil {
			return err
		}
	}
	return nil
}

// event returns an event of type ev. Its type and target (and a message's
// origin) come from the socket's prototype for that type, made once: an
// event costs its own data and timestamp only.
func (s *socket) event(ev int) *sobek.Object {
	rt := s.m.rt
	proto := s.protos[ev]
	if proto == nil {
		proto = rt.NewObject()
		_ = proto.Set("type", eventNames[ev])
		_ = proto.Set("target", s.obj)
		if ev == evMessage {
			_ = proto.Set("origin", s.url)
		}
		s.protos[ev] = proto
	}
	e := rt.NewObject()
	_ = e.SetPrototype(proto)
	_ = e.Set("timestamp", float64(time.Now().UnixNano())/1e6)
	return e
}

func (s *socket) errorEvent(err error) *sobek.Object {
	e := s.event(evError)
	_ = e.Set("error", err.Error())
	return e
}

func (s *socket) closeEvent() *sobek.Object {
	e := s.event(evClose)
	if s.closeCode != 0 {
		_ = e.Set("code", s.closeCode)
	}
	_ = e.Set("reason", s.closeReason)
	return e
}

// read hands each message, then the end, to the VU's goroutine; the ping
// and pong handlers, which reading calls, hand theirs the same way. A message
// is read into a buffer of the reader's, then copied once: into a string for
// text, a slice of its own for binary data.
func (s *socket) read() {
	var buf bytes.Buffer
	for {
		kind, r, err := s.conn.NextReader()
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(r)
		}
		at := time.Now()
		if err != nil {
			s.deliver(func() error { return s.finish(err) })
			return
		}
		var text string
		var data []byte
		if kind == websocket.TextMessage {
			text = buf.String()
		} else {
			data = append(make([]byte, 0, buf.Len()), buf.Bytes()...)
		}
		if !s.deliver(func() error { return s.message(text, data, at) }) {
			return
		}
	}
}

// deliver runs fn on the VU's goroutine in the reserved slot; false once the
// socket is closed or the VU stopped.
func (s *socket) deliver(fn func() error) bool {
	select {
	case enqueue := <-s.next:
		enqueue(fn)
		return true
	case <-s.done:
	case <-s.ctx.Done():
	}
	return false
}

// reserve reserves the slot for the reader's next event.
func (s *socket) reserve() { s.next <- s.m.vu.RegisterCallback() }

// message delivers a text message, or binary data when data is not nil
// (empty data included; dropped once closing, as in k6).
func (s *socket) message(text string, data []byte, at time.Time) error {
	s.reserve()
	if s.state != open {
		return nil
	}
	m := s.m
	m.dialer.Count(m.vu.State())
	s.em.Emit(m.m.MsgsReceived, at, 1)
	e := s.event(evMessage)
	switch {
	case data == nil:
		_ = e.Set("data", text)
	case s.binaryType == "arraybuffer":
		_ = e.Set("data", m.rt.NewArrayBuffer(data))
	default:
		_ = e.Set("data", m.blobs.newBlob(data))
	}
	return s.guard(s.fire(evMessage, e))
}

// onServerPing answers the server's ping and fires the ping event.
func (s *socket) onServerPing(data string) error {
	err := s.conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(writeWait))
	s.deliver(func() error {
		s.reserve()
		if err != nil && !errors.Is(err, websocket.ErrCloseSent) {
			if lerr := s.fire(evError, s.errorEvent(err)); lerr != nil {
				return s.guard(lerr)
			}
		}
		return s.guard(s.fire(evPing, s.event(evPing)))
	})
	return nil
}

// onPong times the answer to one of our pings (ws_ping) and fires the pong
// event.
func (s *socket) onPong(data string) error {
	at := time.Now()
	s.deliver(func() error {
		s.reserve()
		if sent, ok := s.pings[data]; ok {
			delete(s.pings, data)
			s.em.Emit(s.m.m.Ping, at, wsnet.Ms(at.Sub(sent)))
		} else {
			s.m.vu.State().Logger.Warnf("received pong for unknown ping ID %s", data)
		}
		return s.guard(s.fire(evPong, s.event(evPong)))
	})
	return nil
}

// guard closes the socket when a listener threw, and passes the exception on.
func (s *socket) guard(err error) error {
	if err != nil && s.state != closed {
		s.end()
	}
	return err
}

// finish ends the socket when the connection is over: the error event for a
// close frame with a code other than 1000 and 1001 (or a failed write), then
// the close event.
func (s *socket) finish(err error) error {
	if s.state == closed {
		return nil
	}
	var ce *websocket.CloseError
	if errors.As(err, &ce) {
		s.closeCode, s.closeReason = ce.Code, ce.Text
	}
	if s.writeErr != nil {
		err = s.writeErr
	} else if !websocket.IsUnexpectedCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway) {
		err = nil
	}
	s.end()
	if err != nil {
		if lerr := s.fire(evError, s.errorEvent(err)); lerr != nil {
			return lerr
		}
	}
	return s.fire(evClose, s.closeEvent())
}

// end closes the connection and emits ws_session_duration.
func (s *socket) end() {
	s.shut()
	st := s.m.vu.State()
	s.m.dialer.Count(st)
	s.em.Emit(s.m.m.SessionDuration, time.Now(), wsnet.Ms(time.Since(s.started)))
}

// shut closes the connection and lets the reader go.
func (s *socket) shut() {
	s.state = closed
	s.stopWatch()
	_ = s.conn.Close()
	close(s.done)
	delete(s.m.open, s)
}

// assertOpen throws k6's InvalidStateError unless the socket is open.
func (s *socket) assertOpen() {
	if s.state != open {
		s.m.throw(errNotOpen)
	}
}

// write writes one frame of the VU's; a failed write closes the connection,
// and the reader ends the socket with the error.
func (s *socket) write(kind int, data []byte) {
	var err error
	if kind == websocket.TextMessage || kind == websocket.BinaryMessage {
		err = s.conn.WriteMessage(kind, data)
	} else {
		err = s.conn.WriteControl(kind, data, time.Now().Add(writeWait))
	}
	if err != nil {
		s.writeErr = err
		_ = s.conn.Close()
		return
	}
	s.em.Emit(s.m.m.MsgsSent, time.Now(), 1)
}

// send is send(data): a string as a text message; an ArrayBuffer, a typed
// array, a DataView or a Blob as a binary one.
func (s *socket) send(call sobek.FunctionCall) sobek.Value {
	s.assertOpen()
	v := call.Argument(0)
	if str, ok := v.(sobek.String); ok {
		s.sendBuf = append(s.sendBuf[:0], str.String()...) // written before send returns
		s.write(websocket.TextMessage, s.sendBuf)
		return sobek.Undefined()
	}
	var data []byte
	ok := false
	if obj, isObj := v.(*sobek.Object); isObj {
		data, ok = s.m.blobs.partBytes(obj)
	}
	if !ok {
		s.m.throw(fmt.Errorf("unsupported send type %s", typeName(v)))
	}
	s.write(websocket.BinaryMessage, data)
	return sobek.Undefined()
}

// ping is ping(): it sends a ping, whose pong ws_ping times.
func (s *socket) ping(sobek.FunctionCall) sobek.Value {
	s.assertOpen()
	id := strconv.Itoa(s.pingCount)
	s.pingCount++
	s.pings[id] = time.Now()
	s.write(websocket.PingMessage, []byte(id))
	return sobek.Undefined()
}

// close is close(code, reason): it starts the closing handshake with code
// (1000, or 3000 to 4999) and reason (at most 123 bytes).
func (s *socket) close(call sobek.FunctionCall) sobek.Value {
	if s.state == closing || s.state == closed {
		return sobek.Undefined()
	}
	code := int(call.Argument(0).ToInteger())
	reason := ""
	if r := call.Argument(1); !sobek.IsUndefined(r) {
		reason = r.String()
	}
	if code != 0 && code != websocket.CloseNormalClosure && (code < 3000 || code > 4999) {
		s.m.throw(fmt.Errorf("InvalidAccessError: Failed to execute 'close' on 'WebSocket': "+
			"The close code must be either 1000, or between 3000 and 4999. %d is neither", code))
	}
	if len(reason) > 123 {
		s.m.throw(errors.New("SyntaxError: Failed to execute 'close' on 'WebSocket': The message must not be greater than 123 bytes"))
	}
	if code == 0 {
		code = websocket.CloseNormalClosure
	}
	wasConnecting := s.state == connecting
	s.state, s.closeCode, s.closeReason = closing, code, reason
	if !wasConnecting { // else the frame goes once connected
		s.sendClose()
	}
	return sobek.Undefined()
}

// sendClose sends the close frame, and waits a while for the server's.
func (s *socket) sendClose() {
	s.write(websocket.CloseMessage, websocket.FormatCloseMessage(s.closeCode, s.closeReason))
	_ = s.conn.SetReadDeadline(time.Now().Add(writeWait))
}

// errNotOpen is k6's error for sending on a socket that is not open.
var errNotOpen = errors.New("InvalidStateError")

func nullish(v sobek.Value) bool {
	return v == nil || sobek.IsUndefined(v) || sobek.IsNull(v)
}
