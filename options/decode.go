package options

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/guregu/null.v3"
)

// OptionError is a problem with the value of one option. Path names the
// option the way a user writes it: "vus", "scenarios.si.maxDuration",
// "thresholds[\"http_req_duration\"][1]".
type OptionError struct {
	Path string
	Err  error
}

// Error names the option and says what is wrong with its value.
func (e *OptionError) Error() string {
	var tm *typeMismatchError
	if errors.As(e.Err, &tm) {
		return fmt.Sprintf("json: invalid type for option %q: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("invalid value for option %q: %v", e.Path, e.Err)
}

// Unwrap returns the underlying error.
func (e *OptionError) Unwrap() error { return e.Err }

// typeMismatchError says a JSON value has the wrong kind.
type typeMismatchError struct {
	want string
	got  string
}

// Error says what kind of value was expected and what came.
func (e *typeMismatchError) Error() string {
	return fmt.Sprintf("expected %s, got %s", e.want, e.got)
}

func typeMismatch(want string, raw []byte) error {
	return &typeMismatchError{want: want, got: describe(raw)}
}

// wrapPath attaches an option path to err, extending the path of an
// OptionError that already has one.
func wrapPath(path string, err error) error {
	if err == nil {
		return nil
	}
	var oe *OptionError
	if errors.As(err, &oe) {
		return &OptionError{Path: joinPath(path, oe.Path), Err: oe.Err}
	}
	return &OptionError{Path: path, Err: err}
}

func joinPath(parent, child string) string {
	switch {
	case parent == "":
		return child
	case child == "":
		return parent
	case strings.HasPrefix(child, "["):
		return parent + child
	default:
		return parent + "." + child
	}
}

// keyPath is how a map key appears in a path: plain when it is a simple
// name, quoted in brackets otherwise (metric selectors, odd scenario names).
func keyPath(key string) string {
	if scenarioNameRe.MatchString(key) {
		return key
	}
	return "[" + strconv.Quote(key) + "]"
}

type jsonKind int

const (
	kindInvalid jsonKind = iota
	kindNull
	kindBool
	kindNumber
	kindString
	kindArray
	kindObject
)

// kindOf tells the kind of a syntactically valid JSON value.
func kindOf(raw []byte) jsonKind {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return kindInvalid
	}
	switch c := raw[0]; {
	case c == 'n':
		return kindNull
	case c == 't' || c == 'f':
		return kindBool
	case c == '"':
		return kindString
	case c == '[':
		return kindArray
	case c == '{':
		return kindObject
	case c == '-' || (c >= '0' && c <= '9'):
		return kindNumber
	}
	return kindInvalid
}

// describe renders a JSON value for an error message.
func describe(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	short := string(raw)
	if len(short) > 40 {
		short = short[:37] + "..."
	}
	switch kindOf(raw) {
	case kindNull:
		return "null"
	case kindBool:
		return "a boolean (" + short + ")"
	case kindNumber:
		return "a number (" + short + ")"
	case kindString:
		return "a string (" + short + ")"
	case kindArray:
		return "an array"
	case kindObject:
		return "an object"
	}
	return "invalid JSON"
}

// field is one known key of a JSON object and how to decode its value.
type field struct {
	name   string
	decode func(raw json.RawMessage) error
}

// decodeObject reads a JSON object and hands each known key to its field
// decoder, in key order so the first error is deterministic. Unknown keys are
// an error when strict is set and ignored otherwise. A JSON null is accepted
// as an empty object. Errors carry the path of the offending key.
func decodeObject(data []byte, strict bool, fields []field) error {
	switch kindOf(data) {
	case kindNull:
		return nil
	case kindObject:
	default:
		return typeMismatch("an object", data)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	byName := make(map[string]field, len(fields))
	for _, f := range fields {
		byName[f.name] = f
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		f, ok := byName[k]
		if !ok {
			if strict {
				return &OptionError{Path: keyPath(k), Err: errors.New("unknown option")}
			}
			continue
		}
		if err := f.decode(m[k]); err != nil {
			return wrapPath(keyPath(k), err)
		}
	}
	return nil
}

// Field decoders. Each returns a decode function writing into dst.

func intField(dst *null.Int) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		v, err := decodeInt(raw)
		if err == nil {
			*dst = v
		}
		return err
	}
}

