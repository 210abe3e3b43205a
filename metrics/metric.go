package metrics

import (
	"errors"
	"fmt"
	"sort"
	"sync"
)

// MetricType is the kind of a metric: how its samples aggregate.
type MetricType int

// The four metric types of k6. The zero value is not a valid type.
const (
	Counter MetricType = iota + 1 // sums its values
	Gauge                         // keeps the last value, and the min and max
	Rate                          // the share of non-zero values
	Trend                         // statistics over all values: min, max, avg, percentiles
)

// ErrInvalidMetricType is returned when a metric type's text is unknown.
var ErrInvalidMetricType = errors.New("invalid metric type")

// String returns the k6 name of the type: "counter", "gauge", "rate" or "trend".
func (t MetricType) String() string {
	switch t {
	case Counter:
		return "counter"
	case Gauge:
		return "gauge"
	case Rate:
		return "rate"
	case Trend:
		return "trend"
	default:
		return "[INVALID]"
	}
}

// MarshalText encodes the type as its k6 name.
func (t MetricType) MarshalText() ([]byte, error) {
	switch t {
	case Counter, Gauge, Rate, Trend:
		return []byte(t.String()), nil
	default:
		return nil, ErrInvalidMetricType
	}
}

// UnmarshalText decodes a k6 type name.
func (t *MetricType) UnmarshalText(b []byte) error {
	for _, c := range []MetricType{Counter, Gauge, Rate, Trend} {
		if string(b) == c.String() {
			*t = c
			return nil
		}
	}
	return fmt.Errorf("%w %q", ErrInvalidMetricType, b)
}

// ValueType says what a metric's values mean, which decides how they print.
type ValueType int

// The value types of k6. Default is the zero value.
const (
	Default ValueType = iota // plain numbers
	Time                     // durations in milliseconds
	Data                     // amounts of bytes
)

// ErrInvalidValueType is returned when a value type's text is unknown.
var ErrInvalidValueType = errors.New("invalid value type")

// String returns the k6 name of the value type: "default", "time" or "data".
func (v ValueType) String() string {
	switch v {
	case Default:
		return "default"
	case Time:
		return "time"
	case Data:
		return "data"
	default:
		return "[INVALID]"
	}
}

// MarshalText encodes the value type as its k6 name.
func (v ValueType) MarshalText() ([]byte, error) {
	switch v {
	case Default, Time, Data:
		return []byte(v.String()), nil
	default:
		return nil, ErrInvalidValueType
	}
}

// UnmarshalText decodes a k6 value type name.
func (v *ValueType) UnmarshalText(b []byte) error {
	for _, c := range []ValueType{Default, Time, Data} {
		if string(b) == c.String() {
			*v = c
			return nil
		}
	}
	return fmt.Errorf("%w %q", ErrInvalidValueType, b)
}

// Metric is the definition of a metric. Metrics are created by a [Registry]
// and compared by pointer; their aggregated values live in an [Engine], so one
// definition can feed several engines (and tests stay independent).
type Metric struct {
	Name     string
	Type     MetricType
	Contains ValueType

	id  int       // index in the registry, used by engines instead of a map
	reg *Registry // the registry that created the metric
}

// String returns the metric's name.
func (m *Metric) String() string { return m.Name }

// Index is the metric's position in its registry (0, 1, 2… in the order of
// registration): a key for per-metric slices, cheaper than a map.
func (m *Metric) Index() int { return m.id }

// ErrInvalidMetricName is wrapped by the error for a name k6 would not accept.
var ErrInvalidMetricName = errors.New("invalid metric name")

// ErrMetricExists is wrapped by the error for a name registered with another
// type or value type.
var ErrMetricExists = errors.New("metric already exists")

// ValidMetricName reports whether name is a metric name k6 accepts: an ASCII
// letter or underscore, then 1 to 128 ASCII letters, digits or underscores.
func ValidMetricName(name string) bool {
	if len(name) < 2 || len(name) > 129 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

type nameError struct{ name string }

// Error returns k6's message for an invalid metric name.
func (e *nameError) Error() string {
	return "Invalid metric name: '" + e.name + "'. Metric names must only include up to 128 ASCII letters, " +
		"numbers, or underscores and start with a letter or an underscore."
}

// Unwrap returns ErrInvalidMetricName.
func (e *nameError) Unwrap() error { return ErrInvalidMetricName }

type existsError struct{ msg string }

// Error returns k6's message for a clashing redeclaration.
func (e *existsError) Error() string { return e.msg }

// Unwrap returns ErrMetricExists.
func (e *existsError) Unwrap() error { return ErrMetricExists }

// Registry holds the metric definitions of one test run. It is safe for
// concurrent use.
type Registry struct {
	mu     sync.RWMutex
	byName map[string]*Metric
	list   []*Metric // by id
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byName: make(map[string]*Metric)}
}

// NewMetric registers a metric, or returns the metric already registered under
// name when its type (and value type, if one is given) match. The errors carry
// k6's messages: an invalid name, or an existing metric of another type or
// value type.
func (r *Registry) NewMetric(name string, t MetricType, contains ...ValueType) (*Metric, error) {
	if !ValidMetricName(name) {
		return nil, &nameError{name: name}
	}
	if _, err := t.MarshalText(); err != nil {
		return nil, fmt.Errorf("metric '%s': %w", name, err)
	}
	vt := Default
	if len(contains) > 0 {
		vt = contains[0]
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if m, ok := r.byName[name]; ok {
		if m.Type != t {
			return nil, &existsError{fmt.Sprintf("metric '%s' already exists but with type %s, instead of %s",
				name, m.Type, t)}
		}
		if len(contains) > 0 && m.Contains != vt {
			return nil, &existsError{fmt.Sprintf("metric '%s' already exists but with a value type %s, instead of %s",
				name, m.Contains, vt)}
		}
		return m, nil
	}
	m := &Metric{Name: name, Type: t, Contains: vt, id: len(r.list), reg: r}
	r.byName[name] = m
	r.list = append(r.list, m)
	return m, nil
}

// MustNewMetric is NewMetric that panics on error; for metrics whose names are
// fixed in the program.
func (r *Registry) MustNewMetric(name string, t MetricType, contains ...ValueType) *Metric {
	m, err := r.NewMetric(name, t, contains...)
	if err != nil {
		panic(err)
	}
	return m
}

// Get returns the metric registered under name, or nil.
func (r *Registry) Get(name string) *Metric {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.byName[name]
}

// All returns every registered metric, sorted by name.
func (r *Registry) All() []*Metric {
	r.mu.RLock()
	out := make([]*Metric, len(r.list))
	copy(out, r.list)
	r.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Len returns the number of registered metrics.
func (r *Registry) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.list)
}
