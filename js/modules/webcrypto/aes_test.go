package webcrypto_test

import (
	"crypto/aes"
	"crypto/subtle"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestAESKnownAnswers checks AES-CBC and AES-CTR against NIST SP 800-38A
// (F.2.1, F.5.1) and AES-GCM against the GCM specification's test cases 4
// and 5, with every tag length and failed authentication.
func TestAESKnownAnswers(t *testing.T) {
	t.Parallel()
	lines := runScript(t, `
	const nistKey = unhex('2b7e151628aed2a6abf7158809cf4f3c');
	const cbcKey = await crypto.subtle.importKey('raw', nistKey, 'AES-CBC', false, ['encrypt', 'decrypt']);
	const block = unhex('6bc1bee22e409f96e93d7e117393172a');
	const iv = unhex('000102030405060708090a0b0c0d0e0f');
	const cbc = await crypto.subtle.encrypt({ name: 'AES-CBC', iv }, cbcKey, block);
	console.log(cbc.byteLength, hex(cbc).slice(0, 32));
	console.log(hex(await crypto.subtle.decrypt({ name: 'AES-CBC', iv }, cbcKey, cbc)));
	// flipping a bit of the first block flips it in the padding block: 0x10 becomes 0x11
	const badPadding = new Uint8Array(cbc);
	badPadding[15] ^= 1;
	console.log(await failure(crypto.subtle.decrypt({ name: 'AES-CBC', iv }, cbcKey, badPadding)));
	console.log(await failure(crypto.subtle.decrypt({ name: 'AES-CBC', iv }, cbcKey, cbc.slice(0, 20))));
	console.log(await failure(crypto.subtle.encrypt({ name: 'AES-CBC', iv: iv.subarray(1) }, cbcKey, block)));
	console.log(await failure(crypto.subtle.encrypt({ name: 'AES-CBC' }, cbcKey, block)));

	const ctrKey = await crypto.subtle.importKey('raw', nistKey, 'AES-CTR', false, ['encrypt', 'decrypt']);
	const counter = unhex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
	const two = unhex('6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51');
	const ctr = await crypto.subtle.encrypt({ name: 'AES-CTR', counter, length: 64 }, ctrKey, two);
	console.log(hex(ctr));
	console.log(hex(await crypto.subtle.decrypt({ name: 'AES-CTR', counter, length: 64 }, ctrKey, ctr)) === hex(two));
	// an 8-bit counter wraps from ff to 00 and leaves the byte before alone
	console.log(hex(await crypto.subtle.encrypt({ name: 'AES-CTR', counter, length: 8 }, ctrKey, two)));
	for (const [length, size] of [[1, 32], [1, 33], [0, 16], [129, 16], [256, 16]]) {
		console.log(length, size, await failure(crypto.subtle.encrypt({ name: 'AES-CTR', counter, length }, ctrKey, new Uint8Array(size))));
	}
	console.log(await failure(crypto.subtle.encrypt({ name: 'AES-CTR', counter: counter.subarray(4), length: 64 }, ctrKey, two)));

	// the k6 docs' example passes a length that importKey ignores
	const gcmKey = await crypto.subtle.importKey('raw', unhex('feffe9928665731c6d6a8f9467308308'), { name: 'AES-GCM', length: '256' }, false, ['encrypt', 'decrypt']);
	const p = unhex('d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39');
	const additionalData = unhex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
	const iv12 = unhex('cafebabefacedbaddecaf888');
	console.log(hex(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: iv12, additionalData }, gcmKey, p)));
	console.log(hex(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: unhex('cafebabefacedbad'), additionalData, tagLength: 96 }, gcmKey, p)));
	const results = [];
	for (const tagLength of [32, 64, 96, 104, 112, 120, 128]) {
		for (const iv of [iv12, unhex('cafebabefacedbad')]) {
			const params = { name: 'AES-GCM', iv, additionalData, tagLength };
			const c = await crypto.subtle.encrypt(params, gcmKey, p);
			const back = await crypto.subtle.decrypt(params, gcmKey, c);
			const badTag = new Uint8Array(c);
			badTag[badTag.length - 1] ^= 1;
			const badData = new Uint8Array(c);
			badData[0] ^= 1;
			results.push([tagLength, c.byteLength - p.length, hex(back) === hex(p),
				await failure(crypto.subtle.decrypt(params, gcmKey, badTag)),
				await failure(crypto.subtle.decrypt(params, gcmKey, badData)),
				await failure(crypto.subtle.decrypt({ ...params, additionalData: new Uint8Array(1) }, gcmKey, c))].join(':'));
		}
	}
	console.log(results.join(' '));
	console.log(await failure(crypto.subtle.encrypt({ name: 'AES-GCM', iv: iv12, tagLength: 100 }, gcmKey, p)));
	console.log(await failure(crypto.subtle.encrypt({ name: 'AES-GCM', iv: new Uint8Array(0) }, gcmKey, p)));
	console.log(await failure(crypto.subtle.decrypt({ name: 'AES-GCM', iv: iv12, tagLength: 64 }, gcmKey, new Uint8Array(7))));
	console.log(hex(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: iv12 },
		gcmKey, await crypto.subtle.encrypt({ name: 'AES-GCM', iv: iv12 }, gcmKey, new Uint8Array(0)))));`)

	var results []string
	for _, tag := range []string{"32:4", "64:8", "96:12", "104:13", "112:14", "120:15", "128:16"} {
		for range 2 {
			results = append(results, tag+":true:OperationError:OperationError:OperationError")
		}
	}
	assert.Equal(t, []string{
		"32 7649abac8119b246cee98e9b12e9197d",
		"6bc1bee22e409f96e93d7e117393172a",
		"OperationError", "OperationError", "OperationError", "TypeError",
		"874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff",
		"true",
		"874d6191b620e3261bef6864990db6ce" + ctrBlock(t, "2b7e151628aed2a6abf7158809cf4f3c", "f0f1f2f3f4f5f6f7f8f9fafbfcfdfe00", "ae2d8a571e03ac9c9eb76fac45af8e51"),
		"1 32 ok", "1 33 OperationError", "0 16 OperationError", "129 16 OperationError", "256 16 TypeError",
		"OperationError",
		"42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091" +
			"5bc94fbc3221a5db94fae95ae7121a47",
		"61353b4c2806934a777ff51fa22a4755699b2a714fcdc6f83766e5f97b6c742373806900e49f24b22b097544d4896b424989b5e1ebac0f07c23f4598" +
			"3612d2e79e3b0785561be14a",
		strings.Join(results, " "),
		"OperationError", "OperationError", "OperationError",
		"",
	}, lines)
}

// ctrBlock is one block of AES-CTR: the plaintext xor the encrypted counter
// block, all in hex.
func ctrBlock(t *testing.T, key, counter, plaintext string) string {
	t.Helper()
	block, err := aes.NewCipher(unhex(t, key))
	if err != nil {
		t.Fatal(err)
	}
	stream := make([]byte, aes.BlockSize)
	block.Encrypt(stream, unhex(t, counter))
	out := make([]byte, aes.BlockSize)
	subtle.XORBytes(out, stream, unhex(t, plaintext))
	return hex.EncodeToString(out)
}

// TestAESKeys checks generating, exporting and importing keys of every AES
// algorithm and length, and the errors of wrong keys, usages and formats.
func TestAESKeys(t *testing.T) {
	t.Parallel()
	lines := runScript(t, `
	const line = [];
	for (const name of ['AES-CBC', 'AES-CTR', 'AES-GCM', 'AES-KW']) {
		const usages = name === 'AES-KW' ? ['unwrapKey', 'wrapKey'] : ['decrypt', 'encrypt'];
		for (const length of [128, 192, 256]) {
			const k = await crypto.subtle.generateKey({ name, length }, true, usages);
			const raw = await crypto.subtle.exportKey('raw', k);
			const jwk = await crypto.subtle.exportKey('jwk', k);
			const fromJWK = await crypto.subtle.importKey('jwk', jwk, name, true, usages);
			const fromRaw = await crypto.subtle.importKey('raw', new DataView(raw), { name }, false, usages);
			line.push([jwk.alg, raw.byteLength, hex(raw) === hex(await crypto.subtle.exportKey('raw', fromJWK)),
				fromRaw.algorithm.length, fromRaw.extractable].join(':'));
		}
	}
	console.log(line.join(' '));
	const kw = await crypto.subtle.generateKey({ name: 'aes-kw', length: 128 }, false, ['wrapKey', 'unwrapKey', 'wrapKey']);
	console.log(JSON.stringify(kw));
	const jwk = await crypto.subtle.exportKey('jwk', await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt']));
	console.log(Object.keys(jwk).join(), jwk.ext, jwk.key_ops.join(), jwk.k.length);

	// a key used with a JWK import of its own: encrypt with one, decrypt with the other
	const gcm = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 128 }, true, ['encrypt', 'decrypt']);
	const copy = await crypto.subtle.importKey('jwk', await crypto.subtle.exportKey('jwk', gcm), 'AES-GCM', false, ['decrypt']);
	const iv = crypto.getRandomValues(new Uint8Array(12));
	const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, gcm, text('hello'));
	console.log(String.fromCharCode(...new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, copy, sealed))));

	const cbc = await crypto.subtle.generateKey({ name: 'AES-CBC', length: 256 }, false, ['encrypt']);
	const k16 = new Uint8Array(16);
	for (const [what, p] of [
		['length 100', crypto.subtle.generateKey({ name: 'AES-CBC', length: 100 }, true, ['encrypt'])],
		['length missing', crypto.subtle.generateKey({ name: 'AES-CBC' }, true, ['encrypt'])],
		['usage sign', crypto.subtle.generateKey({ name: 'AES-CBC', length: 128 }, true, ['sign'])],
		['no usages', crypto.subtle.generateKey({ name: 'AES-CBC', length: 128 }, true, [])],
		['15 bytes', crypto.subtle.importKey('raw', new Uint8Array(15), 'AES-CBC', true, ['encrypt'])],
		['spki', crypto.subtle.importKey('spki', k16, 'AES-CBC', true, ['encrypt'])],
		['jwk as bytes', crypto.subtle.importKey('jwk', k16, 'AES-CBC', true, ['encrypt'])],
		['raw as object', crypto.subtle.importKey('raw', { k: 'AAAA' }, 'AES-CBC', true, ['encrypt'])],
		['jwk alg', crypto.subtle.importKey('jwk', { ...jwk, alg: 'A128GCM' }, 'AES-GCM', true, ['encrypt'])],
		['jwk kty', crypto.subtle.importKey('jwk', { ...jwk, kty: 'EC' }, 'AES-GCM', true, ['encrypt'])],
		['jwk use', crypto.subtle.importKey('jwk', { ...jwk, use: 'sig' }, 'AES-GCM', true, ['encrypt'])],
		['jwk key_ops', crypto.subtle.importKey('jwk', jwk, 'AES-GCM', true, ['decrypt'])],
		['jwk ext', crypto.subtle.importKey('jwk', { ...jwk, ext: false }, 'AES-GCM', true, ['encrypt'])],
		['jwk k', crypto.subtle.importKey('jwk', { ...jwk, k: '*' }, 'AES-GCM', true, ['encrypt'])],
		['jwk no k', crypto.subtle.importKey('jwk', { kty: 'oct' }, 'AES-GCM', true, ['encrypt'])],
		['not extractable', crypto.subtle.exportKey('raw', cbc)],
		['pkcs8', crypto.subtle.exportKey('pkcs8', gcm)],
		['no decrypt usage', crypto.subtle.decrypt({ name: 'AES-CBC', iv: k16 }, cbc, k16)],
		['other algorithm', crypto.subtle.encrypt({ name: 'AES-CTR', counter: k16, length: 64 }, cbc, k16)],
		['AES-KW encrypts', crypto.subtle.encrypt({ name: 'AES-KW' }, kw, k16)],
		['AES signs', crypto.subtle.sign('AES-GCM', gcm, k16)],
	]) {
		console.log(what, await failure(p));
	}`)
	assert.Equal(t, []string{
		"A128CBC:16:true:128:false A192CBC:24:true:192:false A256CBC:32:true:256:false " +
			"A128CTR:16:true:128:false A192CTR:24:true:192:false A256CTR:32:true:256:false " +
			"A128GCM:16:true:128:false A192GCM:24:true:192:false A256GCM:32:true:256:false " +
			"A128KW:16:true:128:false A192KW:24:true:192:false A256KW:32:true:256:false",
		`{"type":"secret","extractable":false,"algorithm":{"name":"AES-KW","length":128},"usages":["wrapKey","unwrapKey"]}`,
		"alg,ext,k,key_ops,kty true encrypt 43",
		"hello",
		"length 100 OperationError",
		"length missing TypeError",
		"usage sign SyntaxError",
		"no usages SyntaxError",
		"15 bytes DataError",
		"spki NotSupportedError",
		"jwk as bytes TypeError",
		"raw as object TypeError",
		"jwk alg DataError",
		"jwk kty DataError",
		"jwk use DataError",
		"jwk key_ops DataError",
		"jwk ext DataError",
		"jwk k DataError",
		"jwk no k DataError",
		"not extractable InvalidAccessError",
		"pkcs8 NotSupportedError",
		"no decrypt usage InvalidAccessError",
		"other algorithm InvalidAccessError",
		"AES-KW encrypts NotSupportedError",
		"AES signs NotSupportedError",
	}, lines)
}
