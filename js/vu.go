package js

import (
	"context"
	"errors"
	"fmt"
	"path"
	"reflect"
	"strings"

	"github.com/grafana/sobek"

	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/js/modules"
	"github.com/minik6/minik6/runner"
)

// VU is one virtual user's JavaScript side: its runtime, its module instances and
// the script's exports in that runtime. Only the VU's goroutine uses it, except
// Interrupt.
type VU struct {
	b     *Bundle
	rt    *sobek.Runtime
	state *runner.VUState
	// active turns true when the init context is over: State is nil before.
	active bool
	ctx    context.Context

	exports    *sobek.Object
	instances  map[*objectRecord]*objectInstance
	cjsExports map[string]sobek.Value
	closers    []modules.Closer
	fns        map[string]sobek.Callable
	// jsonStringify and jsonParse are JSON.stringify and JSON.parse, looked up
	// on first use: the JSON object costs every VU memory that most never need.
	jsonStringify, jsonParse sobek.Callable

	args         [1]sobek.Value // the iteration's arguments, reused
	setupRaw     []byte
	setupVal     sobek.Value
	lastScenario *runner.ScenarioState
	envs         map[*runner.ScenarioState]sobek.Value

	loop   eventLoop
	timers *timers

	// The state of Loop: see loop.go.
	enter        sobek.Callable
	body         sobek.Value
	next         func() bool
	loopDone     bool
	inLoop       bool
	probed       bool
	topLevelOnly bool

	// warnedUnsettled is set once the VU logged an iteration's promise that
	// never settled.
	warnedUnsettled bool
}

var _ modules.VU = (*VU)(nil)
var _ runner.VU = (*VU)(nil)

// maxCallStackSize is how deep a VU's JavaScript calls may nest (about what
// browsers allow): deeper, the call fails with a RangeError, where an infinite
// recursion would otherwise take memory until the machine kills the process.
const maxCallStackSize = 10000

// newVU makes a runtime, installs the init-context globals and evaluates the
// script in it. state is nil for the bundle's own look at the script's options.
func (b *Bundle) newVU(ctx context.Context, state *runner.VUState, id uint64) (*VU, error) {
	rt := sobek.New()
	rt.SetFieldNameMapper(sobek.TagFieldNameMapper("js", true))
	rt.SetMaxCallStackSize(maxCallStackSize)
	vu := &VU{
		b: b, rt: rt, state: state, ctx: ctx,
		instances:  map[*objectRecord]*objectInstance{},
		cjsExports: map[string]sobek.Value{},
		fns:        map[string]sobek.Callable{},
		envs:       map[*runner.ScenarioState]sobek.Value{},
	}
	b.vus.Store(rt, vu)
	vu.timers = newTimers(vu, &vu.loop)
	if err := vu.installGlobals(id); err != nil {
		vu.Close()
		return nil, err
	}
	if err := vu.evaluate(); err != nil {
		vu.Close()
		return nil, err
	}
	vu.active = state != nil
	return vu, nil
}

// evaluate runs the entry module (its init context) and keeps its exports.
func (vu *VU) evaluate() error {
	b := vu.b
	if b.cjsEntry != nil {
		v, err := vu.runCJS(b.cjsEntry)
		if err = vu.drain(vu.ctx, err); err != nil {
			return initError(err)
		}
		obj, ok := v.(*sobek.Object)
		if !ok {
			obj = vu.rt.NewObject()
		}
		vu.exports = obj
		return nil
	}
	prom := vu.rt.CyclicModuleRecordEvaluate(b.entryRec.(sobek.CyclicModuleRecord), b.resolve)
	if err := vu.drain(vu.ctx, nil); err != nil {
		return initError(err)
	}
	switch prom.State() {
	case sobek.PromiseStateRejected:
		return initError(promiseError(prom))
	case sobek.PromiseStatePending:
		return exitcode.Errorf(exitcode.ScriptException, "the script's top-level await did not settle in the init context")
	}
	vu.exports = vu.rt.NamespaceObjectFor(b.entryRec)
	return nil
}

