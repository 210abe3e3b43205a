package ws_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/minik6/minik6/js/modules/ws"
	"github.com/minik6/minik6/minik6test"
)

func echoServer(t *testing.T) string {
	t.Helper()
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, http.Header{"X-Echo": {"yes"}})
		if err != nil {
			return
		}
		defer c.Close()
		for {
			kind, data, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(kind, data); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

func TestConnect(t *testing.T) {
	t.Parallel()
	url := echoServer(t)
	out := minik6test.RunSource(t, `import ws from 'k6/ws';
		export const options = { iterations: 1 };
		export default function () {
			const got = [];
			const res = ws.connect('`+url+`/x', { headers: { 'X-A': 'b' }, tags: { my: 't' } }, (socket) => {
				socket.on('open', () => { socket.send('hi'); socket.sendBinary(new Uint8Array([1, 2]).buffer); socket.ping(); });
				socket.on('message', (m) => got.push(m));
				socket.on('binaryMessage', (b) => got.push('bin' + b.byteLength));
				socket.on('pong', () => got.push('pong'));
				let ticks = 0;
				socket.setInterval(() => { ticks++; if (ticks === 2) { got.push('ticks'); } }, 10);
				socket.setTimeout(() => socket.close(), 100);
				socket.on('close', () => console.log('closed: ' + got.sort().join(',')));
			});
			console.log('status=' + res.status + ' echo=' + res.headers['X-Echo']);
		}`, nil)
	require.NoError(t, out.Err, "%v", out.Logged)
	assert.Equal(t, []string{"closed: bin2,hi,pong,ticks", "status=101 echo=yes"}, out.Console)
}

func TestConnectRefused(t *testing.T) {
	t.Parallel()
	out := minik6test.RunSource(t, `import ws from 'k6/ws';
		export const options = { iterations: 1 };
		export default function () {
			const res = ws.connect('ws://127.0.0.1:1/x', () => { console.log('never'); });
			console.log('status=' + res.status + ' error=' + (res.error.length > 0));
		}`, nil)
	require.NoError(t, out.Err)
	assert.Equal(t, []string{"status=0 error=true"}, out.Console)
	require.Len(t, out.Logged, 1)
	assert.Contains(t, out.Logged[0], "Attempt to establish a WebSocket connection failed")
}
