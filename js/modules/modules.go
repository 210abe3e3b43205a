// Package modules is minik6's extension point: the registry of JavaScript modules
// that scripts import (`k6`, `k6/execution`, `k6/x/anything`…) and the interfaces a
// module implements and sees. Built-in modules use it exactly as an outside module
// would: they call Register from an init function of their own package.
//
// Lifecycle of a module, per VU:
//  1. The script imports the module's name for the first time in the VU's init
//     context: NewModuleInstance is called with the VU (State is nil then).
//  2. The script reads the instance's Exports (default and named) once.
//  3. The exported functions run later, in the init context or in iterations; they
//     ask the VU for its State to tell which (nil means init).
//  4. When the VU goes away, an instance that implements Closer is closed.
//
// A module that works on other goroutines (I/O, waiting) returns a promise and
// settles it back on the VU's goroutine through VU.RegisterCallback.
package modules

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"sync"

	"github.com/grafana/sobek"
	"github.com/sirupsen/logrus"

	"github.com/minik6/minik6/metrics"

	"github.com/minik6/minik6/runner"
)

// Module is registered once per import name and makes one Instance per VU.
type Module interface {
	// NewModuleInstance is called in the VU's init context, the first time the VU
	// imports the module.
	NewModuleInstance(vu VU) Instance
}

// ModuleFunc adapts a function to Module.
type ModuleFunc func(vu VU) Instance

// NewModuleInstance calls f.
func (f ModuleFunc) NewModuleInstance(vu VU) Instance { return f(vu) }

// Instance is one VU's copy of a module.
type Instance interface {
	// Exports returns what `import` sees: the default export and the named ones.
	Exports() Exports
}

// Closer is an optional interface of an Instance that holds resources until the VU
// ends.
type Closer interface {
	Close() error
}

// Exports are a module instance's exported values. Values are Go values, converted
// with the VU's runtime (functions, maps, structs, sobek values all work).
type Exports struct {
	// Default is the default export; nil makes the default export the object of the
	// named exports.
	Default any
	// Named maps export names to values.
	Named map[string]any
}

// VU is what a module instance sees of the virtual user it belongs to.
type VU interface {
	// Runtime is the VU's JavaScript runtime. Only the VU's goroutine may use it.
	Runtime() *sobek.Runtime
	// Context is the context of the current init context or iteration: it is done
	// when the work must stop.
	Context() context.Context
	// State is the VU's run state, nil in the init context.
	State() *runner.VUState
	// InitEnv is what the init context offers: the metrics registry, the logger.
	InitEnv() *InitEnv
	// RegisterCallback lets a module finish work on another goroutine and then
	// touch the runtime (resolve a promise, call a JavaScript function) on the
	// VU's goroutine, through the VU's event loop.
	//
	// Call RegisterCallback on the VU's goroutine, that is from a function the
	// script called. It reserves a slot in the event loop: the iteration (or
	// setup, teardown, handleSummary, the init context) that is running does not
	// end while the slot is reserved. It returns an enqueue function, to be
	// called exactly once, from any goroutine, with the callback; enqueue never
	// blocks and releases the slot. The callback then runs on the VU's goroutine,
	// where it may use the runtime; promise jobs it causes run right after it. An
	// error it returns ends the event loop with that error, as an exception would:
	// for an iteration, a script error that is logged.
	//
	// A hard stop (the context is done), an exception or a callback's error
	// abandons the slots still reserved: their callbacks, when enqueued later, are
	// dropped without running (never in a later iteration). Enqueue calls after
	// the first one are ignored. A slot whose enqueue function is never called
	// keeps the iteration running until it is stopped.
	//
	//	func (m *mod) resolveLater(ms int) *sobek.Promise {
	//		p, resolve, _ := m.vu.Runtime().NewPromise()
	//		enqueue := m.vu.RegisterCallback()
	//		go func() {
	//			time.Sleep(time.Duration(ms) * time.Millisecond)
	//			enqueue(func() error { return resolve(ms) })
	//		}()
	//		return p
	//	}
	RegisterCallback() func(callback func() error)
}

