package websockets_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/minik6/minik6/js/modules/http"
	_ "github.com/minik6/minik6/js/modules/websockets"
)

func TestWebSocketEcho(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	o := run(t, `import { WebSocket } from 'k6/websockets';
		export const options = { iterations: 2 };
		export default function () {
			const ws = new WebSocket('$URL/echo');
			ws.binaryType = 'arraybuffer';
			const got = [];
			console.log('state=' + ws.readyState + ' binaryType=' + ws.binaryType);
			ws.onopen = (e) => {
				console.log('open readyState=' + ws.readyState + ' type=' + e.type + ' target=' + (e.target === ws));
				ws.send('hello');
				ws.send(new Uint8Array([1, 2, 3]).buffer);
			};
			ws.addEventListener('message', (e) => {
				got.push(typeof e.data === 'string' ? e.data : 'bytes:' + e.data.byteLength);
				if (got.length === 2) ws.close();
			});
			ws.onclose = (e) => console.log('close ' + e.code + ' after ' + got.join(' ') + ' state=' + ws.readyState);
		}`, srv.URL)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Empty(t, o.Logs)
	assert.Equal(t, []string{
		"state=0 binaryType=arraybuffer", "open readyState=1 type=open target=true", "close 1000 after hello bytes:3 state=3",
		"state=0 binaryType=arraybuffer", "open readyState=1 type=open target=true", "close 1000 after hello bytes:3 state=3",
	}, o.Console)
}

func TestBinaryTypeAndSendTypes(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	o := run(t, `import { WebSocket, Blob } from 'k6/websockets';
		export const options = { iterations: 1 };
		export default function () {
			const ws = new WebSocket('$URL/echo');
			console.log('default binaryType=' + ws.binaryType);
			try { ws.binaryType = 'nodebuffer'; } catch (e) { console.log(String(e)); }
			const sent = [
				'text',
				new Uint8Array([1, 2, 3]).buffer,
				new Uint8Array([9, 8, 7, 6, 5]).subarray(1, 3),
				new DataView(new Uint8Array([4, 5, 6]).buffer, 1),
				new Blob(['bl', new Uint8Array([111, 98])]),
				new ArrayBuffer(0),
			];
			const got = [];
			ws.onopen = () => {
				try { ws.send(42); } catch (e) { console.log(String(e)); }
				try { ws.send({}); } catch (e) { console.log(String(e)); }
				sent.forEach((m) => ws.send(m));
			};
			ws.onmessage = async (e) => {
				if (typeof e.data === 'string') {
					got.push('string:' + e.data);
				} else {
					const blob = e.data instanceof Blob;
					got.push((blob ? 'blob:' : 'other:') + Array.from(await e.data.bytes()).join(','));
				}
				if (got.length === sent.length) {
					console.log(got.join(' '));
					ws.binaryType = 'arraybuffer';
					ws.send(new Uint8Array([7]));
					ws.onmessage = (e) => {
						console.log('now ' + (e.data instanceof ArrayBuffer) + ' ' + new Uint8Array(e.data)[0]);
						ws.close();
					};
				}
			};
		}`, srv.URL)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{
		"default binaryType=blob",
		`GoError: unknown binaryType nodebuffer, the supported ones are "blob" and "arraybuffer"`,
		"GoError: unsupported send type number",
		"GoError: unsupported send type Object",
		"string:text blob:1,2,3 blob:8,7 blob:5,6 blob:98,108,111,98 blob:",
		"now true 7",
	}, o.Console)
}

