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

// The errors k6 gives check() and group() called wrong.
var (
	errCheckInInit = errors.New("Using check() in the init context is not supported") //nolint:staticcheck // k6's wording
	errGroupInInit = errors.New("Using group() in the init context is not supported") //nolint:staticcheck // k6's wording
	errNoChecks    = errors.New("no checks provided to `check`")
	errAsyncCheck  = errors.New("the built-in check() does not support async functions as arguments. " +
		"Use the JavaScript utils library as a replacement. " +
		"Refer to https://grafana.com/docs/k6/latest/javascript-api/jslib/utils/check/ for more info")
	errNoCallback = errors.New("group() requires a callback as a second argument")
	errAsyncGroup = errors.New("group() does not support async functions as arguments, " +
		"please see https://grafana.com/docs/k6/latest/javascript-api/k6/group/ for more info")
	errSeparator = errors.New("group and check names may not contain '::'")
)

func (m *Module) throw(err error) { panic(m.rt.NewGoError(err)) }

// check runs each named assertion of sets against val, emits one `checks` sample
// per assertion (tagged with its name and the extra tags), and returns whether
// all passed. An assertion that throws counts as failed: its sample is emitted
// before the exception goes on.
func (m *Module) check(call sobek.FunctionCall) sobek.Value {
	st := m.vu.State()
	if st == nil {
		m.throw(errCheckInInit)
	}
	if len(call.Arguments) < 2 {
		m.throw(errNoChecks)
	}
	val := call.Argument(0)
	sets := call.Argument(1).ToObject(m.rt)
	extra, err := modules.CustomTags(m.rt, call.Argument(2))
	if err != nil {
		m.throw(err)
	}
	now := time.Now()
	all := true
	for _, name := range sets.Keys() {
		if strings.Contains(name, "::") {
			m.throw(errSeparator)
		}
		cond := sets.Get(name)
		if isAsync(cond) {
			m.throw(errAsyncCheck)
		}
		var thrown error
		if fn, isFn := sobek.AssertFunction(cond); isFn {
			v, err := fn(sobek.Undefined(), val)
			var stop *sobek.InterruptedError
			if errors.As(err, &stop) {
				panic(err) // the iteration is being stopped: no sample
			}
			cond, thrown = v, err
		}
		pass := thrown == nil && cond.ToBoolean()
		tags := make(map[string]string, len(extra)+1)
		for k, v := range extra {
			tags[k] = v
		}
		if st.SystemTags.Has("check") {
			tags["check"] = name
		}
		value := 0.0
		if pass {
			value = 1
		} else {
			all = false
		}
		st.EmitTagged(st.Builtins.Checks, now, value, tags)
		if thrown != nil {
			panic(thrown)
		}
	}
	return m.rt.ToValue(all)
}

// isAsync reports whether v is an async function.
func isAsync(v sobek.Value) bool {
	fn, ok := v.(*sobek.Object)
	if !ok {
		return false
	}
	ctor, ok := fn.Get("constructor").(*sobek.Object)
	if !ok {
		return false
	}
	name := ctor.Get("name")
	return name != nil && name.String() == "AsyncFunction"
}

// group runs fn with the group tag extended by name, emits its group_duration
// (also when fn throws), and returns fn's result.
func (m *Module) group(call sobek.FunctionCall) sobek.Value {
	st := m.vu.State()
	if st == nil {
		m.throw(errGroupInInit)
	}
	name := ""
	if len(call.Arguments) > 0 {
		name = call.Argument(0).String()
	}
	fnv := call.Argument(1)
	fn, isFn := sobek.AssertFunction(fnv)
	if !isFn {
		m.throw(errNoCallback)
	}
	if isAsync(fnv) {
		m.throw(errAsyncGroup)
	}
	if strings.Contains(name, "::") {
		m.throw(errSeparator)
	}
	parent, tagged := st.Tags.Get("group")
	path := ""
	if parent != "" || name != "" {
		path = parent + "::" + name
	}
	if tagged {
		st.Tags.Set("group", path)
	}
	start := time.Now()
	v, err := fn(sobek.Undefined())
	end := time.Now()
	if tagged {
		st.Tags.Set("group", parent)
	}
	var stop *sobek.InterruptedError
	if !errors.As(err, &stop) {
		var extra map[string]string
		if tagged {
			extra = map[string]string{"group": path}
		}
		st.EmitTagged(st.Builtins.GroupDuration, end, float64(end.Sub(start))/float64(time.Millisecond), extra)
	}
	if err != nil {
		panic(err)
	}
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
