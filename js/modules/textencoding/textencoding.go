// Package textencoding is the TextEncoder and TextDecoder globals of the
// Encoding Standard (UTF-8), as k6 v1+ offers them.
package textencoding

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
)

func init() {
	modules.RegisterGlobal("TextEncoder", func(vu modules.VU) any { return encoderConstructor(vu.Runtime()) })
	modules.RegisterGlobal("TextDecoder", func(vu modules.VU) any { return decoderConstructor(vu.Runtime()) })
}

// utf8Labels are the labels of UTF-8, the one encoding minik6 decodes.
var utf8Labels = map[string]bool{"utf-8": true, "utf8": true, "unicode-1-1-utf-8": true, "unicode11utf8": true,
	"unicode20utf8": true, "x-unicode20utf8": true}

func encoderConstructor(rt *sobek.Runtime) func(sobek.ConstructorCall) *sobek.Object {
	return func(call sobek.ConstructorCall) *sobek.Object {
		obj := call.This
		_ = obj.DefineDataProperty("encoding", rt.ToValue("utf-8"), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
		_ = obj.Set("encode", func(input sobek.Value) sobek.Value {
			s := ""
			if input != nil && !sobek.IsUndefined(input) {
				s = input.String()
			}
			return uint8Array(rt, []byte(s))
		})
		_ = obj.Set("encodeInto", func(source string, dest sobek.Value) sobek.Value {
			var buf []byte
			if err := rt.ExportTo(dest, &buf); err != nil {
				panic(rt.NewTypeError("encodeInto needs a Uint8Array as its destination"))
			}
			read, written := 0, 0
			for _, r := range source {
				n := utf8.RuneLen(r)
				if n < 0 {
					r, n = utf8.RuneError, 3
				}
				if written+n > len(buf) {
					break
				}
				utf8.EncodeRune(buf[written:], r)
				written += n
				read++
				if r > 0xFFFF {
					read++ // two UTF-16 code units
				}
			}
			res := rt.NewObject()
			_ = res.Set("read", read)
			_ = res.Set("written", written)
			return res
		})
		return nil
	}
}

func decoderConstructor(rt *sobek.Runtime) func(sobek.ConstructorCall) *sobek.Object {
	return func(call sobek.ConstructorCall) *sobek.Object {
		label := "utf-8"
		if l := call.Argument(0); !sobek.IsUndefined(l) {
			label = strings.ToLower(strings.TrimSpace(l.String()))
		}
		if !utf8Labels[label] {
			panic(rt.NewTypeError(fmt.Sprintf("RangeError: the encoding %q is not supported (minik6 decodes utf-8)", label)))
		}
		fatal, ignoreBOM := false, false
		if o, ok := call.Argument(1).(*sobek.Object); ok {
			fatal = o.Get("fatal") != nil && o.Get("fatal").ToBoolean()
			ignoreBOM = o.Get("ignoreBOM") != nil && o.Get("ignoreBOM").ToBoolean()
		}
		obj := call.This
		ro := func(name string, v any) {
			_ = obj.DefineDataProperty(name, rt.ToValue(v), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
		}
		ro("encoding", "utf-8")
		ro("fatal", fatal)
		ro("ignoreBOM", ignoreBOM)
		_ = obj.Set("decode", func(input sobek.Value) string {
			if input == nil || sobek.IsUndefined(input) {
				return ""
			}
			var data []byte
			switch x := input.Export().(type) {
			case sobek.ArrayBuffer:
				data = x.Bytes()
			default:
				if err := rt.ExportTo(input, &data); err != nil {
					panic(rt.NewTypeError("decode needs an ArrayBuffer, a typed array or a DataView"))
				}
			}
			if !ignoreBOM {
				data = bytes.TrimPrefix(data, []byte{0xEF, 0xBB, 0xBF})
			}
			if fatal && !utf8.Valid(data) {
				panic(rt.NewTypeError("the data is not valid utf-8"))
			}
			return strings.ToValidUTF8(string(data), "\uFFFD")
		})
		return nil
	}
}

// uint8Array makes a Uint8Array over data.
func uint8Array(rt *sobek.Runtime, data []byte) sobek.Value {
	arr, err := rt.New(rt.Get("Uint8Array"), rt.ToValue(rt.NewArrayBuffer(data)))
	if err != nil {
		panic(err)
	}
	return arr
}
