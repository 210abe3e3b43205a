package webcrypto_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPBKDF2 checks deriveBits against RFC 6070 (and the usual SHA-256
// vector), deriveKey into every AES algorithm and HMAC, and the errors.
func TestPBKDF2(t *testing.T) {
	t.Parallel()
	lines := runScript(t, `
	const password = await crypto.subtle.importKey('raw', text('password'), 'PBKDF2', false, ['deriveBits', 'deriveKey']);
	console.log(JSON.stringify(password));
	const salt = text('salt');
	for (const [hash, iterations, length] of [['SHA-1', 1, 160], ['SHA-1', 2, 160], ['SHA-1', 4096, 160], ['SHA-256', 1, 256]]) {
		console.log(hex(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash, salt, iterations }, password, length)));
	}

	const params = { name: 'PBKDF2', hash: 'SHA-256', salt, iterations: 1000 };
	const bits = hex(await crypto.subtle.deriveBits(params, password, 256));
	for (const name of ['AES-CBC', 'AES-CTR', 'AES-GCM', 'AES-KW']) {
		const usages = name === 'AES-KW' ? ['wrapKey'] : ['encrypt'];
		const key = await crypto.subtle.deriveKey(params, password, { name, length: 256 }, true, usages);
		console.log(name, key.algorithm.length, hex(await crypto.subtle.exportKey('raw', key)) === bits);
	}
	const mac = await crypto.subtle.deriveKey(params, password, { name: 'HMAC', hash: 'SHA-256', length: 128 }, true, ['sign']);
	console.log(JSON.stringify(mac.algorithm), hex(await crypto.subtle.exportKey('raw', mac)) === bits.slice(0, 32));
	const gcm = await crypto.subtle.deriveKey(params, password, { name: 'AES-GCM', length: 128 }, false, ['encrypt', 'decrypt']);
	const iv = new Uint8Array(12);
	const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, gcm, text('hi'));
	console.log(hex(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, gcm, sealed)));

	const bitsOnly = await crypto.subtle.importKey('raw', text('pw'), 'PBKDF2', false, ['deriveBits']);
	for (const [what, p] of [
		['extractable', crypto.subtle.importKey('raw', text('pw'), 'PBKDF2', true, ['deriveBits'])],
		['jwk', crypto.subtle.importKey('jwk', { kty: 'oct', k: 'cHc' }, 'PBKDF2', false, ['deriveBits'])],
		['usage sign', crypto.subtle.importKey('raw', text('pw'), 'PBKDF2', false, ['sign'])],
		['generate', crypto.subtle.generateKey('PBKDF2', false, ['deriveBits'])],
		['export', crypto.subtle.exportKey('raw', password)],
		['length 0', crypto.subtle.deriveBits(params, password, 0)],
		['length 12', crypto.subtle.deriveBits(params, password, 12)],
		['length null', crypto.subtle.deriveBits(params, password, null)],
		['iterations 0', crypto.subtle.deriveBits({ ...params, iterations: 0 }, password, 128)],
		['no salt', crypto.subtle.deriveBits({ ...params, salt: undefined }, password, 128)],
		['no deriveKey usage', crypto.subtle.deriveKey(params, bitsOnly, { name: 'AES-GCM', length: 128 }, false, ['encrypt'])],
		['derive ECDSA', crypto.subtle.deriveKey(params, password, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign'])],
		['derive AES length', crypto.subtle.deriveKey(params, password, { name: 'AES-GCM', length: 100 }, false, ['encrypt'])],
		['derive no usages', crypto.subtle.deriveKey(params, password, { name: 'AES-GCM', length: 128 }, false, [])],
		['derive bad usage', crypto.subtle.deriveKey(params, password, { name: 'AES-GCM', length: 128 }, false, ['sign'])],
		['derive HMAC length 0', crypto.subtle.deriveKey(params, password, { name: 'HMAC', hash: 'SHA-1', length: 0 }, false, ['sign'])],
	]) {
		console.log(what, await failure(p));
	}`)
	assert.Equal(t, []string{
		`{"type":"secret","extractable":false,"algorithm":{"name":"PBKDF2"},"usages":["deriveKey","deriveBits"]}`,
		"0c60c80f961f0e71f3a9b524af6012062fe037a6",
		"ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957",
		"4b007901b765489abead49d926f721d065a429c1",
		"120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b",
		"AES-CBC 256 true",
		"AES-CTR 256 true",
		"AES-GCM 256 true",
		"AES-KW 256 true",
		`{"name":"HMAC","hash":{"name":"SHA-256"},"length":128} true`,
		"6869",
		"extractable SyntaxError",
		"jwk NotSupportedError",
		"usage sign SyntaxError",
		"generate NotSupportedError",
		"export InvalidAccessError",
		"length 0 OperationError",
		"length 12 OperationError",
		"length null OperationError",
		"iterations 0 OperationError",
		"no salt TypeError",
		"no deriveKey usage InvalidAccessError",
		"derive ECDSA NotSupportedError",
		"derive AES length OperationError",
		"derive no usages SyntaxError",
		"derive bad usage SyntaxError",
		"derive HMAC length 0 TypeError",
	}, lines)
}
