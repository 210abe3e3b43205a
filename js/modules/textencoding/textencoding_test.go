package textencoding_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/minik6/minik6/js/modules/textencoding"
	"github.com/minik6/minik6/minik6test"
)

func TestTextEncoderDecoder(t *testing.T) {
	t.Parallel()
	out := minik6test.RunSource(t, `export default function () {
		const enc = new TextEncoder();
		const bytes = enc.encode('héllo €');
		console.log(enc.encoding + ' ' + (bytes instanceof Uint8Array) + ' ' + bytes.length + ' ' + enc.encode().length);
		const dec = new TextDecoder();
		console.log(dec.decode(bytes) + '|' + dec.decode(bytes.buffer) + '|' + new TextDecoder('utf8').decode(new Uint8Array([0xEF, 0xBB, 0xBF, 104, 105])));
		const dest = new Uint8Array(4);
		const r = enc.encodeInto('a€b', dest);
		console.log(r.read + ' ' + r.written);
		console.log(new TextDecoder().decode(new Uint8Array([104, 0xFF])) + ' ' + new TextDecoder('utf-8', { ignoreBOM: true }).decode(new Uint8Array([0xEF, 0xBB, 0xBF])).length);
		try { new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xFF])); } catch (e) { console.log('fatal'); }
		try { new TextDecoder('latin2'); } catch (e) { console.log('unsupported'); }
	}`, nil)
	require.NoError(t, out.Err)
	assert.Equal(t, []string{"utf-8 true 10 0", "héllo €|héllo €|hi", "2 4", "h\uFFFD 1", "fatal", "unsupported"}, out.Console)
}
