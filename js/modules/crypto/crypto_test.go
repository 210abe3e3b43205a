package crypto_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/minik6/minik6/js/modules/crypto"
	"github.com/minik6/minik6/minik6test"
)

// run runs src's default function once and returns its console lines.
func run(t *testing.T, src string) ([]string, error) {
	out := minik6test.RunSource(t, src, nil)
	return out.Console, out.Err
}

func TestHashes(t *testing.T) {
	t.Parallel()
	lines, err := run(t, `import crypto, { sha256, hmac, md5 } from 'k6/crypto';
		export default function () {
			console.log(sha256('hello', 'hex'));
			console.log(crypto.sha1('hello', 'hex') + ' ' + md5('hello', 'hex'));
			console.log(crypto.sha512('hello', 'base64').slice(0, 20));
			console.log(hmac('sha256', 'key', 'message', 'hex'));
			const h = crypto.createHash('sha256'); h.update('hel'); h.update('lo');
			console.log(String(h.digest('hex') === sha256('hello', 'hex')));
			const m = crypto.createHMAC('sha1', 'k'); m.update('data');
			console.log(m.digest('hex'));
			const rb = crypto.randomBytes(16);
			console.log((rb instanceof ArrayBuffer) + ' ' + rb.byteLength);
			console.log(sha256(new Uint8Array([104, 105]).buffer, 'hex'));
			console.log(sha256('', 'base64rawurl') + ' ' + crypto.sha384('a', 'base64url').length);
			console.log(String(crypto.md5('x', 'binary') instanceof ArrayBuffer) + ' ' + crypto.sha512_256('x').length);
		}`)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
		"aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d 5d41402abc4b2a76b9719d911017c592",
		"m3HSJL1i83hdltRq0+o9",
		"6e9ef29b75fffc5b7abae527d58fdadb2fe42e7219011976917343065f58ed4a",
		"true",
		"970dc226f21e3c274024b9a9f5ccbf8fe4acaaa0",
		"true 16",
		"8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4",
		"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU 64",
		"true 64",
	}, lines)
}

func TestBadArguments(t *testing.T) {
	t.Parallel()
	for src, want := range map[string]string{
		`import { sha256 } from 'k6/crypto'; export default function () { sha256('a', 'hexx'); }`:  "invalid output encoding: hexx",
		`import { hmac } from 'k6/crypto'; export default function () { hmac('sha3', 'k', 'd'); }`: "invalid algorithm: sha3",
	} {
		out := minik6test.RunSource(t, `export const options = { iterations: 1 };`+src, nil)
		require.NoError(t, out.Err, "an exception in an iteration is logged, the run goes on")
		require.Len(t, out.Logged, 1)
		assert.Contains(t, out.Logged[0], want)
	}
}

func TestInputs(t *testing.T) {
	t.Parallel()
	lines, err := run(t, `import { sha256, md5, createHash, randomBytes } from 'k6/crypto';
		export default function () {
			console.log(String(sha256(new Uint8Array([104, 105]), 'hex') === sha256('hi', 'hex')));
			console.log(String(sha256(new Uint8Array([0, 104, 105, 0]).subarray(1, 3), 'hex') === sha256('hi')));
			console.log(md5('héllo ✓', 'hex'));
			console.log(String(md5(42) === md5('42')) + ' ' + String(md5({}) === md5('[object Object]')));
			console.log(String(md5() === md5('')) + ' ' + String(md5(null, 'hex') === md5('')));
			const h = createHash('SHA1'); h.update(new Uint8Array([1, 2]).buffer); h.update('✓');
			const bin = h.digest('binary');
			console.log(bin.byteLength + ' ' + h.digest('hex').length);
			console.log(randomBytes('3').byteLength + ' ' + randomBytes(2.7).byteLength + ' ' + randomBytes().byteLength);
		}`)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"true",
		"true",
		"21b1ae5bc147bb564254200a4731e337",
		"true true",
		"true true",
		"20 40",
		"3 2 0",
	}, lines)
}
