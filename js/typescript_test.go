package js_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/exitcode"
)

func TestTypeScript(t *testing.T) {
	t.Parallel()
	h := newHost(`import { double } from './lib.ts';
interface Item { id: number; name: string }
enum Level { Low = 1, High = 2 }
function first<T>(xs: T[]): T | undefined { return xs.length ? xs[0] : undefined; }
export default function (): void {}
export function probe(): object {
	const items: Item[] = [{ id: 1, name: 'apple' }];
	return { name: first<Item>(items)!.name, level: Level.High, double: double(21) };
}
export function boom(): void {
	const x: number = 1;
	throw new Error('typed ' + x);
}`, map[string]string{"/test/lib.ts": "export const double = (n: number): number => n * 2;\n"})
	h.files["test/script.ts"] = h.files["test/script.js"]
	delete(h.files, "test/script.js")
	b, err := newBundleAt(h, "/test/script.ts")
	require.NoError(t, err)
	v, err := b.NewVU(context.Background(), h.state(t, 1))
	require.NoError(t, err)
	defer v.Close()
	assert.JSONEq(t, `{"name":"apple","level":2,"double":42}`, call(t, v, "probe"))
	_, err = v.Call(context.Background(), "boom", nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "typed 1")
	assert.Contains(t, err.Error(), "script.ts:12:", "the stack points at the TypeScript's own line")

	bad := newHost("", map[string]string{"/test/bad.ts": "const x: = 1;\nexport default function () {}\n"})
	_, err = newBundleAt(bad, "/test/bad.ts")
	require.Error(t, err)
	assert.Equal(t, exitcode.ScriptException, exitcode.Of(err))
	assert.Contains(t, err.Error(), "file:///test/bad.ts:1:")
}
