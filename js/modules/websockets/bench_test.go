package websockets_test

import (
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/sirupsen/logrus"

	"github.com/minik6/minik6/minik6test"
	"github.com/minik6/minik6/testrun"
)

// benchVUs is how many VUs (or goroutines) the benchmarks run.
const benchVUs = 50

// perVU splits b.N messages among the VUs.
func perVU(b *testing.B) int { return max(1, (b.N+benchVUs-1)/benchVUs) }

// benchRun runs src through a real test run (samples go to the metrics
// engine), timing the run only, and reports the messages a second.
func benchRun(b *testing.B, src string) {
	b.Helper()
	logger := logrus.New()
	logger.SetOutput(io.Discard)
	test, err := minik6test.LoadScript(src, logger, logger, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	_, res := minik6test.RunTest(b, test, testrun.Config{Logger: logger})
	b.StopTimer()
	if res.Err != nil {
		b.Fatal(res.Err)
	}
	b.ReportMetric(float64(perVU(b)*benchVUs)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkEchoEvery10ms is 50 VUs, each with a socket to an echo server on
// 127.0.0.1 that it sends a message on every 10 ms (a timer), b.N messages
// in all, answered; the rate is bound to 5,000 messages a second, and what
// counts is the cost of each (allocs/op, and the CPU time of the process).
func BenchmarkEchoEvery10ms(b *testing.B) {
	srv := newServer(b, nil)
	benchRun(b, fmt.Sprintf(`import { WebSocket } from 'k6/websockets';
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: %d, iterations: 1, maxDuration: '1h' } } };
export default function () {
	const ws = new WebSocket('%s/echo');
	let sent = 0, got = 0, timer;
	ws.onopen = () => {
		timer = setInterval(() => { ws.send('hello, echo'); if (++sent === %[3]d) clearInterval(timer); }, 10);
	};
	ws.onmessage = () => { if (++got === %[3]d) ws.close(); };
}`, benchVUs, srv.URL, perVU(b)))
}

// BenchmarkEchoPingPong is 50 VUs, each sending its next message as soon as
// the echo of the last one arrives: the most messages minik6 can move.
func BenchmarkEchoPingPong(b *testing.B) {
	srv := newServer(b, nil)
	benchRun(b, fmt.Sprintf(`import { WebSocket } from 'k6/websockets';
export const options = { scenarios: { s: { executor: 'per-vu-iterations', vus: %d, iterations: 1, maxDuration: '1h' } } };
export default function () {
	const ws = new WebSocket('%s/echo');
	let got = 0;
	ws.onopen = () => ws.send('hello, echo');
	ws.onmessage = () => { if (++got === %d) { ws.close(); } else { ws.send('hello, echo'); } };
}`, benchVUs, srv.URL, perVU(b)))
}

// baseline runs 50 goroutines of a bare gorilla/websocket client, each on
// its own connection, sending b.N messages in all: every 10 ms, or (every
// 0) as soon as the last echo arrived.
func baseline(b *testing.B, every time.Duration) {
	srv := newServer(b, nil)
	n := perVU(b)
	conns := make([]*websocket.Conn, benchVUs)
	for i := range conns {
		c, resp, err := websocket.DefaultDialer.Dial(srv.URL+"/echo", http.Header{})
		if err != nil {
			b.Fatal(err)
		}
		_ = resp.Body.Close()
		defer c.Close()
		conns[i] = c
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			msg := []byte("hello, echo")
			if every == 0 {
				for range n {
					if c.WriteMessage(websocket.TextMessage, msg) != nil {
						b.Error("write")
						return
					}
					if _, _, err := c.ReadMessage(); err != nil {
						b.Error(err)
						return
					}
				}
				return
			}
			done := make(chan struct{})
			go func() {
				defer close(done)
				for range n {
					if _, _, err := c.ReadMessage(); err != nil {
						b.Error(err)
						return
					}
				}
			}()
			tick := time.NewTicker(every)
			defer tick.Stop()
			for range n {
				<-tick.C
				if c.WriteMessage(websocket.TextMessage, msg) != nil {
					b.Error("write")
					return
				}
			}
			<-done
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(n*benchVUs)/time.Since(start).Seconds(), "msgs/s")
}

// BenchmarkBaselineEvery10ms is BenchmarkEchoEvery10ms's work from Go.
func BenchmarkBaselineEvery10ms(b *testing.B) { baseline(b, 10*time.Millisecond) }

// BenchmarkBaselinePingPong is BenchmarkEchoPingPong's work from Go.
func BenchmarkBaselinePingPong(b *testing.B) { baseline(b, 0) }
