package webcrypto_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestHMAC checks HMAC against RFC 4231's test case 2, key round trips and
// the errors.
func TestHMAC(t *testing.T) {
	t.Parallel()
	lines := runScript(t, `
	const data = text('what do ya want for nothing?');
	for (const hash of ['SHA-256', 'SHA-384', 'SHA-512']) {
		const key = await crypto.subtle.importKey('raw', text('Jefe'), { name: 'HMAC', hash }, false, ['sign', 'verify']);
		const sig = await crypto.subtle.sign('HMAC', key, data);
		console.log(hex(sig), await crypto.subtle.verify({ name: 'HMAC' }, key, sig, data),
			await crypto.subtle.verify('HMAC', key, sig, text('what do ya want for nothing!')),
			await crypto.subtle.verify('HMAC', key, sig.slice(1), data));
	}
	const jefe = await crypto.subtle.importKey('raw', text('Jefe'), { name: 'HMAC', hash: 'SHA-1', length: 25 }, true, ['sign']);
	console.log(JSON.stringify(jefe.algorithm));

	for (const [hash, length] of [['SHA-1', undefined], ['SHA-256', undefined], ['SHA-384', undefined], ['SHA-512', 160], ['SHA-256', 12]]) {
		const key = await crypto.subtle.generateKey({ name: 'HMAC', hash, length }, true, ['sign', 'verify']);
		const raw = await crypto.subtle.exportKey('raw', key);
		const jwk = await crypto.subtle.exportKey('jwk', key);
		const fromJWK = await crypto.subtle.importKey('jwk', jwk, { name: 'HMAC', hash }, false, ['verify']);
		const fromRaw = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash, length }, false, ['verify']);
		const sig = await crypto.subtle.sign('HMAC', key, data);
		console.log(hash, key.algorithm.length, raw.byteLength, jwk.alg, fromJWK.algorithm.length, fromRaw.algorithm.length,
			await crypto.subtle.verify('HMAC', fromJWK, sig, data), await crypto.subtle.verify('HMAC', fromRaw, sig, data));
	}

	const key = await crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
	const jwk = await crypto.subtle.exportKey('jwk', key);
	for (const [what, p] of [
		['verify usage', crypto.subtle.verify('HMAC', key, new Uint8Array(32), data)],
		['not extractable', crypto.subtle.exportKey('raw', await crypto.subtle.importKey('raw', text('x'), { name: 'HMAC', hash: 'SHA-1' }, false, ['sign']))],
		['spki', crypto.subtle.exportKey('spki', key)],
		['no hash', crypto.subtle.generateKey({ name: 'HMAC' }, true, ['sign'])],
		['length 0', crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256', length: 0 }, true, ['sign'])],
		['usage encrypt', crypto.subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, ['encrypt'])],
		['empty key', crypto.subtle.importKey('raw', new Uint8Array(0), { name: 'HMAC', hash: 'SHA-256' }, true, ['sign'])],
		['length too long', crypto.subtle.importKey('raw', text('Jefe'), { name: 'HMAC', hash: 'SHA-256', length: 33 }, true, ['sign'])],
		['length too short', crypto.subtle.importKey('raw', text('Jefe'), { name: 'HMAC', hash: 'SHA-256', length: 24 }, true, ['sign'])],
		['pkcs8', crypto.subtle.importKey('pkcs8', text('Jefe'), { name: 'HMAC', hash: 'SHA-256' }, true, ['sign'])],
		['jwk alg', crypto.subtle.importKey('jwk', jwk, { name: 'HMAC', hash: 'SHA-512' }, true, ['sign'])],
		['jwk use', crypto.subtle.importKey('jwk', { ...jwk, use: 'enc' }, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign'])],
		['jwk key_ops', crypto.subtle.importKey('jwk', jwk, { name: 'HMAC', hash: 'SHA-256' }, true, ['verify'])],
		['jwk key_ops type', crypto.subtle.importKey('jwk', { ...jwk, key_ops: 'sign' }, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign'])],
		['jwk oth', crypto.subtle.importKey('jwk', { ...jwk, oth: [] }, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign'])],
		['ECDSA name', crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, data)],
		['signature type', crypto.subtle.verify('HMAC', key, 'sig', data)],
	]) {
		console.log(what, await failure(p));
	}`)
	assert.Equal(t, []string{
		"5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843 true false false",
		"af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649 true false false",
		"164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737 true false false",
		`{"name":"HMAC","hash":{"name":"SHA-1"},"length":25}`,
		"SHA-1 512 64 HS1 512 512 true true",
		"SHA-256 512 64 HS256 512 512 true true",
		"SHA-384 1024 128 HS384 1024 1024 true true",
		"SHA-512 160 20 HS512 160 160 true true",
		"SHA-256 12 2 HS256 16 12 true true",
		"verify usage InvalidAccessError",
		"not extractable InvalidAccessError",
		"spki NotSupportedError",
		"no hash TypeError",
		"length 0 OperationError",
		"usage encrypt SyntaxError",
		"empty key DataError",
		"length too long DataError",
		"length too short DataError",
		"pkcs8 NotSupportedError",
		"jwk alg DataError",
		"jwk use DataError",
		"jwk key_ops DataError",
		"jwk key_ops type TypeError",
		"jwk oth DataError",
		"ECDSA name InvalidAccessError",
		"signature type TypeError",
	}, lines)
}
