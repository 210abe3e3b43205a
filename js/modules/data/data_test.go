package data_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/minik6test"
)

func TestMain(m *testing.M) { minik6test.Main(m) }

func TestSharedArray(t *testing.T) {
	t.Parallel()
	res := minik6test.Run(t, minik6test.RunOptions{Source: `import { SharedArray } from 'k6/data';
import exec from 'k6/execution';
let built = 0;
const data = new SharedArray('items', function () { built++; return [{ n: 0, tags: ['x'] }, 'one', 2, null]; });
const again = new SharedArray('items', function () { throw new Error('not called: same name'); });
export const options = { vus: 2, iterations: 4 };
export default function () {
  const i = exec.scenario.iterationInTest;
  if (i === 0) {
    console.log('length ' + data.length + ' ' + again.length + ' isArray ' + Array.isArray(data));
    console.log('items ' + JSON.stringify(data) + ' built in this VU ' + built);
    console.log('frozen ' + Object.isFrozen(data[0]) + ' ' + Object.isFrozen(data[0].tags));
    console.log('spread ' + [...data].length + ' out of range ' + data[9]);
    try { data[0] = 1; console.log('write accepted'); } catch (e) { console.log('write refused: ' + e.name); }
    try { new SharedArray('late', () => []); } catch (e) { console.log('late: ' + e.message); }
  }
}`})
	require.Equal(t, 0, res.ExitCode, res.Stderr)
	assert.Equal(t, []string{
		"length 4 4 isArray true",
		`items [{"n":0,"tags":["x"]},"one",2,null] built in this VU 0`,
		"frozen true true",
		"spread 4 out of range undefined",
		"write refused: TypeError",
		"late: new SharedArray must be called in the init context",
	}, res.Console)
}

func TestSharedArrayErrors(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"new SharedArray('', () => [])":    "empty name provided to SharedArray's constructor",
		"new SharedArray('x', () => ({}))": "only arrays can be made into SharedArray",
		"new SharedArray('x', 5)":          "a function is expected as the second argument",
	}
	for src, want := range cases {
		t.Run(src, func(t *testing.T) {
			t.Parallel()
			res := minik6test.Run(t, minik6test.RunOptions{Source: "import { SharedArray } from 'k6/data';\n" + src +
				";\nexport default function () {}\n"})
			assert.Equal(t, 107, res.ExitCode)
			assert.True(t, strings.Contains(res.Stderr, want), "stderr: %s", res.Stderr)
		})
	}
}
