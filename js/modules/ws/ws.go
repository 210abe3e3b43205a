// Package ws is the k6/ws module, k6's classic WebSocket API: ws.connect(url,
// params, fn) opens a socket, calls fn(socket) to set its handlers up, and
// runs the socket's own event loop on the VU's goroutine until it closes;
// it returns the handshake's response. k6's params (headers, tags, jar,
// compression), ws_* metrics and tags; built on gorilla/websocket.
package ws

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
	"github.com/minik6/minik6/js/modules/ws/wsnet"
)

func init() {
	modules.Register("k6/ws", modules.ModuleFunc(New))
}

// writeWait bounds the writing of control frames.
const writeWait = 10 * time.Second

// Module is one VU's k6/ws.
type Module struct {
	vu     modules.VU
	rt     *sobek.Runtime
	m      *wsnet.Metrics
	dialer wsnet.Dialer
	jars   wsnet.Jars
}

// New makes the module's instance for vu.
func New(vu modules.VU) modules.Instance {
	return &Module{vu: vu, rt: vu.Runtime(), m: wsnet.NewMetrics(vu.InitEnv().Registry)}
}

// Exports is connect.
func (m *Module) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{"connect": m.connect}}
}

func (m *Module) throw(err error) { panic(m.rt.NewGoError(err)) }

// event is what the reading goroutine hands the socket's loop: a message
// (text, binary, or a ping or pong frame), an unexpected close, or the end.
type event struct {
	kind      int
	data      []byte
	err       error // an unexpected close: the error event
	closeCode int   // the end: the connection closed with this code
}

// timer is a socket's setTimeout or setInterval.
type timer struct {
	at       time.Time
	every    time.Duration // 0 for a timeout
	fn       sobek.Callable
	canceled bool
}

// socket is one connection's Go side, used on the VU's goroutine only (but
// conn, which the reader uses too).
type socket struct {
	m         *Module
	obj       *sobek.Object
	conn      *websocket.Conn
	em        *wsnet.Emitter
	handlers  map[string][]sobek.Callable
	timers    []*timer
	pings     map[string]time.Time
	pingCount int
	closed    bool
	events    chan event
	done      chan struct{} // closed when connect returns: the reader gives up
}

// connect opens the socket, lets fn set it up, and runs it until it closes.
func (m *Module) connect(url string, args ...sobek.Value) sobek.Value {
	rt := m.rt
	st := m.vu.State()
	if st == nil {
		m.throw(errors.New("using websockets in the init context is not supported"))
	}
	var paramsV, fnV sobek.Value
	switch len(args) {
	case 2:
		paramsV, fnV = args[0], args[1]
	case 1:
		fnV = args[0]
	default:
		m.throw(errors.New("invalid number of arguments to ws.connect"))
	}
	setup, ok := sobek.AssertFunction(fnV)
	if !ok {
		m.throw(errors.New("last argument to ws.connect must be a function"))
	}
	p, err := wsnet.ParseParams(rt, paramsV, wsnet.Classic)
	if err != nil {
		m.throw(err)
	}
	jar := p.Jar
	if jar == nil {
		jar = m.jars.VU(m.vu)
	}

	ctx := m.vu.Context()
	start := time.Now()
	conn, resp, err := m.dialer.Dial(ctx, st, url, p, jar, nil)
	connected := time.Now()
	m.dialer.Count(st)
	em := wsnet.NewEmitter(st, wsnet.Classic, p.Tags, url, resp, conn)
	em.Emit(m.m.Sessions, start, 1)
	em.Emit(m.m.Connecting, start, wsnet.Ms(connected.Sub(start)))
	sessionEnd := func() {
		m.dialer.Count(st)
		if ctx.Err() == nil {
			em.Emit(m.m.SessionDuration, start, wsnet.Ms(time.Since(start)))
		}
	}
	if err != nil {
		sessionEnd()
		if st.Options.Throw.Bool {
			m.throw(err)
		}
		if resp != nil { // as k6: the refusal, with no error
			return m.response(resp, "", "")
		}
		return m.response(nil, "", err.Error())
	}
	defer sessionEnd()

	s := &socket{m: m, conn: conn, em: em, handlers: map[string][]sobek.Callable{}, pings: map[string]time.Time{},
		events: make(chan event, 64), done: make(chan struct{})}
	defer close(s.done)
	s.obj = s.object()
	// A hard stop closes the connection at once (the reader returns); and
	// whichever way connect returns, the connection is closed then: the
	// AfterFunc's stop may win the race with a cancellation that has closed
	// ctx.Done but not yet started it.
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer func() {
		stop()
		_ = conn.Close()
	}()
	conn.SetCloseHandler(func(int, string) error { return nil }) // the loop answers
	conn.SetPingHandler(func(data string) error {
		if err := conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(writeWait)); err != nil {
			s.deliver(event{err: err})
		}
		s.deliver(event{kind: websocket.PingMessage})
		return nil
	})
	conn.SetPongHandler(func(data string) error {
		s.deliver(event{kind: websocket.PongMessage, data: []byte(data)})
		return nil
	})
	go s.read()

	if _, err := setup(sobek.Undefined(), s.obj); err != nil {
		_ = s.closeConnection(websocket.CloseGoingAway)
		_ = conn.Close()
		panic(err)
	}
	res := m.response(resp, url, "")
	if err := s.fire("open"); err != nil {
		_ = conn.Close()
		panic(err)
	}
	if err := s.loop(ctx); err != nil {
		_ = conn.Close()
		panic(err)
	}
	return res
}

