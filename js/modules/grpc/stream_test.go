package grpc_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServerStreaming(t *testing.T) {
	t.Parallel()
	rg := loadRouteGuide(t)
	addr := rg.start(t)
	o := run(t, `import { Client, Stream } from 'k6/net/grpc';
		export const options = { iterations: 1 };
		const COORD_FACTOR = 1e7;
		const client = new Client();
		client.load([], 'route_guide.proto');
		export default () => {
			client.connect('$ADDR', { plaintext: true });
			const stream = new Stream(client, 'main.RouteGuide/ListFeatures', { tags: { kind: 'server' } });
			stream.on('data', (feature, md) => {
				console.log('Found feature called "' + feature.name + '" at ' + feature.location.latitude / COORD_FACTOR +
					', ' + feature.location.longitude / COORD_FACTOR + (md.ts > 0 ? '' : ' without ts'));
			});
			stream.on('end', () => {
				client.close();
				console.log('All done');
			});
			stream.on('error', (e) => console.log('error ' + e.message));
			stream.write({ lo: { latitude: 400000000, longitude: -750000000 }, hi: { latitude: 420000000, longitude: -745000000 } });
		}`, addr)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{
		`Found feature called "Patriots Path, Mendham, NJ 07945, USA" at 40.7838351, -74.6143763`,
		`Found feature called "U.S. 6, Shohola, PA 18458, USA" at 41.3628156, -74.9015468`,
		`Found feature called "3 Hasta Way, Newton, NJ 07860, USA" at 41.0248224, -74.7127767`,
		"All done",
	}, o.Console)
	assert.Equal(t, 1.0, o.Sum("grpc_streams"))
	assert.Equal(t, 1.0, o.Sum("grpc_streams_msgs_sent"))
	assert.Equal(t, 3.0, o.Sum("grpc_streams_msgs_received"))
	durations := o.Of("grpc_req_duration")
	require.Len(t, durations, 1)
	tags := durations[0].Tags.Map()
	assert.Equal(t, "0", tags["status"])
	assert.Equal(t, "server", tags["kind"])
	assert.Equal(t, "ListFeatures", tags["method"])
	streams := o.Of("grpc_streams")[0].Tags.Map()
	assert.Equal(t, addr+"/main.RouteGuide/ListFeatures", streams["url"])
	assert.NotContains(t, streams, "status")
}

func TestClientStreaming(t *testing.T) {
	t.Parallel()
	rg := loadRouteGuide(t)
	addr := rg.start(t)
	o := run(t, `import { Client, Stream } from 'k6/net/grpc';
		export const options = { iterations: 2 };
		const client = new Client();
		client.load([], 'route_guide.proto');
		const DB = [
			{ latitude: 407838351, longitude: -746143763 },
			{ latitude: 408122808, longitude: -743999179 },
			{ latitude: 1, longitude: 2 },
		];
		export default () => {
			if (__ITER == 0) {
				client.connect('$ADDR', { plaintext: true });
			}
			const stream = new Stream(client, 'main.RouteGuide/RecordRoute');
			stream.on('data', (stats) => {
				console.log('Finished trip with ' + stats.pointCount + ' points, passed ' + stats.featureCount +
					' features, traveled ' + stats.distance + ' meters');
			});
			stream.on('end', () => console.log('ended'));
			for (const p of DB) {
				stream.write(p);
			}
			stream.end();
			stream.write(DB[0]); // after end: nothing
		}`, addr)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{
		"Finished trip with 3 points, passed 2 features, traveled 0 meters", "ended",
		"Finished trip with 3 points, passed 2 features, traveled 0 meters", "ended",
	}, o.Console)
	assert.Equal(t, 6.0, o.Sum("grpc_streams_msgs_sent"))
	assert.Equal(t, 2.0, o.Sum("grpc_streams_msgs_received"))
}

func TestBidiStreaming(t *testing.T) {
	t.Parallel()
	rg := loadRouteGuide(t)
	addr := rg.start(t)
	o := run(t, `import { Client, Stream } from 'k6/net/grpc';
		export const options = { iterations: 1 };
		const client = new Client();
		client.load([], 'route_guide.proto');
		export default () => {
			client.connect('$ADDR', { plaintext: true });
			const stream = new Stream(client, 'main.RouteGuide/RouteChat', { metadata: { 'x-chat': 'yes' } });
			let got = 0;
			stream.on('data', (note) => {
				console.log(note.message + ' at ' + note.location.latitude);
				got++;
				if (got === 2) {
					stream.end();
				}
			});
			stream.on('end', () => console.log('end after ' + got));
			stream.write({ location: { latitude: 1, longitude: 1 }, message: 'first' });
			setTimeout(() => stream.write({ location: { latitude: 2, longitude: 2 }, message: 'second' }), 10);
		}`, addr)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{"echo: first at 1", "echo: second at 2", "end after 2"}, o.Console)
}

