package grpc_test

import (
	"context"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bufbuild/protocompile"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"
	rpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	v1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

// feature is a named point of the route guide's map.
type feature struct {
	name     string
	lat, lng int32
}

// features are some of the places of gRPC's route guide example.
var features = []feature{
	{"Patriots Path, Mendham, NJ 07945, USA", 407838351, -746143763},
	{"101 New Jersey 10, Whippany, NJ 07981, USA", 408122808, -743999179},
	{"U.S. 6, Shohola, PA 18458, USA", 413628156, -749015468},
	{"3 Hasta Way, Newton, NJ 07860, USA", 410248224, -747127767},
}

// routeGuide serves testdata/route_guide.proto on 127.0.0.1 with dynamic
// messages. A point of negative latitude has no feature: GetFeature answers
// NOT_FOUND. A RouteNote whose message is "hang" gets no answer, ever.
type routeGuide struct {
	files                               *protoregistry.Files
	point, rect, feature, note, summary protoreflect.MessageDescriptor

	open     atomic.Int64 // connections open, server side
	mu       sync.Mutex
	canceled int         // streams that ended by the client's cancellation
	lastMD   metadata.MD // the metadata of the last GetFeature with x-my-header
}

// loadRouteGuide compiles the test's proto file.
func loadRouteGuide(t testing.TB) *routeGuide {
	t.Helper()
	c := protocompile.Compiler{Resolver: &protocompile.SourceResolver{ImportPaths: []string{"testdata"}}}
	linked, err := c.Compile(context.Background(), "route_guide.proto")
	require.NoError(t, err)
	// protobuf-go's own descriptors, as the module's.
	fd, err := protodesc.NewFile(protodesc.ToFileDescriptorProto(linked[0]), nil)
	require.NoError(t, err)
	files := new(protoregistry.Files)
	require.NoError(t, files.RegisterFile(fd))
	msgs := fd.Messages()
	return &routeGuide{
		files:   files,
		point:   msgs.ByName("Point"),
		rect:    msgs.ByName("Rectangle"),
		feature: msgs.ByName("Feature"),
		note:    msgs.ByName("RouteNote"),
		summary: msgs.ByName("RouteSummary"),
	}
}

// start serves the route guide (and reflection) on 127.0.0.1 until the test
// ends, and returns the address.
func (rg *routeGuide) start(t testing.TB, opts ...grpc.ServerOption) string {
	t.Helper()
	return rg.serve(t, func(s *grpc.Server) {
		rpb.RegisterServerReflectionServer(s, reflection.NewServerV1(reflection.ServerOptions{
			Services: s, DescriptorResolver: bothFiles{rg.files},
		}))
	}, opts...)
}

// startOldReflection is start with only the v1alpha reflection service, as
// older servers have.
func (rg *routeGuide) startOldReflection(t testing.TB) string {
	t.Helper()
	return rg.serve(t, func(s *grpc.Server) {
		v1alpha.RegisterServerReflectionServer(s, reflection.NewServer(reflection.ServerOptions{
			Services: s, DescriptorResolver: bothFiles{rg.files},
		}))
	})
}

func (rg *routeGuide) serve(t testing.TB, reflect func(*grpc.Server), opts ...grpc.ServerOption) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := grpc.NewServer(opts...)
	s.RegisterService(rg.serviceDesc(), rg)
	reflect(s)
	go func() { _ = s.Serve(countingListener{lis, &rg.open}) }()
	t.Cleanup(s.Stop)
	return lis.Addr().String()
}

// countingListener counts the connections open on the server's side.
type countingListener struct {
	net.Listener
	open *atomic.Int64
}

func (l countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.open.Add(1)
	return &countedConn{Conn: c, open: l.open}, nil
}

type countedConn struct {
	net.Conn
	open *atomic.Int64
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.open.Add(-1) })
	return c.Conn.Close()
}

// bothFiles finds files among the test's, then the program's (reflection's
// own service).
type bothFiles struct{ local *protoregistry.Files }

func (b bothFiles) FindFileByPath(p string) (protoreflect.FileDescriptor, error) {
	if fd, err := b.local.FindFileByPath(p); err == nil {
		return fd, nil
	}
	return protoregistry.GlobalFiles.FindFileByPath(p)
}

func (b bothFiles) FindDescriptorByName(n protoreflect.FullName) (protoreflect.Descriptor, error) {
	if d, err := b.local.FindDescriptorByName(n); err == nil {
		return d, nil
	}
	return protoregistry.GlobalFiles.FindDescriptorByName(n)
}

func (rg *routeGuide) serviceDesc() *grpc.ServiceDesc {
	return &grpc.ServiceDesc{
		ServiceName: "main.RouteGuide",
		HandlerType: (*any)(nil),
		Methods: []grpc.MethodDesc{{
			MethodName: "GetFeature",
			Handler: func(_ any, ctx context.Context, dec func(any) error, _ grpc.UnaryServerInterceptor) (any, error) {
				in := dynamicpb.NewMessage(rg.point)
				if err := dec(in); err != nil {
					return nil, err
				}
				return rg.getFeature(ctx, in)
			},
		}},
		Streams: []grpc.StreamDesc{
			{StreamName: "ListFeatures", ServerStreams: true, Handler: func(_ any, s grpc.ServerStream) error { return rg.listFeatures(s) }},
			{StreamName: "RecordRoute", ClientStreams: true, Handler: func(_ any, s grpc.ServerStream) error { return rg.recordRoute(s) }},
			{StreamName: "RouteChat", ServerStreams: true, ClientStreams: true, Handler: func(_ any, s grpc.ServerStream) error { return rg.routeChat(s) }},
		},
	}
}

