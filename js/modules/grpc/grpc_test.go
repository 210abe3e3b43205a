package grpc_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	_ "github.com/minik6/minik6/js/modules/grpc"
	_ "github.com/minik6/minik6/js/modules/k6"
)

func TestInvoke(t *testing.T) {
	t.Parallel()
	rg := loadRouteGuide(t)
	addr := rg.start(t)
	o := run(t, `import grpc from 'k6/net/grpc';
		import { check } from 'k6';
		export const options = { iterations: 2 };
		const client = new grpc.Client();
		const methods = client.load([], 'route_guide.proto');
		export default () => {
			if (__ITER == 0) {
				console.log('connected=' + client.connect('$ADDR', { plaintext: true, timeout: '5s' }));
				console.log(JSON.stringify(methods.map((m) => [m.package, m.service, m.full_method, m.name, m.is_client_stream, m.is_server_stream])));
			}
			const res = client.invoke('main.RouteGuide/GetFeature', { latitude: 410248224, longitude: -747127767 },
				{ metadata: { 'x-my-header': 'k6test', 'x-my-header-bin': new Uint8Array([1, 2, 3]) }, tags: { k6test: 'yes' } });
			check(res, { 'status is OK': (r) => r && r.status === grpc.StatusOK });
			console.log(res.status + ' ' + res.message.name + ' ' + JSON.stringify(res.message.location) +
				' echo=' + res.headers['x-echo'] + ' trailer=' + res.trailers['x-trailer'] + ' error=' + res.error);
			const none = client.invoke('/main.RouteGuide/GetFeature', { latitude: 1 });
			console.log('unnamed=' + JSON.stringify(none.message));
		}`, addr)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{
		"connected=true",
		`[["main","RouteGuide","/main.RouteGuide/GetFeature","GetFeature",false,false],` +
			`["main","RouteGuide","/main.RouteGuide/ListFeatures","ListFeatures",false,true],` +
			`["main","RouteGuide","/main.RouteGuide/RecordRoute","RecordRoute",true,false],` +
			`["main","RouteGuide","/main.RouteGuide/RouteChat","RouteChat",true,true]]`,
		`0 3 Hasta Way, Newton, NJ 07860, USA {"latitude":410248224,"longitude":-747127767} echo=k6test trailer=done error=null`,
		`unnamed={"name":"","location":{"latitude":1,"longitude":0}}`,
		`0 3 Hasta Way, Newton, NJ 07860, USA {"latitude":410248224,"longitude":-747127767} echo=k6test trailer=done error=null`,
		`unnamed={"name":"","location":{"latitude":1,"longitude":0}}`,
	}, o.Console)
	rg.mu.Lock()
	assert.Equal(t, []string{"\x01\x02\x03"}, rg.lastMD.Get("x-my-header-bin"))
	rg.mu.Unlock()

	durations := o.Of("grpc_req_duration")
	require.Len(t, durations, 4)
	tags := durations[0].Tags.Map()
	assert.Equal(t, addr+"/main.RouteGuide/GetFeature", tags["url"])
	assert.Equal(t, "/main.RouteGuide/GetFeature", tags["name"])
	assert.Equal(t, "main.RouteGuide", tags["service"])
	assert.Equal(t, "GetFeature", tags["method"])
	assert.Equal(t, "0", tags["status"])
	assert.Equal(t, "yes", tags["k6test"])
	assert.Equal(t, "default", tags["scenario"])
	assert.NotContains(t, durations[1].Tags.Map(), "k6test")
	assert.Equal(t, 2.0, o.Sum("checks"))
	assert.Greater(t, o.Sum("data_sent"), 100.0)
	assert.Greater(t, o.Sum("data_received"), 100.0)
}