func TestBlob(t *testing.T) {
	t.Parallel()
	o := run(t, `import { Blob } from 'k6/websockets';
		export const options = { iterations: 1 };
		export default async function () {
			const b = new Blob(['héllo ', new Uint8Array([119, 111]).buffer, new Blob(['rld'])], { type: 'text/plain' });
			console.log(b.size + ' ' + b.type + ' ' + (b instanceof Blob) + ' ' + Object.prototype.toString.call(b));
			console.log(await b.text());
			console.log(new Uint8Array(await b.arrayBuffer()).length);
			const bytes = await b.bytes();
			console.log(bytes.constructor.name + ' ' + bytes[0]);
			const s = b.slice(-5, -2, 'x/y');
			console.log(s.size + ' ' + s.type + ' ' + (await s.text()));
			console.log((await b.slice(7).text()) + '|' + (await b.slice(3, 1).text()) + '|' + new Blob().size);
			const reader = b.slice(0, 2).stream().getReader();
			const first = await reader.read();
			const second = await reader.read();
			console.log(first.done + ' ' + first.value.length + ' ' + second.done);
			try { new Blob([1]); } catch (e) { console.log(String(e)); }
			try { new Blob(['a'], 'text/plain'); } catch (e) { console.log(String(e)); }
		}`, "")
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{
		"12 text/plain true [object Blob]",
		"héllo world",
		"12",
		"Uint8Array 104",
		"3 x/y wor",
		"world||0",
		"false 2 true",
		"TypeError: failed to process [blobParts]: unsupported type of part 0: number",
		"TypeError: [options] must be an object",
	}, o.Console)
}

func TestParams(t *testing.T) {
	t.Parallel()
	srv := newServer(t, http.Header{"Set-Cookie": {"session=s1; Path=/"}})
	o := run(t, `import { WebSocket } from 'k6/websockets';
		import http from 'k6/http';
		export const options = { iterations: 1 };
		export default function () {
			http.cookieJar().set('$URL'.replace('ws:', 'http:'), 'vu', 'jar');
			const own = new http.CookieJar();
			own.set('$URL'.replace('ws:', 'http:'), 'own', 'jar');
			const a = new WebSocket('$URL/a', null, { headers: { 'X-My-Header': 'k6test' }, tags: { my: 'tag' }, compression: 'deflate' });
			a.onopen = () => {
				console.log('a extensions=' + a.extensions.join(';'));
				a.close();
			};
			a.onclose = () => {
				const b = new WebSocket('$URL/b', ['superchat'], { jar: own });
				b.onopen = () => { console.log('b protocol=' + b.protocol); b.close(); };
				b.onclose = () => {
					const c = new WebSocket('$URL/c');
					c.onopen = () => c.close();
				};
			};
			for (const bad of [{ compression: 'gzip' }, { timeout: 1 }, { jar: {} }, { tags: { o: {} } }]) {
				try { new WebSocket('$URL/never', null, bad); } catch (e) { console.log(String(e)); }
			}
			for (const url of ['http://127.0.0.1/', '$URL/#frag', undefined]) {
				try { new WebSocket(url); } catch (e) { console.log(String(e)); }
			}
		}`, srv.URL)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{
		"GoError: unsupported compression algorithm 'gzip', supported algorithm is 'deflate'",
		"GoError: unknown WebSocket's option timeout",
		"GoError: invalid jar param: it needs to be an http.CookieJar (http.cookieJar() or new http.CookieJar())",
		"GoError: invalid WebSocket tags option: invalid value for metric tag 'o': only String, Boolean and Number types are accepted as a metric tag values",
		`GoError: WebSocket requires url with scheme ws or wss, but got "http"`,
		`GoError: WebSocket requires no url fragment, but got "frag"`,
		"GoError: WebSocket requires a url",
		"a extensions=permessage-deflate; server_no_context_takeover; client_no_context_takeover",
		"b protocol=superchat",
	}, o.Console)
	reqs := srv.Handshakes()
	require.Len(t, reqs, 3)
	assert.Equal(t, "k6test", reqs[0].Header.Get("X-My-Header"))
	assert.Contains(t, reqs[0].Header.Get("User-Agent"), "minik6")
	assert.Equal(t, "vu=jar", reqs[0].Header.Get("Cookie"), "the VU's jar by default")
	assert.Equal(t, "own=jar", reqs[1].Header.Get("Cookie"), "the jar param")
	assert.Equal(t, "vu=jar; session=s1", reqs[2].Header.Get("Cookie"), "the handshake's Set-Cookie went to the VU's jar")
	for _, s := range o.Of("ws_sessions") {
		if url, _ := s.Tags.Get("url"); strings.HasSuffix(url, "/a") {
			v, _ := s.Tags.Get("my")
			assert.Equal(t, "tag", v)
		}
	}
}

