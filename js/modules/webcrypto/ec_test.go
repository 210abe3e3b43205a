package webcrypto_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestECDSA signs and verifies on every curve, through keys exported and
// imported in every format.
func TestECDSA(t *testing.T) {
	t.Parallel()
	lines := runScript(t, `
	for (const [namedCurve, hash] of [['P-256', 'SHA-256'], ['P-384', 'SHA-384'], ['P-521', 'SHA-512'], ['P-256', 'SHA-1']]) {
		const alg = { name: 'ECDSA', namedCurve };
		const pair = await crypto.subtle.generateKey(alg, true, ['sign', 'verify']);
		const data = text('hello ' + namedCurve);
		const sig = await crypto.subtle.sign({ name: 'ECDSA', hash }, pair.privateKey, data);
		const verify = (key, s = sig, d = data) => crypto.subtle.verify({ name: 'ECDSA', hash }, key, s, d);
		const spki = await crypto.subtle.exportKey('spki', pair.publicKey);
		const raw = await crypto.subtle.exportKey('raw', pair.publicKey);
		const jwk = await crypto.subtle.exportKey('jwk', pair.publicKey);
		const pkcs8 = await crypto.subtle.exportKey('pkcs8', pair.privateKey);
		const privateJWK = await crypto.subtle.exportKey('jwk', pair.privateKey);
		const publics = [
			await crypto.subtle.importKey('spki', spki, alg, true, ['verify']),
			await crypto.subtle.importKey('raw', raw, alg, true, ['verify']),
			await crypto.subtle.importKey('jwk', jwk, alg, true, ['verify']),
		];
		const privates = [
			await crypto.subtle.importKey('pkcs8', pkcs8, alg, false, ['sign']),
			await crypto.subtle.importKey('jwk', privateJWK, alg, false, ['sign']),
		];
		const checks = [];
		for (const key of publics) checks.push(await verify(key));
		for (const key of privates) checks.push(await verify(pair.publicKey, await crypto.subtle.sign({ name: 'ECDSA', hash }, key, data)));
		console.log(namedCurve, hash, sig.byteLength, raw.byteLength, jwk.crv, jwk.d === undefined, privateJWK.d.length > 0,
			pair.publicKey.usages.join(), pair.privateKey.usages.join(), pair.publicKey.extractable,
			await verify(pair.publicKey), await verify(pair.publicKey, sig, text('other')), await verify(pair.publicKey, sig.slice(1)),
			checks.join());
	}
	const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
	console.log(JSON.stringify(pair.publicKey), pair.privateKey.extractable);`)
	assert.Equal(t, []string{
		"P-256 SHA-256 64 65 P-256 true true verify sign true true false false true,true,true,true,true",
		"P-384 SHA-384 96 97 P-384 true true verify sign true true false false true,true,true,true,true",
		"P-521 SHA-512 132 133 P-521 true true verify sign true true false false true,true,true,true,true",
		"P-256 SHA-1 64 65 P-256 true true verify sign true true false false true,true,true,true,true",
		`{"type":"public","extractable":true,"algorithm":{"name":"ECDSA","namedCurve":"P-256"},"usages":["verify"]} false`,
	}, lines)
}

