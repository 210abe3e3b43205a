// Package execution is the k6/execution module: live views of the runner's state
// (instance, scenario, vu) and control of the run (test.abort, test.fail,
// test.options). Every object is built once per VU; reading a property calls a Go
// getter that loads the current value from the runner's state.
package execution

import (
	"errors"
	"fmt"
	"sort"

	"github.com/grafana/sobek"

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
	vu  modules.VU
	rt  *sobek.Runtime
	obj *sobek.Object

	options *sobek.Object
	// st is the VU's state, kept once the init context is over.
	st *runner.VUState
}

// New makes the module's instance for vu.
func New(vu modules.VU) modules.Instance {
	m := &Module{vu: vu, rt: vu.Runtime()}
	m.obj = m.rt.NewObject()
	instance, scenario, test, vuObj := m.instanceObject(), m.scenarioObject(), m.testObject(), m.vuObject()
	m.group("instance", instance, func(*runner.VUState) error { return nil }, errInstanceInInit)
	m.group("scenario", scenario, func(st *runner.VUState) error {
		if st.Scenario == nil {
			return errScenarioNoVU
		}
		return nil
	}, errScenarioNoVU)
	m.group("test", test, nil, nil)
	m.group("vu", vuObj, func(*runner.VUState) error { return nil }, errVUInInit)
	return m
}

// Exports returns the default export, the object with the four groups.
func (m *Module) Exports() modules.Exports { return modules.Exports{Default: m.obj} }

// group defines an enumerable getter on the default export for one of its groups.
// With check nil the group is always readable; otherwise it throws initErr in the
// init context and whatever check returns elsewhere. Once a read succeeds in a VU
// with a scenario (a VU that runs iterations, where the group can no longer
// become unreadable), the getter replaces itself with a plain data property, so
// later reads of exec.vu, exec.scenario… cost no call into Go.
func (m *Module) group(name string, obj *sobek.Object, check func(*runner.VUState) error, initErr error) {
	get := func(sobek.FunctionCall) sobek.Value {
		st := m.vu.State()
		if check != nil {
			if st == nil {
				m.throw(initErr)
			}
			if err := check(st); err != nil {
				m.throw(err)
			}
		}
		if st != nil && st.Scenario != nil {
			m.must(m.obj.DefineDataProperty(name, obj, sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE))
		}
		return obj
	}
	m.must(m.obj.DefineAccessorProperty(name, m.rt.ToValue(get), nil, sobek.FLAG_TRUE, sobek.FLAG_TRUE))
}

func (m *Module) throw(err error) { panic(m.rt.NewGoError(err)) }

func (m *Module) must(err error) {
	if err != nil {
		panic(err)
	}
}

// getters defines read-only accessor properties on obj, one per entry of props.
func (m *Module) getters(obj *sobek.Object, props map[string]func(st *runner.VUState) sobek.Value, initErr error) {
	m.defineGetters(obj, props, initErr, false)
}

// constants is getters for values that never change for the VU once it runs
// (its ids): the first read outside the init context turns the property into a
// plain data property.
func (m *Module) constants(obj *sobek.Object, props map[string]func(st *runner.VUState) sobek.Value, initErr error) {
	m.defineGetters(obj, props, initErr, true)
}

func (m *Module) defineGetters(obj *sobek.Object, props map[string]func(st *runner.VUState) sobek.Value,
	initErr error, fixed bool,
) {
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		read := props[n]
		get := func(sobek.FunctionCall) sobek.Value {
			if m.st == nil && m.vu.State() == nil {
				m.throw(initErr)
			}
			v := read(m.state())
			if fixed {
				m.must(obj.DefineDataProperty(n, v, sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE))
			}
			return v
		}
		m.must(obj.DefineAccessorProperty(n, m.rt.ToValue(get), nil, sobek.FLAG_TRUE, sobek.FLAG_TRUE))
	}
}

func (m *Module) instanceObject() *sobek.Object {
	obj := m.rt.NewObject()
	m.getters(obj, map[string]func(*runner.VUState) sobek.Value{
		"iterationsInterrupted": func(st *runner.VUState) sobek.Value {
			return m.rt.ToValue(st.Execution.IterationsInterrupted())
		},
		"iterationsCompleted": func(st *runner.VUState) sobek.Value {
			return m.rt.ToValue(st.Execution.IterationsCompleted())
		},
		"vusActive":      func(st *runner.VUState) sobek.Value { return m.rt.ToValue(st.Execution.VUsActive()) },
		"vusInitialized": func(st *runner.VUState) sobek.Value { return m.rt.ToValue(st.Execution.VUsInitialized()) },
		"currentTestRunDuration": func(st *runner.VUState) sobek.Value {
			return m.rt.ToValue(float64(st.Execution.CurrentTestRunDuration().Nanoseconds()) / 1e6)
		},
	}, errInstanceInInit)
	return obj
}

