// Package websockets is the k6/websockets module: the browser-like WebSocket
// class (onopen, onmessage, onclose, onerror, addEventListener, send, close,
// readyState, binaryType), with k6's ws_* metrics, on gorilla/websocket.
//
// A socket keeps the iteration going while it is open: it always holds one
// slot of the VU's event loop (modules.VU.RegisterCallback), which the
// reading goroutine uses to hand the next event to the VU's goroutine; the
// handler of that event reserves the next slot. The close event reserves
// none, and the iteration can end.
package websockets

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
	"github.com/minik6/minik6/metrics"
)

func init() {
	modules.Register("k6/websockets", modules.ModuleFunc(New))
}

// The ready states of a WebSocket.
const (
	connecting = 0
	open       = 1
	closing    = 2
	closed     = 3
)

// wsMetrics are k6's WebSocket metrics.
type wsMetrics struct {
	connecting, sessionDuration, sessions, msgsSent, msgsReceived *metrics.Metric
}

// Module is one VU's k6/websockets.
type Module struct {
	vu modules.VU
	m  *wsMetrics
}

// New makes the module's instance for vu.
func New(vu modules.VU) modules.Instance {
	reg := vu.InitEnv().Registry
	return &Module{vu: vu, m: &wsMetrics{
		connecting:      reg.MustNewMetric("ws_connecting", metrics.Trend, metrics.Time),
		sessionDuration: reg.MustNewMetric("ws_session_duration", metrics.Trend, metrics.Time),
		sessions:        reg.MustNewMetric("ws_sessions", metrics.Counter),
		msgsSent:        reg.MustNewMetric("ws_msgs_sent", metrics.Counter),
		msgsReceived:    reg.MustNewMetric("ws_msgs_received", metrics.Counter),
	}}
}

// Exports are the WebSocket class and the ready-state numbers.
func (m *Module) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{
		"WebSocket":  m.newWebSocket,
		"CONNECTING": connecting, "OPEN": open, "CLOSING": closing, "CLOSED": closed,
	}}
}

// socket is one WebSocket's Go side.
type socket struct {
	m         *Module
	rt        *sobek.Runtime
	obj       *sobek.Object
	url       string
	state     int
	conn      *websocket.Conn
	started   time.Time
	listeners map[string][]sobek.Callable
	next      chan func(func() error) // the reserved slot for the reader's next event
	stopWatch func() bool
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func (m *Module) newWebSocket(call sobek.ConstructorCall) *sobek.Object {
	rt := m.vu.Runtime()
	st := m.vu.State()
	if st == nil {
		panic(rt.NewGoError(errors.New("WebSocket can't be used in the init context")))
	}
	s := &socket{m: m, rt: rt, obj: call.This, url: call.Argument(0).String(), listeners: map[string][]sobek.Callable{},
		next: make(chan func(func() error), 1)}
	header := http.Header{}
	if p, ok := call.Argument(2).(*sobek.Object); ok {
		if h, ok := p.Get("headers").(*sobek.Object); ok {
			for _, k := range h.Keys() {
				header.Set(k, h.Get(k).String())
			}
		}
	}
	s.define()

	ctx := m.vu.Context()
	enqueue := m.vu.RegisterCallback()
	start := time.Now()
	go func() {
		conn, resp, err := websocket.DefaultDialer.DialContext(ctx, s.url, header)
		if resp != nil && resp.Body != nil {
			_ = resp.Body.Close()
		}
		enqueue(func() error {
			if err != nil {
				s.state = closed
				if err := s.emit("error", map[string]any{"type": "error", "error": err.Error()}); err != nil {
					return err
				}
				return s.emit("close", map[string]any{"type": "close", "code": websocket.CloseAbnormalClosure, "reason": ""})
			}
			s.conn, s.state, s.started = conn, open, time.Now()
			s.sample(m.m.connecting, ms(s.started.Sub(start)))
			s.stopWatch = context.AfterFunc(ctx, func() { _ = conn.Close() })
			s.next <- m.vu.RegisterCallback()
			go s.read()
			return s.emit("open", map[string]any{"type": "open"})
		})
	}()
	return nil
}

// define sets the object's properties and methods.
func (s *socket) define() {
	rt, obj := s.rt, s.obj
	getter := func(name string, get func() any) {
		_ = obj.DefineAccessorProperty(name, rt.ToValue(func() any { return get() }), nil, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	}
	getter("readyState", func() any { return s.state })
	getter("url", func() any { return s.url })
	getter("bufferedAmount", func() any { return 0 })
	_ = obj.Set("binaryType", "blob")
	for _, name := range []string{"onopen", "onmessage", "onclose", "onerror", "onping", "onpong"} {
		_ = obj.Set(name, sobek.Null())
	}
	_ = obj.Set("send", s.send)
	_ = obj.Set("close", s.close)
	_ = obj.Set("ping", func() {
		if s.conn != nil {
			_ = s.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second))
		}
	})
	_ = obj.Set("addEventListener", func(event string, fn sobek.Value) {
		if f, ok := sobek.AssertFunction(fn); ok {
			s.listeners[event] = append(s.listeners[event], f)
		}
	})
}

