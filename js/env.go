package js

import (
	"sort"

	"github.com/grafana/sobek"
)

// envVars is a VU's __ENV: reads come from the run's variables and the
// scenario's (maps shared by every VU, never written), writes and deletes go
// to the VU's own overlay. A thousand VUs then hold the environment once, not
// a thousand copies of it.
type envVars struct {
	rt       *sobek.Runtime
	run      map[string]string // the run's variables
	scenario map[string]string // the scenario's env, on top; may be nil
	own      map[string]sobek.Value
	deleted  map[string]bool
}

var _ sobek.DynamicObject = (*envVars)(nil)

func (e *envVars) shared(key string) (string, bool) {
	if v, ok := e.scenario[key]; ok {
		return v, true
	}
	v, ok := e.run[key]
	return v, ok
}

// Get returns the variable key, undefined when unset.
func (e *envVars) Get(key string) sobek.Value {
	if v, ok := e.own[key]; ok {
		return v
	}
	if e.deleted[key] {
		return nil
	}
	if v, ok := e.shared(key); ok {
		return e.rt.ToValue(v)
	}
	return nil
}

// Set sets a variable for this VU only.
func (e *envVars) Set(key string, val sobek.Value) bool {
	if e.own == nil {
		e.own = map[string]sobek.Value{}
	}
	e.own[key] = val
	delete(e.deleted, key)
	return true
}

// Has reports whether the variable is set.
func (e *envVars) Has(key string) bool {
	if _, ok := e.own[key]; ok {
		return true
	}
	if e.deleted[key] {
		return false
	}
	_, ok := e.shared(key)
	return ok
}

// Delete unsets a variable for this VU only.
func (e *envVars) Delete(key string) bool {
	delete(e.own, key)
	if _, ok := e.shared(key); ok {
		if e.deleted == nil {
			e.deleted = map[string]bool{}
		}
		e.deleted[key] = true
	}
	return true
}

// Keys lists the variables, sorted.
func (e *envVars) Keys() []string {
	n := len(e.run) + len(e.scenario) + len(e.own)
	seen := make(map[string]bool, n)
	keys := make([]string, 0, n)
	add := func(k string) {
		if !seen[k] && !e.deleted[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	for k := range e.own {
		add(k)
	}
	for k := range e.scenario {
		add(k)
	}
	for k := range e.run {
		add(k)
	}
	sort.Strings(keys)
	return keys
}
