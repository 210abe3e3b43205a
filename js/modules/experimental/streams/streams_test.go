package streams_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/minik6/minik6/js/modules/experimental/streams"
	_ "github.com/minik6/minik6/js/modules/timers"
	"github.com/minik6/minik6/minik6test"
)

func run(t *testing.T, body string) []string {
	t.Helper()
	out := minik6test.RunSource(t, `import { ReadableStream, ReadableStreamDefaultReader, CountQueuingStrategy } from 'k6/experimental/streams';
		import { setTimeout } from 'k6/timers';
		export const options = { iterations: 1 };
		const log = (...a) => console.log(a.join(' '));
		export default async function () {
			`+body+`
		}`, nil)
	require.NoError(t, out.Err, "%v", out.Logged)
	require.Empty(t, out.Logged)
	return out.Console
}

// k6's documented example: a source that enqueues from timers.
func TestTimerSource(t *testing.T) {
	t.Parallel()
	got := run(t, `
		let n = 0;
		const strategy = new CountQueuingStrategy({ highWaterMark: 5 });
		const stream = new ReadableStream({
			start(controller) {
				const fn = () => {
					if (n < 10) { controller.enqueue(++n); setTimeout(fn, 1); return; }
					controller.close();
				};
				setTimeout(fn, 1);
			},
		}, strategy);
		log('hwm', strategy.highWaterMark, 'size', strategy.size('anything'), stream instanceof ReadableStream, stream.locked);
		const reader = stream.getReader();
		log('locked', stream.locked);
		const got = [];
		while (true) {
			const { done, value } = await reader.read();
			if (done) break;
			got.push(value);
		}
		log('received', got.join(','));
		log('closed', await reader.closed, JSON.stringify(await reader.read()));`)
	assert.Equal(t, []string{"hwm 5 size 1 true false", "locked true", "received 1,2,3,4,5,6,7,8,9,10", "closed  {\"done\":true}"}, got)
}

// pull is called while the queue is below the high-water mark, one call at
// a time, and its promise is awaited.
func TestPullSource(t *testing.T) {
	t.Parallel()
	got := run(t, `
		const pulls = [];
		let n = 0;
		const stream = new ReadableStream({
			start(c) { pulls.push('start desired=' + c.desiredSize); },
			pull(c) {
				pulls.push('pull desired=' + c.desiredSize);
				return new Promise((resolve) => setTimeout(() => {
					n++;
					if (n > 4) { c.close(); } else { c.enqueue('chunk' + n); }
					resolve();
				}, 1));
			},
		}, { highWaterMark: 2 });
		const reader = new ReadableStreamDefaultReader(stream);
		await new Promise((r) => setTimeout(r, 30));
		log(pulls.join('; '));
		const seen = [];
		for (let r = await reader.read(); !r.done; r = await reader.read()) seen.push(r.value);
		log(seen.join(','), 'pulls', pulls.length - 1);

		// highWaterMark 0: pull only for a read.
		let calls = 0;
		const lazy = new ReadableStream({ pull(c) { calls++; c.enqueue(calls); } }, { highWaterMark: 0 });
		await new Promise((r) => setTimeout(r, 5));
		const before = calls;
		const first = await lazy.getReader().read();
		log('lazy', before, first.value, calls);

		// A size function and its high-water mark in bytes.
		const sized = new ReadableStream({
			start(c) { c.enqueue('abc'); log('desired', c.desiredSize); c.enqueue('de'); log('desired', c.desiredSize); c.close(); },
		}, { highWaterMark: 10, size: (chunk) => chunk.length });
		const sr = sized.getReader();
		log((await sr.read()).value, (await sr.read()).value, (await sr.read()).done);`)
	assert.Equal(t, []string{
		"start desired=2; pull desired=2; pull desired=1",
		"chunk1,chunk2,chunk3,chunk4 pulls 5",
		"lazy 0 1 1",
		"desired 7", "desired 5",
		"abc de true",
	}, got)
}

