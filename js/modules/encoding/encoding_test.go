package encoding_test

import (
	"testing"

	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/minik6/minik6/js/modules/encoding"
	"github.com/minik6/minik6/minik6test"
	"github.com/minik6/minik6/testrun"
)

func TestBase64(t *testing.T) {
	t.Parallel()
	logger, logs := logtest.NewNullLogger()
	console, lines := logtest.NewNullLogger()
	test, err := minik6test.LoadScript(`import encoding, { b64encode, b64decode } from 'k6/encoding';
		export default function () {
			console.log(b64encode('hello?>') + ' ' + b64encode('hello?>', 'rawstd') + ' ' + b64encode('hello?>', 'url') + ' ' + b64encode('hello?>', 'rawurl'));
			console.log(b64decode('aGVsbG8/Pg==', 'std', 's') + ' ' + b64decode('aGVsbG8_Pg', 'rawurl', 's'));
			const buf = b64decode('aGk=');
			console.log((buf instanceof ArrayBuffer) + ' ' + buf.byteLength + ' ' + encoding.b64encode(new Uint8Array([104, 105]).buffer));
			b64decode('!!!');
		}`, logger, console, nil)
	require.NoError(t, err)
	_, res := minik6test.RunTest(t, test, testrun.Config{Logger: logger})
	require.NoError(t, res.Err)
	var got []string
	for _, e := range lines.AllEntries() {
		got = append(got, e.Message)
	}
	assert.Equal(t, []string{"aGVsbG8/Pg== aGVsbG8/Pg aGVsbG8_Pg== aGVsbG8_Pg", "hello?> hello?>", "true 2 aGk="}, got)
	require.Len(t, logs.AllEntries(), 1)
	assert.Contains(t, logs.AllEntries()[0].Message, "b64decode: illegal base64 data")
}