// response is k6's object of the handshake's response (none when there was
// none): url, status, headers, body, error.
func (m *Module) response(resp *http.Response, url, errText string) *sobek.Object {
	res := m.rt.NewObject()
	status, headers, body := 0, map[string]any{}, ""
	if resp != nil {
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		status, body = resp.StatusCode, string(b)
		for k, vs := range resp.Header {
			headers[k] = strings.Join(vs, ", ")
		}
	}
	_ = res.Set("url", url)
	_ = res.Set("status", status)
	_ = res.Set("headers", headers)
	_ = res.Set("body", body)
	_ = res.Set("error", errText)
	return res
}

// deliver hands an event to the loop, unless connect has returned.
func (s *socket) deliver(e event) {
	select {
	case s.events <- e:
	case <-s.done:
	}
}

// read hands every message, then the end, to the loop.
func (s *socket) read() {
	for {
		kind, data, err := s.conn.ReadMessage()
		if err == nil {
			s.deliver(event{kind: kind, data: data})
			continue
		}
		if websocket.IsUnexpectedCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway) {
			s.deliver(event{err: err})
		}
		code := websocket.CloseGoingAway
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			code = ce.Code
		}
		s.deliver(event{closeCode: code})
		return
	}
}

// loop runs the socket's handlers and timers until it closes (or the
// iteration is stopped); an exception in a handler is the error.
func (s *socket) loop(ctx context.Context) error {
	tm := time.NewTimer(time.Hour)
	defer tm.Stop()
	for !s.closed {
		var wait <-chan time.Time
		if t := s.nextTimer(); t != nil {
			tm.Reset(time.Until(t.at))
			wait = tm.C
		}
		var err error
		select {
		case <-ctx.Done():
			return nil // the connection is closed: a hard stop runs no handler
		case <-wait:
			if err = s.runTimers(); err != nil {
				_ = s.closeConnection(websocket.CloseGoingAway)
			}
		case e := <-s.events:
			if wait != nil && !tm.Stop() {
				<-tm.C
			}
			err = s.handle(e)
		}
		s.m.dialer.Count(s.m.vu.State())
		if err != nil {
			return err
		}
	}
	return nil
}

// handle runs the handlers of one event.
func (s *socket) handle(e event) error {
	m := s.m
	switch {
	case e.err != nil:
		return s.fire("error", m.rt.ToValue(e.err))
	case e.closeCode != 0:
		return s.closeConnection(e.closeCode)
	case e.kind == websocket.PingMessage:
		return s.fire("ping")
	case e.kind == websocket.PongMessage:
		if sent, ok := s.pings[string(e.data)]; ok {
			delete(s.pings, string(e.data))
			s.em.Emit(m.m.Ping, time.Now(), wsnet.Ms(time.Since(sent)))
		}
		return s.fire("pong")
	case e.kind == websocket.BinaryMessage:
		s.em.Emit(m.m.MsgsReceived, time.Now(), 1)
		return s.fire("binaryMessage", m.rt.ToValue(m.rt.NewArrayBuffer(e.data)))
	default:
		s.em.Emit(m.m.MsgsReceived, time.Now(), 1)
		return s.fire("message", m.rt.ToValue(string(e.data)))
	}
}

