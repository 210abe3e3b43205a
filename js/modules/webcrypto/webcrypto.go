// Package webcrypto is the `crypto` global of the Web Crypto API, as k6 v1+
// offers it: getRandomValues and randomUUID. (crypto.subtle comes with its
// own issue.)
package webcrypto

import (
	"crypto/rand"
	"fmt"

	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
)

func init() {
	modules.RegisterGlobal("crypto", func(vu modules.VU) any { return newCrypto(vu.Runtime()) })
}

// maxRandomBytes is the most getRandomValues fills at once, as the Web
// Crypto API says.
const maxRandomBytes = 65536

// crypto is a VU's `crypto` object.
type crypto struct {
	rt *sobek.Runtime
}

func newCrypto(rt *sobek.Runtime) *sobek.Object {
	c := &crypto{rt: rt}
	obj := rt.NewObject()
	_ = obj.Set("getRandomValues", c.getRandomValues)
	_ = obj.Set("randomUUID", c.randomUUID)
	return obj
}

// getRandomValues fills an integer typed array with random values and returns
// it.
func (c *crypto) getRandomValues(v sobek.Value) sobek.Value {
	switch v.Export().(type) {
	case []int8, []uint8, []int16, []uint16, []int32, []uint32, []int64, []uint64:
	default:
		panic(c.domException("TypeMismatchError", "getRandomValues needs an integer typed array (such as a Uint8Array)"))
	}
	var buf []byte
	if err := c.rt.ExportTo(v, &buf); err != nil {
		panic(c.domException("TypeMismatchError", err.Error()))
	}
	if len(buf) > maxRandomBytes {
		panic(c.domException("QuotaExceededError",
			fmt.Sprintf("getRandomValues fills at most %d bytes, not %d", maxRandomBytes, len(buf))))
	}
	_, _ = rand.Read(buf)
	return v
}

// randomUUID returns a random (version 4) UUID in its usual text form.
func (c *crypto) randomUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // the RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// domException is an Error named as the Web Crypto API's DOMExceptions are.
func (c *crypto) domException(name, message string) *sobek.Object {
	e := c.rt.NewGoError(fmt.Errorf("%s: %s", name, message))
	_ = e.Set("name", name)
	return e
}
