// Package kv is an example minik6 extension: the JavaScript module `k6/x/kv`, a
// key-value store that all VUs of a test run share.
//
//	import kv from 'k6/x/kv';
//
//	export function setup() { kv.set('greeting', { text: 'hello' }); }
//	export default function () { kv.incr('hits'); }
//	export function teardown() { console.log(kv.get('hits')); }
//
// Functions: set(key, value), get(key), incr(key[, by]), del(key), keys() and
// writer(key), the id (exec.vu.idInTest) of the VU that wrote key last; 0 is the
// VU that runs setup() and teardown(). Values are anything JSON can hold; get
// returns a fresh copy. The store lives as long as the minik6 process: one test
// run. Writes are refused in the init context, which runs once per VU (and more),
// so a write there would repeat.
//
// Importing this package for its side effect registers the module:
//
//	import _ "github.com/minik6/minik6/examples/extension/kv"
package kv

import (
	"errors"
	"fmt"

	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
)

// Name is the name scripts import the module by.
const Name = "k6/x/kv"

func init() {
	modules.Register(Name, NewModule(NewStore()))
}

// Module is the k6/x/kv module: it gives each VU an instance over one shared
// Store.
type Module struct {
	store *Store
}

// NewModule returns the module over store.
func NewModule(store *Store) *Module { return &Module{store: store} }

// NewModuleInstance makes vu's instance of the module.
func (m *Module) NewModuleInstance(vu modules.VU) modules.Instance {
	return &Instance{vu: vu, rt: vu.Runtime(), store: m.store}
}

// Instance is one VU's k6/x/kv.
type Instance struct {
	vu    modules.VU
	rt    *sobek.Runtime
	store *Store

	stringify, parse sobek.Callable
}

// Exports lists the module's functions; the default export is the object of
// them.
func (i *Instance) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{
		"set":    i.set,
		"get":    i.get,
		"incr":   i.incr,
		"del":    i.del,
		"keys":   i.keys,
		"writer": i.writer,
	}}
}

// set stores value under key.
func (i *Instance) set(call sobek.FunctionCall) sobek.Value {
	id := i.writerID("set")
	key := i.key("set", call.Argument(0))
	raw := i.toJSON(call.Argument(1))
	i.store.Set(key, raw, id)
	return sobek.Undefined()
}

// get returns a copy of the value under key, or undefined.
func (i *Instance) get(call sobek.FunctionCall) sobek.Value {
	raw, _, ok := i.store.Get(i.key("get", call.Argument(0)))
	if !ok {
		return sobek.Undefined()
	}
	return i.fromJSON(raw)
}

// incr adds by (default 1) to the number under key and returns the sum.
func (i *Instance) incr(call sobek.FunctionCall) sobek.Value {
	id := i.writerID("incr")
	key := i.key("incr", call.Argument(0))
	by := 1.0
	if arg := call.Argument(1); !sobek.IsUndefined(arg) {
		n, ok := arg.Export().(int64)
		f, isFloat := arg.Export().(float64)
		switch {
		case ok:
			by = float64(n)
		case isFloat:
			by = f
		default:
			panic(i.rt.NewTypeError(fmt.Sprintf("kv.incr(): the step must be a number, not %s", arg.String())))
		}
	}
	sum, err := i.store.Incr(key, by, id)
	if err != nil {
		panic(i.rt.NewGoError(fmt.Errorf("kv.incr(): %w", err)))
	}
	return i.rt.ToValue(sum)
}

// del removes key and returns whether it was there.
func (i *Instance) del(call sobek.FunctionCall) sobek.Value {
	i.writerID("del")
	return i.rt.ToValue(i.store.Delete(i.key("del", call.Argument(0))))
}

// keys returns the stored keys, sorted.
func (i *Instance) keys(sobek.FunctionCall) sobek.Value {
	keys := i.store.Keys()
	vals := make([]any, len(keys))
	for n, k := range keys {
		vals[n] = k
	}
	return i.rt.NewArray(vals...)
}

// writer returns the id of the VU that wrote key last, or undefined.
func (i *Instance) writer(call sobek.FunctionCall) sobek.Value {
	_, id, ok := i.store.Get(i.key("writer", call.Argument(0)))
	if !ok {
		return sobek.Undefined()
	}
	return i.rt.ToValue(id)
}

// errInit is thrown by the writing functions in the init context.
var errInit = errors.New("can't be used in the init context: it runs once per VU, so the write would repeat; write in setup() or in an iteration")

// writerID returns the id of the VU, for the entry it writes. In the init context
// (no VU state yet) it throws.
func (i *Instance) writerID(fn string) uint64 {
	st := i.vu.State()
	if st == nil {
		panic(i.rt.NewGoError(fmt.Errorf("kv.%s() %w", fn, errInit)))
	}
	return st.IDInTest
}

// key returns the key argument, which must be a string.
func (i *Instance) key(fn string, v sobek.Value) string {
	s, ok := v.Export().(string)
	if !ok {
		panic(i.rt.NewTypeError(fmt.Sprintf("kv.%s(): the key must be a string, not %s", fn, v.String())))
	}
	return s
}

// toJSON serializes v with the script's own JSON.stringify, so toJSON methods and
// Dates behave as scripts expect.
func (i *Instance) toJSON(v sobek.Value) []byte {
	if i.stringify == nil {
		i.stringify, i.parse = i.jsonFuncs()
	}
	out, err := i.stringify(sobek.Undefined(), v)
	if err != nil {
		panic(err)
	}
	if sobek.IsUndefined(out) {
		panic(i.rt.NewTypeError(fmt.Sprintf("kv.set(): %s can't be stored: the value must be something JSON can hold", v.String())))
	}
	return []byte(out.String())
}

// fromJSON parses raw into a new JavaScript value.
func (i *Instance) fromJSON(raw []byte) sobek.Value {
	if i.parse == nil {
		i.stringify, i.parse = i.jsonFuncs()
	}
	out, err := i.parse(sobek.Undefined(), i.rt.ToValue(string(raw)))
	if err != nil {
		panic(err)
	}
	return out
}

// jsonFuncs returns the runtime's JSON.stringify and JSON.parse.
func (i *Instance) jsonFuncs() (stringify, parse sobek.Callable) {
	obj := i.rt.GlobalObject().Get("JSON").ToObject(i.rt)
	stringify, ok1 := sobek.AssertFunction(obj.Get("stringify"))
	parse, ok2 := sobek.AssertFunction(obj.Get("parse"))
	if !ok1 || !ok2 {
		panic(i.rt.NewGoError(errors.New("kv: the runtime has no JSON object")))
	}
	return stringify, parse
}

// Interface guards.
var (
	_ modules.Module   = (*Module)(nil)
	_ modules.Instance = (*Instance)(nil)
)