func TestInvokeStatusError(t *testing.T) {
	t.Parallel()
	rg := loadRouteGuide(t)
	addr := rg.start(t)
	o := run(t, `import grpc from 'k6/net/grpc';
		export const options = { iterations: 1 };
		const client = new grpc.Client();
		client.load(null, 'route_guide.proto');
		const small = new grpc.Client();
		small.load([], 'route_guide.proto');
		export default () => {
			client.connect('$ADDR', { plaintext: true });
			const res = client.invoke('main.RouteGuide/GetFeature', { latitude: -5 }, { tags: { name: 'south' } });
			console.log((res.status === grpc.StatusNotFound) + ' ' + JSON.stringify(res.error) + ' ' + JSON.stringify(res.message));
			const fast = client.invoke('main.RouteGuide/GetFeature', { latitude: 1 }, { discardResponseMessage: true, timeout: 5000 });
			console.log(fast.status + ' ' + fast.message);
			client.close();
			small.connect('$ADDR', { plaintext: true, maxReceiveSize: 10 });
			const big = small.invoke('main.RouteGuide/GetFeature', { latitude: 407838351, longitude: -746143763 },
				{ authority: 'route.guide.test', metadata: { 'x-my-header': 'a' } });
			console.log((big.status === grpc.StatusResourceExhausted) + ' ' + big.error.code);
		}`, addr)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{
		`true {"code":5,"message":"no feature south of the equator","details":[]} {"name":"","location":null}`,
		"0 null",
		"true 8",
	}, o.Console, o.LogText())
	rg.mu.Lock()
	assert.Equal(t, []string{"route.guide.test"}, rg.lastMD.Get(":authority"))
	rg.mu.Unlock()
	durations := o.Of("grpc_req_duration")
	require.Len(t, durations, 3)
	assert.Equal(t, "5", durations[0].Tags.Map()["status"])
	assert.Equal(t, "8", durations[2].Tags.Map()["status"])
	assert.Equal(t, "south", durations[0].Tags.Map()["name"])
}

func TestStatusConstants(t *testing.T) {
	t.Parallel()
	o := run(t, `import grpc from 'k6/net/grpc';
		export const options = { iterations: 1 };
		export default () => {
			console.log([grpc.StatusOK, grpc.StatusCanceled, grpc.StatusUnknown, grpc.StatusInvalidArgument,
				grpc.StatusDeadlineExceeded, grpc.StatusNotFound, grpc.StatusAlreadyExists, grpc.StatusPermissionDenied,
				grpc.StatusResourceExhausted, grpc.StatusFailedPrecondition, grpc.StatusAborted, grpc.StatusOutOfRange,
				grpc.StatusUnimplemented, grpc.StatusInternal, grpc.StatusUnavailable, grpc.StatusDataLoss,
				grpc.StatusUnauthenticated].join(','));
		}`, "")
	require.NoError(t, o.Result.Err)
	assert.Equal(t, []string{"0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16"}, o.Console)
}

func TestAsyncInvoke(t *testing.T) {
	t.Parallel()
	rg := loadRouteGuide(t)
	addr := rg.start(t)
	o := run(t, `import grpc from 'k6/net/grpc';
		export const options = { iterations: 1 };
		const client = new grpc.Client();
		client.load([], 'route_guide.proto');
		export default async () => {
			client.connect('$ADDR', { plaintext: true });
			const all = await Promise.all(features().map((p) => client.asyncInvoke('main.RouteGuide/GetFeature', p)));
			console.log(all.map((r) => r.status + ':' + r.message.name).join('|'));
			try {
				await client.asyncInvoke('main.RouteGuide/Nope', {});
			} catch (e) {
				console.log('rejected: ' + e.message);
			}
		}
		function features() {
			return [{ latitude: 407838351, longitude: -746143763 }, { latitude: 408122808, longitude: -743999179 }];
		}`, addr)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{
		"0:Patriots Path, Mendham, NJ 07945, USA|0:101 New Jersey 10, Whippany, NJ 07981, USA",
		`rejected: method "/main.RouteGuide/Nope" not found in file descriptors`,
	}, o.Console)
	assert.Len(t, o.Of("grpc_req_duration"), 2)
}

func TestReflection(t *testing.T) {
	t.Parallel()
	rg := loadRouteGuide(t)
	for name, addr := range map[string]string{"v1": rg.start(t), "v1alpha": rg.startOldReflection(t)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			o := run(t, `import grpc from 'k6/net/grpc';
				export const options = { iterations: 1 };
				const client = new grpc.Client();
				export default () => {
					client.connect('$ADDR', { plaintext: true, reflect: true, reflectMetadata: { 'x-token': 'abc' } });
					const res = client.invoke('main.RouteGuide/GetFeature', { latitude: 407838351, longitude: -746143763 });
					console.log(res.status + ' ' + res.message.name);
					client.close();
				}`, addr)
			require.NoError(t, o.Result.Err, o.LogText())
			assert.Equal(t, []string{"0 Patriots Path, Mendham, NJ 07945, USA"}, o.Console, o.LogText())
			// k6's reflection stream ends by cancellation, whose sample k6
			// drops: only the invoke has one.
			assert.Len(t, o.Of("grpc_req_duration"), 1)
		})
	}
}

func TestLoadProtoset(t *testing.T) {
	t.Parallel()
	rg := loadRouteGuide(t)
	addr := rg.start(t)
	o := runFiles(t, `import grpc from 'k6/net/grpc';
		export const options = { iterations: 1 };
		const client = new grpc.Client();
		const methods = client.loadProtoset('route_guide.protoset');
		export default () => {
			client.connect('$ADDR', { plaintext: true });
			const res = client.invoke('main.RouteGuide/GetFeature', { latitude: 407838351, longitude: -746143763 });
			console.log(methods.length + ' ' + res.message.name);
		}`, addr, map[string]string{"/test/route_guide.protoset": protoset(t, rg)})
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{"4 Patriots Path, Mendham, NJ 07945, USA"}, o.Console)
}

