package minik6test

import (
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHTTPBinServesOnLoopback(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		bin  func(t *testing.T) *HTTPBin
	}{
		{"plain", func(t *testing.T) *HTTPBin { return NewHTTPBin(t, nil) }},
		{"tls", func(t *testing.T) *HTTPBin { return NewHTTPBinTLS(t, nil, nil) }},
		{"extra route", func(t *testing.T) *HTTPBin {
			return NewHTTPBin(t, map[string]http.HandlerFunc{"/hello": func(w http.ResponseWriter, _ *http.Request) {
				_, _ = io.WriteString(w, `{"args":{}}`)
			}})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bin := tc.bin(t)
			assert.True(t, strings.HasPrefix(strings.SplitN(bin.URL(), "://", 2)[1], "127.0.0.1:"))
			c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // the test's own server
			defer c.CloseIdleConnections()
			path := "/get"
			if tc.name == "extra route" {
				path = "/hello"
			}
			resp, err := c.Get(bin.URL() + path)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			assert.Equal(t, 200, resp.StatusCode)
			assert.Contains(t, string(body), `"args"`)
			assert.Equal(t, bin.URL(), bin.Env()["BASE_URL"])
			if tc.name == "tls" {
				assert.Contains(t, bin.CertPEM(), "BEGIN CERTIFICATE")
			}
		})
	}
}
