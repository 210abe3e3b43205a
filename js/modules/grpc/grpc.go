// Package grpc is the k6/net/grpc module: a Client that loads service
// definitions (.proto files through bufbuild/protocompile, protosets, or the
// server's reflection), connects (plaintext or TLS) and invokes unary methods
// (invoke, asyncInvoke) and checks health (healthCheck); a Stream for client,
// server and bidirectional streaming; the grpc.Status* and grpc.HealthCheck*
// constants; k6's grpc_req_duration and grpc_streams* metrics. Built on google.golang.org/grpc, with messages as
// dynamicpb values that convert to and from JavaScript by the Protobuf JSON
// mapping, as in k6 (message.go).
//
// A client keeps one connection, reused by every call until close() or the
// VU's end. Its bytes count toward the VU's data_sent and data_received.
package grpc

import (
	"sync/atomic"

	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
)

func init() {
	modules.Register("k6/net/grpc", modules.ModuleFunc(New))
}

// Module is one VU's k6/net/grpc.
type Module struct {
	vu modules.VU
	rt *sobek.Runtime
	m  *grpcMetrics

	// clientKey marks a Client object with its Go side, for Stream to find.
	clientKey *sobek.Symbol
	// connected are the clients with an open connection, closed with the VU.
	connected map[*client]struct{}

	// sent and received count the bytes of the VU's connections; they are
	// written from gRPC's goroutines and moved into the VU's data_sent and
	// data_received on its own goroutine.
	sent, received atomic.Int64

	stringify, parse sobek.Callable // JSON's, made on first use
}

// New makes the module's instance for vu.
func New(vu modules.VU) modules.Instance {
	return &Module{
		vu:        vu,
		rt:        vu.Runtime(),
		m:         newMetrics(vu.InitEnv().Registry),
		clientKey: sobek.NewSymbol("grpc.Client"),
		connected: map[*client]struct{}{},
	}
}

// Exports are Client, Stream, the status codes and the health statuses.
func (m *Module) Exports() modules.Exports {
	named := map[string]any{
		"Client": m.function("Client", m.newClient),
		"Stream": m.function("Stream", m.newStream),
	}
	for name, code := range statusCodes {
		named[name] = int(code)
	}
	for name, st := range healthStatuses {
		named[name] = int(st)
	}
	return modules.Exports{Named: named}
}

// Close closes the connections still open when the VU ends.
func (m *Module) Close() error {
	for c := range m.connected {
		c.disconnect()
	}
	return nil
}

// function is fn as a JavaScript function called name, the name the
// script's stack traces show for it.
func (m *Module) function(name string, fn any) *sobek.Object {
	f := m.rt.ToValue(fn).(*sobek.Object)
	_ = f.DefineDataProperty("name", m.rt.ToValue(name), sobek.FLAG_FALSE, sobek.FLAG_TRUE, sobek.FLAG_FALSE)
	return f
}

// methods defines fns as the methods of obj.
func (m *Module) methods(obj *sobek.Object, fns map[string]any) {
	for name, fn := range fns {
		_ = obj.DefineDataProperty(name, m.function(name, fn), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	}
}

// throw throws err as a JavaScript error.
func (m *Module) throw(err error) {
	panic(m.rt.NewGoError(err))
}
