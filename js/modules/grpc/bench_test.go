package grpc_test

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"

	"github.com/sirupsen/logrus"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/minik6/minik6/minik6test"
	"github.com/minik6/minik6/testrun"
)

// benchRun runs src through a real test run (samples go to the metrics
// engine), timing the run only.
func benchRun(b *testing.B, src string) {
	b.Helper()
	logger := logrus.New()
	logger.SetOutput(io.Discard)
	test, err := minik6test.LoadScript(src, logger, logger, map[string]string{"/test/route_guide.proto": fixture(b)})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	_, res := minik6test.RunTest(b, test, testrun.Config{Logger: logger})
	b.StopTimer()
	if res.Err != nil {
		b.Fatal(res.Err)
	}
}

// BenchmarkInvokeLoop is one VU's loop of b.N unary calls to the route guide
// on 127.0.0.1, in one iteration; allocs/op is per call (the server's
// included).
func BenchmarkInvokeLoop(b *testing.B) {
	addr := loadRouteGuide(b).start(b)
	benchRun(b, fmt.Sprintf(`import grpc from 'k6/net/grpc';
export const options = { iterations: 1 };
const client = new grpc.Client();
client.load([], 'route_guide.proto');
export default function () {
	client.connect('%s', { plaintext: true });
	for (let i = 0; i < %d; i++) {
		const r = client.invoke('main.RouteGuide/GetFeature', { latitude: 407838351, longitude: -746143763 });
		if (r.status !== grpc.StatusOK) throw new Error('status ' + r.status);
	}
}`, addr, b.N))
}

// BenchmarkInvoke50VUs is 50 VUs sharing b.N iterations of one unary call
// each, every VU on its own connection; ns/op is the run's time per call.
func BenchmarkInvoke50VUs(b *testing.B) {
	addr := loadRouteGuide(b).start(b)
	benchRun(b, fmt.Sprintf(`import grpc from 'k6/net/grpc';
export const options = { vus: 50, iterations: %d };
const client = new grpc.Client();
client.load([], 'route_guide.proto');
export default function () {
	if (__ITER == 0) {
		client.connect('%s', { plaintext: true });
	}
	const r = client.invoke('main.RouteGuide/GetFeature', { latitude: 407838351, longitude: -746143763 });
	if (r.status !== grpc.StatusOK) throw new Error('status ' + r.status);
}`, max(b.N, 50), addr))
}

// BenchmarkBaselineGoClient is the floor under the benchmarks above: 50
// goroutines of a bare grpc-go client, each on its own connection, making the
// same calls with the same dynamic messages from Go.
func BenchmarkBaselineGoClient(b *testing.B) {
	rg := loadRouteGuide(b)
	addr := rg.start(b)
	const workers = 50
	conns := make([]*grpc.ClientConn, workers)
	for i := range conns {
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close()
		conns[i] = conn
	}
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	next := make(chan struct{}, workers)
	for _, conn := range conns {
		wg.Go(func() {
			for range next {
				out := dynamicpb.NewMessage(rg.feature)
				if err := conn.Invoke(context.Background(), "/main.RouteGuide/GetFeature", rg.newPoint(407838351, -746143763), out); err != nil {
					b.Error(err)
				}
			}
		})
	}
	for range b.N {
		next <- struct{}{}
	}
	close(next)
	wg.Wait()
}