// initError gives an error from the init context its exit code: 108 for
// exec.test.abort(), 107 for everything else.
func initError(err error) error {
	var abort *runner.AbortError
	if errors.As(err, &abort) {
		return exitcode.Wrap(exitcode.ScriptAborted, abort)
	}
	var code *exitcode.Error
	if errors.As(err, &code) {
		return err
	}
	return exitcode.Wrap(exitcode.ScriptException, scriptError(err))
}

// promiseError turns a rejected promise's reason into an error.
func promiseError(p *sobek.Promise) error {
	r := p.Result()
	if r == nil {
		return errors.New("rejected")
	}
	switch e := r.Export().(type) {
	case error:
		return e
	}
	if obj, ok := r.(*sobek.Object); ok {
		if stack := obj.Get("stack"); stack != nil && !sobek.IsUndefined(stack) {
			return errors.New(scrubStack(stack.String()))
		}
	}
	return errors.New(r.String())
}

// Runtime returns the VU's JavaScript runtime.
func (vu *VU) Runtime() *sobek.Runtime { return vu.rt }

// Context returns the context of the current init context or iteration.
func (vu *VU) Context() context.Context { return vu.ctx }

// State returns the VU's run state, nil in the init context.
func (vu *VU) State() *runner.VUState {
	if !vu.active {
		return nil
	}
	return vu.state
}

// InitEnv returns what the init context offers modules.
func (vu *VU) InitEnv() *modules.InitEnv {
	return &modules.InitEnv{
		Registry: vu.b.cfg.Registry, Logger: vu.b.cfg.Logger, Shared: &vu.b.shared, ReadFile: vu.readFile,
	}
}

// RegisterCallback reserves a slot in the VU's event loop; see
// modules.VU.RegisterCallback.
func (vu *VU) RegisterCallback() func(func() error) { return vu.loop.registerCallback() }

// Interrupt stops the running JavaScript; safe from any goroutine.
func (vu *VU) Interrupt(reason error) { vu.rt.Interrupt(reason) }

// Close abandons the work still outstanding in the VU's event loop and releases
// the VU's module instances.
func (vu *VU) Close() {
	vu.loop.abandon()
	for _, c := range vu.closers {
		_ = c.Close()
	}
	vu.closers = nil
	vu.b.vus.Delete(vu.rt)
}

// instanceOf returns the VU's instance of a Go or CommonJS module record.
func (vu *VU) instanceOf(r *objectRecord) (*objectInstance, error) {
	if inst, ok := vu.instances[r]; ok {
		return inst, nil
	}
	inst, err := r.instantiate(vu)
	if err != nil {
		return nil, err
	}
	vu.instances[r] = inst
	r.learnNames(inst)
	return inst, nil
}

// goModule makes the VU's instance of a registered Go module.
func (vu *VU) goModule(m modules.Module) *objectInstance {
	mi := m.NewModuleInstance(vu)
	if c, ok := mi.(modules.Closer); ok {
		vu.closers = append(vu.closers, c)
	}
	ex := mi.Exports()
	return &objectInstance{rt: vu.rt, goExports: &ex}
}

// function returns the exported function name, cached.
func (vu *VU) function(name string) (sobek.Callable, error) {
	if f, ok := vu.fns[name]; ok {
		return f, nil
	}
	f, ok := sobek.AssertFunction(vu.exports.Get(name))
	if !ok {
		return nil, fmt.Errorf("function '%s' not found in exports", name)
	}
	vu.fns[name] = f
	return f, nil
}

