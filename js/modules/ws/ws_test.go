package ws_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/minik6/minik6/js/modules/http"
	_ "github.com/minik6/minik6/js/modules/ws"
)

func TestConnect(t *testing.T) {
	t.Parallel()
	srv := newServer(t, http.Header{"X-Echo": {"yes"}})
	o := run(t, `import ws from 'k6/ws';
		export const options = { iterations: 1 };
		export default function () {
			const got = [];
			const res = ws.connect('$URL/x', { headers: { 'X-A': 'b' }, tags: { my: 't' } }, (socket) => {
				socket.on('open', () => { socket.send('hi'); socket.sendBinary(new Uint8Array([1, 2]).buffer); socket.ping(); });
				socket.on('message', (m) => got.push(m));
				socket.on('binaryMessage', (b) => got.push('bin' + b.byteLength));
				socket.on('pong', () => got.push('pong'));
				let ticks = 0;
				socket.setInterval(() => { ticks++; if (ticks === 2) { got.push('ticks'); } }, 10);
				socket.setTimeout(() => socket.close(), 100);
				socket.on('close', (code) => console.log('closed ' + code + ': ' + got.sort().join(',')));
				try { socket.setTimeout(() => {}, 0); } catch (e) { console.log(String(e)); }
				try { socket.sendBinary('text'); } catch (e) { console.log(String(e)); }
			});
			console.log('status=' + res.status + ' echo=' + res.headers['X-Echo'] + ' url=' + res.url.endsWith('/x') + ' error=' + JSON.stringify(res.error));
		}`, srv.URL)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{
		"GoError: setTimeout requires a >0 timeout parameter, received 0.00",
		"GoError: expected ArrayBuffer as argument, received: String",
		"closed 1001: bin2,hi,pong,ticks",
		`status=101 echo=yes url=true error=""`,
	}, o.Console)
	reqs := srv.Handshakes()
	require.Len(t, reqs, 1)
	assert.Equal(t, "b", reqs[0].Header.Get("X-A"))
	assert.Contains(t, reqs[0].Header.Get("User-Agent"), "minik6")

	assert.Equal(t, 1.0, o.Sum("ws_sessions"))
	assert.Len(t, o.Of("ws_connecting"), 1)
	assert.Len(t, o.Of("ws_session_duration"), 1)
	assert.Equal(t, 2.0, o.Sum("ws_msgs_sent"), "send and sendBinary; not the ping nor the close frame")
	assert.Equal(t, 2.0, o.Sum("ws_msgs_received"))
	assert.Len(t, o.Of("ws_ping"), 1)
	assert.Greater(t, o.Sum("data_sent"), 200.0)
	for _, s := range o.Of("ws_sessions") {
		tags := s.Tags.Map()
		assert.Equal(t, srv.URL+"/x", tags["url"])
		assert.Equal(t, "101", tags["status"])
		assert.Equal(t, "t", tags["my"])
		assert.Contains(t, tags, "subproto")
		assert.NotContains(t, tags, "name", "k6/ws tags no name")
	}
}

func TestConnectFailures(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	o := run(t, `import ws from 'k6/ws';
		export const options = { iterations: 1 };
		export default function () {
			let res = ws.connect('ws://127.0.0.1:1/x', () => { console.log('never'); });
			console.log('refused status=' + res.status + ' error=' + res.error);
			res = ws.connect('$URL/refuse', () => { console.log('never'); });
			console.log('forbidden status=' + res.status + ' body=' + res.body.trim() + ' error=' + JSON.stringify(res.error));
			for (const code of [4000, 1000]) {
				ws.connect('$URL/close/' + code, (socket) => {
					socket.on('error', (e) => console.log(code + ' error ' + e.error()));
					socket.on('close', (c) => console.log(code + ' close ' + c));
				});
			}
			for (const args of [[], [{}, {}, () => {}], [{}], [{ timeout: 1 }, () => {}], [{ compression: 'br' }, () => {}], [{ jar: 1 }, () => {}]]) {
				try { ws.connect('$URL/x', ...args); } catch (e) { console.log(String(e)); }
			}
		}`, srv.URL)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{
		"refused status=0 error=dial tcp 127.0.0.1:1: connect: connection refused",
		`forbidden status=403 body=no sockets here error=""`,
		"4000 error websocket: close 4000: bye",
		"4000 close 4000",
		"1000 close 1000",
		"GoError: invalid number of arguments to ws.connect",
		"GoError: invalid number of arguments to ws.connect",
		"GoError: last argument to ws.connect must be a function",
		`GoError: unknown ws.connect() param "timeout": minik6 knows headers, tags, jar and compression`,
		"GoError: unsupported compression algorithm 'br', supported algorithm is 'deflate'",
		"GoError: invalid jar param: it needs to be an http.CookieJar (http.cookieJar() or new http.CookieJar())",
	}, o.Console)
	assert.Empty(t, o.Logs)
	assert.Equal(t, 4.0, o.Sum("ws_sessions"), "a session is counted whatever the handshake's outcome")

	thrown := run(t, `import ws from 'k6/ws';
		export const options = { iterations: 1, throw: true };
		export default function () { ws.connect('ws://127.0.0.1:1/x', () => {}); }`, srv.URL)
	require.NoError(t, thrown.Result.Err)
	assert.Contains(t, thrown.LogText(), "connection refused")
	assert.NotContains(t, thrown.LogText(), ".go:", "no Go stack trace")
}

