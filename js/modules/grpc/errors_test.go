package grpc_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/minik6test"
)

// closedAddr is an address on 127.0.0.1 where nothing listens.
func closedAddr(t *testing.T) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := lis.Addr().String()
	require.NoError(t, lis.Close())
	return addr
}

func TestErrorMessages(t *testing.T) {
	t.Parallel()
	rg := loadRouteGuide(t)
	addr := rg.start(t)
	refused := closedAddr(t)
	start := time.Now()
	o := run(t, `import grpc from 'k6/net/grpc';
		export const options = { iterations: 1 };
		const client = new grpc.Client();
		client.load([], 'route_guide.proto');
		try { client.connect('$ADDR', { plaintext: true }); } catch (e) { console.log(e.message); }
		try { client.invoke('main.RouteGuide/GetFeature', {}); } catch (e) { console.log(e.message); }
		const tries = [
			() => client.invoke('main.RouteGuide/GetFeature', {}),
			() => client.connect('`+refused+`', { plaintext: true }),
			() => client.connect('$ADDR', { plaintext: 'yes' }),
			() => client.connect('$ADDR', { plaintext: true, timeout: 'soon' }),
			() => client.connect('$ADDR', { plaintext: true, bogus: 1 }),
			() => client.connect('$ADDR', { plaintext: true, maxReceiveSize: -1 }),
			() => client.connect('$ADDR', { tls: { cacerts: 'not a cert' } }),
			() => client.load([], 'route_guide.proto'),
			() => client.connect('$ADDR', { plaintext: true }) && 'connected',
			() => client.invoke('main.RouteGuide/Nope', {}),
			() => client.invoke('', {}),
			() => client.invoke('main.RouteGuide/GetFeature', null),
			() => client.invoke('main.RouteGuide/GetFeature', {}, { timeout: {} }),
			() => client.invoke('main.RouteGuide/GetFeature', {}, { metadata: { 'x-bin': 'text' } }),
			() => client.invoke('main.RouteGuide/GetFeature', {}, { metadata: { 'x-a': 1 } }),
			() => client.invoke('main.RouteGuide/GetFeature', { nope: 1 }),
		];
		export default () => {
			for (const f of tries) {
				try { console.log(f()); } catch (e) { console.log(e.message); }
			}
		}`, addr)
	require.NoError(t, o.Result.Err, o.LogText())
	for i, line := range o.Console {
		o.Console[i] = strings.ReplaceAll(line, "proto:\u00a0", "proto: ") // protobuf varies its errors' space
	}
	// The init context runs more than once (for the options, for each VU).
	inits := 0
	for inits+1 < len(o.Console) && o.Console[inits] == "connecting to a gRPC server in the init context is not supported" &&
		o.Console[inits+1] == "invoking RPC methods in the init context is not supported" {
		inits += 2
	}
	assert.NotZero(t, inits)
	assert.Equal(t, []string{
		"no gRPC connection, you must call connect first",
		`connection error: desc = "transport: error while dialing: dial tcp ` + refused + `: connect: connection refused"`,
		`invalid grpc.connect() parameters: invalid plaintext value: '"yes"', it needs to be boolean`,
		`invalid grpc.connect() parameters: invalid timeout value: invalid duration "soon": use a number with a unit, like 30s, 1m30s, 500ms or 1d`,
		`invalid grpc.connect() parameters: unknown connect param: "bogus"`,
		`invalid grpc.connect() parameters: invalid maxReceiveSize value: '-1, it needs to be a positive integer`,
		"failed to append ca certificate [0] from PEM",
		"load must be called in the init context",
		"connected",
		`method "/main.RouteGuide/Nope" not found in file descriptors`,
		"method to invoke cannot be empty",
		"request cannot be nil",
		`invalid GRPC's client.invoke() parameters: invalid timeout value: "[object Object]" is not a duration`,
		`invalid GRPC's client.invoke() parameters: invalid metadata param: "x-bin" value must be binary`,
		`invalid GRPC's client.invoke() parameters: invalid metadata param: "x-a" value must be a string`,
		`unable to serialise request object to protocol buffer: proto: (line 1:2): unknown field "nope"`,
	}, o.Console[inits:])
	assert.Less(t, time.Since(start), 10*time.Second, "a refused connection fails at once")
}