func TestMetricsAndTags(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	o := run(t, `import { WebSocket } from 'k6/websockets';
		export const options = { iterations: 1 };
		export default function () {
			const ws = new WebSocket('$URL/echo', 'chat');
			ws.onopen = () => { ws.send('one'); ws.send('two'); ws.ping(); };
			let n = 0;
			ws.onmessage = () => { n++; };
			ws.onpong = () => ws.close();
			const named = new WebSocket('$URL/echo', null, { tags: { name: 'named' } });
			named.onopen = () => named.close();
		}`, srv.URL)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, 2.0, o.Sum("ws_sessions"))
	assert.Len(t, o.Of("ws_connecting"), 2)
	assert.Len(t, o.Of("ws_session_duration"), 2)
	assert.Equal(t, 5.0, o.Sum("ws_msgs_sent"), "two messages, a ping and a close frame; then the other's close frame")
	assert.Equal(t, 2.0, o.Sum("ws_msgs_received"))
	require.Len(t, o.Of("ws_ping"), 1)
	assert.Greater(t, o.Sum("data_sent"), 300.0, "the handshake's request and the frames")
	assert.Greater(t, o.Sum("data_received"), 200.0)
	for _, s := range o.Of("ws_sessions") {
		tags := s.Tags.Map()
		if tags["name"] == "named" {
			assert.Equal(t, "named", tags["url"], "a name tag is the url tag too")
			continue
		}
		assert.Equal(t, srv.URL+"/echo", tags["url"])
		assert.Equal(t, srv.URL+"/echo", tags["name"])
		assert.Equal(t, "101", tags["status"])
		assert.Equal(t, "chat", tags["subproto"])
		assert.Equal(t, "default", tags["scenario"])
	}
}

func TestConnectionErrors(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	o := run(t, `import { WebSocket } from 'k6/websockets';
		export const options = { iterations: 1 };
		export default function () {
			const refused = new WebSocket('$URL'.replace(/:[0-9]+$/, ':1') + '/x');
			refused.onerror = (e) => console.log('refused error ' + e.error);
			refused.onclose = (e) => console.log('refused close ' + e.code + ' state=' + refused.readyState);
			try { refused.send('early'); } catch (e) { console.log(String(e)); }
			const forbidden = new WebSocket('$URL/refuse');
			forbidden.onerror = (e) => console.log('forbidden error ' + e.error);
			for (const code of [4000, 1001]) {
				const ws = new WebSocket('$URL/close/' + code);
				ws.onerror = (e) => console.log(code + ' error ' + e.error);
				ws.onclose = (e) => console.log(code + ' close ' + e.code + ' ' + e.reason);
			}
			const v = new WebSocket('$URL/echo');
			v.onopen = () => {
				for (const args of [[1001], [3000, 'x'.repeat(124)]]) {
					try { v.close(...args); } catch (e) { console.log(String(e)); }
				}
				v.close(3001, 'done');
			};
			v.onclose = (e) => console.log('v close ' + e.code + ' ' + e.reason);
		}`, srv.URL)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.ElementsMatch(t, []string{
		"GoError: InvalidStateError",
		"refused error dial tcp 127.0.0.1:1: connect: connection refused",
		"refused close undefined state=3",
		"forbidden error websocket: bad handshake",
		"4000 error websocket: close 4000: bye",
		"4000 close 4000 bye",
		"1001 close 1001 bye",
		"GoError: InvalidAccessError: Failed to execute 'close' on 'WebSocket': The close code must be either 1000, or between 3000 and 4999. 1001 is neither",
		"GoError: SyntaxError: Failed to execute 'close' on 'WebSocket': The message must not be greater than 123 bytes",
		"v close 3001 ", // the server's close frame, whose reason gorilla leaves empty
	}, o.Console)
	statuses := map[string]bool{}
	for _, s := range o.Of("ws_sessions") {
		st, _ := s.Tags.Get("status")
		statuses[st] = true
	}
	assert.Equal(t, map[string]bool{"": true, "403": true, "101": true}, statuses, "a session is counted whatever the handshake's outcome")
}

