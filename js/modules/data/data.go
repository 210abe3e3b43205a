// Package data is the k6/data module: SharedArray, a read-only array made once in
// the init context and shared by every VU of the run, so a large data set is held
// once, not once per VU.
package data

import (
	"errors"
	"fmt"

	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
)

func init() {
	modules.Register("k6/data", modules.ModuleFunc(New))
}

// Module is one VU's k6/data.
type Module struct {
	vu modules.VU
	rt *sobek.Runtime
}

// New makes the module's instance for vu.
func New(vu modules.VU) modules.Instance { return &Module{vu: vu, rt: vu.Runtime()} }

// Exports lists SharedArray.
func (m *Module) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{"SharedArray": m.sharedArray}}
}

// elements are a SharedArray's items, each as JSON, shared by every VU.
type elements []string

// sharedArray is `new SharedArray(name, fn)`: fn runs once per run, in the
// first VU that asks for name; every VU then reads the same items.
func (m *Module) sharedArray(call sobek.ConstructorCall) *sobek.Object {
	if m.vu.State() != nil {
		panic(m.rt.NewGoError(errors.New("new SharedArray must be called in the init context")))
	}
	name := ""
	if a := call.Argument(0); a != nil && !sobek.IsUndefined(a) && !sobek.IsNull(a) {
		name = a.String()
	}
	if name == "" {
		panic(m.rt.NewGoError(errors.New("empty name provided to SharedArray's constructor")))
	}
	fn, ok := sobek.AssertFunction(call.Argument(1))
	if !ok {
		panic(m.rt.NewTypeError("a function is expected as the second argument of SharedArray's constructor"))
	}
	v, err := m.vu.InitEnv().Shared.LoadOrMake("k6/data.SharedArray/"+name, func() (any, error) {
		return m.build(fn)
	})
	if err != nil {
		panic(m.rt.NewGoError(err))
	}
	return m.rt.NewDynamicArray(&arrayView{m: m, items: v.(elements), cache: map[int]sobek.Value{}})
}

// build runs the data function and keeps its result's items as JSON.
func (m *Module) build(fn sobek.Callable) (elements, error) {
	res, err := fn(sobek.Undefined())
	if err != nil {
		return nil, err
	}
	obj, ok := res.(*sobek.Object)
	if !ok || obj.ClassName() != "Array" {
		return nil, errors.New("only arrays can be made into SharedArray")
	}
	stringify, _ := sobek.AssertFunction(m.rt.Get("JSON").ToObject(m.rt).Get("stringify"))
	n := obj.Get("length").ToInteger()
	items := make(elements, n)
	for i := int64(0); i < n; i++ {
		s, err := stringify(sobek.Undefined(), obj.Get(fmt.Sprint(i)))
		if err != nil {
			return nil, err
		}
		if sobek.IsUndefined(s) {
			items[i] = "null"
		} else {
			items[i] = s.String()
		}
	}
	return items, nil
}

// arrayView is one VU's read-only view of a SharedArray: an item is parsed from
// its JSON on first read and frozen, so scripts cannot change what others see.
type arrayView struct {
	m     *Module
	items elements
	cache map[int]sobek.Value
}

func (a *arrayView) Len() int { return len(a.items) }

func (a *arrayView) Get(i int) sobek.Value {
	if i < 0 || i >= len(a.items) {
		return sobek.Undefined()
	}
	if v, ok := a.cache[i]; ok {
		return v
	}
	rt := a.m.rt
	parse, _ := sobek.AssertFunction(rt.Get("JSON").ToObject(rt).Get("parse"))
	v, err := parse(sobek.Undefined(), rt.ToValue(a.items[i]))
	if err != nil {
		panic(err)
	}
	deepFreeze(rt, v)
	a.cache[i] = v
	return v
}

func (a *arrayView) Set(int, sobek.Value) bool { return false }
func (a *arrayView) SetLen(int) bool           { return false }

func deepFreeze(rt *sobek.Runtime, v sobek.Value) {
	obj, ok := v.(*sobek.Object)
	if !ok {
		return
	}
	for _, k := range obj.Keys() {
		deepFreeze(rt, obj.Get(k))
	}
	freeze, _ := sobek.AssertFunction(rt.Get("Object").ToObject(rt).Get("freeze"))
	_, _ = freeze(sobek.Undefined(), obj)
}
