package grpc

import (
	"encoding/base64"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/grafana/sobek"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Messages go between JavaScript and protobuf by the Protobuf JSON mapping,
// as in k6 (protojson, with unpopulated fields emitted). The common shapes —
// objects of numbers, strings, booleans, enums by name, nested messages,
// lists, maps with string keys — convert directly, which costs a fraction of
// JSON text and its parsing; anything else (well-known types, bytes, int64
// given as strings, nulls where they matter, and every mistake) takes the way
// through JSON text, so protojson's rules and error messages hold.

// toMessage converts a JavaScript value to a message of mt's input.
func (c *client) toMessage(mt *method, v sobek.Value) (proto.Message, error) {
	if obj, ok := v.(*sobek.Object); ok {
		msg := mt.in.New()
		if setFields(msg, obj) {
			return msg.Interface(), nil
		}
	}
	js, err := c.m.toJSON(v)
	if err != nil {
		return nil, err
	}
	msg := mt.in.New().Interface()
	if err := c.toProto.Unmarshal([]byte(js), msg); err != nil {
		return nil, err
	}
	return msg, nil
}

// fromMessage converts a message to JavaScript, as JSON.parse of its
// protojson form would.
func (c *client) fromMessage(m protoreflect.Message) (sobek.Value, error) {
	if v, ok := c.messageValue(m); ok {
		return v, nil
	}
	data, err := c.fromProto.Marshal(m.Interface())
	if err != nil {
		return nil, err
	}
	return c.m.fromJSON(data)
}

// wellKnown reports whether md has a JSON form of its own (Timestamp,
// Duration, Any, Struct, the wrappers…): protojson converts those.
func wellKnown(md protoreflect.MessageDescriptor) bool {
	return md.FullName().Parent() == "google.protobuf"
}

// setFields sets m's fields from obj as protojson would from JSON.stringify's
// text, or reports false when that needs protojson itself.
func setFields(m protoreflect.Message, obj *sobek.Object) bool {
	md := m.Descriptor()
	if wellKnown(md) || obj.ClassName() != "Object" {
		return false
	}
	if _, ok := sobek.AssertFunction(obj.Get("toJSON")); ok {
		return false
	}
	fds := md.Fields()
	var seenBuf [16]protoreflect.FieldNumber
	seen := seenBuf[:0]
	var oneofs [4]int
	nOneofs := 0
	for _, k := range obj.Keys() {
		val := obj.Get(k)
		if omitted(val) {
			continue
		}
		fd := fds.ByJSONName(k)
		if fd == nil {
			fd = fds.ByTextName(k)
		}
		if fd == nil || slices.Contains(seen, fd.Number()) {
			return false
		}
		seen = append(seen, fd.Number())
		if sobek.IsNull(val) {
			if (fd.Message() != nil && wellKnown(fd.Message())) || (fd.Enum() != nil && fd.Enum().FullName() == "google.protobuf.NullValue") {
				return false
			}
			continue
		}
		switch {
		case fd.IsList():
			if !setList(m.Mutable(fd).List(), fd, val) {
				return false
			}
		case fd.IsMap():
			if !setMap(m.Mutable(fd).Map(), fd, val) {
				return false
			}
		default:
			if od := fd.ContainingOneof(); od != nil {
				if slices.Contains(oneofs[:nOneofs], od.Index()) || nOneofs == len(oneofs) {
					return false
				}
				oneofs[nOneofs] = od.Index()
				nOneofs++
			}
			if fd.Message() != nil {
				sub, ok := val.(*sobek.Object)
				if !ok || !setFields(m.Mutable(fd).Message(), sub) {
					return false
				}
				continue
			}
			pv, ok := scalar(fd, val)
			if !ok {
				return false
			}
			m.Set(fd, pv)
		}
	}
	return true
}

// omitted reports whether JSON.stringify leaves a property out.
func omitted(v sobek.Value) bool {
	if sobek.IsUndefined(v) {
		return true
	}
	if _, ok := v.(*sobek.Symbol); ok {
		return true
	}
	_, fn := sobek.AssertFunction(v)
	return fn
}

func setList(l protoreflect.List, fd protoreflect.FieldDescriptor, val sobek.Value) bool {
	arr, ok := val.(*sobek.Object)
	if !ok || arr.ClassName() != "Array" {
		return false
	}
	n := arr.Get("length").ToInteger()
	for i := range n {
		item := arr.Get(strconv.FormatInt(i, 10))
		if sobek.IsNull(item) || omitted(item) {
			return false
		}
		if fd.Message() != nil {
			sub, ok := item.(*sobek.Object)
			elem := l.NewElement()
			if !ok || !setFields(elem.Message(), sub) {
				return false
			}
			l.Append(elem)
			continue
		}
		pv, ok := scalar(fd, item)
		if !ok {
			return false
		}
		l.Append(pv)
	}
	return true
}

func setMap(mm protoreflect.Map, fd protoreflect.FieldDescriptor, val sobek.Value) bool {
	obj, ok := val.(*sobek.Object)
	if !ok || obj.ClassName() != "Object" || fd.MapKey().Kind() != protoreflect.StringKind {
		return false
	}
	vd := fd.MapValue()
	for _, k := range obj.Keys() {
		item := obj.Get(k)
		if omitted(item) {
			continue
		}
		if sobek.IsNull(item) {
			return false
		}
		key := protoreflect.ValueOfString(k).MapKey()
		if vd.Message() != nil {
			sub, ok := item.(*sobek.Object)
			elem := mm.NewValue()
			if !ok || !setFields(elem.Message(), sub) {
				return false
			}
			mm.Set(key, elem)
			continue
		}
		pv, ok := scalar(vd, item)
		if !ok {
			return false
		}
		mm.Set(key, pv)
	}
	return true
}

// maxExactInt is the largest integer below which every JavaScript number
// prints as itself.
const maxExactInt = 1 << 53

// scalar converts a JavaScript primitive to the value of a scalar field, when
// it is of the field's own JSON kind.
func scalar(fd protoreflect.FieldDescriptor, v sobek.Value) (protoreflect.Value, bool) {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		b, ok := v.Export().(bool)
		return protoreflect.ValueOfBool(b), ok
	case protoreflect.StringKind:
		if !sobek.IsString(v) {
			return protoreflect.Value{}, false
		}
		return protoreflect.ValueOfString(v.String()), true
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		n, ok := integer(v, math.MinInt32, math.MaxInt32)
		return protoreflect.ValueOfInt32(int32(n)), ok
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		n, ok := integer(v, 0, math.MaxUint32)
		return protoreflect.ValueOfUint32(uint32(n)), ok
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		n, ok := integer(v, -maxExactInt, maxExactInt)
		return protoreflect.ValueOfInt64(n), ok
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		n, ok := integer(v, 0, maxExactInt)
		return protoreflect.ValueOfUint64(uint64(n)), ok
	case protoreflect.DoubleKind, protoreflect.FloatKind:
		if !sobek.IsNumber(v) {
			return protoreflect.Value{}, false
		}
		f := v.ToFloat()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return protoreflect.Value{}, false
		}
		if fd.Kind() == protoreflect.FloatKind {
			if math.Abs(f) > math.MaxFloat32 {
				return protoreflect.Value{}, false
			}
			return protoreflect.ValueOfFloat32(float32(f)), true
		}
		return protoreflect.ValueOfFloat64(f), true
	case protoreflect.EnumKind:
		values := fd.Enum().Values()
		var ev protoreflect.EnumValueDescriptor
		if sobek.IsString(v) {
			ev = values.ByName(protoreflect.Name(v.String()))
		} else if n, ok := integer(v, math.MinInt32, math.MaxInt32); ok {
			ev = values.ByNumber(protoreflect.EnumNumber(n))
		}
		if ev == nil {
			return protoreflect.Value{}, false
		}
		return protoreflect.ValueOfEnum(ev.Number()), true
	}
	return protoreflect.Value{}, false // bytes, and what else protojson knows better
}

