package js_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// A namespace import of a Go module or of a CommonJS file holds every export,
// not only default; a Go module with only a default export (k6/execution)
// exports its default object's properties by name, as in k6.
func TestNamespaceImports(t *testing.T) {
	t.Parallel()
	h := newHost(`import * as k6 from 'k6';
		import * as metrics from 'k6/metrics';
		import * as exec from 'k6/execution';
		import { vu } from 'k6/execution';
		import * as lib from './lib.js';
		export default function () {}
		export function probe() {
			return {
				k6: Object.keys(k6).sort(), metrics: Object.keys(metrics).sort(), exec: Object.keys(exec).sort(),
				lib: Object.keys(lib).sort(), libA: lib.a, tag: Object.prototype.toString.call(k6),
				same: k6.check === k6.default.check && metrics.Trend === metrics.default.Trend,
				vu: typeof vu === 'object' && vu === exec.default.vu && exec.vu === vu,
			};
		}`, map[string]string{"/test/lib.js": "module.exports = { a: 1, b: 2 };"})
	v, _ := h.vu(t)
	assert.JSONEq(t, `{
		"k6": ["check","default","fail","group","randomSeed","sleep"],
		"metrics": ["Counter","Gauge","Rate","Trend","default"],
		"exec": ["default","instance","scenario","test","vu"],
		"lib": ["a","b","default"], "libA": 1, "tag": "[object Module]",
		"same": true, "vu": true}`, call(t, v, "probe"))
}