func (m *Module) scenarioObject() *sobek.Object {
	obj := m.rt.NewObject()
	scenario := func(read func(st *runner.VUState, sc *runner.ScenarioState) sobek.Value) func(*runner.VUState) sobek.Value {
		return func(st *runner.VUState) sobek.Value {
			if st.Scenario == nil {
				m.throw(errScenarioNoVU)
			}
			return read(st, st.Scenario)
		}
	}
	m.getters(obj, map[string]func(*runner.VUState) sobek.Value{
		"name": scenario(func(_ *runner.VUState, sc *runner.ScenarioState) sobek.Value { return m.rt.ToValue(sc.Name) }),
		"executor": scenario(func(_ *runner.VUState, sc *runner.ScenarioState) sobek.Value {
			return m.rt.ToValue(sc.Executor)
		}),
		"startTime": scenario(func(_ *runner.VUState, sc *runner.ScenarioState) sobek.Value {
			return m.rt.ToValue(sc.StartTime())
		}),
		"progress": scenario(func(_ *runner.VUState, sc *runner.ScenarioState) sobek.Value {
			return m.rt.ToValue(sc.Progress())
		}),
		"iterationInInstance": scenario(func(st *runner.VUState, _ *runner.ScenarioState) sobek.Value {
			return m.rt.ToValue(st.ScenarioIterationInInstance)
		}),
		"iterationInTest": scenario(func(st *runner.VUState, _ *runner.ScenarioState) sobek.Value {
			return m.rt.ToValue(st.ScenarioIterationInTest)
		}),
	}, errScenarioNoVU)
	return obj
}

func (m *Module) testObject() *sobek.Object {
	obj := m.rt.NewObject()
	m.must(obj.Set("abort", m.abort))
	m.must(obj.Set("fail", m.fail))
	get := func(sobek.FunctionCall) sobek.Value {
		st := m.vu.State()
		if st == nil {
			m.throw(errOptionsInInit)
		}
		return m.testOptions(st)
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
	st.Execution.Abort(runner.AbortReason{Message: reason})
	m.rt.Interrupt(runner.ErrInterrupted)
	return sobek.Undefined()
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
	data := st.ScriptOptions
	v, err := m.rt.RunString("(" + string(data) + ")")
	if err != nil {
		m.throw(fmt.Errorf("reading the test options: %w", err))
	}
	obj := v.ToObject(m.rt)
	freeze, _ := sobek.AssertFunction(m.rt.Get("Object").ToObject(m.rt).Get("freeze"))
	deepFreeze(m.rt, freeze, obj)
	m.options = obj
	return obj
}

func deepFreeze(rt *sobek.Runtime, freeze sobek.Callable, obj *sobek.Object) {
	for _, k := range obj.Keys() {
		if child, ok := obj.Get(k).(*sobek.Object); ok {
			deepFreeze(rt, freeze, child)
		}
	}
	_, _ = freeze(sobek.Undefined(), obj)
}

func (m *Module) vuObject() *sobek.Object {
	obj := m.rt.NewObject()
	m.constants(obj, map[string]func(*runner.VUState) sobek.Value{
		"idInInstance": func(st *runner.VUState) sobek.Value { return m.rt.ToValue(st.IDInInstance) },
		"idInTest":     func(st *runner.VUState) sobek.Value { return m.rt.ToValue(st.IDInTest) },
	}, errVUInInit)
	m.getters(obj, map[string]func(*runner.VUState) sobek.Value{
		"iterationInInstance": func(st *runner.VUState) sobek.Value { return m.rt.ToValue(st.IterationInInstance) },
		"iterationInScenario": func(st *runner.VUState) sobek.Value { return m.rt.ToValue(st.IterationInScenario) },
	}, errVUInInit)
	tags := m.rt.NewDynamicObject(&tagsObject{m: m})
	metadata := m.rt.NewDynamicObject(&metadataObject{m: m})
	metricsObj := m.rt.NewObject()
	m.must(metricsObj.DefineDataProperty("tags", tags, sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE))
	m.must(metricsObj.DefineDataProperty("metadata", metadata, sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE))
	m.must(obj.DefineDataProperty("metrics", metricsObj, sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE))
	m.must(obj.DefineDataProperty("tags", tags, sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE))
	return obj
}
