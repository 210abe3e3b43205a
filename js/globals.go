package js

import (
	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
)

// lazyGlobals sits between the global object and Object.prototype: a global
// that most VUs never use (console, the timers, crypto, TextEncoder…) is made
// the first time a script looks it up, then defined on the global object, so
// later lookups find it there. A VU that never logs or sets a timer pays for
// neither: each of those function objects costs a VU more than a kilobyte.
type lazyGlobals struct {
	vu *VU
}

var _ sobek.DynamicObject = (*lazyGlobals)(nil)

// globalMakers make the lazy globals, by name, for a VU.
var globalMakers = map[string]func(vu *VU) sobek.Value{
	"console":       func(vu *VU) sobek.Value { return newConsole(vu) },
	"setTimeout":    func(vu *VU) sobek.Value { return vu.rt.ToValue(vu.timers.setTimeout) },
	"setInterval":   func(vu *VU) sobek.Value { return vu.rt.ToValue(vu.timers.setInterval) },
	"clearTimeout":  func(vu *VU) sobek.Value { return vu.rt.ToValue(vu.timers.clear) },
	"clearInterval": func(vu *VU) sobek.Value { return vu.rt.ToValue(vu.timers.clear) },
}

// installLazyGlobals puts the lazy globals in the global object's prototype
// chain.
func (vu *VU) installLazyGlobals() error {
	g := vu.rt.GlobalObject()
	lazy := vu.rt.NewDynamicObject(&lazyGlobals{vu: vu})
	if err := lazy.SetPrototype(g.Prototype()); err != nil {
		return err
	}
	return g.SetPrototype(lazy)
}

// Get makes the global key and defines it on the global object: one of the
// script host's own, or one a module registered (modules.RegisterGlobal).
func (l *lazyGlobals) Get(key string) sobek.Value {
	var v sobek.Value
	if make, ok := globalMakers[key]; ok {
		v = make(l.vu)
	} else if make, ok := modules.Global(key); ok {
		v = l.vu.rt.ToValue(make(l.vu))
	} else {
		return nil
	}
	l.define(key, v)
	return v
}

// Set defines key on the global object: an assignment to a lazy global
// replaces it there.
func (l *lazyGlobals) Set(key string, val sobek.Value) bool {
	l.define(key, val)
	return true
}

func (l *lazyGlobals) define(key string, v sobek.Value) {
	_ = l.vu.rt.GlobalObject().DefineDataProperty(key, v, sobek.FLAG_TRUE, sobek.FLAG_TRUE, sobek.FLAG_FALSE)
}

// Has reports whether key is a lazy global.
func (l *lazyGlobals) Has(key string) bool {
	if _, ok := globalMakers[key]; ok {
		return true
	}
	_, ok := modules.Global(key)
	return ok
}

// Delete has nothing to delete: a lazy global not made yet does not exist.
func (l *lazyGlobals) Delete(string) bool { return true }

// Keys lists nothing: lazy globals are not enumerable, as in k6.
func (l *lazyGlobals) Keys() []string { return nil }
