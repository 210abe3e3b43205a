// Package js is minik6's script host: it loads a test script and its imports once
// (ES modules and CommonJS, relative files and k6/* built-ins), shares the compiled
// programs across VUs, and gives every VU its own Sobek runtime with the init
// context (open, require, __ENV, __VU, __ITER, console).
package js

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"path"
	"strings"
	"sync"

	"github.com/grafana/sobek"
	"github.com/grafana/sobek/parser"
	"github.com/sirupsen/logrus"

	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/js/modules"
	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/runner"
)

// Config is what a bundle needs besides the script.
type Config struct {
	// FS reads the script and the files it imports or opens; paths are absolute
	// slash paths without the leading slash (as os.DirFS("/") wants).
	FS fs.FS
	// Env is what __ENV holds.
	Env map[string]string
	// Logger logs script errors.
	Logger logrus.FieldLogger
	// Console receives console.* output.
	Console logrus.FieldLogger
	// Registry holds the run's metrics; scripts declare custom metrics in it.
	Registry *metrics.Registry
	// Remote are remote modules already at hand, by URL (an archive's): they
	// are not fetched again.
	Remote map[string][]byte
}

// Bundle is a loaded test script: its parsed modules, shared by every VU.
type Bundle struct {
	cfg      Config
	entry    string // absolute path of the entry script
	entryRec sobek.ModuleRecord
	cjsEntry *cjsProgram

	mu      sync.Mutex
	records map[string]sobek.ModuleRecord // by absolute path or built-in name
	paths   map[sobek.ModuleRecord]string
	cjs     map[string]*cjsProgram
	files   map[string][]byte

	vus sync.Map // *sobek.Runtime → *VU

	optionsJSON []byte
	functions   map[string]bool
	shared      modules.Shared
}

// NewBundle loads the script at entry (an absolute slash path), parses it and
// everything it imports, and runs its init context once to read its options and
// exported functions. Errors carry the exit code k6 gives them.
func NewBundle(entry string, cfg Config) (*Bundle, error) {
	if cfg.Logger == nil {
		cfg.Logger = logrus.StandardLogger()
	}
	if cfg.Console == nil {
		cfg.Console = cfg.Logger
	}
	if cfg.Registry == nil {
		cfg.Registry = metrics.NewRegistry()
	}
	b := &Bundle{
		cfg:     cfg,
		entry:   path.Clean(entry),
		records: map[string]sobek.ModuleRecord{},
		paths:   map[sobek.ModuleRecord]string{},
		cjs:     map[string]*cjsProgram{},
		files:   map[string][]byte{},
	}
	src, err := b.readFile(b.entry)
	if err != nil {
		return nil, exitcode.Errorf(exitcode.ScriptException, "the script %s could not be read: %v", b.entry, scrubPathErr(err))
	}
	rec, cjs, err := b.parse(b.entry, src)
	if err != nil {
		return nil, exitcode.Wrap(exitcode.ScriptException, err)
	}
	if cjs != nil {
		b.cjsEntry = cjs
	} else {
		b.entryRec = rec
		if err := rec.Link(); err != nil {
			return nil, exitcode.Wrap(exitcode.ScriptException, err)
		}
		if merged := b.merge(); merged != nil {
			b.entryRec = merged
		}
	}

	vu, err := b.newVU(context.Background(), nil, 0)
	if err != nil {
		return nil, err
	}
	defer vu.Close()
	b.functions = map[string]bool{}
	for _, k := range vu.exports.Keys() {
		if _, ok := sobek.AssertFunction(vu.exports.Get(k)); ok {
			b.functions[k] = true
		}
	}
	if o := vu.exports.Get("options"); o != nil && !sobek.IsUndefined(o) && !sobek.IsNull(o) {
		data, err := json.Marshal(o.Export())
		if err != nil {
			return nil, exitcode.Errorf(exitcode.InvalidConfig, "the script's exported options can't be read: %v", err)
		}
		b.optionsJSON = data
	}
	return b, nil
}

