// Package timers is the k6/timers module: the same setTimeout, clearTimeout,
// setInterval and clearInterval as the globals of those names.
package timers

import (
	"github.com/minik6/minik6/js/modules"
)

func init() {
	modules.Register("k6/timers", modules.ModuleFunc(New))
}

// names are the timer functions the module exports.
var names = []string{"setTimeout", "clearTimeout", "setInterval", "clearInterval"}

// Instance is one VU's k6/timers: the VU's own timer globals.
type Instance struct {
	vu modules.VU
}

// New makes the module's instance for vu.
func New(vu modules.VU) modules.Instance { return &Instance{vu: vu} }

// Exports are the VU's timer functions, the very globals.
func (t *Instance) Exports() modules.Exports {
	named := make(map[string]any, len(names))
	for _, n := range names {
		named[n] = t.vu.Runtime().Get(n)
	}
	return modules.Exports{Named: named}
}