// emit calls on<event> and the event's listeners with an event object; an
// exception in one is the error (the event loop's, as any script error).
func (s *socket) emit(event string, fields map[string]any) error {
	e := s.rt.NewObject()
	for k, v := range fields {
		_ = e.Set(k, v)
	}
	handlers := s.listeners[event]
	if f, ok := sobek.AssertFunction(s.obj.Get("on" + event)); ok {
		handlers = append([]sobek.Callable{f}, handlers...)
	}
	for _, h := range handlers {
		if _, err := h(s.obj, e); err != nil {
			return err
		}
	}
	return nil
}

// read hands each message, then the close, to the VU's goroutine.
func (s *socket) read() {
	for {
		kind, data, err := s.conn.ReadMessage()
		enqueue := <-s.next
		if err != nil {
			enqueue(func() error { return s.finish(err) })
			return
		}
		enqueue(func() error {
			s.m.vu.State().DataReceived += int64(len(data))
			s.sample(s.m.m.msgsReceived, 1)
			var value any = string(data)
			if kind == websocket.BinaryMessage {
				value = s.rt.NewArrayBuffer(data)
			}
			s.next <- s.m.vu.RegisterCallback()
			return s.emit("message", map[string]any{"type": "message", "data": value})
		})
	}
}

// finish closes the socket and fires the close event.
func (s *socket) finish(err error) error {
	code, reason := websocket.CloseNormalClosure, ""
	var ce *websocket.CloseError
	var errEvent error
	if errors.As(err, &ce) {
		code, reason = ce.Code, ce.Text
	} else if s.state != closing {
		errEvent = s.emit("error", map[string]any{"type": "error", "error": err.Error()})
		code = websocket.CloseAbnormalClosure
	}
	s.state = closed
	if s.stopWatch != nil {
		s.stopWatch()
	}
	_ = s.conn.Close()
	s.sample(s.m.m.sessions, 1)
	s.sample(s.m.m.sessionDuration, ms(time.Since(s.started)))
	if errEvent != nil {
		return errEvent
	}
	return s.emit("close", map[string]any{"type": "close", "code": code, "reason": reason})
}

// send sends a string, or the bytes of an ArrayBuffer or typed array.
func (s *socket) send(v sobek.Value) {
	if s.state != open {
		panic(s.rt.NewGoError(fmt.Errorf("InvalidStateError: the WebSocket is not open (readyState %d)", s.state)))
	}
	kind, data := websocket.TextMessage, []byte(nil)
	switch x := v.Export().(type) {
	case sobek.ArrayBuffer:
		kind, data = websocket.BinaryMessage, x.Bytes()
	case []byte:
		kind, data = websocket.BinaryMessage, x
	default:
		data = []byte(v.String())
	}
	if err := s.conn.WriteMessage(kind, data); err != nil {
		panic(s.rt.NewGoError(err))
	}
	s.m.vu.State().DataSent += int64(len(data))
	s.sample(s.m.m.msgsSent, 1)
}

// close starts the closing handshake.
func (s *socket) close(code, reason sobek.Value) {
	if s.state != open {
		return
	}
	c := websocket.CloseNormalClosure
	if code != nil && !sobek.IsUndefined(code) {
		c = int(code.ToInteger())
	}
	r := ""
	if reason != nil && !sobek.IsUndefined(reason) {
		r = reason.String()
	}
	s.state = closing
	msg := websocket.FormatCloseMessage(c, r)
	if err := s.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second)); err != nil {
		_ = s.conn.Close()
		return
	}
	s.sample(s.m.m.msgsSent, 1) // k6 counts the close frame as a message sent
}

// sample emits one of the ws_* metrics with the VU's tags and the URL.
func (s *socket) sample(m *metrics.Metric, v float64) {
	st := s.m.vu.State()
	st.EmitTagged(m, time.Now(), v, map[string]string{"url": s.url, "status": strconv.Itoa(101)})
}
