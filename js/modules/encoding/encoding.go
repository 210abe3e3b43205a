// Package encoding is the k6/encoding module: base64 encoding and decoding in
// the std, rawstd, url and rawurl alphabets.
package encoding

import (
	"encoding/base64"
	"fmt"

	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
)

func init() {
	modules.Register("k6/encoding", modules.ModuleFunc(New))
}

// Module is one VU's k6/encoding.
type Module struct {
	rt *sobek.Runtime
}

// New makes the module's instance for vu.
func New(vu modules.VU) modules.Instance { return &Module{rt: vu.Runtime()} }

// Exports are b64encode and b64decode.
func (m *Module) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{"b64encode": m.b64encode, "b64decode": m.b64decode}}
}

// alphabet is the base64 encoding a k6 name asks for ("std" when empty).
func (m *Module) alphabet(name string) *base64.Encoding {
	switch name {
	case "", "std":
		return base64.StdEncoding
	case "rawstd":
		return base64.RawStdEncoding
	case "url":
		return base64.URLEncoding
	case "rawurl":
		return base64.RawURLEncoding
	}
	panic(m.rt.NewGoError(fmt.Errorf("invalid base64 encoding: %s (want std, rawstd, url or rawurl)", name)))
}

// b64encode encodes a string or an ArrayBuffer.
func (m *Module) b64encode(input sobek.Value, encoding string) string {
	var data []byte
	switch x := input.Export().(type) {
	case sobek.ArrayBuffer:
		data = x.Bytes()
	case []byte:
		data = x
	default:
		data = []byte(input.String())
	}
	return m.alphabet(encoding).EncodeToString(data)
}

// b64decode decodes to an ArrayBuffer, or to a string when format is "s".
func (m *Module) b64decode(input, encoding, format string) sobek.Value {
	data, err := m.alphabet(encoding).DecodeString(input)
	if err != nil {
		panic(m.rt.NewGoError(fmt.Errorf("b64decode: %w", err)))
	}
	if format == "s" {
		return m.rt.ToValue(string(data))
	}
	return m.rt.ToValue(m.rt.NewArrayBuffer(data))
}
