package grpc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/grafana/sobek"
	"github.com/sirupsen/logrus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/minik6/minik6/metrics"
)

// The events of a stream, in its handler lists.
const (
	eventData = iota
	eventError
	eventEnd
)

var streamEvents = map[string]int{"data": eventData, "error": eventError, "end": eventEnd}

// stream is the Go side of a grpc.Stream: a client, server or bidirectional
// streaming call. It keeps the iteration going while it is open: it always
// holds one slot of the VU's event loop, which the reading goroutine uses to
// hand the next message (or the end) to the VU's goroutine; the handling of a
// message reserves the next slot, the end reserves none.
type stream struct {
	m        *Module
	c        *client
	method   *method
	cs       grpc.ClientStream
	vuCtx    context.Context
	cancel   context.CancelFunc
	handlers [3][]sobek.Callable
	next     chan func(func() error) // the slot for the reader's next event
	logger   logrus.FieldLogger
	key      tagKey
	user     []metrics.Tag
	tags     *metrics.TagSet // without status, for grpc_streams*
	start    time.Time
	discard  bool
	ended    bool  // end() was called: no more writes
	done     bool  // the stream is over
	failure  error // why the stream was given up, when the client did
}

// newStream is the grpc.Stream constructor: new Stream(client, method, params).
func (m *Module) newStream(call sobek.ConstructorCall) *sobek.Object {
	c, err := m.streamClient(call.Argument(0))
	if err != nil {
		m.throw(fmt.Errorf("invalid GRPC Stream's client: %w", err))
	}
	mt, err := c.lookup(call.Argument(1).String())
	if err != nil {
		m.throw(fmt.Errorf("invalid GRPC Stream's method: %w", err))
	}
	var p callParams
	if err := m.parseCallParams(call.Argument(2), &p); err != nil {
		m.throw(fmt.Errorf("invalid GRPC Stream's parameters: %w", err))
	}
	st := m.vu.State()
	s := &stream{m: m, c: c, method: mt, vuCtx: m.vu.Context(), user: p.tags, discard: p.discard,
		next: make(chan func(func() error), 1), logger: st.Logger.WithField("streamMethod", mt.path)}
	// The stream ends with the VU's context, whose deadline (the scenario's
	// hard stop) is not the server's business: only the timeout param is.
	ctx, cancel := context.WithCancel(context.WithoutCancel(s.vuCtx))
	if p.timeout > 0 {
		ctx, cancel = context.WithTimeout(context.WithoutCancel(s.vuCtx), p.timeout)
	}
	stop := context.AfterFunc(s.vuCtx, cancel)
	s.cancel = func() { stop(); cancel() }
	if len(p.md) > 0 {
		ctx = metadata.NewOutgoingContext(ctx, p.md)
	}
	var opts []grpc.CallOption
	if p.authority != "" {
		opts = append(opts, grpc.CallAuthority(p.authority))
	}
	if p.discard {
		opts = append(opts, grpc.ForceCodecV2(discardCodec{}))
	}
	s.start = time.Now()
	cs, err := c.conn.NewStream(ctx, mt.stream, mt.path, opts...)
	if err != nil {
		s.cancel()
		m.throw(fmt.Errorf("failed to create a new stream: %w", err))
	}
	s.cs = cs
	s.key = tagKey{base: st.Tags.TagSet(), addr: c.addr, method: mt}
	if pr, ok := peer.FromContext(cs.Context()); ok && wantsIP(st) && pr.Addr != nil {
		s.key.ip, _, _ = net.SplitHostPort(pr.Addr.String())
	}
	s.tags = newTagSet(st, s.key, s.user)
	emit(st, m.m.streams, s.tags, s.start, 1)

	obj := m.rt.NewObject()
	m.methods(obj, map[string]any{"on": s.on, "write": s.write, "end": s.end})
	s.next <- m.vu.RegisterCallback()
	go s.read()
	return obj
}

// streamClient is the connected client a Stream is made with.
func (m *Module) streamClient(v sobek.Value) (*client, error) {
	if nullish(v) {
		return nil, errors.New("empty gRPC client")
	}
	c := m.clientOf(v)
	if c == nil {
		return nil, errors.New("not a gRPC client")
	}
	if c.conn == nil || m.vu.State() == nil {
		return nil, errors.New("no gRPC connection, you must call connect first")
	}
	return c, nil
}

