package browser_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/minik6/minik6/js/modules/browser"
	"github.com/minik6/minik6/minik6test"
)

func TestBrowserIsRefused(t *testing.T) {
	t.Parallel()
	out := minik6test.RunSource(t, `import { browser } from 'k6/browser';
		export const options = { iterations: 1 };
		export default async function () {
			console.log(typeof browser + ' ' + typeof browser.newPage + ' ' + browser.isConnected());
			try { await browser.newPage(); } catch (e) { console.log(String(e)); }
			try { browser.context(); } catch (e) { console.log(String(e)); }
		}`, nil)
	require.NoError(t, out.Err)
	require.Len(t, out.Console, 3)
	assert.Equal(t, "object function false", out.Console[0])
	assert.Contains(t, out.Console[1], "minik6 does not drive browsers")
	assert.Contains(t, out.Console[2], "minik6 does not drive browsers")
}
