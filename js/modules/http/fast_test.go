package http_test

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/minik6test"
)

// A kept connection that the server closed while it was idle is replaced
// without failing the request.
func TestStaleKeptConnectionIsRedialled(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}))
	srv.Config.IdleTimeout = 50 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	o := run(t, script("", `
		console.log(http.get(B + '/').status);
		const t0 = Date.now(); while (Date.now() - t0 < 200) {}
		console.log(http.get(B + '/').status);`), srv.URL)
	require.NoError(t, o.Result.Err)
	assert.Equal(t, []string{"200", "200"}, o.Console)
	assert.Empty(t, o.Warnings())
}

// A hard stop (the end of the duration, no graceful stop) breaks a request
// in flight.
func TestHardStopBreaksARequest(t *testing.T) {
	t.Parallel()
	bin := minik6test.NewHTTPBin(t, nil)
	start := time.Now()
	o := run(t, `import http from 'k6/http';
export const options = { scenarios: { s: { executor: 'constant-vus', vus: 1, duration: '1s', gracefulStop: '0s' } } };
export default function () { http.get('$BASE/delay/5'); }`, bin.URL())
	require.NoError(t, o.Result.Err)
	assert.Less(t, time.Since(start), 4*time.Second)
}

// Request bodies, status lines and headers go through the VU's own HTTP/1.1
// path as they do through net/http.
func TestFastPathRequests(t *testing.T) {
	t.Parallel()
	bin := minik6test.NewHTTPBin(t, nil)
	o := run(t, script("", `
		const r = http.post(B + '/post', 'a=1', { headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Multi': 'x\r\ny' } });
		console.log(r.status + ' ' + JSON.stringify(r.json('form')) + ' ' + r.json('headers.X-Multi.0'));
		console.log(http.post(B + '/post').json('headers.Content-Length.0'));
		console.log(http.get(B + '/stream/3').body.split('\n').filter((l) => l).length);
		console.log(http.get(B + '/status/100').status);
		const big = 'x'.repeat(100000) + 'end';
		console.log(http.post(B + '/post', big, { headers: { 'Content-Type': 'text/plain' } }).json('data') === big);`), bin.URL())
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{`200 {"a":["1"]} x  y`, "0", "3", "200", "true"}, o.Console)
}

// cannedServer answers each request on 127.0.0.1 with the canned response its
// path names, closing the connection after those that say so.
func cannedServer(t *testing.T, canned map[string]string) string {
	t.Helper()
	l := mustListen(t)
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				br := bufio.NewReader(conn)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, req.Body)
					resp := canned[req.URL.Path]
					if _, err := io.WriteString(conn, resp); err != nil || strings.HasPrefix(resp, "HTTP/1.0") || strings.Contains(resp, "Connection: close") {
						return
					}
				}
			}()
		}
	}()
	return "http://" + l.Addr().String()
}

// The VU's own HTTP/1.1 path reads responses as net/http does (batch goes
// through net/http's transport): plain heads it parses itself, the others
// (chunked, HTTP/1.0, 1xx…) it leaves to net/http.
func TestFastPathReadsHeadsAsNetHTTP(t *testing.T) {
	t.Parallel()
	canned := map[string]string{
		"/plain":    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: 1\r\nx-a: 2\r\ncontent-type:  text/x \r\n\r\nok",
		"/noreason": "HTTP/1.1 201\r\nContent-Length: 0\r\n\r\n",
		"/chunked":  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
		"/http10":   "HTTP/1.0 200 OK\r\nX-Old: yes\r\n\r\nold body",
		"/close":    "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnope",
		"/cookies":  "HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2; Path=/\r\nContent-Length: 0\r\n\r\n",
		"/continue": "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nyes",
		"/empty":    "HTTP/1.1 204 No Content\r\nX-E: 1\r\n\r\n",
		"/pragma":   "HTTP/1.1 200 OK\r\nPragma: no-cache\r\nContent-Length: 0\r\n\r\n",
	}
	base := cannedServer(t, canned)
	o := run(t, script("", `
		const show = (r) => S({ status: r.status, text: r.status_text, proto: r.proto, headers: r.headers, body: r.body, error: r.error,
			cookies: Object.keys(r.cookies).sort().join(',') });
		for (const p of ['/plain', '/noreason', '/chunked', '/http10', '/close', '/plain', '/cookies', '/continue', '/empty', '/pragma']) {
			const fast = show(http.get(B + p, { jar: new http.CookieJar() }));
			const std = show(http.batch([['GET', B + p, null, { jar: new http.CookieJar() }]])[0]);
			console.log(fast === std ? p + ' same' : p + ' fast ' + fast + ' std ' + std);
		}
		console.log(http.get(B + '/plain').headers['X-A'], http.get(B + '/plain').headers['Content-Type']);`), base)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{"/plain same", "/noreason same", "/chunked same", "/http10 same", "/close same", "/plain same",
		"/cookies same", "/continue same", "/empty same", "/pragma same", "1, 2 text/x"}, o.Console)
}
