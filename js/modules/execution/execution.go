// Package execution is the k6/execution module: live views of the runner's state
// (instance, scenario, vu) and control of the run (test.abort, test.fail,
// test.options).
//
// Every object is built once per VU. The default export and the instance,
// scenario and vu groups are dynamic objects whose Get is a switch over the
// property name that loads the value from the runner's state: a read costs no
// property-map lookup and no call of a JavaScript getter.
package execution

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/grafana/sobek"

	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/js/modules"
	"github.com/minik6/minik6/runner"
)

func init() {
	modules.Register("k6/execution", modules.ModuleFunc(New))
}

// The errors the getters throw where their information does not exist.
var (
	errInstanceInInit = errors.New("getting instance information in the init context is not supported")
	errScenarioNoVU   = errors.New("getting scenario information outside of the VU context is not supported")
	errVUInInit       = errors.New("getting VU information in the init context is not supported")
	errOptionsInInit  = errors.New("getting test options in the init context is not supported")
	errFailOutsideVU  = errors.New("execution.test.fail() called outside of VU context")
)

// Module is one VU's k6/execution.
type Module struct {
	vu modules.VU
	rt *sobek.Runtime

	exec, instance, scenario, test, vuObj, metrics *sobek.Object
	tags, metadata                                 *sobek.Object

	options *sobek.Object
	// st is the VU's state, kept once the init context is over.
	st *runner.VUState
}

// New makes the module's instance for vu.
func New(vu modules.VU) modules.Instance {
	m := &Module{vu: vu, rt: vu.Runtime()}
	rt := m.rt
	m.instance = rt.NewDynamicObject(&instanceObject{group{m, instanceKeys}})
	m.scenario = rt.NewDynamicObject(&scenarioObject{group{m, scenarioKeys}})
	m.test = m.testObject()
	m.tags = rt.NewDynamicObject(&tagsObject{m: m})
	m.metadata = rt.NewDynamicObject(&metadataObject{m: m})
	m.metrics = rt.NewObject()
	m.must(m.metrics.DefineDataProperty("tags", m.tags, sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE))
	m.must(m.metrics.DefineDataProperty("metadata", m.metadata, sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE))
	m.vuObj = rt.NewDynamicObject(&vuObject{group{m, vuKeys}})
	m.exec = rt.NewDynamicObject(&execObject{group{m, []string{"instance", "scenario", "test", "vu"}}})
	return m
}

// Exports returns the default export, the object with the four groups.
func (m *Module) Exports() modules.Exports { return modules.Exports{Default: m.exec} }

func (m *Module) throw(err error) { panic(m.rt.NewGoError(err)) }

func (m *Module) must(err error) {
	if err != nil {
		panic(err)
	}
}

// stateOr returns the VU state, or throws initErr in the init context.
func (m *Module) stateOr(initErr error) *runner.VUState {
	if m.st != nil {
		return m.st
	}
	st := m.vu.State()
	if st == nil {
		m.throw(initErr)
	}
	m.st = st
	return st
}

// state returns the VU state or throws the VU init-context error.
func (m *Module) state() *runner.VUState { return m.stateOr(errVUInInit) }

// group is the read-only part of sobek.DynamicObject that the default export
// and the instance, scenario and vu objects share: a fixed list of property
// names, no assignment, no delete (both a TypeError in strict code).
type group struct {
	m    *Module
	keys []string
}

func (g group) Has(key string) bool          { return contains(g.keys, key) }
func (g group) Keys() []string               { return g.keys }
func (g group) Set(string, sobek.Value) bool { return false }
func (g group) Delete(string) bool           { return false }

// execObject is the default export: instance, scenario, test, vu.
type execObject struct{ group }

func (o *execObject) Get(key string) sobek.Value {
	m := o.m
	switch key {
	case "instance":
		m.stateOr(errInstanceInInit)
		return m.instance
	case "scenario":
		if m.stateOr(errScenarioNoVU).Scenario == nil {
			m.throw(errScenarioNoVU)
		}
		return m.scenario
	case "test":
		return m.test
	case "vu":
		m.state()
		return m.vuObj
	}
	return nil
}

// instanceObject is exec.instance.
type instanceObject struct{ group }

var instanceKeys = []string{"currentTestRunDuration", "iterationsCompleted", "iterationsInterrupted", "vusActive", "vusInitialized"}

func (o *instanceObject) Get(key string) sobek.Value {
	m := o.m
	ex := m.stateOr(errInstanceInInit).Execution
	switch key {
	case "iterationsInterrupted":
		return m.rt.ToValue(ex.IterationsInterrupted())
	case "iterationsCompleted":
		return m.rt.ToValue(ex.IterationsCompleted())
	case "vusActive":
		return m.rt.ToValue(ex.VUsActive())
	case "vusInitialized":
		return m.rt.ToValue(ex.VUsInitialized())
	case "currentTestRunDuration":
		return m.rt.ToValue(float64(ex.CurrentTestRunDuration().Nanoseconds()) / 1e6)
	}
	return nil
}