// RunIteration calls the exported function fn once with the setup data, and
// runs the VU's event loop until the iteration's timers and callbacks are done.
func (vu *VU) RunIteration(ctx context.Context, fn string) error {
	vu.ctx = ctx
	vu.rt.ClearInterrupt()
	if ctx.Err() != nil {
		if vu.loop.busy() {
			vu.loop.abandon() // left over from an iteration that ended in Loop's frame
		}
		return runner.ErrInterrupted
	}
	if vu.state.Scenario != vu.lastScenario {
		vu.enterScenario()
	}
	f, err := vu.function(fn)
	if err != nil {
		return err
	}
	vu.args[0] = vu.setupData()
	v, err := f(sobek.Undefined(), vu.args[:]...)
	if vu.loop.busy() {
		// The function uses the event loop: from now on every iteration of this
		// VU is called from the top level, where promise jobs run after each of
		// the loop's callbacks (see loop.go).
		vu.topLevelOnly = true
		err = vu.drain(ctx, err)
	}
	if err == nil {
		if p := asPromise(v); p != nil {
			// Promises settle at the top level only: from now on every iteration
			// of this VU is called from there.
			vu.topLevelOnly = true
			if vu.inLoop && p.State() == sobek.PromiseStatePending {
				// Its jobs run when Loop leaves its frame, after this iteration.
				return nil
			}
			err = settle(p)
			if errors.Is(err, errUnsettled) {
				vu.warnUnsettled(fn)
				return nil
			}
		}
	}
	if err == nil {
		return nil
	}
	return vu.iterationError(err)
}

// warnUnsettled logs, once per VU, that an iteration's promise never settled:
// every iteration of the VU is likely to do the same.
func (vu *VU) warnUnsettled(fn string) {
	if vu.warnedUnsettled {
		return
	}
	vu.warnedUnsettled = true
	logger := vu.b.cfg.Logger
	if vu.state != nil && vu.state.Logger != nil {
		logger = vu.state.Logger
	}
	logger.Warnf("%s() %v; the iteration ended there (logged once per VU)", fn, errUnsettled)
}

// drain finishes a call into the script that returned err: without an error, it
// runs the event loop until no work is outstanding (or ctx is done, or a
// callback fails); with one, it abandons the outstanding work.
func (vu *VU) drain(ctx context.Context, err error) error {
	if !vu.loop.busy() {
		return err
	}
	if err != nil {
		vu.loop.abandon()
		return err
	}
	return vu.loop.run(ctx)
}

// complete calls f, the exported function fn, with args, drains the event loop
// and settles the result: it returns a returned promise's value once fulfilled.
// Call and HandleSummary use it; RunIteration is the same with Loop's frame in
// mind.
func (vu *VU) complete(ctx context.Context, fn string, f sobek.Callable, args ...sobek.Value) (sobek.Value, error) {
	v, err := f(sobek.Undefined(), args...)
	if err = vu.drain(ctx, err); err != nil {
		return nil, err
	}
	if p := asPromise(v); p != nil {
		if err := settle(p); errors.Is(err, errUnsettled) {
			return nil, fmt.Errorf("%s() %w", fn, err)
		} else if err != nil {
			return nil, err
		}
		return p.Result(), nil
	}
	return v, nil
}

// isInterrupt reports whether err is a stop (an interrupt of the runtime or the
// loop's context) rather than the script's own error.
func isInterrupt(err error) bool {
	var ie *sobek.InterruptedError
	return errors.As(err, &ie) || errors.Is(err, runner.ErrInterrupted)
}

// iterationError sorts an error from an iteration: an interrupt (stop, abort) or
// a script exception to log.
func (vu *VU) iterationError(err error) error {
	if isInterrupt(err) {
		return runner.ErrInterrupted
	}
	return &runner.ScriptError{Message: describe(err)}
}

// callError sorts an error from Call or HandleSummary: an interrupt or the
// script's error with its stack.
func callError(err error) error {
	if isInterrupt(err) {
		return runner.ErrInterrupted
	}
	return scriptError(err)
}

// promiseType is what a promise object's ExportType is.
var promiseType = reflect.TypeOf((*sobek.Promise)(nil))

// asPromise returns the promise v is, or nil; it exports nothing else (a plain
// object would export as a fresh map).
func asPromise(v sobek.Value) *sobek.Promise {
	obj, ok := v.(*sobek.Object)
	if !ok || obj.ExportType() != promiseType {
		return nil
	}
	p, _ := obj.Export().(*sobek.Promise)
	return p
}

// errUnsettled is a returned promise still pending once the event loop is idle.
var errUnsettled = errors.New("returned a promise that never settled: nothing was left to settle it")

