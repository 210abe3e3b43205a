package grpc

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/grafana/sobek"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// client is the Go side of a grpc.Client: its loaded definitions and its
// connection. It is used on the VU's goroutine only.
type client struct {
	m       *Module
	methods map[string]*method // by path, with and without the leading slash
	types   *protoregistry.Types
	conn    *grpc.ClientConn
	addr    string
	tags    tagCache

	toProto   protojson.UnmarshalOptions
	fromProto protojson.MarshalOptions
}

// newClient is the grpc.Client constructor.
func (m *Module) newClient(sobek.ConstructorCall) *sobek.Object {
	c := &client{m: m, methods: map[string]*method{}, types: new(protoregistry.Types)}
	res := typeResolver{c.types}
	c.toProto = protojson.UnmarshalOptions{Resolver: res}
	c.fromProto = protojson.MarshalOptions{Resolver: res, EmitUnpopulated: true}
	obj := m.rt.NewObject()
	m.methods(obj, map[string]any{
		"load":         c.load,
		"loadProtoset": c.loadProtoset,
		"connect":      c.connect,
		"invoke":       c.invoke,
		"asyncInvoke":  c.asyncInvoke,
		"healthCheck":  c.healthCheck,
		"close":        c.close,
	})
	_ = obj.DefineDataPropertySymbol(m.clientKey, m.rt.ToValue(c), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_FALSE)
	return obj
}

// clientOf is the Go side of a grpc.Client object, nil for anything else.
func (m *Module) clientOf(v sobek.Value) *client {
	obj, ok := v.(*sobek.Object)
	if !ok {
		return nil
	}
	v = obj.GetSymbol(m.clientKey)
	if v == nil {
		return nil
	}
	c, _ := v.Export().(*client)
	return c
}

// connect is Client.connect(address, params): a blocking dial, then the
// definitions by reflection when asked.
func (c *client) connect(addr string, params sobek.Value) bool {
	m := c.m
	st := m.vu.State()
	if st == nil {
		m.throw(errors.New("connecting to a gRPC server in the init context is not supported"))
	}
	p, err := m.parseConnectParams(params)
	if err != nil {
		m.throw(fmt.Errorf("invalid grpc.connect() parameters: %w", err))
	}
	d := &dialer{opts: st.Options, sent: &m.sent, received: &m.received}
	opts := []grpc.DialOption{grpc.WithContextDialer(d.dial)}
	if p.plaintext {
		opts = append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	} else {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			host = addr
		}
		conf, err := tlsConfig(st.Options, host, p.tls)
		if err != nil {
			m.throw(err)
		}
		opts = append(opts, grpc.WithTransportCredentials(finalTLS{credentials.NewTLS(conf)}))
	}
	if p.authority != "" {
		opts = append(opts, grpc.WithAuthority(p.authority))
	}
	if ua := st.Options.UserAgent; ua.Valid {
		opts = append(opts, grpc.WithUserAgent(ua.String))
	}
	if p.maxReceiveSize > 0 {
		opts = append(opts, grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(int(p.maxReceiveSize))))
	}
	if p.maxSendSize > 0 {
		opts = append(opts, grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(int(p.maxSendSize))))
	}
	ctx, cancel := context.WithTimeout(m.vu.Context(), p.timeout)
	defer cancel()
	c.disconnect()
	conn, err := blockingDial(ctx, addr, opts)
	m.countData(st)
	if err != nil {
		m.throw(err)
	}
	c.conn, c.addr = conn, addr
	m.connected[c] = struct{}{}
	if p.reflect {
		set, err := c.reflect(metadata.NewOutgoingContext(ctx, p.reflectMD))
		m.countData(st)
		if err != nil {
			m.throw(err)
		}
		if _, err := c.registerSet(set); err != nil {
			m.throw(fmt.Errorf("can't convert method info: %w", err))
		}
	}
	return true
}

// blockingDial connects as k6's connect does: it returns once the connection
// is up, or at once with the reason when it can't be. Only DialContext does
// that (NewClient connects lazily), with options grpc-go keeps throughout 1.x.
func blockingDial(ctx context.Context, addr string, opts []grpc.DialOption) (*grpc.ClientConn, error) {
	opts = append(opts,
		//lint:ignore SA1019 the blocking dial (see above)
		grpc.WithBlock(),
		//lint:ignore SA1019 a refused connection fails at once
		grpc.FailOnNonTempDialError(true),
		//lint:ignore SA1019 the error says why, not just "context deadline exceeded"
		grpc.WithReturnConnectionError(),
	)
	//lint:ignore SA1019 the blocking dial (see above)
	return grpc.DialContext(ctx, addr, opts...)
}

// close is Client.close().
func (c *client) close() {
	c.disconnect()
	if st := c.m.vu.State(); st != nil {
		c.m.countData(st)
	}
}

// disconnect closes the connection, if any.
func (c *client) disconnect() {
	if c.conn == nil {
		return
	}
	_ = c.conn.Close()
	c.conn = nil
	delete(c.m.connected, c)
}

// lookup returns the loaded method called name ("package.Service/Method",
// with or without a leading slash).
func (c *client) lookup(name string) (*method, error) {
	if name == "" {
		return nil, errors.New("method to invoke cannot be empty")
	}
	mt := c.methods[name]
	if mt == nil {
		if name[0] != '/' {
			name = "/" + name
		}
		return nil, fmt.Errorf("method %q not found in file descriptors", name)
	}
	return mt, nil
}

// typeResolver finds message types and extensions among a client's, then
// among those linked into the program (google.rpc's error details…).
type typeResolver struct {
	local *protoregistry.Types
}

func (r typeResolver) FindMessageByName(name protoreflect.FullName) (protoreflect.MessageType, error) {
	if t, err := r.local.FindMessageByName(name); err == nil {
		return t, nil
	}
	return protoregistry.GlobalTypes.FindMessageByName(name)
}

func (r typeResolver) FindMessageByURL(url string) (protoreflect.MessageType, error) {
	if t, err := r.local.FindMessageByURL(url); err == nil {
		return t, nil
	}
	return protoregistry.GlobalTypes.FindMessageByURL(url)
}

func (r typeResolver) FindExtensionByName(name protoreflect.FullName) (protoreflect.ExtensionType, error) {
	if t, err := r.local.FindExtensionByName(name); err == nil {
		return t, nil
	}
	return protoregistry.GlobalTypes.FindExtensionByName(name)
}

func (r typeResolver) FindExtensionByNumber(message protoreflect.FullName, field protoreflect.FieldNumber) (protoreflect.ExtensionType, error) {
	if t, err := r.local.FindExtensionByNumber(message, field); err == nil {
		return t, nil
	}
	return protoregistry.GlobalTypes.FindExtensionByNumber(message, field)
}
