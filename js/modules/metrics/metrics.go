// Package metrics is the k6/metrics module: Counter, Gauge, Rate and Trend
// constructors for custom metrics, declared in the init context and fed with
// add(value, tags) in iterations.
package metrics

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
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

// add emits one sample of metric; an invalid value logs a warning and adds
// nothing.
func (m *Module) add(metric *metrics.Metric, call sobek.FunctionCall) bool {
	st := m.vu.State()
	if st == nil {
		panic(m.rt.NewGoError(errors.New("cannot add samples to a metric in the init context")))
	}
	if len(call.Arguments) == 0 {
		st.Logger.Warn(fmt.Sprintf("no value was provided for metric '%s'", metric.Name))
		return false
	}
	v, ok := number(call.Argument(0))
	if !ok {
		st.Logger.Warn(fmt.Sprintf("'%s' is an invalid value for metric '%s', a number or a boolean value is expected",
			call.Argument(0).String(), metric.Name))
		return false
	}
	var extra map[string]string
	if obj, isObj := call.Argument(1).(*sobek.Object); isObj {
		extra = map[string]string{}
		for _, k := range obj.Keys() {
			extra[k] = obj.Get(k).String()
		}
	}
	if extra == nil {
		st.Emit(metric, time.Now(), v)
	} else {
		st.EmitTagged(metric, time.Now(), v, extra)
	}
	return true
}

// number converts a metric value: numbers, booleans (1/0) and numeric strings.
func number(v sobek.Value) (float64, bool) {
	if v == nil || sobek.IsUndefined(v) || sobek.IsNull(v) {
		return 0, false
	}
	switch x := v.Export().(type) {
	case bool:
		if x {
			return 1, true
		}
		return 0, true
	case int64:
		return float64(x), true
	case float64:
		return x, !math.IsNaN(x)
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		return f, err == nil && !math.IsNaN(f)
	}
	return 0, false
}