func TestParams(t *testing.T) {
	t.Parallel()
	srv := newServer(t, http.Header{"Set-Cookie": {"session=s1; Path=/"}})
	o := run(t, `import ws from 'k6/ws';
		import http from 'k6/http';
		export const options = { iterations: 1 };
		export default function () {
			http.cookieJar().set('$URL'.replace('ws:', 'http:'), 'vu', 'jar');
			const own = new http.CookieJar();
			own.set('$URL'.replace('ws:', 'http:'), 'own', 'jar');
			ws.connect('$URL/a', { compression: 'deflate' }, (s) => s.on('open', () => s.close()));
			ws.connect('$URL/b', { jar: own }, (s) => s.on('open', () => s.close()));
			ws.connect('$URL/c', { compression: '' }, (s) => s.on('open', () => s.close()));
		}`, srv.URL)
	require.NoError(t, o.Result.Err, o.LogText())
	reqs := srv.Handshakes()
	require.Len(t, reqs, 3)
	assert.Equal(t, "vu=jar", reqs[0].Header.Get("Cookie"), "the VU's jar by default")
	assert.Contains(t, reqs[0].Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate")
	assert.Equal(t, "own=jar", reqs[1].Header.Get("Cookie"), "the jar param")
	assert.Equal(t, "vu=jar; session=s1", reqs[2].Header.Get("Cookie"), "the handshake's Set-Cookie went to the VU's jar")
	assert.Empty(t, reqs[2].Header.Get("Sec-WebSocket-Extensions"), "an empty compression is none")
}

func TestServerPing(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	o := run(t, `import ws from 'k6/ws';
		export const options = { iterations: 1 };
		export default function () {
			ws.connect('$URL/ping', (socket) => {
				socket.on('ping', () => { console.log('pinged'); socket.close(); });
			});
		}`, srv.URL)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{"pinged"}, o.Console)
}

func TestHandlerException(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	o := run(t, `import ws from 'k6/ws';
		export const options = { iterations: 1 };
		export default function () {
			ws.connect('$URL/echo', (socket) => {
				socket.on('open', () => socket.send('x'));
				socket.on('message', (m) => { throw new Error('boom ' + m); });
			});
		}`, srv.URL)
	require.NoError(t, o.Result.Err)
	assert.Contains(t, o.LogText(), "Error: boom x")
	assert.NotContains(t, o.LogText(), ".go:", "no Go stack trace")
	require.Eventually(t, func() bool { return srv.Open() == 0 }, 5*time.Second, 10*time.Millisecond)
}

func TestHardStopClosesSockets(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	o := run(t, `import ws from 'k6/ws';
		export const options = { scenarios: { s: { executor: 'constant-vus', vus: 3, duration: '1s', gracefulStop: '0s' } } };
		export default function () {
			ws.connect('$URL/silent', (socket) => socket.on('open', () => socket.send('never answered')));
		}`, srv.URL)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, 3.0, o.Sum("ws_sessions"))
	assert.Empty(t, o.Of("ws_session_duration"), "no sample after the hard stop")
	require.Eventually(t, func() bool { return srv.Open() == 0 }, 5*time.Second, 10*time.Millisecond,
		"every socket is closed after the hard stop")
}

func TestTLS(t *testing.T) {
	t.Parallel()
	srv := newTLSServer(t)
	src := `import ws from 'k6/ws';
		export const options = { iterations: 1, insecureSkipTLSVerify: $SKIP };
		export default function () {
			const res = ws.connect('$URL/echo', (socket) => {
				socket.on('open', () => socket.send('over tls'));
				socket.on('message', (m) => { console.log(m); socket.close(); });
			});
			if (res.error) console.log('error ' + res.error);
		}`
	o := run(t, strings.ReplaceAll(src, "$SKIP", "false"), srv.URL)
	require.NoError(t, o.Result.Err, o.LogText())
	require.Len(t, o.Console, 1)
	assert.Contains(t, o.Console[0], "error tls: failed to verify certificate: x509:")
	o = run(t, strings.ReplaceAll(src, "$SKIP", "true"), srv.URL)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{"over tls"}, o.Console)
}