func TestImportPaths(t *testing.T) {
	t.Parallel()
	rg := loadRouteGuide(t)
	addr := rg.start(t)
	o := runFiles(t, `import grpc from 'k6/net/grpc';
		export const options = { iterations: 1 };
		const client = new grpc.Client();
		client.load(['protos', 'shared'], 'wrapper.proto');
		export default () => {
			client.connect('$ADDR', { plaintext: true });
			const res = client.invoke('main.RouteGuide/GetFeature', { latitude: 407838351, longitude: -746143763 });
			console.log(res.message.name);
		}`, addr, map[string]string{
		"/test/protos/wrapper.proto": `syntax = "proto3";
			package wrapper;
			import "route_guide.proto";
			import "google/protobuf/timestamp.proto";
			message Stamped { main.Point at = 1; google.protobuf.Timestamp when = 2; }`,
		"/test/shared/route_guide.proto": fixture(t),
	})
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{"Patriots Path, Mendham, NJ 07945, USA"}, o.Console)
}

func TestHealthCheck(t *testing.T) {
	t.Parallel()
	rg := loadRouteGuide(t)
	hs := health.NewServer()
	hs.SetServingStatus("main.RouteGuide", healthpb.HealthCheckResponse_SERVING)
	hs.SetServingStatus("down", healthpb.HealthCheckResponse_NOT_SERVING)
	addr := rg.serve(t, func(s *grpc.Server) { healthpb.RegisterHealthServer(s, hs) })
	bare := rg.start(t)
	o := run(t, strings.ReplaceAll(`import grpc from 'k6/net/grpc';
		export const options = { iterations: 1 };
		const client = new grpc.Client();
		export default () => {
			console.log([grpc.HealthCheckUnknown, grpc.HealthCheckServing, grpc.HealthCheckNotServing, grpc.HealthCheckServiceUnkown].join(','));
			try { client.healthCheck(); } catch (e) { console.log(e.message); }
			client.connect('$ADDR', { plaintext: true });
			const all = client.healthCheck();
			console.log('server ' + all.status + ' ' + (all.message.status === grpc.HealthCheckServing));
			const svc = client.healthCheck('main.RouteGuide');
			console.log('service ' + svc.status + ' ' + svc.message.status + ' ' + JSON.stringify(svc.error));
			console.log('down ' + client.healthCheck('down').message.status);
			const unknown = client.healthCheck('nope');
			console.log('unknown ' + unknown.status + ' ' + unknown.message + ' ' + unknown.error.message);
			client.close();
			client.connect('$BARE', { plaintext: true });
			const none = client.healthCheck();
			console.log('no health service ' + none.status + ' ' + none.error.code);
		}`, "$BARE", bare), addr)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{
		"0,1,2,3",
		"no gRPC connection, you must call connect first",
		"server 0 true",
		"service 0 1 null",
		"down 2",
		"unknown 5 null unknown service",
		"no health service 12 12",
	}, o.Console)
	durations := o.Of("grpc_req_duration")
	require.Len(t, durations, 5)
	tags := durations[4].Tags.Map()
	assert.Equal(t, "12", tags["status"])
	assert.Equal(t, "default", tags["scenario"])
	assert.NotContains(t, tags, "name", "k6 tags the calls it makes on its own with the VU's tags only")
}

func TestConnectAuthority(t *testing.T) {
	t.Parallel()
	rg := loadRouteGuide(t)
	addr := rg.start(t)
	o := run(t, `import grpc from 'k6/net/grpc';
		export const options = { iterations: 1 };
		const client = new grpc.Client();
		client.load([], 'route_guide.proto');
		export default () => {
			try { client.connect('$ADDR', { plaintext: true, authority: 1 }); } catch (e) { console.log(e.message); }
			client.connect('$ADDR', { plaintext: true, authority: 'conn.authority.test' });
			const res = client.invoke('main.RouteGuide/GetFeature', { latitude: 407838351, longitude: -746143763 },
				{ metadata: { 'x-my-header': 'a' } });
			console.log(res.status);
		}`, addr)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{"invalid grpc.connect() parameters: invalid authority value: '1', it needs to be a string", "0"}, o.Console)
	rg.mu.Lock()
	defer rg.mu.Unlock()
	assert.Equal(t, []string{"conn.authority.test"}, rg.lastMD.Get(":authority"))
}
