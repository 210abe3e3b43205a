package webcrypto_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/minik6/minik6/js/modules/webcrypto"
	"github.com/minik6/minik6/minik6test"
)

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