// integer is v as an integer within [lo, hi], when it is a number with no
// fraction.
func integer(v sobek.Value, lo, hi float64) (int64, bool) {
	if !sobek.IsNumber(v) {
		return 0, false
	}
	f := v.ToFloat()
	if f != math.Trunc(f) || f < lo || f > hi {
		return 0, false
	}
	return int64(f), true
}

// messageValue builds m as JSON.parse would build its protojson form (with
// unpopulated fields), or reports false when that needs protojson itself.
func (c *client) messageValue(m protoreflect.Message) (sobek.Value, bool) {
	md := m.Descriptor()
	if wellKnown(md) || (md.ExtensionRanges().Len() > 0 && hasExtensions(m)) {
		return nil, false
	}
	rt := c.m.rt
	obj := rt.NewObject()
	fds := md.Fields()
	for i := range fds.Len() {
		fd := fds.Get(i)
		var v sobek.Value = sobek.Null()
		switch {
		case m.Has(fd):
		case fd.ContainingOneof() != nil:
			continue
		case fd.HasPresence():
			_ = obj.Set(fd.JSONName(), v)
			continue
		}
		var ok bool
		if v, ok = c.fieldValue(m.Get(fd), fd); !ok {
			return nil, false
		}
		_ = obj.Set(fd.JSONName(), v)
	}
	return obj, true
}