func TestPingAndListenerErrors(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	o := run(t, `import { WebSocket } from 'k6/websockets';
		export const options = { iterations: 1 };
		export default function () {
			const ws = new WebSocket('$URL/ping');
			ws.addEventListener('ping', () => { console.log('pinged'); ws.send('after ping'); });
			ws.addEventListener('nope', () => {});
			try { ws.addEventListener('message', 1); } catch (e) { console.log(String(e)); }
			try { ws.onmessage = 'x'; } catch (e) { console.log(String(e)); }
			ws.onmessage = (e) => { throw new Error('boom ' + e.data); };
		}`, srv.URL)
	require.NoError(t, o.Result.Err, "an iteration's exception is logged")
	assert.Equal(t, []string{
		`GoError: handler for event type "message" isn't a callable function`,
		"GoError: a value for 'onmessage' should be callable",
		"pinged",
	}, o.Console)
	assert.Contains(t, o.LogText(), "can't add event handler: unknown event type: nope")
	assert.Contains(t, o.LogText(), "Error: boom after ping")
	assert.NotContains(t, o.LogText(), ".go:", "no Go stack trace")
	require.Eventually(t, func() bool { return srv.Open() == 0 }, 5*time.Second, 10*time.Millisecond,
		"the socket whose listener threw is closed")
}

func TestHardStopClosesSockets(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	o := run(t, `import { WebSocket } from 'k6/websockets';
		export const options = { scenarios: { s: { executor: 'constant-vus', vus: 3, duration: '1s', gracefulStop: '0s' } } };
		export default function () {
			for (let i = 0; i < 2; i++) {
				const ws = new WebSocket('$URL/silent');
				ws.onopen = () => ws.send('never answered');
			}
		}`, srv.URL)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, 6.0, o.Sum("ws_sessions"))
	require.Eventually(t, func() bool { return srv.Open() == 0 }, 5*time.Second, 10*time.Millisecond,
		"every socket is closed after the hard stop")
}

func TestTLS(t *testing.T) {
	t.Parallel()
	srv := newTLSServer(t)
	src := `import { WebSocket } from 'k6/websockets';
		export const options = { iterations: 1, insecureSkipTLSVerify: $SKIP };
		export default function () {
			const ws = new WebSocket('$URL/echo');
			ws.onopen = () => ws.send('over tls');
			ws.onmessage = (e) => { console.log(e.data); ws.close(); };
			ws.onerror = (e) => console.log('error ' + e.error);
		}`
	o := run(t, strings.ReplaceAll(src, "$SKIP", "false"), srv.URL)
	require.NoError(t, o.Result.Err, o.LogText())
	require.Len(t, o.Console, 1)
	assert.Contains(t, o.Console[0], "error tls: failed to verify certificate: x509:")
	o = run(t, strings.ReplaceAll(src, "$SKIP", "true"), srv.URL)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{"over tls"}, o.Console)
}

func TestNetworkOptions(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	o := run(t, strings.ReplaceAll(`import { WebSocket } from 'k6/websockets';
		export const options = {
			iterations: 1,
			hosts: { 'echo.test': '127.0.0.1', 'blocked.test': '127.0.0.2' },
			blockHostnames: ['*.blocked.example'],
			blacklistIPs: ['127.0.0.2/32'],
			userAgent: 'minik6-ws-test',
		};
		export default function () {
			for (const host of ['echo.test', 'www.blocked.example', 'blocked.test']) {
				const ws = new WebSocket('ws://' + host + ':$PORT/echo');
				ws.onopen = () => { console.log(host + ' open'); ws.close(); };
				ws.onerror = (e) => console.log(host + ' ' + e.error);
			}
		}`, "$PORT", port), srv.URL)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.ElementsMatch(t, []string{
		"echo.test open",
		"www.blocked.example hostname (www.blocked.example) is in a blocked pattern (*.blocked.example)",
		"blocked.test IP (127.0.0.2) is in a blacklisted range (127.0.0.2/32)",
	}, o.Console)
	reqs := srv.Handshakes()
	require.Len(t, reqs, 1)
	assert.Equal(t, "minik6-ws-test", reqs[0].Header.Get("User-Agent"))
	assert.Equal(t, "echo.test:"+port, reqs[0].Host)
}
