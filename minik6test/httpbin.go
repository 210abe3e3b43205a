package minik6test

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mccutchen/go-httpbin/v2/httpbin"
)

// HTTPBin is a local httpbin (github.com/mccutchen/go-httpbin): /get, /post,
// /status/NNN, /redirect/N, /cookies, /basic-auth, /digest-auth, /gzip,
// /brotli, /deflate, /delay, /bytes, /headers, /anything… on 127.0.0.1, for
// tests of k6/http. Extra routes given to NewHTTPBin come first.
type HTTPBin struct {
	srv   *httptest.Server
	conns atomic.Int64
}

func newHTTPBin(routes map[string]http.HandlerFunc) *HTTPBin {
	h := &HTTPBin{srv: httptest.NewUnstartedServer(httpbinHandler(routes))}
	h.srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			h.conns.Add(1)
		}
	}
	return h
}

// Conns is how many connections the server accepted so far.
func (h *HTTPBin) Conns() int64 { return h.conns.Load() }

// NewHTTPBin starts a plain-HTTP httpbin on 127.0.0.1, closed when t ends.
// routes, if given, are served before httpbin's (ServeMux patterns).
func NewHTTPBin(t testing.TB, routes map[string]http.HandlerFunc) *HTTPBin {
	t.Helper()
	h := newHTTPBin(routes)
	h.srv.Start()
	t.Cleanup(h.srv.Close)
	return h
}

// NewHTTPBinTLS starts an HTTPS httpbin on 127.0.0.1 with httptest's
// self-signed certificate (valid for 127.0.0.1 and example.com, trusted by no
// one: scripts need insecureSkipTLSVerify, or must expect error 1310).
// configure, when set, changes the server's TLS config before it starts
// (versions, cipher suites, client certificates).
func NewHTTPBinTLS(t testing.TB, routes map[string]http.HandlerFunc, configure func(*tls.Config)) *HTTPBin {
	t.Helper()
	h := newHTTPBin(routes)
	h.srv.EnableHTTP2 = true
	h.srv.TLS = &tls.Config{MinVersion: tls.VersionTLS10}
	if configure != nil {
		configure(h.srv.TLS)
	}
	h.srv.StartTLS()
	t.Cleanup(h.srv.Close)
	return h
}

func httpbinHandler(routes map[string]http.HandlerFunc) http.Handler {
	bin := httpbin.New(httpbin.WithMaxDuration(10 * time.Second))
	if len(routes) == 0 {
		return bin
	}
	mux := http.NewServeMux()
	for p, f := range routes {
		mux.HandleFunc(p, f)
	}
	mux.Handle("/", bin)
	return mux
}

// URL is the base URL, http(s)://127.0.0.1:PORT, without a trailing slash.
func (h *HTTPBin) URL() string { return h.srv.URL }

// Env points a script's __ENV.BASE_URL at the server.
func (h *HTTPBin) Env() map[string]string { return map[string]string{"BASE_URL": h.srv.URL} }

// CertPEM is the server's certificate in PEM (TLS servers only).
func (h *HTTPBin) CertPEM() string {
	if h.srv.TLS == nil || len(h.srv.TLS.Certificates) == 0 {
		return ""
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: h.srv.TLS.Certificates[0].Certificate[0]}))
}

// Certificate is the server's parsed certificate (TLS servers only).
func (h *HTTPBin) Certificate() *x509.Certificate { return h.srv.Certificate() }
