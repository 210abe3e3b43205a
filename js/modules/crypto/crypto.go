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
	"sort"
	"strings"

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

// Module is one VU's k6/crypto.
type Module struct {
	rt *sobek.Runtime
}

// New makes the module's instance for vu.
func New(vu modules.VU) modules.Instance { return &Module{rt: vu.Runtime()} }

// Exports are the hash functions by algorithm name, hmac, createHash,
// createHMAC and randomBytes.
func (m *Module) Exports() modules.Exports {
	named := map[string]any{
		"hmac":        m.hmac,
		"createHash":  m.createHash,
		"createHMAC":  m.createHMAC,
		"randomBytes": m.randomBytes,
	}
	for name, newHash := range algorithms {
		named[name] = func(input, encoding sobek.Value) sobek.Value {
			h := newHash()
			h.Write(m.bytes(input))
			return m.encode(h.Sum(nil), encoding)
		}
	}
	return modules.Exports{Named: named}
}

// newHash makes the hash an algorithm names, or throws k6's error.
func (m *Module) newHash(algorithm string) func() hash.Hash {
	newHash, ok := algorithms[strings.ToLower(algorithm)]
	if !ok {
		names := make([]string, 0, len(algorithms))
		for n := range algorithms {
			names = append(names, n)
		}
		sort.Strings(names)
		panic(m.rt.NewGoError(fmt.Errorf("invalid algorithm: %s (minik6 has %s)", algorithm, strings.Join(names, ", "))))
	}
	return newHash
}

func (m *Module) hmac(algorithm string, secret, data, encoding sobek.Value) sobek.Value {
	h := hmac.New(m.newHash(algorithm), m.bytes(secret))
	h.Write(m.bytes(data))
	return m.encode(h.Sum(nil), encoding)
}

// Hasher is an incremental hash: update() any number of times, then digest().
type Hasher struct {
	m *Module
	h hash.Hash
}

// Update adds input (a string or an ArrayBuffer) to the hash.
func (h *Hasher) Update(input sobek.Value) { h.h.Write(h.m.bytes(input)) }

// Digest returns the hash in the encoding asked for.
func (h *Hasher) Digest(encoding sobek.Value) sobek.Value { return h.m.encode(h.h.Sum(nil), encoding) }

func (m *Module) hasher(h hash.Hash) *sobek.Object {
	hs := &Hasher{m: m, h: h}
	obj := m.rt.NewObject()
	_ = obj.Set("update", hs.Update)
	_ = obj.Set("digest", hs.Digest)
	return obj
}

func (m *Module) createHash(algorithm string) *sobek.Object {
	return m.hasher(m.newHash(algorithm)())
}

func (m *Module) createHMAC(algorithm string, secret sobek.Value) *sobek.Object {
	return m.hasher(hmac.New(m.newHash(algorithm), m.bytes(secret)))
}

func (m *Module) randomBytes(n int64) sobek.ArrayBuffer {
	if n < 0 || n > 1<<30 {
		panic(m.rt.NewTypeError("randomBytes: the size must be between 0 and 1 GiB"))
	}
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return m.rt.NewArrayBuffer(b)
}

// bytes is the data of a string, an ArrayBuffer or a typed array.
func (m *Module) bytes(v sobek.Value) []byte {
	if v == nil || sobek.IsUndefined(v) || sobek.IsNull(v) {
		return nil
	}
	switch x := v.Export().(type) {
	case sobek.ArrayBuffer:
		return x.Bytes()
	case []byte:
		return x
	case string:
		return []byte(x)
	}
	return []byte(v.String())
}

// encode returns a digest in one of k6's encodings: hex (the default), base64,
// base64url, base64rawurl, or binary (an ArrayBuffer).
func (m *Module) encode(sum []byte, encoding sobek.Value) sobek.Value {
	enc := "hex"
	if encoding != nil && !sobek.IsUndefined(encoding) && !sobek.IsNull(encoding) {
		enc = encoding.String()
	}
	switch enc {
	case "hex":
		return m.rt.ToValue(hex.EncodeToString(sum))
	case "base64":
		return m.rt.ToValue(base64.StdEncoding.EncodeToString(sum))
	case "base64url":
		return m.rt.ToValue(base64.URLEncoding.EncodeToString(sum))
	case "base64rawurl":
		return m.rt.ToValue(base64.RawURLEncoding.EncodeToString(sum))
	case "binary":
		return m.rt.ToValue(m.rt.NewArrayBuffer(sum))
	}
	panic(m.rt.NewGoError(fmt.Errorf("invalid output encoding: %s (want hex, base64, base64url, base64rawurl or binary)", enc)))
}
