package http_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/minik6test"
)

// concurrency tracks requests in flight on /conc (each waits 100 ms).
type concurrency struct {
	mu       sync.Mutex
	now, max int
}

func (c *concurrency) handler(w http.ResponseWriter, _ *http.Request) {
	c.mu.Lock()
	c.now++
	c.max = max(c.max, c.now)
	c.mu.Unlock()
	time.Sleep(100 * time.Millisecond)
	c.mu.Lock()
	c.now--
	c.mu.Unlock()
	_, _ = w.Write([]byte("ok"))
}

func (c *concurrency) peak() int { c.mu.Lock(); defer c.mu.Unlock(); return c.max }

// Each option is tested with and without it: the "without" run shows that the
// "with" run's result comes from the option.
func TestOptionsHonoured(t *testing.T) {
	t.Parallel()
	jsStr := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	for _, tc := range []struct {
		name, with, without, body string
		tls                       func(*tls.Config) // the target is HTTPS when set
		check                     func(t *testing.T, with, without *minik6test.Recorded, bin, binWithout *minik6test.HTTPBin, cw, cwo *concurrency)
	}{
		{name: "userAgent", with: `{ userAgent: 'tester/1.0' }`, body: `console.log(http.get(B + '/user-agent').json('user-agent'));`,
			check: func(t *testing.T, w, wo *minik6test.Recorded, _, _ *minik6test.HTTPBin, _, _ *concurrency) {
				assert.Equal(t, []string{"tester/1.0"}, w.Console)
				assert.NotEqual(t, w.Console, wo.Console)
			}},
		{name: "userAgent empty: none sent", with: `{ userAgent: '' }`, body: `console.log(JSON.stringify(http.get(B + '/headers').json('headers.User-Agent')), JSON.stringify(http.batch([B + '/headers'])[0].json('headers.User-Agent')));`,
			check: func(t *testing.T, w, wo *minik6test.Recorded, _, _ *minik6test.HTTPBin, _, _ *concurrency) {
				assert.Equal(t, []string{"undefined undefined"}, w.Console)
				assert.NotEqual(t, w.Console, wo.Console)
			}},
		{name: "maxRedirects", with: `{ maxRedirects: 1 }`, body: `console.log(http.get(B + '/redirect/3').status);`,
			check: func(t *testing.T, w, wo *minik6test.Recorded, _, _ *minik6test.HTTPBin, _, _ *concurrency) {
				assert.Equal(t, []string{"302"}, w.Console)
				assert.Len(t, w.Of("http_reqs"), 2)
				assert.Contains(t, strings.Join(w.Warnings(), "\n"), "Stopped after 1 redirects")
				assert.Equal(t, []string{"200"}, wo.Console)
			}},
		{name: "batch", with: `{ batch: 1 }`, body: `http.batch([B + '/conc', B + '/conc', B + '/conc']);`,
			check: func(t *testing.T, _, _ *minik6test.Recorded, _, _ *minik6test.HTTPBin, cw, cwo *concurrency) {
				assert.Equal(t, 1, cw.peak())
				assert.Equal(t, 3, cwo.peak())
			}},
		{name: "batchPerHost", with: `{ batchPerHost: 2 }`, body: `http.batch([B + '/conc', B + '/conc', B + '/conc', B + '/conc']);`,
			check: func(t *testing.T, _, _ *minik6test.Recorded, _, _ *minik6test.HTTPBin, cw, cwo *concurrency) {
				assert.Equal(t, 2, cw.peak())
				assert.Equal(t, 4, cwo.peak())
			}},
		{name: "discardResponseBodies", with: `{ discardResponseBodies: true }`,
			body: `console.log(http.get(B + '/get').body === null, http.get(B + '/get', { responseType: 'text' }).body !== null);`,
			check: func(t *testing.T, w, wo *minik6test.Recorded, _, _ *minik6test.HTTPBin, _, _ *concurrency) {
				assert.Equal(t, []string{"true true"}, w.Console)
				assert.Equal(t, []string{"false true"}, wo.Console)
			}},
		{name: "noConnectionReuse", with: `{ noConnectionReuse: true }`, body: `for (let i = 0; i < 3; i++) http.get(B + '/get');`,
			check: func(t *testing.T, _, _ *minik6test.Recorded, b, bwo *minik6test.HTTPBin, _, _ *concurrency) {
				assert.Equal(t, int64(3), b.Conns())
				assert.Equal(t, int64(1), bwo.Conns())
			}},
		{name: "noVUConnectionReuse", with: `{ iterations: 3, noVUConnectionReuse: true }`, without: `{ iterations: 3 }`, body: `http.get(B + '/get'); http.get(B + '/get');`,
			check: func(t *testing.T, _, _ *minik6test.Recorded, b, bwo *minik6test.HTTPBin, _, _ *concurrency) {
				assert.Equal(t, int64(3), b.Conns())
				assert.Equal(t, int64(1), bwo.Conns())
			}},
		{name: "cookies reset between iterations unless noCookiesReset", with: `{ iterations: 2, noCookiesReset: true }`, without: `{ iterations: 2 }`,
			body: `console.log(JSON.stringify(http.get(B + '/cookies').json('cookies'))); http.get(B + '/cookies/set?k=v');`,
			check: func(t *testing.T, w, wo *minik6test.Recorded, _, _ *minik6test.HTTPBin, _, _ *concurrency) {
				assert.Equal(t, []string{`{}`, `{"k":"v"}`}, w.Console)
				assert.Equal(t, []string{`{}`, `{}`}, wo.Console)
			}},
		{name: "hosts with a wildcard", with: `{ hosts: { '*.wild.test': '127.0.0.1' } }`, without: `{ hosts: { 'other.test': '127.0.0.1' } }`,
			body: `console.log(http.get(B.replace('127.0.0.1', 'api.wild.test') + '/get').status);`,
			check: func(t *testing.T, w, wo *minik6test.Recorded, _, _ *minik6test.HTTPBin, _, _ *concurrency) {
				assert.Equal(t, []string{"200"}, w.Console)
				assert.Equal(t, []string{"0"}, wo.Console)
			}},
		{name: "localIPs", with: `{ localIPs: '127.0.0.2' }`, body: `console.log(http.get(B + '/get').json('origin'));`,
			check: func(t *testing.T, w, wo *minik6test.Recorded, _, _ *minik6test.HTTPBin, _, _ *concurrency) {
				assert.Equal(t, []string{"127.0.0.2"}, w.Console)
				assert.Equal(t, []string{"127.0.0.1"}, wo.Console)
			}},
		{name: "httpDebug full", with: `{ httpDebug: 'full' }`, body: `http.post(B + '/post?x=1', 'sent-body', { headers: { 'X-H': 'v' } });`,
			check: func(t *testing.T, w, wo *minik6test.Recorded, b, _ *minik6test.HTTPBin, _, _ *concurrency) {
				req, resp := debugLogs(t, w)
				host := strings.TrimPrefix(b.URL(), "http://")
				assert.Equal(t, "Request:\nPOST /post?x=1 HTTP/1.1\nHost: "+host+"\nUser-Agent: minik6 (https://github.com/minik6/minik6)\n"+
					"Content-Length: 9\nAccept-Encoding: gzip, deflate\nX-H: v\n\nsent-body\n", req.Message)
				assert.True(t, strings.HasPrefix(resp.Message, "Response:\nHTTP/1.1 200 OK\n"), resp.Message)
				assert.Contains(t, resp.Message, `"data": "data:application/octet-stream;base64,c2VudC1ib2R5"`, "full prints the response body")
				assert.NotContains(t, resp.Message, "\r")
				assert.NotContains(t, wo.LogText(), "Request:")
			}},
		{name: "httpDebug headers only", with: `{ httpDebug: 'headers' }`, body: `http.post(B + '/post', 'sent-body');`,
			check: func(t *testing.T, w, _ *minik6test.Recorded, _, _ *minik6test.HTTPBin, _, _ *concurrency) {
				req, resp := debugLogs(t, w)
				assert.NotContains(t, req.Message, "sent-body")
				assert.NotContains(t, resp.Message, "sent-body")
				assert.Contains(t, resp.Message, "Content-Type: application/json")
			}},
		{name: "insecureSkipTLSVerify", with: `{ insecureSkipTLSVerify: true }`, tls: func(*tls.Config) {},
			body: `const r = http.get(B + '/get'); console.log(r.status, r.error_code, r.tls_version, r.proto);`,
			check: func(t *testing.T, w, wo *minik6test.Recorded, _, _ *minik6test.HTTPBin, _, _ *concurrency) {
				assert.Equal(t, []string{"200 0 tls1.3 HTTP/2.0"}, w.Console)
				assert.Equal(t, []string{"0 1310  "}, wo.Console)
				reqs := w.Of("http_reqs")
				require.NotEmpty(t, reqs)
				v, _ := reqs[0].Tags.Get("tls_version")
				assert.Equal(t, "tls1.3", v)
			}},
		{name: "tlsVersion", with: `{ insecureSkipTLSVerify: true, tlsVersion: { min: 'tls1.3', max: 'tls1.3' } }`, without: `{ insecureSkipTLSVerify: true }`,
			tls:  func(c *tls.Config) { c.MaxVersion = tls.VersionTLS12 },
			body: `const r = http.get(B + '/get'); console.log(r.status, r.tls_version, r.error_code);`,
			check: func(t *testing.T, w, wo *minik6test.Recorded, _, _ *minik6test.HTTPBin, _, _ *concurrency) {
				assert.Equal(t, []string{"0  1300"}, w.Console)
				assert.Equal(t, []string{"200 tls1.2 0"}, wo.Console)
			}},
		{name: "tlsVersion max", with: `{ insecureSkipTLSVerify: true, tlsVersion: { min: 'tls1.1', max: 'tls1.2' } }`, without: `{ insecureSkipTLSVerify: true }`,
			tls:  func(*tls.Config) {},
			body: `console.log(http.get(B + '/get').tls_version);`,
			check: func(t *testing.T, w, wo *minik6test.Recorded, _, _ *minik6test.HTTPBin, _, _ *concurrency) {
				assert.Equal(t, []string{"tls1.2"}, w.Console)
				assert.Equal(t, []string{"tls1.3"}, wo.Console)
			}},
		{name: "tlsVersion as one version", with: `{ insecureSkipTLSVerify: true, tlsVersion: http.TLS_1_2 }`, without: `{ insecureSkipTLSVerify: true }`,
			tls:  func(*tls.Config) {},
			body: `console.log(http.get(B + '/get').tls_version);`,
			check: func(t *testing.T, w, wo *minik6test.Recorded, _, _ *minik6test.HTTPBin, _, _ *concurrency) {
				assert.Equal(t, []string{"tls1.2"}, w.Console)
				assert.Equal(t, []string{"tls1.3"}, wo.Console)
			}},
		{name: "tlsCipherSuites", with: `{ insecureSkipTLSVerify: true, tlsCipherSuites: ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384'] }`, without: `{ insecureSkipTLSVerify: true }`,
			tls:  func(c *tls.Config) { c.MaxVersion = tls.VersionTLS12 },
			body: `console.log(http.get(B + '/get').tls_cipher_suite.includes('AES_256_GCM'));`,
			check: func(t *testing.T, w, wo *minik6test.Recorded, _, _ *minik6test.HTTPBin, _, _ *concurrency) {
				assert.Equal(t, []string{"true"}, w.Console)
				assert.Equal(t, []string{"false"}, wo.Console)
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			without := tc.without
			if without == "" {
				without = "{}"
			}
			start := func(c *concurrency) *minik6test.HTTPBin {
				routes := map[string]http.HandlerFunc{"/conc": c.handler}
				if tc.tls != nil {
					return minik6test.NewHTTPBinTLS(t, routes, tc.tls)
				}
				return minik6test.NewHTTPBin(t, routes)
			}
			cw, cwo := &concurrency{}, &concurrency{}
			bw, bwo := start(cw), start(cwo)
			w := run(t, script(tc.with, tc.body), bw.URL())
			require.NoError(t, w.Result.Err, w.LogText())
			wo := run(t, script(without, tc.body), bwo.URL())
			require.NoError(t, wo.Result.Err, wo.LogText())
			tc.check(t, w, wo, bw, bwo, cw, cwo)
		})
	}
	t.Run("localIPs are given out to the VUs in turn", func(t *testing.T) {
		t.Parallel()
		bin := minik6test.NewHTTPBin(t, nil)
		src := `import http from 'k6/http';
export const options = { LOCAL scenarios: { s: { executor: 'per-vu-iterations', vus: 3, iterations: 1 } } };
export default function () { console.log(http.get('$BASE/get').json('origin')); }`
		for local, want := range map[string][]string{
			"":                                      {"127.0.0.1", "127.0.0.1", "127.0.0.1"},
			"localIPs: '127.0.0.2-127.0.0.3',":      {"127.0.0.2", "127.0.0.2", "127.0.0.3"},
			"localIPs: '127.0.0.4/30',":             {"127.0.0.5", "127.0.0.5", "127.0.0.6"},
			"localIPs: '127.0.0.9, 127.0.0.10/31',": {"127.0.0.10", "127.0.0.11", "127.0.0.9"},
		} {
			o := run(t, strings.Replace(src, "LOCAL", local, 1), bin.URL())
			require.NoError(t, o.Result.Err, o.LogText())
			sort.Strings(o.Console)
			assert.Equal(t, want, o.Console, local)
		}
	})
	t.Run("tlsAuth", func(t *testing.T) {
		t.Parallel()
		ca, caKey := newCA(t)
		certPEM, keyPEM := newClientCert(t, ca, caKey)
		pool := x509.NewCertPool()
		pool.AddCert(ca)
		bin := minik6test.NewHTTPBinTLS(t, nil, func(c *tls.Config) {
			c.ClientAuth = tls.RequireAndVerifyClientCert
			c.ClientCAs = pool
		})
		body := `const r = http.get(B + '/get'); console.log(r.status);`
		with := `{ insecureSkipTLSVerify: true, tlsAuth: [{ domains: ['127.0.0.1'], cert: ` + jsStr(certPEM) + `, key: ` + jsStr(keyPEM) + ` }] }`
		w := run(t, script(with, body), bin.URL())
		require.NoError(t, w.Result.Err, w.LogText())
		assert.Equal(t, []string{"200"}, w.Console)
		other := `{ insecureSkipTLSVerify: true, tlsAuth: [{ domains: ['example.com'], cert: ` + jsStr(certPEM) + `, key: ` + jsStr(keyPEM) + ` }] }`
		wo := run(t, script(other, body), bin.URL())
		require.NoError(t, wo.Result.Err, wo.LogText())
		assert.Equal(t, []string{"0"}, wo.Console, "no certificate for this domain")
	})
}

// debugLogs are the one request's httpDebug entries, which share a
// request_id.
func debugLogs(t *testing.T, o *minik6test.Recorded) (req, resp *logrus.Entry) {
	t.Helper()
	for _, e := range o.Logs {
		switch {
		case strings.HasPrefix(e.Message, "Request:"):
			req = e
		case strings.HasPrefix(e.Message, "Response:"):
			resp = e
		}
	}
	require.NotNil(t, req, o.LogText())
	require.NotNil(t, resp, o.LogText())
	assert.Equal(t, logrus.InfoLevel, req.Level)
	id, _ := req.Data["request_id"].(string)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, id)
	assert.Equal(t, id, resp.Data["request_id"])
	return req, resp
}

func newCA(t *testing.T) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	ca, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return ca, key
}

func newClientCert(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	require.NoError(t, err)
	kb, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}))
}
