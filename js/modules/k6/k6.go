// Package k6 is the `k6` module: check, group, sleep, fail and randomSeed.
package k6

import (
	"errors"
	"math/rand"
	"strings"
	"time"

	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
)

func init() {
	modules.Register("k6", modules.ModuleFunc(New))
}

// Module is one VU's `k6` module.
type Module struct {
	vu modules.VU
	rt *sobek.Runtime
}

// New makes the module's instance for vu.
func New(vu modules.VU) modules.Instance { return &Module{vu: vu, rt: vu.Runtime()} }

// Exports lists the module's functions as named exports.
func (m *Module) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{
		"check":      m.check,
		"group":      m.group,
		"sleep":      m.sleep,
		"fail":       m.fail,
		"randomSeed": m.randomSeed,
	}}
}

var errInit = func(fn string) error {
	return errors.New(fn + "() can't be used in the init context")
}

// check runs each named assertion of sets against val, emits one `checks` sample
// per assertion (tagged with its name), and returns whether all passed.
func (m *Module) check(call sobek.FunctionCall) sobek.Value {
	st := m.vu.State()
	if st == nil {
		panic(m.rt.NewGoError(errInit("check")))
	}
	val := call.Argument(0)
	sets := call.Argument(1)
	obj, ok := sets.(*sobek.Object)
	if !ok || sobek.IsUndefined(sets) || sobek.IsNull(sets) {
		return m.rt.ToValue(true)
	}
	extra := tagsArg(call.Argument(2))
	all := true
	for _, name := range obj.Keys() {
		if strings.Contains(name, "::") {
			panic(m.rt.NewGoError(errors.New("group and check names may not contain '::'")))
		}
		cond := obj.Get(name)
		if fn, isFn := sobek.AssertFunction(cond); isFn {
			v, err := fn(sobek.Undefined(), val)
			if err != nil {
				panic(err)
			}
			cond = v
		}
		pass := cond.ToBoolean()
		tags := map[string]string{}
		if st.SystemTags.Has("check") {
			tags["check"] = name
		}
		for k, v := range extra {
			tags[k] = v
		}
		value := 0.0
		if pass {
			value = 1
		} else {
			all = false
		}
		st.EmitTagged(st.Builtins.Checks, time.Now(), value, tags)
	}
	return m.rt.ToValue(all)
}

// tagsArg reads an optional tags object argument.
func tagsArg(v sobek.Value) map[string]string {
	obj, ok := v.(*sobek.Object)
	if !ok {
		return nil
	}
	out := map[string]string{}
	for _, k := range obj.Keys() {
		out[k] = obj.Get(k).String()
	}
	return out
}

// group runs fn with the group tag extended by name, emits its group_duration, and
// returns fn's result.
func (m *Module) group(name string, fn sobek.Callable) sobek.Value {
	st := m.vu.State()
	if st == nil {
		panic(m.rt.NewGoError(errInit("group")))
	}
	if name == "" || strings.Contains(name, "::") {
		panic(m.rt.NewGoError(errors.New("group and check names may not contain '::'")))
	}
	if fn == nil {
		panic(m.rt.NewTypeError("group() needs a function as its second argument"))
	}
	parent, tagged := st.Tags.Get("group")
	path := parent + "::" + name
	if tagged {
		st.Tags.Set("group", path)
	}
	start := time.Now()
	v, err := fn(sobek.Undefined())
	if tagged {
		st.Tags.Set("group", parent)
	}
	if err != nil {
		panic(err)
	}
	end := time.Now()
	var extra map[string]string
	if tagged {
		extra = map[string]string{"group": path}
	}
	st.EmitTagged(st.Builtins.GroupDuration, end, float64(end.Sub(start))/float64(time.Millisecond), extra)
	return v
}

// sleep pauses the VU for the given seconds, or until the iteration must stop.
func (m *Module) sleep(secs float64) {
	if st := m.vu.State(); st != nil {
		st.Samples.Flush()
	}
	d := time.Duration(secs * float64(time.Second))
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-m.vu.Context().Done():
		// The iteration must stop: end it here rather than let the script run
		// on until the runner's interrupt arrives.
		m.rt.Interrupt(m.vu.Context().Err())
	}
}

// fail throws an error with msg, ending the iteration.
func (m *Module) fail(msg sobek.Value) {
	text := ""
	if msg != nil && !sobek.IsUndefined(msg) {
		text = msg.String()
	}
	panic(m.rt.NewGoError(errors.New(text)))
}

// randomSeed makes Math.random() repeatable in this VU.
func (m *Module) randomSeed(seed int64) {
	r := rand.New(rand.NewSource(seed))
	m.rt.SetRandSource(r.Float64)
}