func boolField(dst *null.Bool) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		switch kindOf(raw) {
		case kindNull:
			*dst = null.Bool{}
		case kindBool:
			*dst = null.BoolFrom(bytes.Equal(bytes.TrimSpace(raw), []byte("true")))
		default:
			return typeMismatch("a boolean", raw)
		}
		return nil
	}
}

func stringField(dst *null.String) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		switch kindOf(raw) {
		case kindNull:
			*dst = null.String{}
		case kindString:
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return err
			}
			*dst = null.StringFrom(s)
		default:
			return typeMismatch("a string", raw)
		}
		return nil
	}
}

func durationField(dst *NullDuration) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		v, err := decodeDuration(raw)
		if err == nil {
			*dst = v
		}
		return err
	}
}

func stringListField(dst *[]string) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		v, err := decodeStringList(raw)
		if err == nil {
			*dst = v
		}
		return err
	}
}

func stringMapField(dst *map[string]string) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		v, err := decodeStringMap(raw)
		if err == nil {
			*dst = v
		}
		return err
	}
}

func rawObjectField(dst *json.RawMessage) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		switch kindOf(raw) {
		case kindNull:
			*dst = nil
		case kindObject:
			*dst = append(json.RawMessage(nil), bytes.TrimSpace(raw)...)
		default:
			return typeMismatch("an object", raw)
		}
		return nil
	}
}

// decodeInt reads an integer: a JSON number with no fraction, or a string
// holding one (as null.Int accepts, so k6 scripts that quote numbers work).
func decodeInt(raw []byte) (null.Int, error) {
	raw = bytes.TrimSpace(raw)
	text := string(raw)
	switch kindOf(raw) {
	case kindNull:
		return null.Int{}, nil
	case kindString:
		if err := json.Unmarshal(raw, &text); err != nil {
			return null.Int{}, err
		}
		if text == "" {
			return null.Int{}, nil
		}
	case kindNumber:
	default:
		return null.Int{}, typeMismatch("an integer", raw)
	}
	if n, err := strconv.ParseInt(text, 10, 64); err == nil {
		return null.IntFrom(n), nil
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return null.Int{}, typeMismatch("an integer", raw)
	}
	if f != math.Trunc(f) || math.IsInf(f, 0) {
		return null.Int{}, fmt.Errorf("expected an integer, got %s", text)
	}
	if f >= math.MaxInt64 || f < math.MinInt64 {
		return null.Int{}, fmt.Errorf("%s is out of range", text)
	}
	return null.IntFrom(int64(f)), nil
}

func decodeStringList(raw []byte) ([]string, error) {
	switch kindOf(raw) {
	case kindNull:
		return nil, nil
	case kindArray:
	default:
		return nil, typeMismatch("an array of strings", raw)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, err
	}
	out := make([]string, len(items))
	for i, item := range items {
		if kindOf(item) != kindString {
			return nil, wrapPath(fmt.Sprintf("[%d]", i), typeMismatch("a string", item))
		}
		if err := json.Unmarshal(item, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// decodeStringMap reads an object of strings. Numbers and booleans are taken
// in their JSON spelling, as k6 scripts often write tags: {id: 1}.
// strictStringMapField decodes an object whose values must all be strings
// (a scenario's env, which k6 reads into a map of strings).
func strictStringMapField(dst *map[string]string) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		v, err := decodeStringMap(raw)
		if err != nil {
			return err
		}
		var m map[string]json.RawMessage
		_ = json.Unmarshal(raw, &m)
		for k, val := range m {
			if kindOf(val) != kindString {
				return wrapPath(keyPath(k), typeMismatch("a string", val))
			}
		}
		*dst = v
		return nil
	}
}

func decodeStringMap(raw []byte) (map[string]string, error) {
	switch kindOf(raw) {
	case kindNull:
		return nil, nil
	case kindObject:
	default:
		return nil, typeMismatch("an object of strings", raw)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		switch kindOf(v) {
		case kindString:
			var s string
			if err := json.Unmarshal(v, &s); err != nil {
				return nil, err
			}
			out[k] = s
		case kindNumber, kindBool:
			out[k] = string(bytes.TrimSpace(v))
		default:
			return nil, wrapPath(keyPath(k), typeMismatch("a string", v))
		}
	}
	return out, nil
}

// marshalJSON encodes v without escaping <, > and &, as k6 does, so that
// threshold expressions read "p(95)<200" rather than "p(95)\u003c200".
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