// An exception from the module is the script's error, with k6's message and
// the script's stack, never Go's.
func TestUncaughtErrorHasNoGoStack(t *testing.T) {
	t.Parallel()
	o := run(t, `import grpc from 'k6/net/grpc';
		export const options = { iterations: 1 };
		const client = new grpc.Client();
		client.load([], 'route_guide.proto');
		export default () => {
			client.connect('`+closedAddr(t)+`', { plaintext: true });
		}`, "")
	require.NoError(t, o.Result.Err)
	text := o.LogText()
	assert.Contains(t, text, "connect: connection refused")
	assert.Contains(t, text, "at connect (native)")
	assert.Contains(t, text, "script.js:6")
	assert.NotContains(t, text, "goroutine")
	assert.NotContains(t, text, ".go:")
	assert.NotContains(t, text, "github.com")
}

func TestBadProto(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		files map[string]string
		want  string
	}{
		"syntax": {
			files: map[string]string{"/test/route_guide.proto": "syntax = \"proto3\";\nmessage Point {\n  int32 latitude = ;\n}\n"},
			want:  "route_guide.proto:3:20: syntax error: unexpected ';'",
		},
		"unknown type": {
			files: map[string]string{"/test/route_guide.proto": "syntax = \"proto3\";\nmessage Point {\n  Nowhere at = 1;\n}\n"},
			want:  `route_guide.proto:3:3: field Point.at: unknown type Nowhere`,
		},
		"missing file": {
			want: "route_guide.proto",
		},
		"missing import": {
			files: map[string]string{"/test/route_guide.proto": "syntax = \"proto3\";\nimport \"gone.proto\";\n"},
			want:  "gone.proto",
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			logger, _ := logtest.NewNullLogger()
			_, err := minik6test.LoadScript(`import grpc from 'k6/net/grpc';
				const client = new grpc.Client();
				client.load([], 'route_guide.proto');
				export default () => {};`, logger, logrus.New(), tc.files)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "github.com")
		})
	}
}

func TestNetworkOptions(t *testing.T) {
	t.Parallel()
	rg := loadRouteGuide(t)
	addr := rg.start(t)
	_, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	start := time.Now()
	o := run(t, `import grpc from 'k6/net/grpc';
		export const options = {
			iterations: 1,
			hosts: { 'route.guide.test': '127.0.0.1', 'blocked.test': '127.0.0.2' },
			blockHostnames: ['*.blocked.example'],
			blacklistIPs: ['127.0.0.2/32'],
			userAgent: 'minik6-grpc-test',
		};
		const client = new grpc.Client();
		client.load([], 'route_guide.proto');
		export default () => {
			client.connect('route.guide.test:`+port+`', { plaintext: true });
			const res = client.invoke('main.RouteGuide/GetFeature', { latitude: 407838351, longitude: -746143763 });
			console.log(res.message.name);
			for (const target of ['www.blocked.example:`+port+`', 'blocked.test:`+port+`']) {
				try { client.connect(target, { plaintext: true }); } catch (e) { console.log(e.message); }
			}
		}`, addr)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{
		"Patriots Path, Mendham, NJ 07945, USA",
		`connection error: desc = "transport: error while dialing: hostname (www.blocked.example) is in a blocked pattern (*.blocked.example)"`,
		`connection error: desc = "transport: error while dialing: IP (127.0.0.2) is in a blacklisted range (127.0.0.2/32)"`,
	}, o.Console)
	assert.Less(t, time.Since(start), 10*time.Second, "a blocked host fails at once")
}