func field(m protoreflect.Message, name string) protoreflect.FieldDescriptor {
	return m.Descriptor().Fields().ByName(protoreflect.Name(name))
}

func (rg *routeGuide) latLng(p protoreflect.Message) (int32, int32) {
	return int32(p.Get(field(p, "latitude")).Int()), int32(p.Get(field(p, "longitude")).Int())
}

func (rg *routeGuide) newPoint(lat, lng int32) *dynamicpb.Message {
	p := dynamicpb.NewMessage(rg.point)
	p.Set(field(p, "latitude"), protoreflect.ValueOfInt32(lat))
	p.Set(field(p, "longitude"), protoreflect.ValueOfInt32(lng))
	return p
}

func (rg *routeGuide) newFeature(name string, lat, lng int32) *dynamicpb.Message {
	f := dynamicpb.NewMessage(rg.feature)
	f.Set(field(f, "name"), protoreflect.ValueOfString(name))
	f.Set(field(f, "location"), protoreflect.ValueOfMessage(rg.newPoint(lat, lng)))
	return f
}

func lookupFeature(lat, lng int32) string {
	for _, f := range features {
		if f.lat == lat && f.lng == lng {
			return f.name
		}
	}
	return ""
}

// getFeature echoes the x-my-header metadata as the x-echo header and sets a
// trailer.
func (rg *routeGuide) getFeature(ctx context.Context, in *dynamicpb.Message) (any, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get("x-my-header"); len(v) > 0 {
		rg.mu.Lock()
		rg.lastMD = md
		rg.mu.Unlock()
		_ = grpc.SetHeader(ctx, metadata.Pairs("x-echo", v[0]))
	}
	_ = grpc.SetTrailer(ctx, metadata.Pairs("x-trailer", "done"))
	lat, lng := rg.latLng(in)
	if lat < 0 {
		return nil, status.Error(codes.NotFound, "no feature south of the equator")
	}
	return rg.newFeature(lookupFeature(lat, lng), lat, lng), nil
}

func (rg *routeGuide) listFeatures(s grpc.ServerStream) error {
	rect := dynamicpb.NewMessage(rg.rect)
	if err := s.RecvMsg(rect); err != nil {
		return err
	}
	lo := rect.Get(field(rect, "lo")).Message()
	hi := rect.Get(field(rect, "hi")).Message()
	loLat, loLng := rg.latLng(lo)
	hiLat, hiLng := rg.latLng(hi)
	for _, f := range features {
		if f.lat >= min(loLat, hiLat) && f.lat <= max(loLat, hiLat) && f.lng >= min(loLng, hiLng) && f.lng <= max(loLng, hiLng) {
			if err := s.SendMsg(rg.newFeature(f.name, f.lat, f.lng)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (rg *routeGuide) recordRoute(s grpc.ServerStream) error {
	var points, found int32
	start := time.Now()
	for {
		p := dynamicpb.NewMessage(rg.point)
		err := s.RecvMsg(p)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		points++
		if lookupFeature(rg.latLng(p)) != "" {
			found++
		}
	}
	sum := dynamicpb.NewMessage(rg.summary)
	sum.Set(field(sum, "point_count"), protoreflect.ValueOfInt32(points))
	sum.Set(field(sum, "feature_count"), protoreflect.ValueOfInt32(found))
	sum.Set(field(sum, "elapsed_time"), protoreflect.ValueOfInt32(int32(time.Since(start)/time.Second)))
	return s.SendMsg(sum)
}

// routeChat answers each note with "echo: " and its message; "hang" stops it
// answering until the client goes away.
func (rg *routeGuide) routeChat(s grpc.ServerStream) error {
	for {
		in := dynamicpb.NewMessage(rg.note)
		err := s.RecvMsg(in)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		msg := in.Get(field(in, "message")).String()
		if msg == "hang" {
			<-s.Context().Done()
			if errors.Is(s.Context().Err(), context.Canceled) {
				rg.mu.Lock()
				rg.canceled++
				rg.mu.Unlock()
			}
			return s.Context().Err()
		}
		out := proto.Clone(in).(*dynamicpb.Message)
		out.Set(field(out, "message"), protoreflect.ValueOfString("echo: "+msg))
		if err := s.SendMsg(out); err != nil {
			return err
		}
	}
}

// protoset is the route guide as a protoset file (a FileDescriptorSet).
func protoset(t testing.TB, rg *routeGuide) string {
	t.Helper()
	fd, err := rg.files.FindFileByPath("route_guide.proto")
	require.NoError(t, err)
	data, err := proto.Marshal(&descriptorpb.FileDescriptorSet{File: []*descriptorpb.FileDescriptorProto{protodesc.ToFileDescriptorProto(fd)}})
	require.NoError(t, err)
	return string(data)
}