func TestCancelReleaseAndErrors(t *testing.T) {
	t.Parallel()
	got := run(t, `
		const err = async (p) => { try { await p; return 'resolved'; } catch (e) { return e.name + ': ' + e.message; } };
		const sync = (f) => { try { f(); return 'ok'; } catch (e) { return e.name + ': ' + e.message; } };

		// cancel: the source's cancel gets the reason; reads are done.
		let reason;
		const s1 = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); }, cancel(r) { reason = r; } });
		const r1 = s1.getReader();
		log('first', (await r1.read()).value);
		log('cancel', await r1.cancel('enough'), reason, JSON.stringify(await r1.read()));
		log('locked cancel', await err(s1.cancel()));
		r1.releaseLock();
		log('unlocked cancel', await s1.cancel(), s1.locked);

		// releaseLock rejects a waiting read and the closed promise; the stream can be read again.
		const s2 = new ReadableStream({});
		const r2 = s2.getReader();
		log('second reader', sync(() => s2.getReader()));
		const pending = r2.read();
		r2.releaseLock();
		log('released read', await err(pending), await err(r2.closed), await err(r2.read()));
		log('again', sync(() => s2.getReader()));

		// controller.error: reads and closed reject with the error; desiredSize is null.
		let ctl;
		const s3 = new ReadableStream({ start(c) { ctl = c; } });
		const r3 = s3.getReader();
		const waiting = r3.read();
		ctl.error(new Error('source broke'));
		log('errored', await err(waiting), await err(r3.closed), ctl.desiredSize, await err(s3.getReader ? r3.read() : null));
		log('enqueue after error', sync(() => ctl.enqueue(1)));

		// close: enqueue and close again are TypeErrors; queued chunks are still read.
		const s4 = new ReadableStream({ start(c) { c.enqueue('last'); c.close(); log('enqueue after close', sync(() => c.enqueue(2))); log('close twice', sync(() => c.close())); } });
		const r4 = s4.getReader();
		log('after close', (await r4.read()).value, (await r4.read()).done, await r4.closed);

		// a pull that rejects errors the stream; a start that throws throws from the constructor.
		const s5 = new ReadableStream({ pull() { return Promise.reject(new Error('pull failed')); } });
		log('pull rejects', await err(s5.getReader().read()));
		log('start throws', sync(() => new ReadableStream({ start() { throw new RangeError('bad start'); } })));

		// the arguments.
		log(sync(() => new ReadableStream({ type: 'bytes' })));
		log(sync(() => new ReadableStream({}, { highWaterMark: -1 })));
		log(sync(() => new ReadableStream({ pull: 1 })));
		log(sync(() => new ReadableStream(5)));
		log(sync(() => new ReadableStreamDefaultReader({})));
		log(sync(() => new CountQueuingStrategy()));
		const neg = new ReadableStream({ start(c) { log('negative size', sync(() => c.enqueue('x'))); } }, { size: () => -1 });
		log('after bad size', await err(neg.getReader().read()));`)
	assert.Equal(t, []string{
		"first 1",
		`cancel  enough {"done":true}`,
		"locked cancel TypeError: cannot cancel a stream locked to a reader",
		"unlocked cancel  false",
		"second reader TypeError: the stream is already locked to a reader",
		"released read TypeError: the reader has been released TypeError: the reader has been released TypeError: the reader has been released",
		"again ok",
		"errored Error: source broke Error: source broke  Error: source broke",
		"enqueue after error TypeError: cannot enqueue a chunk into a readable stream that is closed or has been requested to be closed",
		"enqueue after close TypeError: cannot enqueue a chunk into a readable stream that is closed or has been requested to be closed",
		"close twice TypeError: cannot close a readable stream that is closed or has been requested to be closed",
		"after close last true ",
		"pull rejects Error: pull failed",
		"start throws RangeError: bad start",
		"TypeError: 'bytes' stream is not supported yet",
		"RangeError: highWaterMark must be a non-negative number",
		"TypeError: underlyingSource.pull must be a function",
		"TypeError: underlyingSource must be an object",
		"TypeError: ReadableStreamDefaultReader needs a ReadableStream",
		"TypeError: CountQueuingStrategy needs an object with a highWaterMark",
		"negative size RangeError: the size of a chunk must be a finite, non-negative number",
		"after bad size RangeError: the size of a chunk must be a finite, non-negative number",
	}, got)
}
