// Package crypto is the k6/crypto module: hashes and HMACs in k6's encodings,
// incremental hashers (createHash, createHMAC) and randomBytes.
package crypto

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"reflect"
	"sort"
	"strings"
	"unsafe"

	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
)

func init() {
	modules.Register("k6/crypto", modules.ModuleFunc(New))
}

// algorithms are the hashes k6/crypto offers, by k6's names.
var algorithms = map[string]func() hash.Hash{
	"md5":        md5.New,
	"sha1":       sha1.New,
	"sha256":     sha256.New,
	"sha384":     sha512.New384,
	"sha512":     sha512.New,
	"sha512_224": sha512.New512_224,
	"sha512_256": sha512.New512_256,
}

// digest is a hash's sum, at most 64 bytes, held by value.
type digest struct {
	sum [sha512.Size]byte
	n   int
}

// sums compute each of the algorithms in one call, allocating nothing.
var sums = map[string]func([]byte) digest{
	"md5":        func(b []byte) digest { s := md5.Sum(b); return newDigest(s[:]) },
	"sha1":       func(b []byte) digest { s := sha1.Sum(b); return newDigest(s[:]) },
	"sha256":     func(b []byte) digest { s := sha256.Sum256(b); return newDigest(s[:]) },
	"sha384":     func(b []byte) digest { s := sha512.Sum384(b); return newDigest(s[:]) },
	"sha512":     func(b []byte) digest { s := sha512.Sum512(b); return newDigest(s[:]) },
	"sha512_224": func(b []byte) digest { s := sha512.Sum512_224(b); return newDigest(s[:]) },
	"sha512_256": func(b []byte) digest { s := sha512.Sum512_256(b); return newDigest(s[:]) },
}

func newDigest(s []byte) digest {
	var d digest
	d.n = copy(d.sum[:], s)
	return d
}

// Module is one VU's k6/crypto.
type Module struct {
	rt *sobek.Runtime
}

// New makes the module's instance for vu.
func New(vu modules.VU) modules.Instance { return &Module{rt: vu.Runtime()} }

// Exports are the hash functions by algorithm name, hmac, createHash,
// createHMAC and randomBytes. Each is a native Sobek function, called
// without reflection.
func (m *Module) Exports() modules.Exports {
	named := map[string]any{
		"hmac":        m.hmac,
		"createHash":  m.createHash,
		"createHMAC":  m.createHMAC,
		"randomBytes": m.randomBytes,
	}
	for name, sum := range sums {
		named[name] = func(call sobek.FunctionCall) sobek.Value {
			d := sum(m.bytes(call.Argument(0)))
			return m.encode(d.sum[:d.n], call.Argument(1))
		}
	}
	return modules.Exports{Named: named}
}

// newHash makes the hash an algorithm names, or throws k6's error.
func (m *Module) newHash(algorithm sobek.Value) func() hash.Hash {
	name := str(algorithm)
	newHash, ok := algorithms[strings.ToLower(name)]
	if !ok {
		names := make([]string, 0, len(algorithms))
		for n := range algorithms {
			names = append(names, n)
		}
		sort.Strings(names)
		panic(m.rt.NewGoError(fmt.Errorf("invalid algorithm: %s (minik6 has %s)", name, strings.Join(names, ", "))))
	}
	return newHash
}

// hmac is hmac(algorithm, secret, data, encoding).
func (m *Module) hmac(call sobek.FunctionCall) sobek.Value {
	h := hmac.New(m.newHash(call.Argument(0)), m.bytes(call.Argument(1)))
	h.Write(m.bytes(call.Argument(2)))
	var sum [sha512.Size]byte
	return m.encode(h.Sum(sum[:0]), call.Argument(3))
}

// hasher makes an incremental hash's object: update(input) any number of
// times, then digest(encoding).
func (m *Module) hasher(h hash.Hash) *sobek.Object {
	obj := m.rt.NewObject()
	_ = obj.Set("update", func(call sobek.FunctionCall) sobek.Value {
		h.Write(m.bytes(call.Argument(0)))
		return sobek.Undefined()
	})
	_ = obj.Set("digest", func(call sobek.FunctionCall) sobek.Value {
		var sum [sha512.Size]byte
		return m.encode(h.Sum(sum[:0]), call.Argument(0))
	})
	return obj
}

// createHash is createHash(algorithm).
func (m *Module) createHash(call sobek.FunctionCall) sobek.Value {
	return m.hasher(m.newHash(call.Argument(0))())
}

// createHMAC is createHMAC(algorithm, secret).
func (m *Module) createHMAC(call sobek.FunctionCall) sobek.Value {
	return m.hasher(hmac.New(m.newHash(call.Argument(0)), m.bytes(call.Argument(1))))
}

// randomBytes is randomBytes(size): an ArrayBuffer of random bytes.
func (m *Module) randomBytes(call sobek.FunctionCall) sobek.Value {
	n := call.Argument(0).ToInteger()
	if n < 0 || n > 1<<30 {
		panic(m.rt.NewTypeError("randomBytes: the size must be between 0 and 1 GiB"))
	}
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return m.rt.ToValue(m.rt.NewArrayBuffer(b))
}

// str is a string argument: "" for undefined and null.
func str(v sobek.Value) string {
	if sobek.IsUndefined(v) || sobek.IsNull(v) {
		return ""
	}
	return v.String()
}

var (
	arrayBufferType = reflect.TypeOf(sobek.ArrayBuffer{})
	bytesType       = reflect.TypeOf([]byte(nil))
)

// bytes is the data of a string, an ArrayBuffer or a Uint8Array; anything
// else is its string form. The result is only read: a string's bytes are
// not copied, an ArrayBuffer's or a typed array's are its own.
func (m *Module) bytes(v sobek.Value) []byte {
	if sobek.IsUndefined(v) || sobek.IsNull(v) {
		return nil
	}
	if o, ok := v.(*sobek.Object); ok {
		switch o.ExportType() {
		case arrayBufferType:
			return o.Export().(sobek.ArrayBuffer).Bytes()
		case bytesType:
			return o.Export().([]byte)
		}
	}
	s := v.String()
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// encode returns a digest in one of k6's encodings: hex (the default), base64,
// base64url, base64rawurl, or binary (an ArrayBuffer).
func (m *Module) encode(sum []byte, encoding sobek.Value) sobek.Value {
	enc := "hex"
	if !sobek.IsUndefined(encoding) && !sobek.IsNull(encoding) {
		enc = encoding.String()
	}
	var buf [2 * sha512.Size]byte
	var out []byte
	switch enc {
	case "hex":
		out = hex.AppendEncode(buf[:0], sum)
	case "base64":
		out = base64.StdEncoding.AppendEncode(buf[:0], sum)
	case "base64url":
		out = base64.URLEncoding.AppendEncode(buf[:0], sum)
	case "base64rawurl":
		out = base64.RawURLEncoding.AppendEncode(buf[:0], sum)
	case "binary":
		return m.rt.ToValue(m.rt.NewArrayBuffer(append([]byte(nil), sum...)))
	default:
		panic(m.rt.NewGoError(fmt.Errorf("invalid output encoding: %s (want hex, base64, base64url, base64rawurl or binary)", enc)))
	}
	return m.rt.ToValue(string(out))
}
