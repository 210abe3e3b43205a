// Package webcrypto is the `crypto` global of the Web Crypto API, as k6 v1+
// offers it: getRandomValues, randomUUID and subtle (SubtleCrypto), whose
// methods return promises settled on the VU's event loop (a small digest's
// at once: see async). The same object is the `crypto` export of
// k6/experimental/webcrypto, k6's name for it before it became a global.
package webcrypto

import (
	"crypto/rand"
	"fmt"

	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
)

func init() {
	modules.RegisterGlobal("crypto", func(vu modules.VU) any { return newCrypto(vu) })
	modules.Register("k6/experimental/webcrypto", modules.ModuleFunc(func(vu modules.VU) modules.Instance {
		return experimental{vu: vu}
	}))
}

// experimental is k6/experimental/webcrypto: the VU's `crypto` global.
type experimental struct {
	vu modules.VU
}

// Exports exports `crypto`.
func (e experimental) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{"crypto": e.vu.Runtime().GlobalObject().Get("crypto")}}
}

// maxRandomBytes is the most getRandomValues fills at once, as the Web
// Crypto API says.
const maxRandomBytes = 65536

// webCrypto is a VU's `crypto` object, and what its methods need of the
// runtime.
type webCrypto struct {
	vu modules.VU
	rt *sobek.Runtime

	errorProto *sobek.Object // Error.prototype, for the DOMException-like errors
	keyProto   *sobek.Object // the prototype of CryptoKey objects
	keySlot    *sobek.Symbol // the property of a CryptoKey object that holds its *cryptoKey
	dataView   *sobek.Object // the DataView constructor
	uint8Array sobek.Value   // the Uint8Array constructor
}

func newCrypto(vu modules.VU) *sobek.Object {
	rt := vu.Runtime()
	c := &webCrypto{
		vu:         vu,
		rt:         rt,
		errorProto: rt.NewTypeError("").Prototype().Prototype(),
		keyProto:   rt.NewObject(),
		keySlot:    sobek.NewSymbol("CryptoKey"),
		dataView:   rt.Get("DataView").ToObject(rt),
		uint8Array: rt.Get("Uint8Array"),
	}
	_ = c.keyProto.DefineDataPropertySymbol(sobek.SymToStringTag, rt.ToValue("CryptoKey"),
		sobek.FLAG_FALSE, sobek.FLAG_TRUE, sobek.FLAG_FALSE)
	obj := rt.NewObject()
	_ = obj.Set("getRandomValues", c.getRandomValues)
	_ = obj.Set("randomUUID", c.randomUUID)
	_ = obj.Set("subtle", c.newSubtle())
	return obj
}

// getRandomValues fills an integer typed array with random values and returns
// it.
func (c *webCrypto) getRandomValues(v sobek.Value) sobek.Value {
	switch v.Export().(type) {
	case []int8, []uint8, []int16, []uint16, []int32, []uint32, []int64, []uint64:
	default:
		panic(c.jsError(fail("TypeMismatchError", "getRandomValues needs an integer typed array (such as a Uint8Array)")))
	}
	var buf []byte
	if err := c.rt.ExportTo(v, &buf); err != nil {
		panic(c.jsError(fail("TypeMismatchError", "%s", err)))
	}
	if len(buf) > maxRandomBytes {
		panic(c.jsError(fail("QuotaExceededError",
			"getRandomValues fills at most %d bytes, not %d", maxRandomBytes, len(buf))))
	}
	_, _ = rand.Read(buf)
	return v
}

// randomUUID returns a random (version 4) UUID in its usual text form.
func (c *webCrypto) randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // the RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