// scenarioObject is exec.scenario.
type scenarioObject struct{ group }

var scenarioKeys = []string{"executor", "iterationInInstance", "iterationInTest", "name", "progress", "startTime"}

func (o *scenarioObject) Get(key string) sobek.Value {
	m := o.m
	st := m.stateOr(errScenarioNoVU)
	sc := st.Scenario
	if sc == nil {
		m.throw(errScenarioNoVU)
	}
	switch key {
	case "iterationInTest":
		return m.rt.ToValue(st.ScenarioIterationInTest)
	case "iterationInInstance":
		return m.rt.ToValue(st.ScenarioIterationInInstance)
	case "name":
		return m.rt.ToValue(sc.Name)
	case "executor":
		return m.rt.ToValue(sc.Executor)
	case "startTime":
		return m.rt.ToValue(sc.StartTime())
	case "progress":
		return m.rt.ToValue(sc.Progress())
	}
	return nil
}

// vuObject is exec.vu.
type vuObject struct{ group }

var vuKeys = []string{"idInInstance", "idInTest", "iterationInInstance", "iterationInScenario", "metrics", "tags"}

func (o *vuObject) Get(key string) sobek.Value {
	m := o.m
	st := m.state()
	switch key {
	case "idInTest":
		return m.rt.ToValue(st.IDInTest)
	case "iterationInScenario":
		return m.rt.ToValue(st.IterationInScenario)
	case "iterationInInstance":
		return m.rt.ToValue(st.IterationInInstance)
	case "idInInstance":
		return m.rt.ToValue(st.IDInInstance)
	case "metrics":
		return m.metrics
	case "tags":
		return m.tags
	}
	return nil
}

func contains(list []string, key string) bool {
	for _, k := range list {
		if k == key {
			return true
		}
	}
	return false
}

func (m *Module) testObject() *sobek.Object {
	obj := m.rt.NewObject()
	m.must(obj.Set("abort", m.abort))
	m.must(obj.Set("fail", m.fail))
	get := func(sobek.FunctionCall) sobek.Value {
		if m.vu.State() == nil {
			m.throw(errOptionsInInit)
		}
		return m.testOptions(m.vu.State())
	}
	m.must(obj.DefineAccessorProperty("options", m.rt.ToValue(get), nil, sobek.FLAG_FALSE, sobek.FLAG_TRUE))
	return obj
}

// abort stops the whole run (exit 108). In the init context it fails the init;
// elsewhere it marks the run aborted and interrupts this VU's script.
func (m *Module) abort(call sobek.FunctionCall) sobek.Value {
	reason := ""
	if a := call.Argument(0); !sobek.IsUndefined(a) && !sobek.IsNull(a) {
		reason = a.String()
	}
	st := m.vu.State()
	if st == nil {
		m.rt.Interrupt(&runner.AbortError{Reason: reason})
		return sobek.Undefined()
	}
	st.Execution.Abort(runner.AbortReason{Message: reason,
		Cause: exitcode.Errorf(exitcode.ScriptAborted, "%s", m.abortMessage(reason))})
	m.rt.Interrupt(runner.ErrInterrupted)
	return sobek.Undefined()
}

// abortMessage is how k6 reports an abort: "test aborted: reason at
// default (file:///script.js:12:17(5))", the place of the script's call.
func (m *Module) abortMessage(reason string) string {
	msg := (&runner.AbortError{Reason: reason}).Error()
	for _, f := range m.rt.CaptureCallStack(0, nil) {
		if f.SrcName() != "<native>" {
			var b bytes.Buffer
			f.Write(&b)
			return msg + " at " + b.String()
		}
	}
	return msg
}

// fail marks the run as failed (exit 110) and lets it go on.
func (m *Module) fail(call sobek.FunctionCall) sobek.Value {
	st := m.vu.State()
	if st == nil {
		m.throw(errFailOutsideVU)
	}
	reason := ""
	if a := call.Argument(0); !sobek.IsUndefined(a) && !sobek.IsNull(a) {
		reason = a.String()
	}
	st.Execution.MarkFailed(reason)
	return sobek.Undefined()
}

// testOptions returns the consolidated options as a deeply frozen object, parsed
// once per VU.
func (m *Module) testOptions(st *runner.VUState) sobek.Value {
	if m.options != nil {
		return m.options
	}
	v, err := m.rt.RunString("(" + string(st.ScriptOptions) + ")")
	if err != nil {
		m.throw(fmt.Errorf("reading the test options: %w", err))
	}
	obj := v.ToObject(m.rt)
	freeze, _ := sobek.AssertFunction(m.rt.Get("Object").ToObject(m.rt).Get("freeze"))
	deepFreeze(freeze, obj)
	m.options = obj
	return obj
}

func deepFreeze(freeze sobek.Callable, obj *sobek.Object) {
	for _, k := range obj.Keys() {
		if child, ok := obj.Get(k).(*sobek.Object); ok {
			deepFreeze(freeze, child)
		}
	}
	_, _ = freeze(sobek.Undefined(), obj)
}
