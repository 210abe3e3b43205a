// Package metrics is the k6/metrics module: Counter, Gauge, Rate and Trend
// constructors for custom metrics, declared in the init context and fed with
// add(value, tags) in iterations.
package metrics

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
	"github.com/minik6/minik6/metrics"
)

func init() {
	modules.Register("k6/metrics", modules.ModuleFunc(New))
}

// Module is one VU's k6/metrics.
type Module struct {
	vu modules.VU
	rt *sobek.Runtime
}

// New makes the module's instance for vu.
func New(vu modules.VU) modules.Instance { return &Module{vu: vu, rt: vu.Runtime()} }

// Exports lists the four metric constructors.
func (m *Module) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{
		"Counter": m.constructor(metrics.Counter),
		"Gauge":   m.constructor(metrics.Gauge),
		"Rate":    m.constructor(metrics.Rate),
		"Trend":   m.constructor(metrics.Trend),
	}}
}

var errNotInit = errors.New("metrics must be declared in the init context")

// constructor returns the JavaScript constructor of metrics of type t; it works
// with and without `new`.
func (m *Module) constructor(t metrics.MetricType) func(call sobek.ConstructorCall) *sobek.Object {
	return func(call sobek.ConstructorCall) *sobek.Object {
		if m.vu.State() != nil {
			panic(m.rt.NewGoError(errNotInit))
		}
		name := ""
		if a := call.Argument(0); a != nil && !sobek.IsUndefined(a) {
			name = a.String()
		}
		contains := metrics.Default
		if t == metrics.Trend && call.Argument(1).ToBoolean() {
			contains = metrics.Time
		}
		metric, err := m.vu.InitEnv().Registry.NewMetric(name, t, contains)
		if err != nil {
			panic(m.rt.NewGoError(err))
		}
		obj := m.rt.NewObject()
		_ = obj.Set("name", metric.Name)
		_ = obj.Set("add", func(c sobek.FunctionCall) sobek.Value { return m.rt.ToValue(m.add(metric, c)) })
		return obj
	}
}

// errAddInInit is k6's error for add() in the init context.
var errAddInInit = errors.New("Adding to metrics in the init context is not supported") //nolint:staticcheck // k6's wording

// add emits one sample of metric, as k6 does: the value is the argument as a
// number (true is 1; a Date its time; anything else that is 0 as a number but
// truthy, such as "0" or [], is 1); a missing, null or NaN value adds nothing
// and logs a warning, or throws with the throw option; extra tags that are not
// strings, numbers or booleans throw.
func (m *Module) add(metric *metrics.Metric, call sobek.FunctionCall) bool {
	st := m.vu.State()
	if st == nil {
		panic(m.rt.NewGoError(errAddInInit))
	}
	refuse := func(err error) bool {
		if st.Options != nil && st.Options.Throw.Bool {
			panic(m.rt.NewGoError(err))
		}
		st.Logger.Warn(err.Error())
		return false
	}
	if len(call.Arguments) == 0 {
		return refuse(fmt.Errorf("no value was provided for metric '%s', a number or a boolean value is expected", metric.Name))
	}
	v := call.Argument(0)
	value := math.NaN()
	if !sobek.IsNull(v) {
		value = v.ToFloat()
		if value == 0 && v.ToBoolean() {
			value = 1
		}
	}
	if math.IsNaN(value) {
		return refuse(fmt.Errorf("'%s' is an invalid value for metric '%s', a number or a boolean value is expected",
			shorten(v.String()), metric.Name))
	}
	extra, err := modules.CustomTags(m.rt, call.Argument(1))
	if err != nil {
		panic(m.rt.NewGoError(fmt.Errorf("cannot add tags for the '%s' custom metric: %w", metric.Name, err)))
	}
	if extra == nil {
		st.Emit(metric, time.Now(), value)
	} else {
		st.EmitTagged(metric, time.Now(), value, extra)
	}
	return true
}

// shortenTo is the longest value a warning quotes whole.
const shortenTo = 100

// shorten keeps the head and the tail of a long value for a warning.
func shorten(s string) string {
	r := []rune(s)
	if len(r) < shortenTo {
		return s
	}
	half := shortenTo / 2
	return fmt.Sprintf("%s... omitting %d characters ...%s", string(r[:half]), len(r)-shortenTo, string(r[len(r)-half:]))
}
