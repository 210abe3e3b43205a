package webcrypto_test

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/minik6/minik6/js/modules/webcrypto"
	"github.com/minik6/minik6/minik6test"
)

// prelude holds the test scripts' helpers: hex and unhex, text (the bytes of
// a Latin-1 string), and failure (the name of what a promise rejects with,
// "ok" when it fulfils).
const prelude = `
const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (s) => new Uint8Array((s.match(/../g) || []).map((h) => parseInt(h, 16)));
const text = (s) => new Uint8Array(Array.from(s, (c) => c.charCodeAt(0)));
async function failure(p) {
	try { await p; return 'ok'; } catch (e) { return e.name; }
}
`

// runScript runs body as the default function (async) of a script that
// starts with prelude, and returns what it logged to the console. The
// iteration must not throw.
func runScript(t *testing.T, body string) []string {
	t.Helper()
	out := minik6test.RunSource(t, prelude+"export default async function () {\n"+body+"\n}\n", nil)
	require.NoError(t, out.Err)
	require.Empty(t, out.Logged)
	return out.Console
}

// unhex decodes hex, or fails t.
func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func TestCryptoGlobal(t *testing.T) {
	t.Parallel()
	out := minik6test.RunSource(t, `export default function () {
		const id = crypto.randomUUID();
		console.log(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id) + ' ' + (id !== crypto.randomUUID()));
		const a = new Uint8Array(64);
		console.log((crypto.getRandomValues(a) === a) + ' ' + a.some((x) => x !== 0));
		const u32 = crypto.getRandomValues(new Uint32Array(new ArrayBuffer(32), 8, 4));
		console.log(u32.length + ' ' + u32.some((x) => x !== 0));
		for (const bad of [new Float32Array(4), new Uint8Array(65537), 'x']) {
			try { crypto.getRandomValues(bad); console.log('no error'); } catch (e) { console.log(e.name); }
		}
	}`, nil)
	require.NoError(t, out.Err)
	assert.Equal(t, []string{"true true", "true true", "4 true", "TypeMismatchError", "QuotaExceededError", "TypeMismatchError"}, out.Console)
}

func TestExperimentalModule(t *testing.T) {
	t.Parallel()
	out := minik6test.RunSource(t, `import { crypto as webcrypto } from 'k6/experimental/webcrypto';
	export default async function () {
		console.log(webcrypto === crypto, webcrypto.subtle === crypto.subtle);
		const key = await webcrypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
		const sig = await crypto.subtle.sign('HMAC', key, new Uint8Array(4));
		console.log(sig.byteLength);
	}`, nil)
	require.NoError(t, out.Err)
	require.Empty(t, out.Logged)
	assert.Equal(t, []string{"true true", "32"}, out.Console)
}

func TestDigest(t *testing.T) {
	t.Parallel()
	lines := runScript(t, `
	const abc = text('abc');
	for (const alg of ['SHA-1', 'sha-256', { name: 'SHA-384' }, 'Sha-512']) {
		console.log(hex(await crypto.subtle.digest(alg, abc)));
	}
	// a DataView and a typed array over part of a buffer, an empty buffer
	const buf = new Uint8Array([0, 0x61, 0x62, 0x63, 0]).buffer;
	console.log(hex(await crypto.subtle.digest('SHA-256', new DataView(buf, 1, 3))));
	console.log(hex(await crypto.subtle.digest('SHA-256', new Uint8Array(buf).subarray(1, 4))));
	console.log(hex(await crypto.subtle.digest('SHA-256', new ArrayBuffer(0))));
	const p = crypto.subtle.digest('SHA-256', abc);
	console.log(p instanceof Promise, (await p) instanceof ArrayBuffer);
	for (const [alg, data] of [['MD5', abc], ['SHA-256', 'abc'], ['SHA-256', [1, 2]], [{}, abc], ['SHA-256', { length: 2 }]]) {
		console.log(await failure(crypto.subtle.digest(alg, data)));
	}`)
	assert.Equal(t, []string{
		"a9993e364706816aba3e25717850c26c9cd0d89d",
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
		"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"true true",
		"NotSupportedError", "TypeError", "TypeError", "TypeError", "TypeError",
	}, lines)
}

// TestDigestOrder checks that a digest's promise settles after the calling
// code, whether its input is small (hashed at once) or large (hashed on
// another goroutine), and that the data is read when digest is called.
func TestDigestOrder(t *testing.T) {
	t.Parallel()
	lines := runScript(t, `
	const log = [];
	const small = new Uint8Array(16), large = new Uint8Array(100 * 1024);
	const p = crypto.subtle.digest('SHA-256', small);
	p.then(() => log.push('small'));
	const q = crypto.subtle.digest('SHA-256', large);
	q.then(() => log.push('large'));
	Promise.resolve().then(() => log.push('job'));
	log.push('sync');
	small[0] = 1;
	large[0] = 1;
	const [a, b] = await Promise.all([p, q]);
	console.log(log.join(' '));
	console.log(hex(a) === hex(await crypto.subtle.digest('SHA-256', new Uint8Array(16))),
		hex(b) === hex(await crypto.subtle.digest('SHA-256', new Uint8Array(100 * 1024))));`)
	assert.Equal(t, []string{"sync small job large", "true true"}, lines)
}

// TestCryptoKeyAndErrors checks the shape of CryptoKey objects and of the
// errors, and that a method rejects rather than throws.
func TestCryptoKeyAndErrors(t *testing.T) {
	t.Parallel()
	lines := runScript(t, `
	const key = await crypto.subtle.generateKey({ name: 'HMAC', hash: { name: 'SHA-256' } }, true, ['verify', 'sign', 'sign']);
	console.log(JSON.stringify(key));
	console.log(Object.prototype.toString.call(key));
	try { key.type = 'public'; } catch (e) { console.log(e.name, key.type); }

	const p = crypto.subtle.encrypt();
	console.log(p instanceof Promise);
	try { await p; } catch (e) { console.log(e instanceof TypeError, e.name); }
	try {
		await crypto.subtle.digest('MD5', new Uint8Array(1));
	} catch (e) {
		console.log(e instanceof Error, JSON.stringify(e));
		console.log(String(e));
	}
	// what a getter of the arguments throws is the rejection
	try {
		await crypto.subtle.digest({ get name() { throw new RangeError('boom'); } }, new Uint8Array(1));
	} catch (e) {
		console.log(e.name, e.message);
	}
	console.log(await failure(crypto.subtle.sign('HMAC', { type: 'secret' }, new Uint8Array(1))));
	console.log(await failure(crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, ['sign', 'fly'])));
	console.log(await failure(crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, 'sign')));
	console.log(await failure(crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, [])));
	console.log(await failure(crypto.subtle.exportKey('pem', key)));
	console.log(await failure(crypto.subtle.generateKey({ name: 'HMAC', hash: 'MD5' }, true, ['sign'])));`)
	assert.Equal(t, []string{
		`{"type":"secret","extractable":true,"algorithm":{"name":"HMAC","hash":{"name":"SHA-256"},"length":512},"usages":["sign","verify"]}`,
		"[object CryptoKey]",
		"TypeError secret",
		"true",
		"true TypeError",
		`true {"name":"NotSupportedError","message":"digest does not support the algorithm \"MD5\""}`,
		`NotSupportedError: digest does not support the algorithm "MD5"`,
		"RangeError boom",
		"TypeError", "TypeError", "TypeError", "SyntaxError", "TypeError", "NotSupportedError",
	}, lines)
}
