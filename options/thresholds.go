package options

import (
	"encoding/json"
	"fmt"
	"sort"

	"gopkg.in/guregu/null.v3"
)

// Threshold is one pass/fail criterion on a metric. Source is the expression
// as written ("p(95)<200"); this package does not parse it.
type Threshold struct {
	Source         string
	AbortOnFail    bool
	DelayAbortEval NullDuration
}

// thresholdObject is the long JSON form of a threshold.
type thresholdObject struct {
	Threshold      string       `json:"threshold"`
	AbortOnFail    bool         `json:"abortOnFail"`
	DelayAbortEval NullDuration `json:"delayAbortEval"`
}

// MarshalJSON writes the short form (the expression string) unless
// AbortOnFail is set, then the object {threshold, abortOnFail,
// delayAbortEval}, as k6 does.
func (t Threshold) MarshalJSON() ([]byte, error) {
	if !t.AbortOnFail {
		return marshalJSON(t.Source)
	}
	return marshalJSON(thresholdObject{t.Source, t.AbortOnFail, t.DelayAbortEval})
}

// UnmarshalJSON reads either a string or an object
// {threshold, abortOnFail, delayAbortEval}.
func (t *Threshold) UnmarshalJSON(data []byte) error {
	v, err := decodeThreshold(data)
	if err == nil {
		*t = v
	}
	return err
}

func decodeThreshold(raw []byte) (Threshold, error) {
	var t Threshold
	switch kindOf(raw) {
	case kindString:
		err := json.Unmarshal(raw, &t.Source)
		return t, err
	case kindObject:
		var src null.String
		err := decodeObject(raw, false, []field{
			{"threshold", stringField(&src)},
			{"abortOnFail", func(r json.RawMessage) error {
				var b null.Bool
				if err := boolField(&b)(r); err != nil {
					return err
				}
				t.AbortOnFail = b.Bool
				return nil
			}},
			{"delayAbortEval", durationField(&t.DelayAbortEval)},
		})
		t.Source = src.String
		return t, err
	default:
		return t, typeMismatch("a threshold expression string or an object {threshold, abortOnFail, delayAbortEval}", raw)
	}
}

// Thresholds maps a metric selector ("http_req_duration",
// "iterations{scenario:x}") to the thresholds set on it.
type Thresholds map[string][]Threshold

// UnmarshalJSON reads {selector: [threshold, …]}; null gives nil.
func (ts *Thresholds) UnmarshalJSON(data []byte) error {
	v, err := decodeThresholds(data)
	if err == nil {
		*ts = v
	}
	return err
}

// Selectors returns the metric selectors in sorted order.
func (ts Thresholds) Selectors() []string {
	out := make([]string, 0, len(ts))
	for k := range ts {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func decodeThresholds(raw []byte) (Thresholds, error) {
	switch kindOf(raw) {
	case kindNull:
		return nil, nil
	case kindObject:
	default:
		return nil, typeMismatch("an object mapping metric names to lists of thresholds", raw)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	out := make(Thresholds, len(m))
	for _, selector := range sortedKeys(m) {
		list := m[selector]
		path := fmt.Sprintf("[%q]", selector)
		if kindOf(list) != kindArray {
			return nil, wrapPath(path, typeMismatch("an array of thresholds", list))
		}
		var items []json.RawMessage
		if err := json.Unmarshal(list, &items); err != nil {
			return nil, err
		}
		ths := make([]Threshold, len(items))
		for i, item := range items {
			th, err := decodeThreshold(item)
			if err != nil {
				return nil, wrapPath(fmt.Sprintf("%s[%d]", path, i), err)
			}
			ths[i] = th
		}
		out[selector] = ths
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
