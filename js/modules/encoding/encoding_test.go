package encoding_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/minik6/minik6/js/modules/encoding"
	"github.com/minik6/minik6/minik6test"
)

func TestBase64(t *testing.T) {
	t.Parallel()
	out := minik6test.RunSource(t, `import encoding, { b64encode, b64decode } from 'k6/encoding';
		export default function () {
			console.log(b64encode('hello?>') + ' ' + b64encode('hello?>', 'rawstd') + ' ' + b64encode('hello?>', 'url') + ' ' + b64encode('hello?>', 'rawurl'));
			console.log(b64decode('aGVsbG8/Pg==', 'std', 's') + ' ' + b64decode('aGVsbG8_Pg', 'rawurl', 's'));
			const buf = b64decode('aGk=');
			console.log((buf instanceof ArrayBuffer) + ' ' + buf.byteLength + ' ' + encoding.b64encode(new Uint8Array([104, 105]).buffer));
			b64decode('!!!');
		}`, nil)
	require.NoError(t, out.Err)
	assert.Equal(t, []string{"aGVsbG8/Pg== aGVsbG8/Pg aGVsbG8_Pg== aGVsbG8_Pg", "hello?> hello?>", "true 2 aGk="}, out.Console)
	require.Len(t, out.Logged, 1)
	assert.Contains(t, out.Logged[0], "b64decode: illegal base64 data")
}
