package js

import (
	"fmt"

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

// goExport converts a Go module's named export, once.
func (i *objectInstance) goExport(name string) sobek.Value {
	if v, ok := i.converted[name]; ok {
		return v
	}
	x, ok := i.goExports.Named[name]
	if !ok {
		return sobek.Undefined()
	}
	v := i.rt.ToValue(x)
	if i.converted == nil {
		i.converted = map[string]sobek.Value{}
	}
	i.converted[name] = v
	return v
}

func (r *objectRecord) GetExportedNames(callback func([]string), _ ...sobek.ModuleRecord) bool {
	callback([]string{"default"})
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