// read hands every message, then the end, to the VU's goroutine.
func (s *stream) read() {
	for {
		var msg proto.Message
		var into any = discarded{}
		if !s.discard {
			msg = s.method.out.New().Interface()
			into = msg
		}
		err := s.cs.RecvMsg(into)
		at := time.Now()
		if s.vuCtx.Err() != nil {
			return // a hard stop: the event loop abandons the stream's slot
		}
		var enqueue func(func() error)
		select {
		case enqueue = <-s.next:
		case <-s.vuCtx.Done():
			return
		}
		if err != nil {
			enqueue(func() error { return s.finish(err) })
			return
		}
		enqueue(func() error { return s.deliver(msg, at) })
	}
}

// deliver calls the data handlers with a message (nil when discarded) and
// its metadata.
func (s *stream) deliver(msg proto.Message, at time.Time) error {
	m := s.m
	st := m.vu.State()
	m.countData(st)
	emit(st, m.m.msgsReceived, s.tags, at, 1)
	value := sobek.Null()
	if msg != nil {
		v, err := s.c.fromMessage(msg.ProtoReflect())
		if err != nil {
			s.failure = fmt.Errorf("failed to marshal the message: %w", err)
			s.cancel()
		} else {
			value = v
		}
	}
	s.next <- m.vu.RegisterCallback()
	if s.failure != nil {
		return nil // the reader sees the stream canceled, and finish tells why
	}
	md := m.rt.NewObject()
	_ = md.Set("ts", at.UnixMilli())
	for _, h := range s.handlers[eventData] {
		if _, err := h(sobek.Undefined(), value, md); err != nil {
			s.cancel()
			return err
		}
	}
	return nil
}

// finish ends the stream: its grpc_req_duration, then the error handlers
// (unless the server ended it cleanly), then the end handlers; after a hard
// stop, nothing.
func (s *stream) finish(err error) error {
	if s.done {
		return nil
	}
	s.done = true
	s.cancel()
	if s.vuCtx.Err() != nil {
		return nil
	}
	m := s.m
	st := m.vu.State()
	m.countData(st)
	if s.failure != nil {
		err = s.failure
	}
	clean := errors.Is(err, io.EOF)
	k := s.key
	k.withStatus = true
	if !clean {
		k.status = status.Code(err)
	}
	emit(st, m.m.reqDuration, newTagSet(st, k, s.user), time.Now(), ms(time.Since(s.start)))
	if !clean {
		if len(s.handlers[eventError]) == 0 {
			s.logger.Warnf("no handlers for error registered, but an error happened: %s", err)
		}
		for _, h := range s.handlers[eventError] {
			if _, err := h(sobek.Undefined(), s.errorObject(err)); err != nil {
				return err
			}
		}
	}
	for _, h := range s.handlers[eventEnd] {
		if _, err := h(sobek.Undefined(), m.rt.NewObject()); err != nil {
			return err
		}
	}
	return nil
}

// errorObject is k6's stream error: {code, details, message}; the message
// is the error's own when the status has none.
func (s *stream) errorObject(err error) sobek.Value {
	v := s.m.statusObject(s.c, err)
	if obj, ok := v.(*sobek.Object); ok && obj.Get("message").String() == "" {
		_ = obj.Set("message", err.Error())
	}
	if _, ok := status.FromError(err); !ok {
		if obj, ok := v.(*sobek.Object); ok {
			_ = obj.Set("code", int(codes.Unknown))
		}
	}
	return v
}

// on is Stream.on(event, handler), for the data, error and end events.
func (s *stream) on(event string, handler sobek.Value) {
	fn, ok := sobek.AssertFunction(handler)
	if !ok {
		s.m.throw(fmt.Errorf("handler for %q event isn't a callable function", event))
	}
	i, known := streamEvents[event]
	if !known {
		s.logger.Warnf("can't register %s event handler: unknown GRPC stream's event type: %s", event, event)
		return
	}
	s.handlers[i] = append(s.handlers[i], fn)
}

// write is Stream.write(message): it sends one message (after end(), or once
// the stream is over, it sends nothing).
func (s *stream) write(v sobek.Value) {
	if s.ended || s.done {
		return
	}
	if nullish(v) {
		s.logger.Warn("can't send empty message")
		return
	}
	msg, err := s.c.toMessage(s.method, v)
	if err != nil {
		s.failure = fmt.Errorf("can't serialise request object to protocol buffer: %w", err)
		s.cancel()
		return
	}
	if err := s.cs.SendMsg(msg); err != nil {
		return // the stream is over: the reader tells how
	}
	st := s.m.vu.State()
	s.m.countData(st)
	emit(st, s.m.m.msgsSent, s.tags, time.Now(), 1)
}

// end is Stream.end(): the client has finished sending.
func (s *stream) end() {
	if s.ended || s.done {
		return
	}
	s.ended = true
	if err := s.cs.CloseSend(); err != nil {
		s.logger.WithError(err).Error("an error happened during stream closing")
	}
}
