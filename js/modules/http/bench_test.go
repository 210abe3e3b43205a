package http_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/minik6/minik6/minik6test"
	"github.com/minik6/minik6/testrun"
)

// BenchmarkRequestLoop is one VU's request loop: b.N GETs of a 12-byte body
// from a keep-alive server on 127.0.0.1, in one iteration, through a real
// test run (samples go to the metrics engine). allocs/op is per request.
func BenchmarkRequestLoop(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "hello world\n")
	}))
	defer srv.Close()
	src := fmt.Sprintf(`import http from 'k6/http';
export const options = { iterations: 1 };
export default function () {
	for (let i = 0; i < %d; i++) {
		const r = http.get('%s/');
		if (r.status !== 200) throw new Error('status ' + r.status);
	}
}`, b.N, srv.URL)
	logger := logrus.New()
	logger.SetOutput(io.Discard)
	test, err := minik6test.LoadScript(src, logger, logger, nil)
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

// BenchmarkRequestPerIteration is one VU doing b.N iterations of one GET, as a
// load test's default function does: allocs/op includes what an iteration
// costs around the request.
func BenchmarkRequestPerIteration(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "hello world\n")
	}))
	defer srv.Close()
	src := fmt.Sprintf(`import http from 'k6/http';
export const options = { iterations: %d };
export default function () { http.get('%s/'); }`, b.N, srv.URL)
	logger := logrus.New()
	logger.SetOutput(io.Discard)
	test, err := minik6test.LoadScript(src, logger, logger, nil)
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

// BenchmarkBaselineGoClient is the floor under BenchmarkRequestLoop: a bare
// net/http client doing the same GETs from Go, against the same kind of server
// in the same process (whose allocations both benchmarks count).
func BenchmarkBaselineGoClient(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "hello world\n")
	}))
	defer srv.Close()
	c := &http.Client{}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp, err := c.Get(srv.URL + "/")
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
}
