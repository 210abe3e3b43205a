package ws_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/minik6/minik6/minik6test"
)

// run runs src (with $URL replaced by url) through a real test run, keeping
// its console, logs and samples.
func run(t testing.TB, src, url string) *minik6test.Recorded {
	t.Helper()
	return minik6test.RunRecorded(t, strings.ReplaceAll(src, "$URL", url), nil)
}

// newServer is a WebSocket server on 127.0.0.1 (see minik6test.WebSocketServer).
func newServer(t testing.TB, respHeader http.Header) *minik6test.WebSocketServer {
	t.Helper()
	return minik6test.NewWebSocketServer(t, respHeader)
}

// newTLSServer is newServer over TLS.
func newTLSServer(t testing.TB) *minik6test.WebSocketServer {
	t.Helper()
	return minik6test.NewWebSocketTLSServer(t)
}
