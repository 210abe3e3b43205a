// Package ws is the k6/ws module, k6's classic WebSocket API: ws.connect(url,
// params, fn) opens a socket, calls fn(socket) to set its handlers up, and
// runs the socket's own event loop on the VU's goroutine until it closes;
// it returns the handshake's response. Built on gorilla/websocket.
package ws

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/websocket"
	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
	"github.com/minik6/minik6/metrics"
)

func init() {
	modules.Register("k6/ws", modules.ModuleFunc(New))
}

// wsMetrics are k6's WebSocket metrics.
type wsMetrics struct {
	connecting, sessionDuration, sessions, msgsSent, msgsReceived, ping *metrics.Metric
}

// Module is one VU's k6/ws.
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
		ping:            reg.MustNewMetric("ws_ping", metrics.Trend, metrics.Time),
	}}
}

// Exports is connect.
func (m *Module) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{"connect": m.connect}}
}

// event is what the reading goroutine hands the socket's loop.
type event struct {
	kind int
	data []byte
	err  error
}

// timer is a socket's setTimeout or setInterval.
type timer struct {
	at       time.Time
	every    time.Duration // 0 for a timeout
	fn       sobek.Callable
	canceled bool
}

// socket is one connection's Go side, used on the VU's goroutine only.
type socket struct {
	m        *Module
	rt       *sobek.Runtime
	obj      *sobek.Object
	url      string
	conn     *websocket.Conn
	handlers map[string][]sobek.Callable
	timers   []*timer
	closing  bool
	pingSent time.Time
	events   chan event
	done     chan struct{} // closed when connect returns: the reader gives up
}

