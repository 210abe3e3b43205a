package js

import (
	"errors"
	"fmt"
	"path"

	"github.com/grafana/sobek"
)

// cjsProgram is a CommonJS file compiled once as a function of
// (exports, require, module, __filename, __dirname), to run in each VU.
type cjsProgram struct {
	path string
	prg  *sobek.Program
}

// compileCJS wraps src in the CommonJS function. The wrapper's opening stays on the
// first line so line numbers in stack traces match the file.
func compileCJS(p string, src []byte) (*cjsProgram, error) {
	code := "(function (exports, require, module, __filename, __dirname) {" + string(src) + "\n})"
	prg, err := sobek.Compile(fileURL(p), code, false)
	if err != nil {
		return nil, syntaxError(err)
	}
	return &cjsProgram{path: p, prg: prg}, nil
}

// runCJS runs a CommonJS program in the VU (once; later calls return the cached
// exports) and returns its module.exports.
func (vu *VU) runCJS(c *cjsProgram) (sobek.Value, error) {
	if v, ok := vu.cjsExports[c.path]; ok {
		return v, nil
	}
	rt := vu.rt
	fnv, err := rt.RunProgram(c.prg)
	if err != nil {
		return nil, err
	}
	fn, ok := sobek.AssertFunction(fnv)
	if !ok {
		return nil, errors.New("internal error: CommonJS wrapper is not a function")
	}
	module := rt.NewObject()
	exports := rt.NewObject()
	_ = module.Set("exports", exports)
	vu.cjsExports[c.path] = exports // cycles see the partial exports, as in Node
	req := vu.requireFunc(path.Dir(c.path))
	if _, err := fn(sobek.Undefined(), exports, req, module, rt.ToValue(c.path), rt.ToValue(path.Dir(c.path))); err != nil {
		delete(vu.cjsExports, c.path)
		return nil, err
	}
	out := module.Get("exports")
	vu.cjsExports[c.path] = out
	return out, nil
}

// requireFunc returns a require() that resolves relative paths against dir.
func (vu *VU) requireFunc(dir string) sobek.Value {
	return vu.rt.ToValue(func(specifier string) sobek.Value {
		v, err := vu.require(dir, specifier)
		if err != nil {
			panic(vu.rt.NewGoError(err))
		}
		return v
	})
}

// require loads a module for require(): a built-in module's default export (or its
// named exports when it has no default), or a file's module.exports.
func (vu *VU) require(dir, specifier string) (sobek.Value, error) {
	b := vu.b
	if isBuiltin(specifier) {
		rec, err := b.builtin(specifier)
		if err != nil {
			return nil, err
		}
		inst, err := vu.instanceOf(rec.(*objectRecord))
		if err != nil {
			return nil, err
		}
		return inst.def, nil
	}
	p, err := b.resolvePath(dir, specifier)
	if err != nil {
		return nil, err
	}
	rec, err := b.load(p)
	if err != nil {
		return nil, fmt.Errorf("the module %q could not be loaded: %w", specifier, err)
	}
	switch r := rec.(type) {
	case *objectRecord:
		inst, err := vu.instanceOf(r)
		if err != nil {
			return nil, err
		}
		return inst.def, nil
	case *sobek.SourceTextModuleRecord:
		if err := r.Link(); err != nil {
			return nil, err
		}
		prom := vu.rt.CyclicModuleRecordEvaluate(r, b.resolve)
		if prom.State() == sobek.PromiseStateRejected {
			return nil, fmt.Errorf("%v", prom.Result())
		}
		return vu.rt.NamespaceObjectFor(r), nil
	}
	return nil, fmt.Errorf("the module %q can't be required", specifier)
}