// closeConnection closes the socket, once: the close frame with code, the
// close handlers, then the connection.
func (s *socket) closeConnection(code int) error {
	if s.closed {
		return nil
	}
	s.closed = true
	defer func() { _ = s.conn.Close() }()
	msg := websocket.FormatCloseMessage(code, "")
	if err := s.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(writeWait)); err != nil {
		if herr := s.fire("error", s.m.rt.ToValue(err)); herr != nil {
			return herr
		}
	}
	return s.fire("close", s.m.rt.ToValue(code))
}

// fire calls the handlers of an event with args.
func (s *socket) fire(event string, args ...sobek.Value) error {
	for _, h := range s.handlers[event] {
		if _, err := h(sobek.Undefined(), args...); err != nil {
			return err
		}
	}
	return nil
}

func (s *socket) nextTimer() *timer {
	var next *timer
	for _, t := range s.timers {
		if !t.canceled && (next == nil || t.at.Before(next.at)) {
			next = t
		}
	}
	return next
}

// runTimers runs the timers that are due.
func (s *socket) runTimers() error {
	now := time.Now()
	due := s.timers[:0:0]
	for _, t := range s.timers {
		if !t.canceled && !t.at.After(now) {
			due = append(due, t)
		}
	}
	for _, t := range due {
		if t.every > 0 {
			t.at = now.Add(t.every)
		} else {
			t.canceled = true
		}
		if _, err := t.fn(sobek.Undefined()); err != nil {
			return err
		}
		if s.closed {
			return nil
		}
	}
	live := s.timers[:0]
	for _, t := range s.timers {
		if !t.canceled {
			live = append(live, t)
		}
	}
	s.timers = live
	return nil
}

// object is the Socket the script's function gets.
func (s *socket) object() *sobek.Object {
	m := s.m
	rt := m.rt
	obj := rt.NewObject()
	_ = obj.Set("on", func(event string, fn sobek.Value) {
		if f, ok := sobek.AssertFunction(fn); ok {
			s.handlers[event] = append(s.handlers[event], f)
		}
	})
	send := func(kind int, data []byte) {
		if err := s.conn.WriteMessage(kind, data); err != nil {
			if herr := s.fire("error", rt.ToValue(err)); herr != nil {
				panic(herr)
			}
		}
		s.em.Emit(m.m.MsgsSent, time.Now(), 1)
	}
	_ = obj.Set("send", func(msg string) { send(websocket.TextMessage, []byte(msg)) })
	_ = obj.Set("sendBinary", func(v sobek.Value) {
		if v == nil {
			m.throw(errors.New("missing argument, expected ArrayBuffer"))
		}
		buf, ok := v.Export().(sobek.ArrayBuffer)
		if !ok {
			m.throw(fmt.Errorf("expected ArrayBuffer as argument, received: %s", typeName(rt, v)))
		}
		send(websocket.BinaryMessage, buf.Bytes())
	})
	_ = obj.Set("ping", func() {
		id := strconv.Itoa(s.pingCount)
		if err := s.conn.WriteControl(websocket.PingMessage, []byte(id), time.Now().Add(writeWait)); err != nil {
			if herr := s.fire("error", rt.ToValue(err)); herr != nil {
				panic(herr)
			}
			return
		}
		s.pings[id] = time.Now()
		s.pingCount++
	})
	addTimer := func(what string, fn sobek.Value, ms float64, every bool) {
		f, ok := sobek.AssertFunction(fn)
		if !ok {
			m.throw(fmt.Errorf("%s needs a function", what))
		}
		d := time.Duration(ms * float64(time.Millisecond))
		if d <= 0 {
			m.throw(fmt.Errorf("%s requires a >0 timeout parameter, received %.2f", what, ms))
		}
		t := &timer{at: time.Now().Add(d), fn: f}
		if every {
			t.every = d
		}
		s.timers = append(s.timers, t)
	}
	_ = obj.Set("setTimeout", func(fn sobek.Value, ms float64) { addTimer("setTimeout", fn, ms, false) })
	_ = obj.Set("setInterval", func(fn sobek.Value, ms float64) { addTimer("setInterval", fn, ms, true) })
	_ = obj.Set("close", func(code sobek.Value) {
		c := websocket.CloseGoingAway
		if code != nil && !sobek.IsUndefined(code) {
			c = int(code.ToInteger())
		}
		if err := s.closeConnection(c); err != nil {
			panic(err)
		}
	})
	return obj
}

// typeName is the name of v's constructor, or its type.
func typeName(rt *sobek.Runtime, v sobek.Value) string {
	if sobek.IsNull(v) || sobek.IsUndefined(v) {
		return v.String()
	}
	return v.ToObject(rt).Get("constructor").ToObject(rt).Get("name").String()
}
