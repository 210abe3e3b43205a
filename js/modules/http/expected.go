package http

import (
	"errors"
	"fmt"

	"github.com/grafana/sobek"
)

// expectedStatuses is what http.expectedStatuses returns: the statuses that
// make a request "expected" (http_req_failed 0, expected_response:true).
type expectedStatuses struct {
	exact  []int
	ranges [][2]int
}

var defaultExpected = &expectedStatuses{ranges: [][2]int{{200, 399}}}

func (e *expectedStatuses) match(status int) bool {
	for _, s := range e.exact {
		if s == status {
			return true
		}
	}
	for _, r := range e.ranges {
		if status >= r[0] && status <= r[1] {
			return true
		}
	}
	return false
}

// expectedStatuses is http.expectedStatuses(200, {min: 400, max: 404}, …).
func (m *Module) expectedStatuses(call sobek.FunctionCall) sobek.Value {
	e := &expectedStatuses{}
	isInt := func(v sobek.Value) (int, bool) {
		f := v.ToFloat()
		exp := v.Export()
		switch exp.(type) {
		case int64, float64:
		default:
			return 0, false
		}
		return int(f), f == float64(int64(f))
	}
	for i, a := range call.Arguments {
		if o, ok := a.(*sobek.Object); ok && !sobek.IsNull(a) {
			lo, ok1 := isInt(get(o, "min"))
			hi, ok2 := isInt(get(o, "max"))
			if !ok1 || !ok2 {
				m.throwErr(fmt.Errorf("argument number %d to expectedStatuses was an object but it didn't have integer `min` and `max` fields", i+1))
			}
			e.ranges = append(e.ranges, [2]int{lo, hi})
			continue
		}
		n, ok := isInt(a)
		if !ok {
			m.throwErr(fmt.Errorf("argument number %d to expectedStatuses was neither an integer nor an object like {min:100, max:200}", i+1))
		}
		e.exact = append(e.exact, n)
	}
	return m.rt.ToValue(e)
}

// setResponseCallback is http.setResponseCallback(cb); null turns it off.
func (m *Module) setResponseCallback(v sobek.Value) {
	if v == nil || sobek.IsNull(v) || sobek.IsUndefined(v) {
		m.responseCallback = nil
		return
	}
	cb, ok := v.Export().(*expectedStatuses)
	if !ok {
		m.throwErr(errors.New("unsupported argument, expected http.expectedStatuses"))
	}
	m.responseCallback = cb
}