func TestStreamErrors(t *testing.T) {
	t.Parallel()
	rg := loadRouteGuide(t)
	addr := rg.start(t)
	o := run(t, `import { Client, Stream } from 'k6/net/grpc';
		export const options = { iterations: 1 };
		const client = new Client();
		client.load([], 'route_guide.proto');
		export default () => {
			try { new Stream(client, 'main.RouteGuide/RouteChat'); } catch (e) { console.log(e.message); }
			client.connect('$ADDR', { plaintext: true });
			try { new Stream({}, 'main.RouteGuide/RouteChat'); } catch (e) { console.log(e.message); }
			try { new Stream(null, 'main.RouteGuide/RouteChat'); } catch (e) { console.log(e.message); }
			try { new Stream(client, 'main.RouteGuide/Nope'); } catch (e) { console.log(e.message); }
			try { new Stream(client, 'main.RouteGuide/RouteChat', { bad: 1 }); } catch (e) { console.log(e.message); }
			const stream = new Stream(client, 'main.RouteGuide/RouteChat', { timeout: '200ms' });
			try { stream.on('data', 'not a function'); } catch (e) { console.log(e.message); }
			stream.on('nope', () => {});
			stream.on('error', (e) => console.log('error ' + e.code + ' ' + e.message));
			stream.on('end', () => console.log('end'));
			stream.write({ message: 'hang' });
			const bad = new Stream(client, 'main.RouteGuide/RouteChat');
			bad.on('error', (e) => console.log('bad ' + e.message));
			bad.write({ location: 'not a point' });
		}`, addr)
	require.NoError(t, o.Result.Err, o.LogText())
	for i, line := range o.Console {
		o.Console[i] = strings.ReplaceAll(line, "proto:\u00a0", "proto: ") // protobuf varies its errors' space
	}
	assert.Equal(t, []string{
		"invalid GRPC Stream's client: no gRPC connection, you must call connect first",
		"invalid GRPC Stream's client: not a gRPC client",
		"invalid GRPC Stream's client: empty gRPC client",
		`invalid GRPC Stream's method: method "/main.RouteGuide/Nope" not found in file descriptors`,
		`invalid GRPC Stream's parameters: unknown param: "bad"`,
		`handler for "data" event isn't a callable function`,
		"bad can't serialise request object to protocol buffer: proto: syntax error (line 1:13): unexpected token \"not a point\"",
		"error 4 context deadline exceeded",
		"end",
	}, o.Console)
	assert.Contains(t, o.LogText(), "can't register nope event handler: unknown GRPC stream's event type: nope")
	durations := o.Of("grpc_req_duration")
	require.Len(t, durations, 2)
}

// A hard stop ends the streams still open: the server sees them canceled,
// and the run ends at once, every connection closed.
func TestHardStopClosesStreams(t *testing.T) {
	t.Parallel()
	rg := loadRouteGuide(t)
	addr := rg.start(t)
	start := time.Now()
	o := run(t, `import { Client, Stream } from 'k6/net/grpc';
		export const options = { scenarios: { s: { executor: 'constant-vus', vus: 3, duration: '1s', gracefulStop: '0s' } } };
		const client = new Client();
		client.load([], 'route_guide.proto');
		export default () => {
			if (__ITER == 0) {
				client.connect('$ADDR', { plaintext: true });
			}
			const stream = new Stream(client, 'main.RouteGuide/RouteChat');
			stream.on('end', () => console.log('never'));
			stream.write({ message: 'hang' });
		}`, addr)
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Less(t, time.Since(start), 5*time.Second)
	assert.Empty(t, o.Console)
	require.Eventually(t, func() bool {
		rg.mu.Lock()
		defer rg.mu.Unlock()
		return rg.canceled == 3
	}, 5*time.Second, 10*time.Millisecond, o.LogText())
	require.Eventually(t, func() bool { return rg.open.Load() == 0 }, 5*time.Second, 10*time.Millisecond)
}
