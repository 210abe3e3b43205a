package http_test

import (
	"io"
	"net/http"
	"net/http/httptest"
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
	require.NoError(t, o.res.Err)
	assert.Equal(t, []string{"200", "200"}, o.console)
	assert.Empty(t, o.warnings())
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
	require.NoError(t, o.res.Err)
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
		console.log(http.get(B + '/status/100').status);`), bin.URL())
	require.NoError(t, o.res.Err, o.logText())
	assert.Equal(t, []string{`200 {"a":["1"]} x  y`, "0", "3", "200"}, o.console)
}
