package minik6test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gorilla/websocket"
)

// WebSocketServer is a WebSocket server on 127.0.0.1 for one test. The path
// says what it does with a connection: "/echo" (and any other) echoes every
// message, "/close/CODE" closes with CODE and reason "bye", "/ping" pings
// first and then echoes, "/silent" reads and never answers, "/refuse" answers
// the handshake with 403. It offers the subprotocols "chat" and "superchat"
// and permessage-deflate.
type WebSocketServer struct {
	// URL is ws://127.0.0.1:port (wss:// for a TLS server).
	URL string

	open     atomic.Int64
	mu       sync.Mutex
	requests []*http.Request
}

// NewWebSocketServer starts a server, stopped when the test ends; respHeader
// are extra headers of the handshake's response (nil for none).
func NewWebSocketServer(t testing.TB, respHeader http.Header) *WebSocketServer {
	t.Helper()
	s := &WebSocketServer{}
	srv := httptest.NewServer(s.handler(respHeader))
	t.Cleanup(srv.Close)
	s.URL = "ws" + strings.TrimPrefix(srv.URL, "http")
	return s
}

// NewWebSocketTLSServer is NewWebSocketServer over TLS (wss://), with
// httptest's certificate.
func NewWebSocketTLSServer(t testing.TB) *WebSocketServer {
	t.Helper()
	s := &WebSocketServer{}
	srv := httptest.NewTLSServer(s.handler(nil))
	t.Cleanup(srv.Close)
	s.URL = "wss" + strings.TrimPrefix(srv.URL, "https")
	return s
}

// Open is how many connections are open now.
func (s *WebSocketServer) Open() int64 { return s.open.Load() }

// Handshakes returns the requests of the handshakes so far.
func (s *WebSocketServer) Handshakes() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.requests...)
}

func (s *WebSocketServer) handler(respHeader http.Header) http.Handler {
	up := websocket.Upgrader{EnableCompression: true, Subprotocols: []string{"chat", "superchat"}}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r)
		s.mu.Unlock()
		if r.URL.Path == "/refuse" {
			http.Error(w, "no sockets here", http.StatusForbidden)
			return
		}
		c, err := up.Upgrade(w, r, respHeader)
		if err != nil {
			return
		}
		s.open.Add(1)
		defer s.open.Add(-1)
		defer c.Close()
		var code int
		if _, err := fmt.Sscanf(r.URL.Path, "/close/%d", &code); err == nil {
			_ = c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(code, "bye"))
			_, _, _ = c.ReadMessage()
			return
		}
		if r.URL.Path == "/ping" {
			_ = c.WriteMessage(websocket.PingMessage, []byte("hi"))
		}
		for {
			kind, data, err := c.ReadMessage()
			if err != nil {
				return
			}
			if r.URL.Path == "/silent" {
				continue
			}
			if err := c.WriteMessage(kind, data); err != nil {
				return
			}
		}
	})
}
