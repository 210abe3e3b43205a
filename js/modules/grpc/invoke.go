package grpc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/grafana/sobek"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/minik6/minik6/runner"
)

// unary is one unary call: what invoke prepared, then what the server
// answered.
type unary struct {
	c      *client
	method *method
	conn   *grpc.ClientConn
	addr   string
	ctx    context.Context
	req    proto.Message
	params callParams
	wantIP bool

	resp            proto.Message // nil when discarded
	header, trailer metadata.MD
	peer            peer.Peer
	err             error
	start, end      time.Time
}

// prepare checks a call and converts its request, with k6's messages.
func (c *client) prepare(name, req, params sobek.Value) (*unary, error) {
	m := c.m
	st := m.vu.State()
	if st == nil {
		return nil, errors.New("invoking RPC methods in the init context is not supported")
	}
	if c.conn == nil {
		return nil, errors.New("no gRPC connection, you must call connect first")
	}
	mt, err := c.lookup(name.String())
	if err != nil {
		return nil, err
	}
	u := &unary{c: c, method: mt, conn: c.conn, addr: c.addr, ctx: m.vu.Context(), wantIP: wantsIP(st)}
	if err := m.parseCallParams(params, &u.params); err != nil {
		return nil, fmt.Errorf("invalid GRPC's client.invoke() parameters: %w", err)
	}
	if u.params.timeout == 0 {
		u.params.timeout = defaultInvokeTimeout
	}
	if nullish(req) {
		return nil, errors.New("request cannot be nil")
	}
	if u.req, err = c.toMessage(mt, req); err != nil {
		return nil, fmt.Errorf("unable to serialise request object to protocol buffer: %w", err)
	}
	return u, nil
}

// do makes the call; it blocks, on any goroutine.
func (u *unary) do() {
	ctx, cancel := context.WithTimeout(u.ctx, u.params.timeout)
	defer cancel()
	if len(u.params.md) > 0 {
		ctx = metadata.NewOutgoingContext(ctx, u.params.md)
	}
	opts := make([]grpc.CallOption, 0, 5)
	opts = append(opts, grpc.Header(&u.header), grpc.Trailer(&u.trailer))
	if u.wantIP {
		opts = append(opts, grpc.Peer(&u.peer))
	}
	if u.params.authority != "" {
		opts = append(opts, grpc.CallAuthority(u.params.authority))
	}
	var resp any = discarded{}
	if u.params.discard {
		opts = append(opts, grpc.ForceCodecV2(discardCodec{}))
	} else {
		u.resp = u.method.out.New().Interface()
		resp = u.resp
	}
	u.start = time.Now()
	u.err = u.conn.Invoke(ctx, u.method.path, u.req, resp, opts...)
	u.end = time.Now()
}

// record emits the call's grpc_req_duration (unless the run is stopping) and
// the bytes moved, on the VU's goroutine.
func (u *unary) record(st *runner.VUState) {
	u.c.m.countData(st)
	if u.ctx.Err() != nil {
		return
	}
	k := tagKey{base: st.Tags.TagSet(), addr: u.addr, method: u.method, status: status.Code(u.err), withStatus: true}
	if u.wantIP && u.peer.Addr != nil {
		k.ip, _, _ = net.SplitHostPort(u.peer.Addr.String())
	}
	tags := u.c.tags.tagSet(st, k, u.params.tags)
	emit(st, u.c.m.m.reqDuration, tags, u.end, ms(u.end.Sub(u.start)))
}

// response is k6's Response: status, message, headers, trailers, error.
func (u *unary) response() (*sobek.Object, error) {
	m := u.c.m
	rt := m.rt
	obj := rt.NewObject()
	code := status.Code(u.err)
	_ = obj.Set("status", int(code))
	msg := sobek.Null()
	if u.resp != nil {
		v, err := u.c.fromMessage(u.resp.ProtoReflect())
		if err != nil {
			return nil, fmt.Errorf("unable to convert response object to JSON: %w", err)
		}
		msg = v
	}
	_ = obj.Set("message", msg)
	_ = obj.Set("headers", m.metadataObject(u.header))
	_ = obj.Set("trailers", m.metadataObject(u.trailer))
	errValue := sobek.Null()
	if code != codes.OK {
		errValue = m.statusObject(u.c, u.err)
	}
	_ = obj.Set("error", errValue)
	return obj, nil
}

// invoke is Client.invoke(method, request, params): a unary call that returns
// the Response.
func (c *client) invoke(call sobek.FunctionCall) sobek.Value {
	u, err := c.prepare(call.Argument(0), call.Argument(1), call.Argument(2))
	if err != nil {
		c.m.throw(err)
	}
	u.do()
	u.record(c.m.vu.State())
	res, err := u.response()
	if err != nil {
		c.m.throw(err)
	}
	return res
}

// asyncInvoke is Client.asyncInvoke(method, request, params): invoke off the
// VU's goroutine, with a promise of the Response.
func (c *client) asyncInvoke(call sobek.FunctionCall) sobek.Value {
	m := c.m
	rt := m.rt
	p, resolve, reject := rt.NewPromise()
	u, err := c.prepare(call.Argument(0), call.Argument(1), call.Argument(2))
	if err != nil {
		_ = reject(rt.NewGoError(err))
		return rt.ToValue(p)
	}
	st := m.vu.State()
	enqueue := m.vu.RegisterCallback()
	go func() {
		u.do()
		enqueue(func() error {
			u.record(st)
			res, err := u.response()
			if err != nil {
				return reject(rt.NewGoError(err))
			}
			return resolve(res)
		})
	}()
	return rt.ToValue(p)
}

// discarded is the response of a call whose message is discarded.
type discarded struct{}

// discardCodec sends messages as protobuf and reads none
// (discardResponseMessage).
type discardCodec struct{}

func (discardCodec) Marshal(v any) (mem.BufferSlice, error) {
	return encoding.GetCodecV2("proto").Marshal(v)
}

func (discardCodec) Unmarshal(mem.BufferSlice, any) error { return nil }

func (discardCodec) Name() string { return "proto" }