// settle checks a returned promise once the event loop is idle: a rejected
// promise is an error, and so is one that can no longer settle.
func settle(p *sobek.Promise) error {
	switch p.State() {
	case sobek.PromiseStateRejected:
		return fmt.Errorf("Uncaught (in promise) %w", promiseError(p))
	case sobek.PromiseStatePending:
		return errUnsettled
	}
	return nil
}

// Call calls the exported function fn with arg (JSON) and returns its result as
// JSON: setup(), teardown(). Like an iteration, it lasts until the event loop
// is idle.
func (vu *VU) Call(ctx context.Context, fn string, arg []byte) ([]byte, error) {
	vu.ctx = ctx
	vu.rt.ClearInterrupt()
	f, err := vu.function(fn)
	if err != nil {
		return nil, err
	}
	argv := sobek.Undefined()
	if arg != nil {
		if argv, err = vu.parse(vu.rt.ToValue(string(arg))); err != nil {
			return nil, err
		}
	}
	v, err := vu.complete(ctx, fn, f, argv)
	if err != nil {
		return nil, callError(err)
	}
	if v == nil || sobek.IsUndefined(v) {
		return nil, nil
	}
	out, err := vu.stringify(v)
	if err != nil {
		return nil, fmt.Errorf("%s() returned a value that can't be serialized to JSON: %s", fn, describe(err))
	}
	if sobek.IsUndefined(out) {
		return nil, nil
	}
	return []byte(out.String()), nil
}

// HandleSummary calls handleSummary(data) and returns what it maps outputs to:
// strings as they are, ArrayBuffers and typed arrays as their bytes, anything else
// by its string form. Like an iteration, it lasts until the event loop is idle.
func (vu *VU) HandleSummary(ctx context.Context, data []byte) (map[string][]byte, error) {
	vu.ctx = ctx
	vu.rt.ClearInterrupt()
	f, err := vu.function("handleSummary")
	if err != nil {
		return nil, err
	}
	arg, err := vu.parse(vu.rt.ToValue(string(data)))
	if err != nil {
		return nil, err
	}
	v, err := vu.complete(ctx, "handleSummary", f, arg)
	if err != nil {
		return nil, callError(err)
	}
	obj, ok := v.(*sobek.Object)
	if !ok {
		return nil, errors.New("handleSummary() must return an object mapping outputs to contents")
	}
	out := map[string][]byte{}
	for _, k := range obj.Keys() {
		val := obj.Get(k)
		switch x := val.Export().(type) {
		case sobek.ArrayBuffer:
			out[k] = append([]byte(nil), x.Bytes()...)
		case []byte:
			out[k] = append([]byte(nil), x...)
		default:
			out[k] = []byte(val.String())
		}
	}
	return out, nil
}

// setupData returns setup()'s result parsed in this VU, parsed once.
func (vu *VU) setupData() sobek.Value {
	raw := vu.state.SetupData()
	if raw == nil {
		return sobek.Undefined()
	}
	if vu.setupVal != nil && len(raw) == len(vu.setupRaw) && (len(raw) == 0 || &raw[0] == &vu.setupRaw[0]) {
		return vu.setupVal
	}
	v, err := vu.parse(vu.rt.ToValue(string(raw)))
	if err != nil {
		return sobek.Undefined()
	}
	vu.setupRaw, vu.setupVal = raw, v
	return v
}

// enterScenario switches __ENV to the scenario's environment.
func (vu *VU) enterScenario() {
	sc := vu.state.Scenario
	vu.lastScenario = sc
	if sc == nil || len(sc.Env) == 0 {
		_ = vu.rt.Set("__ENV", vu.envObject(nil))
		return
	}
	env, ok := vu.envs[sc]
	if !ok {
		env = vu.envObject(sc.Env)
		vu.envs[sc] = env
	}
	_ = vu.rt.Set("__ENV", env)
}

// parse is JSON.parse(text).
func (vu *VU) parse(text sobek.Value) (sobek.Value, error) {
	if vu.jsonParse == nil {
		vu.jsonParse, _ = sobek.AssertFunction(vu.rt.Get("JSON").ToObject(vu.rt).Get("parse"))
	}
	return vu.jsonParse(sobek.Undefined(), text)
}

