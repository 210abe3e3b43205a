package websockets_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/minik6/minik6/js/modules/websockets"
	"github.com/minik6/minik6/minik6test"
)

// echoServer echoes every message on 127.0.0.1.
func echoServer(t *testing.T) string {
	t.Helper()
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
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

func TestWebSocketEcho(t *testing.T) {
	t.Parallel()
	url := echoServer(t)
	out := minik6test.RunSource(t, `import { WebSocket } from 'k6/websockets';
		export const options = { iterations: 2 };
		export default function () {
			const ws = new WebSocket('`+url+`/ws');
			ws.binaryType = 'arraybuffer';
			const got = [];
			console.log('state=' + ws.readyState);
			ws.onopen = () => {
				console.log('open readyState=' + ws.readyState);
				ws.send('hello');
				ws.send(new Uint8Array([1, 2, 3]).buffer);
			};
			ws.addEventListener('message', (e) => {
				got.push(typeof e.data === 'string' ? e.data : 'bytes:' + e.data.byteLength);
				if (got.length === 2) ws.close();
			});
			ws.onclose = (e) => console.log('close ' + e.code + ' after ' + got.join(' ') + ' state=' + ws.readyState);
		}`, nil)
	require.NoError(t, out.Err)
	assert.Empty(t, out.Logged)
	assert.Equal(t, []string{
		"state=0", "open readyState=1", "close 1000 after hello bytes:3 state=3",
		"state=0", "open readyState=1", "close 1000 after hello bytes:3 state=3",
	}, out.Console)
}

func TestWebSocketRefused(t *testing.T) {
	t.Parallel()
	url := echoServer(t)
	out := minik6test.RunSource(t, `import { WebSocket } from 'k6/websockets';
		export const options = { iterations: 1 };
		export default function () {
			const ws = new WebSocket('`+url+`'.replace(/:[0-9]+$/, ':1') + '/ws');
			ws.onerror = (e) => console.log('error ' + (e.error.length > 0));
			ws.onclose = (e) => console.log('close ' + e.code);
		}`, nil)
	require.NoError(t, out.Err)
	assert.Equal(t, []string{"error true", "close 1006"}, out.Console)
}
