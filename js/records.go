package js

import (
	"fmt"
	"sync"

	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
)

// objectRecord is a module record whose exports come from Go, computed once per VU:
// the Go modules (k6, k6/execution, extensions) and CommonJS files imported from
// ES modules. Any export name resolves; names the instance lacks read undefined.
type objectRecord struct {
	b *Bundle
	// name identifies the module in messages.
	name string
	// instantiate makes the VU's instance of the module.
	instantiate func(vu *VU) (*objectInstance, error)

	// names are the export names a namespace import (import * as ns) lists,
	// learnt from the first instance: an instance exists before any namespace
	// of the module is made, as the module is evaluated before its importers.
	mu    sync.Mutex
	names []string
}

// objectInstance is one VU's instance of an objectRecord.
type objectInstance struct {
	def   sobek.Value
	named *sobek.Object

	// goExports are a Go module's exports, converted to JavaScript on first
	// use, name by name, into converted: a script that imports sleep from k6
	// makes one function object per VU, not one for every export.
	rt        *sobek.Runtime
	goExports *modules.Exports
	converted map[string]sobek.Value
}

// GetBindingValue returns the export called name.
func (i *objectInstance) GetBindingValue(name string) sobek.Value {
	if name == "default" {
		return i.defaultExport()
	}
	if i.goExports != nil {
		return i.goExport(name)
	}
	if i.named == nil {
		return sobek.Undefined()
	}
	return i.named.Get(name)
}

// defaultExport is the default export: for a Go module, its Default, or an
// object of its named exports.
func (i *objectInstance) defaultExport() sobek.Value {
	if i.def != nil || i.goExports == nil {
		return i.def
	}
	if i.goExports.Default != nil {
		i.def = i.rt.ToValue(i.goExports.Default)
		return i.def
	}
	obj := i.rt.NewObject()
	for name := range i.goExports.Named {
		_ = obj.Set(name, i.goExport(name))
	}
	i.def = obj
	return i.def
}

// goExport converts a Go module's named export, once. A module with a
// default export and no such named export (k6/execution) exports the default
// object's properties by name, as in k6: import { vu } from 'k6/execution'.
func (i *objectInstance) goExport(name string) sobek.Value {
	if v, ok := i.converted[name]; ok {
		return v
	}
	x, ok := i.goExports.Named[name]
	if !ok {
		return i.defaultProperty(name)
	}
	v := i.rt.ToValue(x)
	if i.converted == nil {
		i.converted = map[string]sobek.Value{}
	}
	i.converted[name] = v
	return v
}

// defaultProperty reads the property name of a Go module's default export, or
// undefined.
func (i *objectInstance) defaultProperty(name string) sobek.Value {
	if i.goExports.Default == nil {
		return sobek.Undefined()
	}
	obj, ok := i.defaultExport().(*sobek.Object)
	if !ok {
		return sobek.Undefined()
	}
	if v := obj.Get(name); v != nil {
		return v
	}
	return sobek.Undefined()
}

// exportNames lists the instance's exports: "default" and the named ones (a
// CommonJS module's keys of module.exports; a Go module's named exports, or
// the keys of its default export when it has no named ones).
func (i *objectInstance) exportNames() []string {
	names := []string{"default"}
	switch {
	case i.goExports != nil && len(i.goExports.Named) > 0:
		for name := range i.goExports.Named {
			names = append(names, name)
		}
	case i.goExports != nil:
		if obj, ok := i.defaultExport().(*sobek.Object); ok {
			names = append(names, obj.Keys()...)
		}
	case i.named != nil:
		names = append(names, i.named.Keys()...)
	}
	return names
}

// learnNames keeps the export names of the record's first instance.
func (r *objectRecord) learnNames(inst *objectInstance) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.names == nil {
		r.names = inst.exportNames()
	}
}

// GetExportedNames lists the export names learnt from the first instance
// ("default" alone before there is one).
func (r *objectRecord) GetExportedNames(callback func([]string), _ ...sobek.ModuleRecord) bool {
	r.mu.Lock()
	names := r.names
	r.mu.Unlock()
	if names == nil {
		names = []string{"default"}
	}
	callback(names)
	return true
}

func (r *objectRecord) ResolveExport(name string, _ ...sobek.ResolveSetElement) (*sobek.ResolvedBinding, bool) {
	return &sobek.ResolvedBinding{Module: r, BindingName: name}, false
}

func (r *objectRecord) Link() error { return nil }

// Evaluate returns, as a settled promise, the instance for rt's VU, making it on
// first use.
func (r *objectRecord) Evaluate(rt *sobek.Runtime) *sobek.Promise {
	p, resolve, reject := rt.NewPromise()
	vu := r.b.vuOf(rt)
	if vu == nil {
		_ = reject(fmt.Errorf("module %s evaluated outside of a VU", r.name))
		return p
	}
	inst, err := vu.instanceOf(r)
	if err != nil {
		_ = reject(err)
		return p
	}
	_ = resolve(inst)
	return p
}

var _ sobek.ModuleRecord = (*objectRecord)(nil)
var _ sobek.ModuleInstance = (*objectInstance)(nil)