// OptionsJSON is the script's exported `options` as JSON, nil when it has none.
func (b *Bundle) OptionsJSON() []byte { return b.optionsJSON }

// Files returns a copy of every local file the bundle read (modules and
// open()ed files), by absolute slash path.
func (b *Bundle) Files() map[string][]byte { return b.filesWhere(false) }

// Remote returns a copy of every remote module the bundle read, by URL.
func (b *Bundle) Remote() map[string][]byte { return b.filesWhere(true) }

func (b *Bundle) filesWhere(remote bool) map[string][]byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := map[string][]byte{}
	for p, data := range b.files {
		if isRemote(p) == remote {
			out[p] = data
		}
	}
	return out
}

// HasFunction reports whether the script exports a function called name.
func (b *Bundle) HasFunction(name string) bool { return b.functions[name] }

// NewVU runs the init context for a new VU that will use state.
func (b *Bundle) NewVU(ctx context.Context, state *runner.VUState) (runner.VU, error) {
	return b.newVU(ctx, state, state.IDInInstance)
}

// fileURL is how a path appears in stack traces and messages.
func fileURL(p string) string { return (&url.URL{Scheme: "file", Path: p}).String() }

// readFile reads the file or remote module at a location, once.
func (b *Bundle) readFile(p string) ([]byte, error) {
	b.mu.Lock()
	data, ok := b.files[p]
	b.mu.Unlock()
	if ok {
		return data, nil
	}
	var err error
	switch data, ok = b.cfg.Remote[p]; {
	case ok:
	case isRemote(p):
		data, err = fetchRemote(p)
	default:
		data, err = fs.ReadFile(b.cfg.FS, strings.TrimPrefix(p, "/"))
	}
	if err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.files[p] = data
	b.mu.Unlock()
	return data, nil
}

// scrubPathErr drops Go's "open x:" prefix and keeps the reason.
func scrubPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// parse compiles a file as an ES module, or, when it has no import or export
// statement, as a CommonJS module.
func (b *Bundle) parse(p string, src []byte) (*sobek.SourceTextModuleRecord, *cjsProgram, error) {
	if isTypeScript(p) {
		js, err := transpile(p, src)
		if err != nil {
			return nil, nil, err
		}
		src = js
	}
	rec, err := sobek.ParseModule(locationURL(p), string(src), b.resolve)
	if err != nil {
		return nil, nil, syntaxError(reparse(p, src, err, parser.IsModule))
	}
	if len(rec.RequestedModules()) == 0 && !hasExports(rec) {
		prg, err := compileCJS(p, src)
		if err != nil {
			return nil, nil, err
		}
		return nil, prg, nil
	}
	b.mu.Lock()
	b.records[p] = rec
	b.paths[rec] = p
	b.mu.Unlock()
	return rec, nil, nil
}

func hasExports(rec *sobek.SourceTextModuleRecord) bool {
	var names []string
	rec.GetExportedNames(func(n []string) { names = n })
	return len(names) > 0
}

// resolve finds the module a specifier names, loading and parsing it the first
// time. It is sobek's HostResolveImportedModuleFunc.
func (b *Bundle) resolve(referrer any, specifier string) (sobek.ModuleRecord, error) {
	if isBuiltin(specifier) {
		rec, err := b.builtin(specifier)
		if err != nil {
			return nil, fmt.Errorf("%w, imported from %s", err, b.nameOf(referrer))
		}
		return rec, nil
	}
	p, err := b.resolvePath(b.dirOf(referrer), specifier)
	if err != nil {
		return nil, err
	}
	rec, err := b.load(p)
	if err != nil {
		return nil, fmt.Errorf("the module %q imported from %s could not be loaded: %w", specifier, b.nameOf(referrer), err)
	}
	return rec, nil
}