// InitEnv is what a module can use in the init context, before the VU runs.
type InitEnv struct {
	// Registry holds the run's metrics; custom metrics are declared in it.
	Registry *metrics.Registry
	// Logger logs on behalf of the script.
	Logger logrus.FieldLogger
	// Shared holds values made once per run and shared by every VU.
	Shared *Shared
	// ReadFile reads a file as open() does: a name relative to the calling
	// script, read once per run and kept with the test's files (an archive
	// carries it). Call it from the init context, on the VU's goroutine.
	ReadFile func(name string) ([]byte, error)
}

// Shared is a run's store of values that every VU shares (k6/data's
// SharedArray, or an extension's data). The values must be immutable or
// goroutine-safe: VUs run on their own goroutines.
type Shared struct {
	mu     sync.Mutex
	values map[string]any
}

// LoadOrMake returns the value stored under key, making it with make (once per
// run, under a lock) the first time; an error from make is returned and nothing
// is stored.
func (s *Shared) LoadOrMake(key string, make func() (any, error)) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.values[key]; ok {
		return v, nil
	}
	v, err := make()
	if err != nil {
		return nil, err
	}
	if s.values == nil {
		s.values = map[string]any{}
	}
	s.values[key] = v
	return v, nil
}

var (
	registryMu sync.RWMutex
	registry   = map[string]Module{}
	validName  = regexp.MustCompile(`^k6(/[a-z0-9_.-]+)*$`)
)

// Register makes m importable as name. Names start with "k6" ("k6", "k6/http",
// "k6/x/mything" for extensions). A duplicate or malformed name is a programming
// error, so Register panics; call it from an init function.
func Register(name string, m Module) {
	if !validName.MatchString(name) {
		panic(fmt.Sprintf("modules.Register: %q is not a valid module name (want k6/…, lower case)", name))
	}
	if m == nil {
		panic(fmt.Sprintf("modules.Register: module %q is nil", name))
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic(fmt.Sprintf("modules.Register: module %q is already registered", name))
	}
	registry[name] = m
}

var (
	globalsMu sync.RWMutex
	globals   = map[string]func(vu VU) any{}
)

// RegisterGlobal makes a global that scripts use without an import (crypto,
// TextEncoder…): make builds its value for a VU the first time a script of
// that VU looks the name up (many never do, and a VU saves the memory). A
// duplicate name is a programming error: RegisterGlobal panics; call it from
// an init function.
func RegisterGlobal(name string, make func(vu VU) any) {
	if name == "" || make == nil {
		panic(fmt.Sprintf("modules.RegisterGlobal: %q needs a name and a maker", name))
	}
	globalsMu.Lock()
	defer globalsMu.Unlock()
	if _, dup := globals[name]; dup {
		panic(fmt.Sprintf("modules.RegisterGlobal: global %q is already registered", name))
	}
	globals[name] = make
}

// Global returns the maker of the global registered as name.
func Global(name string) (func(vu VU) any, bool) {
	globalsMu.RLock()
	defer globalsMu.RUnlock()
	make, ok := globals[name]
	return make, ok
}

// Get returns the module registered as name.
func Get(name string) (Module, bool) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	m, ok := registry[name]
	return m, ok
}

// Names lists the registered module names, sorted.
func Names() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// CustomTags reads a script's tags argument (check's third, a custom metric's
// add's second) as k6 does: nil for undefined or null; otherwise the object's
// properties, each a string, a number or a boolean, as strings. Any other value
// is an error that names the tag.
func CustomTags(rt *sobek.Runtime, v sobek.Value) (map[string]string, error) {
	if v == nil || sobek.IsUndefined(v) || sobek.IsNull(v) {
		return nil, nil
	}
	obj := v.ToObject(rt)
	keys := obj.Keys()
	tags := make(map[string]string, len(keys))
	for _, k := range keys {
		val := obj.Get(k)
		var kind reflect.Kind
		if t := val.ExportType(); t != nil {
			kind = t.Kind()
		}
		switch kind {
		case reflect.String, reflect.Bool, reflect.Int64, reflect.Float64:
			tags[k] = val.String()
		default:
			return nil, fmt.Errorf("invalid value for metric tag '%s': "+
				"only String, Boolean and Number types are accepted as a metric tag values", k)
		}
	}
	return tags, nil
}
