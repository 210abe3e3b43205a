package js

import (
	"errors"
	"fmt"
	"path"

	"github.com/grafana/sobek"
	"github.com/grafana/sobek/ast"
	"github.com/grafana/sobek/file"
	"github.com/grafana/sobek/unistring"
)

// cjsProgram is a CommonJS file compiled once as a function of
// (exports, require, module, __filename, __dirname), to run in each VU.
type cjsProgram struct {
	path string
	prg  *sobek.Program
}

// cjsParams are the names a CommonJS file sees as its function's parameters.
var cjsParams = []string{"exports", "require", "module", "__filename", "__dirname"}

// compileCJS compiles src as the body of the CommonJS function. The function is
// built around the parsed file's syntax tree rather than around its text, so
// every position in stack traces and errors is the file's own.
func compileCJS(p string, src []byte) (*cjsProgram, error) {
	parsed, err := sobek.Parse(locationURL(p), string(src))
	if err != nil {
		return nil, syntaxError(reparse(p, src, err))
	}
	params := make([]*ast.Binding, len(cjsParams))
	for i, name := range cjsParams {
		params[i] = &ast.Binding{Target: &ast.Identifier{Name: unistring.NewFromString(name), Idx: 1}}
	}
	fn := &ast.FunctionLiteral{
		Function:        1,
		ParameterList:   &ast.ParameterList{Opening: 1, List: params, Closing: 1},
		Body:            &ast.BlockStatement{LeftBrace: 1, List: parsed.Body, RightBrace: file.Idx(len(src) + 1)},
		Source:          string(src),
		DeclarationList: parsed.DeclarationList,
	}
	wrapper := &ast.Program{Body: []ast.Statement{&ast.ExpressionStatement{Expression: fn}}, File: parsed.File}
	prg, err := sobek.CompileAST(wrapper, false)
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
		if vu.active {
			panic(vu.rt.NewGoError(initOnly("require")))
		}
		v, err := vu.require(dir, specifier)
		if err != nil {
			vu.throw(err)
		}
		return v
	})
}

// throw throws err in the script: an exception of a module's (or a stop) as it
// is, with its own stack; any other error as a GoError.
func (vu *VU) throw(err error) {
	var ie *sobek.InterruptedError
	var so *sobek.StackOverflowError
	var ex *sobek.Exception
	switch {
	case errors.As(err, &ie):
		panic(ie)
	case errors.As(err, &so):
		panic(so)
	case errors.As(err, &ex):
		panic(ex)
	}
	panic(vu.rt.NewGoError(err))
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
		return inst.defaultExport(), nil
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
		return inst.defaultExport(), nil
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
