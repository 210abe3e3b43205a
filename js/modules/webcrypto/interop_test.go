package webcrypto_test

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInteropWithGo has scripts use keys, signatures and ciphertexts made by
// Go's standard library, and Go check what the scripts make.
func TestInteropWithGo(t *testing.T) {
	t.Parallel()
	msg := []byte("signed in Go")
	digest := sha256.Sum256(msg)

	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	r, s, err := ecdsa.Sign(rand.Reader, ecKey, digest[:])
	require.NoError(t, err)
	ecSig := append(r.FillBytes(make([]byte, 32)), s.FillBytes(make([]byte, 32))...)

	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	pkcs1Sig, err := rsa.SignPKCS1v15(nil, rsaKey, crypto.SHA256, digest[:])
	require.NoError(t, err)
	pssSig, err := rsa.SignPSS(rand.Reader, rsaKey, crypto.SHA256, digest[:], &rsa.PSSOptions{SaltLength: 32})
	require.NoError(t, err)
	oaepCiphertext, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, &rsaKey.PublicKey, []byte("secret from Go"), []byte("lbl"))
	require.NoError(t, err)

	aesKey := make([]byte, 32)
	_, _ = rand.Read(aesKey)
	block, err := aes.NewCipher(aesKey)
	require.NoError(t, err)
	gcm, err := cipher.NewGCM(block)
	require.NoError(t, err)
	nonce := make([]byte, 12)
	_, _ = rand.Read(nonce)
	gcmCiphertext := gcm.Seal(nil, nonce, []byte("sealed by Go"), nil)

	hmacKey := []byte("a key for HMAC")
	mac := hmac.New(sha512.New384, hmacKey)
	mac.Write(msg)

	dhGo, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	dhScript, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	dhScriptECDH, err := dhScript.ECDH()
	require.NoError(t, err)
	dhGoECDH, err := dhGo.ECDH()
	require.NoError(t, err)
	shared, err := dhScriptECDH.ECDH(dhGoECDH.PublicKey())
	require.NoError(t, err)

	pkcs8 := func(k any) string {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		require.NoError(t, err)
		return hex.EncodeToString(der)
	}
	spki := func(k any) string {
		der, err := x509.MarshalPKIXPublicKey(k)
		require.NoError(t, err)
		return hex.EncodeToString(der)
	}
	dhGoPoint, err := dhGo.PublicKey.Bytes()
	require.NoError(t, err)
	values := strings.NewReplacer(
		"EC_PKCS8", pkcs8(ecKey), "EC_SPKI", spki(&ecKey.PublicKey), "EC_SIG", hex.EncodeToString(ecSig),
		"RSA_PKCS8", pkcs8(rsaKey), "RSA_SPKI", spki(&rsaKey.PublicKey),
		"PKCS1_SIG", hex.EncodeToString(pkcs1Sig), "PSS_SIG", hex.EncodeToString(pssSig),
		"OAEP_CIPHERTEXT", hex.EncodeToString(oaepCiphertext),
		"AES_KEY", hex.EncodeToString(aesKey), "GCM_NONCE", hex.EncodeToString(nonce), "GCM_CIPHERTEXT", hex.EncodeToString(gcmCiphertext),
		"HMAC_KEY", hex.EncodeToString(hmacKey),
		"DH_PKCS8", pkcs8(dhScript), "DH_RAW", hex.EncodeToString(dhGoPoint),
	)
	lines := runScript(t, values.Replace(`
	const msg = text('signed in Go');
	const decode = (b) => String.fromCharCode(...new Uint8Array(b));

	const p256 = { name: 'ECDSA', namedCurve: 'P-256' };
	const ecPrivate = await crypto.subtle.importKey('pkcs8', unhex('EC_PKCS8'), p256, true, ['sign']);
	const ecPublic = await crypto.subtle.importKey('spki', unhex('EC_SPKI'), p256, true, ['verify']);
	const ecdsa = { name: 'ECDSA', hash: 'SHA-256' };
	console.log(await crypto.subtle.verify(ecdsa, ecPublic, unhex('EC_SIG'), msg));
	console.log(hex(await crypto.subtle.sign(ecdsa, ecPrivate, msg)));
	const ecJWK = await crypto.subtle.exportKey('jwk', ecPrivate);
	console.log(ecJWK.x, ecJWK.y, ecJWK.d);

	const rs256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
	const rsaPrivate = await crypto.subtle.importKey('pkcs8', unhex('RSA_PKCS8'), rs256, true, ['sign']);
	const rsaPublic = await crypto.subtle.importKey('spki', unhex('RSA_SPKI'), rs256, true, ['verify']);
	console.log(await crypto.subtle.verify('RSASSA-PKCS1-v1_5', rsaPublic, unhex('PKCS1_SIG'), msg), rsaPublic.algorithm.modulusLength);
	console.log(hex(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', rsaPrivate, msg)));
	const rsaJWK = await crypto.subtle.exportKey('jwk', rsaPrivate);
	console.log(rsaJWK.n, rsaJWK.e, rsaJWK.d);

	const ps256 = { name: 'RSA-PSS', hash: 'SHA-256' };
	const pssPrivate = await crypto.subtle.importKey('pkcs8', unhex('RSA_PKCS8'), ps256, false, ['sign']);
	const pssPublic = await crypto.subtle.importKey('spki', unhex('RSA_SPKI'), ps256, false, ['verify']);
	console.log(await crypto.subtle.verify({ name: 'RSA-PSS', saltLength: 32 }, pssPublic, unhex('PSS_SIG'), msg));
	console.log(hex(await crypto.subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, pssPrivate, msg)));

	const oaep = { name: 'RSA-OAEP', hash: 'SHA-256' };
	const oaepPrivate = await crypto.subtle.importKey('pkcs8', unhex('RSA_PKCS8'), oaep, false, ['decrypt']);
	const oaepPublic = await crypto.subtle.importKey('spki', unhex('RSA_SPKI'), oaep, false, ['encrypt']);
	console.log(decode(await crypto.subtle.decrypt({ name: 'RSA-OAEP', label: text('lbl') }, oaepPrivate, unhex('OAEP_CIPHERTEXT'))));
	console.log(hex(await crypto.subtle.encrypt({ name: 'RSA-OAEP', label: text('js') }, oaepPublic, text('secret from js'))));

	const aes = await crypto.subtle.importKey('raw', unhex('AES_KEY'), 'AES-GCM', false, ['encrypt', 'decrypt']);
	console.log(decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: unhex('GCM_NONCE') }, aes, unhex('GCM_CIPHERTEXT'))));
	console.log(hex(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: unhex('GCM_NONCE') }, aes, text('sealed by js'))));

	const mac = await crypto.subtle.importKey('raw', unhex('HMAC_KEY'), { name: 'HMAC', hash: 'SHA-384' }, false, ['sign']);
	console.log(hex(await crypto.subtle.sign('HMAC', mac, msg)));

	const p384 = { name: 'ECDH', namedCurve: 'P-384' };
	const mine = await crypto.subtle.importKey('pkcs8', unhex('DH_PKCS8'), p384, false, ['deriveBits']);
	const theirs = await crypto.subtle.importKey('raw', unhex('DH_RAW'), p384, false, []);
	console.log(hex(await crypto.subtle.deriveBits({ name: 'ECDH', public: theirs }, mine, 384)));`))
	require.Len(t, lines, 14)

	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	assert.Equal(t, "true", lines[0], "the script verifies Go's ECDSA signature")
	sig := unhex(t, lines[1])
	require.Len(t, sig, 64)
	assert.True(t, ecdsa.Verify(&ecKey.PublicKey, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])), "Go verifies the script's ECDSA signature")
	point, err := ecKey.PublicKey.Bytes()
	require.NoError(t, err)
	d, err := ecKey.Bytes()
	require.NoError(t, err)
	assert.Equal(t, b64(point[1:33])+" "+b64(point[33:])+" "+b64(d), lines[2])

	assert.Equal(t, "true 2048", lines[3], "the script verifies Go's PKCS #1 v1.5 signature")
	assert.Equal(t, hex.EncodeToString(pkcs1Sig), lines[4], "PKCS #1 v1.5 signatures are deterministic")
	assert.Equal(t, b64(rsaKey.N.Bytes())+" AQAB "+b64(rsaKey.D.Bytes()), lines[5])

	assert.Equal(t, "true", lines[6], "the script verifies Go's PSS signature")
	assert.NoError(t, rsa.VerifyPSS(&rsaKey.PublicKey, crypto.SHA256, digest[:], unhex(t, lines[7]), &rsa.PSSOptions{SaltLength: 32}),
		"Go verifies the script's PSS signature")

	assert.Equal(t, "secret from Go", lines[8])
	plain, err := rsa.DecryptOAEP(sha256.New(), nil, rsaKey, unhex(t, lines[9]), []byte("js"))
	require.NoError(t, err)
	assert.Equal(t, "secret from js", string(plain))

	assert.Equal(t, "sealed by Go", lines[10])
	plain, err = gcm.Open(nil, nonce, unhex(t, lines[11]), nil)
	require.NoError(t, err)
	assert.Equal(t, "sealed by js", string(plain))

	assert.Equal(t, hex.EncodeToString(mac.Sum(nil)), lines[12])
	assert.Equal(t, hex.EncodeToString(shared), lines[13])
}