// stringify is JSON.stringify(v).
func (vu *VU) stringify(v sobek.Value) (sobek.Value, error) {
	if vu.jsonStringify == nil {
		vu.jsonStringify, _ = sobek.AssertFunction(vu.rt.Get("JSON").ToObject(vu.rt).Get("stringify"))
	}
	return vu.jsonStringify(sobek.Undefined(), v)
}

// envObject makes an __ENV object: the run's variables, then extra (a
// scenario's env) on top.
func (vu *VU) envObject(extra map[string]string) sobek.Value {
	if extra == nil {
		if env, ok := vu.envs[nil]; ok {
			return env
		}
	}
	obj := vu.rt.NewDynamicObject(&envVars{rt: vu.rt, run: vu.b.cfg.Env, scenario: extra})
	if extra == nil {
		vu.envs[nil] = obj
	}
	return obj
}

// installGlobals sets up the init context: __ENV, __VU, __ITER, open, require,
// and the lazy globals (console, timers…: see globals.go).
func (vu *VU) installGlobals(id uint64) error {
	rt := vu.rt
	g := rt.GlobalObject()
	if err := rt.Set("__ENV", vu.envObject(nil)); err != nil {
		return err
	}
	if err := rt.Set("__VU", id); err != nil {
		return err
	}
	iter := rt.ToValue(func() int64 {
		if vu.state == nil {
			return 0
		}
		return vu.state.IterationInInstance
	})
	if err := g.DefineAccessorProperty("__ITER", iter, nil, sobek.FLAG_FALSE, sobek.FLAG_TRUE); err != nil {
		return err
	}
	if err := vu.installLazyGlobals(); err != nil {
		return err
	}
	if err := rt.Set("open", vu.open); err != nil {
		return err
	}
	return rt.Set("require", func(specifier string) sobek.Value {
		if vu.active {
			panic(rt.NewGoError(initOnly("require")))
		}
		v, err := vu.require(vu.callerDir(), specifier)
		if err != nil {
			vu.throw(err)
		}
		return v
	})
}

// callerDir is the directory of the script that called the current Go function
// (of its own file, in merged modules: see merge.go).
func (vu *VU) callerDir() string {
	frames := vu.rt.CaptureCallStack(3, nil)
	for _, f := range frames {
		name := f.SrcName()
		if name != "<native>" {
			name = f.Position().Filename
		}
		if strings.HasPrefix(name, "file://") {
			return path.Dir(strings.TrimPrefix(name, "file://"))
		}
		if isRemote(name) {
			return remoteDir(name)
		}
	}
	return dirOf(vu.b.entry)
}

// initOnly is k6's error for a function of the init context (open, require)
// called later, in setup(), an iteration or teardown().
func initOnly(fn string) error {
	return fmt.Errorf(`the "%s" function is only available in the init stage (i.e. the global scope), `+
		"see https://grafana.com/docs/k6/latest/using-k6/test-lifecycle/ for more information", fn)
}

// readFile reads the file name, relative to the calling script.
func (vu *VU) readFile(name string) ([]byte, error) {
	p, err := vu.b.resolvePath(vu.callerDir(), name)
	if err != nil && !strings.HasPrefix(name, "/") {
		p, err = vu.b.resolvePath(vu.callerDir(), "./"+name) // open('data.json') is relative too
	}
	if err != nil {
		return nil, err
	}
	data, err := vu.b.readFile(p)
	return data, scrubPathErr(err)
}

// open reads a file in the init context: as a string, or as an ArrayBuffer with
// mode "b".
func (vu *VU) open(name string, mode ...string) sobek.Value {
	rt := vu.rt
	if vu.active {
		panic(rt.NewGoError(initOnly("open")))
	}
	data, err := vu.readFile(name)
	if err != nil {
		panic(rt.NewGoError(fmt.Errorf("open %s: %v", name, err)))
	}
	if len(mode) > 0 && mode[0] == "b" {
		return rt.ToValue(rt.NewArrayBuffer(append([]byte(nil), data...)))
	}
	return rt.ToValue(string(data))
}
