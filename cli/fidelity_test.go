package cli_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/minik6/minik6/cli" // registers every built-in module, as the binary does
	"github.com/minik6/minik6/js/modules"
	"github.com/minik6/minik6/minik6test"
)

// TestNamespaceImportsOfEveryBuiltin: `import * as ns` of each built-in module
// holds "default" and every property of the default export, the same values.
func TestNamespaceImportsOfEveryBuiltin(t *testing.T) {
	t.Parallel()
	var src, list strings.Builder
	names := modules.Names()
	require.NotEmpty(t, names)
	for i, name := range names {
		fmt.Fprintf(&src, "import * as m%d from '%s';\n", i, name)
		fmt.Fprintf(&list, "['%s', m%d],", name, i)
	}
	fmt.Fprintf(&src, `export const options = { iterations: 1 };
export default function () {
  for (const [name, ns] of [%s]) {
    const keys = Object.keys(ns);
    const bad = [];
    if (!keys.includes('default')) bad.push('no default');
    for (const k of Object.keys(ns.default)) {
      if (!keys.includes(k) || ns[k] !== ns.default[k]) bad.push(k);
    }
    if (keys.length < 2) bad.push('nothing but ' + keys);
    console.log(name + ': ' + (bad.length ? bad.join(',') : 'ok'));
  }
}
`, list.String())
	res := minik6test.Run(t, minik6test.RunOptions{Source: src.String()})
	require.Equal(t, 0, res.ExitCode, res.Stderr)
	var want []string
	for _, name := range names {
		want = append(want, name+": ok")
	}
	assert.Equal(t, want, res.Console)
}