// TestECDH derives shared secrets (bits and keys) on every curve.
func TestECDH(t *testing.T) {
	t.Parallel()
	lines := runScript(t, `
	for (const namedCurve of ['P-256', 'P-384', 'P-521']) {
		const alg = { name: 'ECDH', namedCurve };
		const alice = await crypto.subtle.generateKey(alg, true, ['deriveBits', 'deriveKey']);
		const bob = await crypto.subtle.generateKey(alg, false, ['deriveBits', 'deriveKey']);
		const ab = await crypto.subtle.deriveBits({ name: 'ECDH', public: bob.publicKey }, alice.privateKey);
		const ba = await crypto.subtle.deriveBits({ name: 'ECDH', public: alice.publicKey }, bob.privateKey, null);
		const short = await crypto.subtle.deriveBits({ name: 'ECDH', public: alice.publicKey }, bob.privateKey, 128);
		const twelve = new Uint8Array(await crypto.subtle.deriveBits({ name: 'ECDH', public: alice.publicKey }, bob.privateKey, 12));
		// Alice's public key, exported and imported again, works the same
		const alicePublic = await crypto.subtle.importKey('raw', await crypto.subtle.exportKey('raw', alice.publicKey), alg, true, []);
		const again = await crypto.subtle.deriveBits({ name: 'ECDH', public: alicePublic }, bob.privateKey);
		const alicePrivate = await crypto.subtle.importKey('jwk', await crypto.subtle.exportKey('jwk', alice.privateKey), alg, false, ['deriveBits']);
		const fromJWK = await crypto.subtle.deriveBits({ name: 'ECDH', public: bob.publicKey }, alicePrivate);
		console.log(namedCurve, ab.byteLength, hex(ab) === hex(ba), hex(short) === hex(ab).slice(0, 32),
			twelve.length, twelve[0] === new Uint8Array(ab)[0], twelve[1] === (new Uint8Array(ab)[1] & 0xf0),
			hex(again) === hex(ab), hex(fromJWK) === hex(ab), bob.publicKey.usages.length, alice.privateKey.usages.join());

		const sending = await crypto.subtle.deriveKey({ name: 'ECDH', public: bob.publicKey }, alice.privateKey, { name: 'AES-GCM', length: 256 }, false, ['encrypt']);
		const receiving = await crypto.subtle.deriveKey({ name: 'ECDH', public: alice.publicKey }, bob.privateKey, { name: 'AES-GCM', length: 256 }, false, ['decrypt']);
		const iv = crypto.getRandomValues(new Uint8Array(12));
		const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, sending, text('for bob'));
		console.log(hex(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, receiving, sealed)) === hex(text('for bob')));
	}`)
	assert.Equal(t, []string{
		"P-256 32 true true 2 true true true true 0 deriveKey,deriveBits", "true",
		"P-384 48 true true 2 true true true true 0 deriveKey,deriveBits", "true",
		"P-521 66 true true 2 true true true true 0 deriveKey,deriveBits", "true",
	}, lines)
}