// deliver hands an event to the loop, unless connect has returned.
func (s *socket) deliver(e event) {
	select {
	case s.events <- e:
	case <-s.done:
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// connect opens the socket, lets fn set it up, and runs it until it closes.
func (m *Module) connect(url string, args ...sobek.Value) sobek.Value {
	rt := m.vu.Runtime()
	if m.vu.State() == nil {
		panic(rt.NewGoError(errors.New("using websockets in the init context is not supported")))
	}
	var params *sobek.Object
	var fn sobek.Callable
	for _, a := range args {
		if f, ok := sobek.AssertFunction(a); ok {
			fn = f
		} else if o, ok := a.(*sobek.Object); ok {
			params = o
		}
	}
	if fn == nil {
		panic(rt.NewTypeError("ws.connect needs a function to set the socket up"))
	}
	header := http.Header{}
	tags := map[string]string{"url": url}
	if params != nil {
		if h, ok := params.Get("headers").(*sobek.Object); ok {
			for _, k := range h.Keys() {
				header.Set(k, h.Get(k).String())
			}
		}
		if t, ok := params.Get("tags").(*sobek.Object); ok {
			for _, k := range t.Keys() {
				tags[k] = t.Get(k).String()
			}
		}
	}
	ctx := m.vu.Context()
	start := time.Now()
	conn, resp, err := websocket.DefaultDialer.DialContext(ctx, url, header)
	connected := time.Now()
	res := rt.NewObject()
	_ = res.Set("url", url)
	if resp != nil {
		_ = resp.Body.Close()
		tags["status"] = strconv.Itoa(resp.StatusCode)
		_ = res.Set("status", resp.StatusCode)
		headers := map[string]any{}
		for k, vs := range resp.Header {
			if len(vs) > 0 {
				headers[k] = vs[0]
			}
		}
		_ = res.Set("headers", headers)
	}
	if err != nil {
		_ = res.Set("error", err.Error())
		if resp == nil {
			_ = res.Set("status", 0)
		}
		m.vu.State().Logger.WithError(err).Warn("Attempt to establish a WebSocket connection failed")
		return res
	}
	st := m.vu.State()
	emit := func(metric *metrics.Metric, v float64) { st.EmitTagged(metric, time.Now(), v, tags) }
	emit(m.m.connecting, ms(connected.Sub(start)))

	s := &socket{m: m, rt: rt, url: url, conn: conn, handlers: map[string][]sobek.Callable{},
		events: make(chan event, 64), done: make(chan struct{})}
	defer close(s.done)
	s.obj = s.object(emit)
	conn.SetPongHandler(func(string) error { s.deliver(event{kind: websocket.PongMessage}); return nil })
	conn.SetPingHandler(func(data string) error {
		s.deliver(event{kind: websocket.PingMessage})
		return conn.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	go s.read()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()

	if _, err := fn(sobek.Undefined(), s.obj); err != nil {
		_ = conn.Close()
		panic(err)
	}
	if err := s.fire("open", nil); err != nil {
		_ = conn.Close()
		panic(err)
	}
	err = s.loop(ctx, emit)
	_ = conn.Close()
	emit(m.m.sessions, 1)
	emit(m.m.sessionDuration, ms(time.Since(connected)))
	if err != nil {
		panic(err)
	}
	return res
}

// read hands every message (and the end) to the loop.
func (s *socket) read() {
	for {
		kind, data, err := s.conn.ReadMessage()
		s.deliver(event{kind: kind, data: data, err: err})
		if err != nil {
			return
		}
	}
}

// loop runs the socket's handlers and timers until it closes (or the
// iteration is stopped); an exception in a handler is the error.
func (s *socket) loop(ctx context.Context, emit func(*metrics.Metric, float64)) error {
	tm := time.NewTimer(time.Hour)
	defer tm.Stop()
	for {
		var wait <-chan time.Time
		if t := s.nextTimer(); t != nil {
			tm.Reset(time.Until(t.at))
			wait = tm.C
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wait:
			if err := s.runTimers(); err != nil {
				return err
			}
		case e := <-s.events:
			if wait != nil && !tm.Stop() {
				<-tm.C
			}
			switch {
			case e.err != nil:
				code := websocket.CloseNormalClosure
				var ce *websocket.CloseError
				if errors.As(e.err, &ce) {
					code = ce.Code
				} else if !s.closing {
					if err := s.fire("error", map[string]any{"error": e.err.Error()}); err != nil {
						return err
					}
					code = websocket.CloseAbnormalClosure
				}
				return s.fire("close", code)
			case e.kind == websocket.PongMessage:
				if !s.pingSent.IsZero() {
					emit(s.m.m.ping, ms(time.Since(s.pingSent)))
				}
				if err := s.fire("pong", nil); err != nil {
					return err
				}
			case e.kind == websocket.PingMessage:
				if err := s.fire("ping", nil); err != nil {
					return err
				}
			case e.kind == websocket.BinaryMessage:
				s.m.vu.State().DataReceived += int64(len(e.data))
				emit(s.m.m.msgsReceived, 1)
				if err := s.fire("binaryMessage", s.rt.NewArrayBuffer(e.data)); err != nil {
					return err
				}
			default:
				s.m.vu.State().DataReceived += int64(len(e.data))
				emit(s.m.m.msgsReceived, 1)
				if err := s.fire("message", string(e.data)); err != nil {
					return err
				}
			}
		}
	}
}

// fire calls the handlers of an event with arg (none when nil).
func (s *socket) fire(event string, arg any) error {
	for _, h := range s.handlers[event] {
		var err error
		if arg == nil {
			_, err = h(s.obj)
		} else {
			_, err = h(s.obj, s.rt.ToValue(arg))
		}
		if err != nil {
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
		if _, err := t.fn(s.obj); err != nil {
			return err
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

// object is the socket the script's function gets.
func (s *socket) object(emit func(*metrics.Metric, float64)) *sobek.Object {
	rt := s.rt
	obj := rt.NewObject()
	_ = obj.Set("on", func(event string, fn sobek.Value) {
		f, ok := sobek.AssertFunction(fn)
		if !ok {
			panic(rt.NewTypeError("socket.on needs a function"))
		}
		s.handlers[event] = append(s.handlers[event], f)
	})
	send := func(kind int, data []byte) {
		if s.closing {
			return
		}
		if err := s.conn.WriteMessage(kind, data); err != nil {
			panic(rt.NewGoError(err))
		}
		s.m.vu.State().DataSent += int64(len(data))
		emit(s.m.m.msgsSent, 1)
	}
	_ = obj.Set("send", func(msg string) { send(websocket.TextMessage, []byte(msg)) })
	_ = obj.Set("sendBinary", func(v sobek.Value) {
		buf, ok := v.Export().(sobek.ArrayBuffer)
		if !ok {
			panic(rt.NewTypeError("sendBinary needs an ArrayBuffer"))
		}
		send(websocket.BinaryMessage, buf.Bytes())
	})
	_ = obj.Set("ping", func() {
		s.pingSent = time.Now()
		_ = s.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second))
	})
	addTimer := func(fn sobek.Value, delay float64, every bool) {
		f, ok := sobek.AssertFunction(fn)
		if !ok {
			panic(rt.NewTypeError("the timer needs a function"))
		}
		d := time.Duration(delay * float64(time.Millisecond))
		t := &timer{at: time.Now().Add(d), fn: f}
		if every {
			t.every = max(d, time.Millisecond)
		}
		s.timers = append(s.timers, t)
	}
	_ = obj.Set("setTimeout", func(fn sobek.Value, delay float64) { addTimer(fn, delay, false) })
	_ = obj.Set("setInterval", func(fn sobek.Value, delay float64) { addTimer(fn, delay, true) })
	_ = obj.Set("close", func(code sobek.Value) {
		if s.closing {
			return
		}
		s.closing = true
		c := websocket.CloseNormalClosure
		if code != nil && !sobek.IsUndefined(code) {
			c = int(code.ToInteger())
		}
		msg := websocket.FormatCloseMessage(c, "")
		if err := s.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second)); err != nil {
			_ = s.conn.Close()
			return
		}
		emit(s.m.m.msgsSent, 1) // k6 counts the close frame as a message sent
	})
	return obj
}