func hasExtensions(m protoreflect.Message) bool {
	found := false
	m.Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		found = fd.IsExtension()
		return !found
	})
	return found
}

func (c *client) fieldValue(v protoreflect.Value, fd protoreflect.FieldDescriptor) (sobek.Value, bool) {
	rt := c.m.rt
	switch {
	case fd.IsList():
		l := v.List()
		items := make([]any, l.Len())
		for i := range items {
			item, ok := c.singular(l.Get(i), fd)
			if !ok {
				return nil, false
			}
			items[i] = item
		}
		return rt.NewArray(items...), true
	case fd.IsMap():
		mm := v.Map()
		keys := make([]protoreflect.MapKey, 0, mm.Len())
		mm.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
			keys = append(keys, k)
			return true
		})
		slices.SortFunc(keys, compareKeys)
		obj := rt.NewObject()
		for _, k := range keys {
			item, ok := c.singular(mm.Get(k), fd.MapValue())
			if !ok {
				return nil, false
			}
			_ = obj.Set(k.String(), item)
		}
		return obj, true
	}
	return c.singular(v, fd)
}

// compareKeys orders map keys as protojson writes them.
func compareKeys(a, b protoreflect.MapKey) int {
	switch x := a.Interface().(type) {
	case bool:
		switch {
		case x == b.Bool():
			return 0
		case !x:
			return -1
		}
		return 1
	case int32, int64:
		return int(max(-1, min(1, a.Int()-b.Int())))
	case uint32, uint64:
		switch au, bu := a.Uint(), b.Uint(); {
		case au < bu:
			return -1
		case au > bu:
			return 1
		}
		return 0
	}
	return strings.Compare(a.String(), b.String())
}

func (c *client) singular(v protoreflect.Value, fd protoreflect.FieldDescriptor) (sobek.Value, bool) {
	rt := c.m.rt
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return rt.ToValue(v.Bool()), true
	case protoreflect.StringKind:
		s := v.String()
		return rt.ToValue(s), utf8.ValidString(s) // protojson refuses invalid UTF-8
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return rt.ToValue(v.Int()), true
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return rt.ToValue(int64(v.Uint())), true
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return rt.ToValue(strconv.FormatInt(v.Int(), 10)), true // a string, as protojson writes 64 bits
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return rt.ToValue(strconv.FormatUint(v.Uint(), 10)), true
	case protoreflect.DoubleKind:
		return floatValue(rt, v.Float(), 64), true
	case protoreflect.FloatKind:
		return floatValue(rt, v.Float(), 32), true
	case protoreflect.BytesKind:
		return rt.ToValue(base64.StdEncoding.EncodeToString(v.Bytes())), true
	case protoreflect.EnumKind:
		if fd.Enum().FullName() == "google.protobuf.NullValue" {
			return sobek.Null(), true
		}
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return rt.ToValue(string(ev.Name())), true
		}
		return rt.ToValue(int64(v.Enum())), true
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return c.messageValue(v.Message())
	}
	return nil, false
}

// floatValue is f as JSON.parse reads protojson's text of it: the special
// values are strings, a float's shortest text is read as a double.
func floatValue(rt *sobek.Runtime, f float64, bits int) sobek.Value {
	switch {
	case math.IsNaN(f):
		return rt.ToValue("NaN")
	case math.IsInf(f, 1):
		return rt.ToValue("Infinity")
	case math.IsInf(f, -1):
		return rt.ToValue("-Infinity")
	}
	if bits == 32 {
		f, _ = strconv.ParseFloat(strconv.FormatFloat(f, 'g', -1, 32), 64)
	}
	return rt.ToValue(f)
}