// TestECErrors checks what EC keys refuse.
func TestECErrors(t *testing.T) {
	t.Parallel()
	lines := runScript(t, `
	const p256 = { name: 'ECDSA', namedCurve: 'P-256' };
	const ecdsa = await crypto.subtle.generateKey(p256, true, ['sign', 'verify']);
	const other = await crypto.subtle.generateKey(p256, true, ['sign', 'verify']);
	const dh256 = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
	const dh384 = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-384' }, true, ['deriveBits']);
	const dhKeyOnly = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveKey']);
	const spki = await crypto.subtle.exportKey('spki', ecdsa.publicKey);
	const jwk = await crypto.subtle.exportKey('jwk', ecdsa.privateKey);
	const otherJWK = await crypto.subtle.exportKey('jwk', other.privateKey);
	const data = text('data');
	const sha256 = { name: 'ECDSA', hash: 'SHA-256' };
	for (const [what, p] of [
		['curve P-192', crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-192' }, true, ['sign'])],
		['no curve', crypto.subtle.generateKey({ name: 'ECDSA' }, true, ['sign'])],
		['usage encrypt', crypto.subtle.generateKey(p256, true, ['encrypt'])],
		['only verify', crypto.subtle.generateKey(p256, true, ['verify'])],
		['ECDH usage sign', crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['sign'])],
		['sign with public', crypto.subtle.sign(sha256, ecdsa.publicKey, data)],
		['verify with private', crypto.subtle.verify(sha256, ecdsa.privateKey, new Uint8Array(64), data)],
		['sign without hash', crypto.subtle.sign({ name: 'ECDSA' }, ecdsa.privateKey, data)],
		['sign as HMAC', crypto.subtle.sign('HMAC', ecdsa.privateKey, data)],
		['raw private', crypto.subtle.exportKey('raw', ecdsa.privateKey)],
		['spki private', crypto.subtle.exportKey('spki', ecdsa.privateKey)],
		['pkcs8 public', crypto.subtle.exportKey('pkcs8', ecdsa.publicKey)],
		['spki other curve', crypto.subtle.importKey('spki', spki, { name: 'ECDSA', namedCurve: 'P-384' }, true, ['verify'])],
		['spki garbage', crypto.subtle.importKey('spki', new Uint8Array(20), p256, true, ['verify'])],
		['pkcs8 garbage', crypto.subtle.importKey('pkcs8', new Uint8Array(20), p256, true, ['sign'])],
		['raw garbage', crypto.subtle.importKey('raw', new Uint8Array(65), p256, true, ['verify'])],
		['spki usage sign', crypto.subtle.importKey('spki', spki, p256, true, ['sign'])],
		['ECDH public usage', crypto.subtle.importKey('spki', spki, { name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits'])],
		['jwk crv', crypto.subtle.importKey('jwk', { ...jwk, crv: 'P-384' }, p256, true, ['sign'])],
		['jwk alg', crypto.subtle.importKey('jwk', { ...jwk, alg: 'ES384' }, p256, true, ['sign'])],
		['jwk d of another key', crypto.subtle.importKey('jwk', { ...jwk, d: otherJWK.d }, p256, true, ['sign'])],
		['jwk short x', crypto.subtle.importKey('jwk', { ...jwk, x: jwk.x.slice(2) }, p256, true, ['sign'])],
		['jwk no y', crypto.subtle.importKey('jwk', { ...jwk, y: undefined }, p256, true, ['sign'])],
		['jwk RSA', crypto.subtle.importKey('jwk', { ...jwk, kty: 'RSA' }, p256, true, ['sign'])],
		['ECDH with ECDSA public', crypto.subtle.deriveBits({ name: 'ECDH', public: ecdsa.publicKey }, dh256.privateKey, 128)],
		['ECDH with private', crypto.subtle.deriveBits({ name: 'ECDH', public: dh256.privateKey }, dh256.privateKey, 128)],
		['ECDH curves', crypto.subtle.deriveBits({ name: 'ECDH', public: dh384.publicKey }, dh256.privateKey, 128)],
		['ECDH 264 bits', crypto.subtle.deriveBits({ name: 'ECDH', public: dh256.publicKey }, dh256.privateKey, 264)],
		['ECDH no public', crypto.subtle.deriveBits({ name: 'ECDH' }, dh256.privateKey, 128)],
		['ECDH public not a key', crypto.subtle.deriveBits({ name: 'ECDH', public: {} }, dh256.privateKey, 128)],
		['ECDH deriveKey only', crypto.subtle.deriveBits({ name: 'ECDH', public: dh256.publicKey }, dhKeyOnly.privateKey, 128)],
		['ECDH deriveBits only', crypto.subtle.deriveKey({ name: 'ECDH', public: dh256.publicKey }, dh256.privateKey, { name: 'AES-CBC', length: 128 }, true, ['encrypt'])],
		['ECDSA derives', crypto.subtle.deriveBits({ name: 'ECDSA', public: dh256.publicKey }, dh256.privateKey, 128)],
	]) {
		console.log(what, await failure(p));
	}`)
	assert.Equal(t, []string{
		"curve P-192 NotSupportedError",
		"no curve TypeError",
		"usage encrypt SyntaxError",
		"only verify SyntaxError",
		"ECDH usage sign SyntaxError",
		"sign with public InvalidAccessError",
		"verify with private InvalidAccessError",
		"sign without hash TypeError",
		"sign as HMAC InvalidAccessError",
		"raw private InvalidAccessError",
		"spki private InvalidAccessError",
		"pkcs8 public InvalidAccessError",
		"spki other curve DataError",
		"spki garbage DataError",
		"pkcs8 garbage DataError",
		"raw garbage DataError",
		"spki usage sign SyntaxError",
		"ECDH public usage SyntaxError",
		"jwk crv DataError",
		"jwk alg DataError",
		"jwk d of another key DataError",
		"jwk short x DataError",
		"jwk no y DataError",
		"jwk RSA DataError",
		"ECDH with ECDSA public InvalidAccessError",
		"ECDH with private InvalidAccessError",
		"ECDH curves InvalidAccessError",
		"ECDH 264 bits OperationError",
		"ECDH no public TypeError",
		"ECDH public not a key TypeError",
		"ECDH deriveKey only InvalidAccessError",
		"ECDH deriveBits only InvalidAccessError",
		"ECDSA derives NotSupportedError",
	}, lines)
}
