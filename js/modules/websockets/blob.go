package websockets

import (
	"fmt"

	"github.com/grafana/sobek"
)

// blob is a Blob's content: immutable bytes and a MIME type.
type blob struct {
	data []byte
	typ  string
}

// blobClass is the VU's Blob constructor and prototype; instances hold their
// Go side under a symbol of the VU's own.
type blobClass struct {
	rt    *sobek.Runtime
	ctor  *sobek.Object
	proto *sobek.Object
	key   *sobek.Symbol
}

func newBlobClass(rt *sobek.Runtime) *blobClass {
	c := &blobClass{rt: rt, key: sobek.NewSymbol("Blob")}
	c.ctor = rt.ToValue(c.construct).(*sobek.Object)
	_ = c.ctor.DefineDataProperty("name", rt.ToValue("Blob"), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	c.proto = c.ctor.Get("prototype").ToObject(rt)
	getter := func(name string, get func(b *blob) any) {
		_ = c.proto.DefineAccessorProperty(name, rt.ToValue(func(call sobek.FunctionCall) sobek.Value {
			return rt.ToValue(get(c.this(call)))
		}), nil, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	}
	getter("size", func(b *blob) any { return len(b.data) })
	getter("type", func(b *blob) any { return b.typ })
	method := func(name string, fn func(call sobek.FunctionCall) sobek.Value) {
		_ = c.proto.DefineDataProperty(name, rt.ToValue(fn), sobek.FLAG_TRUE, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	}
	method("arrayBuffer", func(call sobek.FunctionCall) sobek.Value {
		return c.resolved(rt.ToValue(rt.NewArrayBuffer(clone(c.this(call).data))))
	})
	method("bytes", func(call sobek.FunctionCall) sobek.Value {
		return c.resolved(c.uint8Array(c.this(call).data))
	})
	method("text", func(call sobek.FunctionCall) sobek.Value {
		return c.resolved(rt.ToValue(string(c.this(call).data)))
	})
	method("slice", c.slice)
	method("stream", c.stream)
	_ = c.proto.DefineDataPropertySymbol(sobek.SymToStringTag, rt.ToValue("Blob"), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	return c
}

// construct is new Blob(parts, options): the parts (strings as UTF-8,
// ArrayBuffers, typed arrays, DataViews, Blobs) end to end, and options.type.
func (c *blobClass) construct(call sobek.ConstructorCall) *sobek.Object {
	rt := c.rt
	b := &blob{}
	if parts := call.Argument(0); !nullish(parts) {
		obj, ok := parts.(*sobek.Object)
		if !ok {
			panic(rt.NewTypeError("failed to process [blobParts]: it needs to be an array"))
		}
		n := int64(0)
		if l := obj.Get("length"); l != nil {
			n = l.ToInteger()
		}
		for i := range n {
			part := obj.Get(fmt.Sprint(i))
			data, ok := c.partBytes(part)
			if !ok {
				panic(rt.NewTypeError(fmt.Sprintf("failed to process [blobParts]: unsupported type of part %d: %s", i, typeName(part))))
			}
			b.data = append(b.data, data...)
		}
	}
	if opts := call.Argument(1); !sobek.IsUndefined(opts) {
		o, ok := opts.(*sobek.Object)
		if !ok {
			panic(rt.NewTypeError("[options] must be an object"))
		}
		if t := o.Get("type"); !nullish(t) {
			b.typ = t.String()
		}
	}
	c.attach(call.This, b)
	return nil
}

// partBytes returns the bytes of a Blob part, or of data to send; false
// for a value of another type.
func (c *blobClass) partBytes(v sobek.Value) ([]byte, bool) {
	if s, ok := v.Export().(string); ok {
		return []byte(s), true
	}
	obj, ok := v.(*sobek.Object)
	if !ok {
		return nil, false
	}
	if b := c.of(obj); b != nil {
		return b.data, true
	}
	if ab, ok := obj.Export().(sobek.ArrayBuffer); ok {
		return ab.Bytes(), true
	}
	return viewBytes(obj)
}

// viewBytes returns the bytes a typed array or DataView shows of its buffer.
func viewBytes(obj *sobek.Object) ([]byte, bool) {
	v := obj.Get("buffer")
	if v == nil {
		return nil, false
	}
	buf, ok := v.Export().(sobek.ArrayBuffer)
	if !ok {
		return nil, false
	}
	off, n := integer(obj.Get("byteOffset")), integer(obj.Get("byteLength"))
	b := buf.Bytes()
	if off < 0 || n < 0 || off+n > int64(len(b)) {
		return nil, false
	}
	return b[off : off+n], true
}

// newBlob returns a Blob of data (which it keeps), as a message's data.
func (c *blobClass) newBlob(data []byte) *sobek.Object {
	obj := c.rt.NewObject()
	_ = obj.SetPrototype(c.proto)
	c.attach(obj, &blob{data: data})
	return obj
}

func (c *blobClass) attach(obj *sobek.Object, b *blob) {
	_ = obj.DefineDataPropertySymbol(c.key, c.rt.ToValue(b), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_FALSE)
}

// of returns the Go side of a Blob, nil for other objects.
func (c *blobClass) of(obj *sobek.Object) *blob {
	v := obj.GetSymbol(c.key)
	if v == nil {
		return nil
	}
	b, _ := v.Export().(*blob)
	return b
}

// this returns the Blob a method was called on, or throws.
func (c *blobClass) this(call sobek.FunctionCall) *blob {
	if obj, ok := call.This.(*sobek.Object); ok {
		if b := c.of(obj); b != nil {
			return b
		}
	}
	panic(c.rt.NewTypeError("Illegal invocation: not a Blob"))
}

// slice is Blob.slice(start, end, contentType), with negative positions
// from the end, as the File API has it.
func (c *blobClass) slice(call sobek.FunctionCall) sobek.Value {
	b := c.this(call)
	size := int64(len(b.data))
	pos := func(v sobek.Value, def int64) int64 {
		if sobek.IsUndefined(v) {
			return def
		}
		p := v.ToInteger()
		if p < 0 {
			return max(size+p, 0)
		}
		return min(p, size)
	}
	start, end := pos(call.Argument(0), 0), pos(call.Argument(1), size)
	end = max(end, start)
	s := &blob{data: b.data[start:end:end]}
	if t := call.Argument(2); !sobek.IsUndefined(t) {
		s.typ = t.String()
	}
	obj := c.rt.NewObject()
	_ = obj.SetPrototype(c.proto)
	c.attach(obj, s)
	return obj
}

// stream is Blob.stream(): a ReadableStream whose reader yields the content
// as one Uint8Array chunk.
func (c *blobClass) stream(call sobek.FunctionCall) sobek.Value {
	rt := c.rt
	data := c.this(call).data
	done, locked := false, false
	stream := rt.NewObject()
	_ = stream.DefineAccessorProperty("locked", rt.ToValue(func() bool { return locked }), nil, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	_ = stream.Set("getReader", func() *sobek.Object {
		if locked {
			panic(rt.NewTypeError("the stream is locked to a reader"))
		}
		locked = true
		reader := rt.NewObject()
		_ = reader.Set("read", func() sobek.Value {
			res := rt.NewObject()
			if done {
				_ = res.Set("value", sobek.Undefined())
			} else {
				_ = res.Set("value", c.uint8Array(data))
			}
			_ = res.Set("done", done)
			done = true
			return c.resolved(res)
		})
		_ = reader.Set("cancel", func() sobek.Value {
			done = true
			return c.resolved(sobek.Undefined())
		})
		_ = reader.Set("releaseLock", func() { locked = false })
		return reader
	})
	return stream
}

// uint8Array returns a Uint8Array of a copy of data.
func (c *blobClass) uint8Array(data []byte) sobek.Value {
	rt := c.rt
	arr, err := rt.New(rt.Get("Uint8Array"), rt.ToValue(rt.NewArrayBuffer(clone(data))))
	if err != nil {
		panic(err)
	}
	return arr
}

// resolved returns a promise fulfilled with v.
func (c *blobClass) resolved(v sobek.Value) sobek.Value {
	p, resolve, _ := c.rt.NewPromise()
	if err := resolve(v); err != nil {
		panic(err)
	}
	return c.rt.ToValue(p)
}

// integer is v as an integer, -1 when it is missing.
func integer(v sobek.Value) int64 {
	if v == nil {
		return -1
	}
	return v.ToInteger()
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// typeName names a value's type for error messages.
func typeName(v sobek.Value) string {
	switch {
	case v == nil || sobek.IsUndefined(v):
		return "undefined"
	case sobek.IsNull(v):
		return "null"
	}
	if obj, ok := v.(*sobek.Object); ok {
		if ctor, ok := obj.Get("constructor").(*sobek.Object); ok {
			if name := ctor.Get("name"); !nullish(name) && name.String() != "" {
				return name.String()
			}
		}
		return "object"
	}
	switch v.Export().(type) {
	case int64, float64:
		return "number"
	case bool:
		return "boolean"
	case string:
		return "string"
	}
	return "value"
}