// load returns the module record of the file at the absolute path p, parsing it
// the first time.
func (b *Bundle) load(p string) (sobek.ModuleRecord, error) {
	b.mu.Lock()
	rec, ok := b.records[p]
	b.mu.Unlock()
	if ok {
		return rec, nil
	}
	src, err := b.readFile(p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, scrubPathErr(err))
	}
	st, cjs, err := b.parse(p, src)
	if err != nil {
		return nil, err
	}
	if st != nil {
		return st, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cjs[p] = cjs
	r := &objectRecord{b: b, name: p, instantiate: func(vu *VU) (*objectInstance, error) {
		exports, err := vu.runCJS(cjs)
		if err != nil {
			return nil, err
		}
		obj, _ := exports.(*sobek.Object)
		return &objectInstance{def: exports, named: obj}, nil
	}}
	b.records[p] = r
	b.paths[r] = p
	return r, nil
}

func isBuiltin(specifier string) bool {
	return specifier == "k6" || strings.HasPrefix(specifier, "k6/")
}

// builtin returns the record of a registered Go module.
func (b *Bundle) builtin(name string) (sobek.ModuleRecord, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if rec, ok := b.records[name]; ok {
		return rec, nil
	}
	mod, ok := modules.Get(name)
	if !ok {
		return nil, fmt.Errorf("unknown module: %s", name)
	}
	r := &objectRecord{b: b, name: name, instantiate: func(vu *VU) (*objectInstance, error) {
		return vu.goModule(mod), nil
	}}
	b.records[name] = r
	return r, nil
}

// dirOf is the directory imports of referrer resolve against.
func (b *Bundle) dirOf(referrer any) string {
	if rec, ok := referrer.(sobek.ModuleRecord); ok {
		b.mu.Lock()
		p, ok := b.paths[rec]
		b.mu.Unlock()
		if ok {
			return dirOf(p)
		}
	}
	if p, ok := referrer.(string); ok {
		return dirOf(p)
	}
	return dirOf(b.entry)
}

// dirOf is the directory (for a URL, the base) of a module location.
func dirOf(location string) string {
	if isRemote(location) {
		return remoteDir(location)
	}
	return path.Dir(location)
}

// nameOf names the module that imports another, for messages.
func (b *Bundle) nameOf(referrer any) string {
	if rec, ok := referrer.(sobek.ModuleRecord); ok {
		b.mu.Lock()
		p, ok := b.paths[rec]
		b.mu.Unlock()
		if ok {
			return locationURL(p)
		}
	}
	return locationURL(b.entry)
}

// resolvePath turns a specifier into a module location: an absolute path, or
// a URL for a remote module and for relative imports inside one.
func (b *Bundle) resolvePath(dir, specifier string) (string, error) {
	switch {
	case isRemote(specifier):
		return resolveRemote("", specifier)
	case isRemote(dir) && (strings.HasPrefix(specifier, "./") || strings.HasPrefix(specifier, "../") ||
		strings.HasPrefix(specifier, "/")):
		return resolveRemote(dir, specifier)
	case strings.HasPrefix(specifier, "file://"):
		u, err := url.Parse(specifier)
		if err != nil {
			return "", fmt.Errorf("bad module specifier %q: %w", specifier, err)
		}
		return path.Clean(u.Path), nil
	case strings.HasPrefix(specifier, "/"):
		return path.Clean(specifier), nil
	case strings.HasPrefix(specifier, "./"), strings.HasPrefix(specifier, "../"):
		return path.Join(dir, specifier), nil
	case strings.Contains(specifier, "://"):
		return "", fmt.Errorf("the module %q can't be loaded: minik6 loads local files, https:// URLs and k6/* modules", specifier)
	}
	return "", fmt.Errorf("the module %q can't be resolved: use a relative path (./%s) or a k6/* module", specifier, specifier)
}

func (b *Bundle) vuOf(rt *sobek.Runtime) *VU {
	v, ok := b.vus.Load(rt)
	if !ok {
		return nil
	}
	return v.(*VU)
}
