package webcrypto_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRSA generates a key pair of each RSA algorithm (1024 bits, to be
// quick), uses it, and uses it again through keys exported and imported in
// every format; then the errors.
func TestRSA(t *testing.T) {
	t.Parallel()
	lines := runScript(t, `
	const gen = (name, hash, usages) => crypto.subtle.generateKey(
		{ name, modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash }, true, usages);
	const roundTrip = async (pair, usages) => {
		const alg = pair.publicKey.algorithm;
		const [pub, priv] = [[], []];
		for (const [f, key, list, u] of [['spki', pair.publicKey, pub, usages[0]], ['jwk', pair.publicKey, pub, usages[0]],
			['pkcs8', pair.privateKey, priv, usages[1]], ['jwk', pair.privateKey, priv, usages[1]]]) {
			list.push(await crypto.subtle.importKey(f, await crypto.subtle.exportKey(f, key), alg, true, [u]));
		}
		return [pub, priv];
	};
	const data = text('some data');

	const pss = await gen('RSA-PSS', 'SHA-256', ['sign', 'verify']);
	console.log(JSON.stringify(pss.publicKey.algorithm), pss.privateKey.algorithm.publicExponent instanceof Uint8Array,
		pss.publicKey.usages.join(), pss.privateKey.usages.join());
	const pssSig = await crypto.subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, pss.privateKey, data);
	const pssVerify = (key, saltLength, sig = pssSig, d = data) => crypto.subtle.verify({ name: 'RSA-PSS', saltLength }, key, sig, d);
	console.log('PSS', pssSig.byteLength, await pssVerify(pss.publicKey, 32), await pssVerify(pss.publicKey, 20),
		await pssVerify(pss.publicKey, 0), await pssVerify(pss.publicKey, 32, pssSig, text('other')));
	let [pub, priv] = await roundTrip(pss, ['verify', 'sign']);
	let checks = [];
	for (const key of pub) checks.push(await pssVerify(key, 32));
	for (const key of priv) checks.push(await pssVerify(pss.publicKey, 16, await crypto.subtle.sign({ name: 'RSA-PSS', saltLength: 16 }, key, data)));
	console.log('PSS', checks.join(), pub[1].algorithm.hash.name, priv[0].type);

	const pkcs1 = await gen('RSASSA-PKCS1-v1_5', 'SHA-384', ['sign', 'verify']);
	const pkcs1Sig = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', pkcs1.privateKey, data);
	// PKCS #1 v1.5 signatures are deterministic
	const again = await crypto.subtle.sign({ name: 'RSASSA-PKCS1-v1_5' }, pkcs1.privateKey, data);
	console.log('PKCS1', pkcs1Sig.byteLength, hex(pkcs1Sig) === hex(again),
		await crypto.subtle.verify('RSASSA-PKCS1-v1_5', pkcs1.publicKey, pkcs1Sig, data),
		await crypto.subtle.verify('RSASSA-PKCS1-v1_5', pkcs1.publicKey, pkcs1Sig, text('other')));
	[pub, priv] = await roundTrip(pkcs1, ['verify', 'sign']);
	checks = [];
	for (const key of pub) checks.push(await crypto.subtle.verify('RSASSA-PKCS1-v1_5', key, pkcs1Sig, data));
	for (const key of priv) checks.push(hex(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, data)) === hex(pkcs1Sig));
	console.log('PKCS1', checks.join());

	const oaep = await gen('RSA-OAEP', 'SHA-256', ['encrypt', 'decrypt', 'wrapKey', 'unwrapKey']);
	const label = text('label');
	const sealed = await crypto.subtle.encrypt({ name: 'RSA-OAEP', label }, oaep.publicKey, data);
	const jwk = await crypto.subtle.exportKey('jwk', oaep.privateKey);
	console.log('OAEP', sealed.byteLength, hex(await crypto.subtle.decrypt({ name: 'RSA-OAEP', label }, oaep.privateKey, sealed)) === hex(data),
		oaep.publicKey.usages.join(), oaep.privateKey.usages.join(), jwk.alg, Object.keys(jwk).join());
	[pub, priv] = await roundTrip(oaep, ['encrypt', 'decrypt']);
	checks = [];
	for (const key of pub) {
		const c = await crypto.subtle.encrypt('RSA-OAEP', key, data);
		checks.push(hex(await crypto.subtle.decrypt('RSA-OAEP', oaep.privateKey, c)) === hex(data));
	}
	for (const key of priv) checks.push(hex(await crypto.subtle.decrypt({ name: 'RSA-OAEP', label }, key, sealed)) === hex(data));
	console.log('OAEP', checks.join());

	const sha1 = await gen('RSA-OAEP', 'SHA-1', ['encrypt', 'unwrapKey']);
	console.log((await crypto.subtle.exportKey('jwk', sha1.publicKey)).alg, JSON.stringify(sha1.privateKey.usages));

	const ecdsa = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
	const pssJWK = await crypto.subtle.exportKey('jwk', pss.privateKey);
	const rsaPSS = { name: 'RSA-PSS', hash: 'SHA-256' };
	for (const [what, p] of [
		['exponent 3', crypto.subtle.generateKey({ name: 'RSA-PSS', modulusLength: 1024, publicExponent: new Uint8Array([3]), hash: 'SHA-256' }, true, ['sign'])],
		['exponent not Uint8Array', crypto.subtle.generateKey({ name: 'RSA-PSS', modulusLength: 1024, publicExponent: [1, 0, 1], hash: 'SHA-256' }, true, ['sign'])],
		['512 bits', crypto.subtle.generateKey({ name: 'RSA-PSS', modulusLength: 512, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign'])],
		['huge', crypto.subtle.generateKey({ name: 'RSA-PSS', modulusLength: 1 << 20, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign'])],
		['no hash', crypto.subtle.generateKey({ name: 'RSA-PSS', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]) }, true, ['sign'])],
		['usage encrypt', gen('RSA-PSS', 'SHA-256', ['encrypt'])],
		['OAEP usage sign', gen('RSA-OAEP', 'SHA-256', ['sign'])],
		['OAEP only encrypt', gen('RSA-OAEP', 'SHA-256', ['encrypt'])],
		['salt 0', crypto.subtle.sign({ name: 'RSA-PSS', saltLength: 0 }, pss.privateKey, data)],
		['salt too long', crypto.subtle.sign({ name: 'RSA-PSS', saltLength: 200 }, pss.privateKey, data)],
		['no saltLength', crypto.subtle.sign({ name: 'RSA-PSS' }, pss.privateKey, data)],
		['PKCS1 key as PSS', crypto.subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, pkcs1.privateKey, data)],
		['OAEP wrong label', crypto.subtle.decrypt({ name: 'RSA-OAEP' }, oaep.privateKey, sealed)],
		['OAEP too long', crypto.subtle.encrypt('RSA-OAEP', oaep.publicKey, new Uint8Array(63))],
		['OAEP encrypt with private', crypto.subtle.encrypt('RSA-OAEP', oaep.privateKey, data)],
		['import raw', crypto.subtle.importKey('raw', new Uint8Array(16), rsaPSS, true, ['verify'])],
		['export raw', crypto.subtle.exportKey('raw', pss.publicKey)],
		['import without hash', crypto.subtle.importKey('spki', await crypto.subtle.exportKey('spki', pss.publicKey), 'RSA-PSS', true, ['verify'])],
		['spki of an EC key', crypto.subtle.importKey('spki', await crypto.subtle.exportKey('spki', ecdsa.publicKey), rsaPSS, true, ['verify'])],
		['pkcs8 of an EC key', crypto.subtle.importKey('pkcs8', await crypto.subtle.exportKey('pkcs8', ecdsa.privateKey), rsaPSS, true, ['sign'])],
		['spki usage sign', crypto.subtle.importKey('spki', await crypto.subtle.exportKey('spki', pss.publicKey), rsaPSS, true, ['sign'])],
		['spki private', crypto.subtle.exportKey('spki', pss.privateKey)],
		['pkcs8 public', crypto.subtle.exportKey('pkcs8', pss.publicKey)],
		['jwk alg', crypto.subtle.importKey('jwk', pssJWK, { name: 'RSA-PSS', hash: 'SHA-512' }, true, ['sign'])],
		['jwk use', crypto.subtle.importKey('jwk', { ...pssJWK, use: 'enc' }, rsaPSS, true, ['sign'])],
		['jwk no q', crypto.subtle.importKey('jwk', { ...pssJWK, q: undefined }, rsaPSS, true, ['sign'])],
		['jwk wrong d', crypto.subtle.importKey('jwk', { ...pssJWK, d: pssJWK.p }, rsaPSS, true, ['sign'])],
		['jwk oth', crypto.subtle.importKey('jwk', { ...pssJWK, oth: [{}] }, rsaPSS, true, ['sign'])],
	]) {
		console.log(what, await failure(p));
	}`)
	assert.Equal(t, []string{
		`{"name":"RSA-PSS","modulusLength":1024,"publicExponent":{"0":1,"1":0,"2":1},"hash":{"name":"SHA-256"}} true verify sign`,
		"PSS 128 true false true false",
		"PSS true,true,true,true SHA-256 private",
		"PKCS1 128 true true false",
		"PKCS1 true,true,true,true",
		"OAEP 128 true encrypt,wrapKey decrypt,unwrapKey RSA-OAEP-256 alg,d,dp,dq,e,ext,key_ops,kty,n,p,q,qi",
		"OAEP true,true,true,true",
		`RSA-OAEP ["unwrapKey"]`,
		"exponent 3 OperationError",
		"exponent not Uint8Array TypeError",
		"512 bits OperationError",
		"huge OperationError",
		"no hash TypeError",
		"usage encrypt SyntaxError",
		"OAEP usage sign SyntaxError",
		"OAEP only encrypt SyntaxError",
		"salt 0 OperationError",
		"salt too long OperationError",
		"no saltLength TypeError",
		"PKCS1 key as PSS InvalidAccessError",
		"OAEP wrong label OperationError",
		"OAEP too long OperationError",
		"OAEP encrypt with private InvalidAccessError",
		"import raw NotSupportedError",
		"export raw NotSupportedError",
		"import without hash TypeError",
		"spki of an EC key DataError",
		"pkcs8 of an EC key DataError",
		"spki usage sign SyntaxError",
		"spki private InvalidAccessError",
		"pkcs8 public InvalidAccessError",
		"jwk alg DataError",
		"jwk use DataError",
		"jwk no q DataError",
		"jwk wrong d DataError",
		"jwk oth DataError",
	}, lines)
}
