package webcrypto

import (
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/grafana/sobek"
)

// The conversions of this file read a method's arguments on the VU's
// goroutine, copying what they keep; they panic with a *webError, which the
// method's promise rejects with (see async).

// algParams is a normalized algorithm: its registered name and the members
// of its dictionary that the operation reads.
type algParams struct {
	name string

	iv, counter, additionalData, label, salt, publicExponent []byte

	length     int // AES-CTR's counter bits; an AES or HMAC key's bits
	hasLength  bool
	tagLength  int // AES-GCM's, in bits (128 when not given)
	saltLength int // RSA-PSS's, in bytes
	iterations int // PBKDF2's

	modulusLength int
	hash          string // the normalized name of a hash algorithm
	namedCurve    string
	public        *cryptoKey // ECDH's public key
}

// memberKind is how a dictionary member converts.
type memberKind int

const (
	bufferSource    memberKind = iota // an ArrayBuffer, a TypedArray or a DataView
	octet                             // [EnforceRange] octet
	unsignedShort                     // [EnforceRange] unsigned short
	unsignedLong                      // [EnforceRange] unsigned long
	hashAlgorithm                     // a HashAlgorithmIdentifier
	domString                         // a string
	bigInteger                        // a Uint8Array
	cryptoKeyMember                   // a CryptoKey
)

// member is one member of an algorithm's dictionary.
type member struct {
	name     string
	kind     memberKind
	required bool
}

var (
	aesKeyGenParams = []member{{"length", unsignedShort, true}}
	hmacParams      = []member{{"hash", hashAlgorithm, true}, {"length", unsignedLong, false}}
	ecKeyParams     = []member{{"namedCurve", domString, true}}
	rsaImportParams = []member{{"hash", hashAlgorithm, true}}
	rsaKeyGenParams = []member{
		{"hash", hashAlgorithm, true}, {"modulusLength", unsignedLong, true}, {"publicExponent", bigInteger, true},
	}
	encryptParams = map[string][]member{
		"AES-CBC":  {{"iv", bufferSource, true}},
		"AES-CTR":  {{"counter", bufferSource, true}, {"length", octet, true}},
		"AES-GCM":  {{"additionalData", bufferSource, false}, {"iv", bufferSource, true}, {"tagLength", octet, false}},
		"RSA-OAEP": {{"label", bufferSource, false}},
	}
	signParams = map[string][]member{
		"HMAC":              nil,
		"ECDSA":             {{"hash", hashAlgorithm, true}},
		"RSASSA-PKCS1-v1_5": nil,
		"RSA-PSS":           {{"saltLength", unsignedLong, true}},
	}
)

// supported lists, by operation, the algorithms that have it and the members
// of their dictionaries. "get key length" is deriveKey's question to the
// derived key's algorithm.
var supported = map[string]map[string][]member{
	"encrypt": encryptParams,
	"decrypt": encryptParams,
	"sign":    signParams,
	"verify":  signParams,
	"digest":  {"SHA-1": nil, "SHA-256": nil, "SHA-384": nil, "SHA-512": nil},
	"generateKey": {
		"AES-CBC": aesKeyGenParams, "AES-CTR": aesKeyGenParams, "AES-GCM": aesKeyGenParams, "AES-KW": aesKeyGenParams,
		"HMAC": hmacParams, "ECDSA": ecKeyParams, "ECDH": ecKeyParams,
		"RSASSA-PKCS1-v1_5": rsaKeyGenParams, "RSA-PSS": rsaKeyGenParams, "RSA-OAEP": rsaKeyGenParams,
	},
	"importKey": {
		"AES-CBC": nil, "AES-CTR": nil, "AES-GCM": nil, "AES-KW": nil, "PBKDF2": nil,
		"HMAC": hmacParams, "ECDSA": ecKeyParams, "ECDH": ecKeyParams,
		"RSASSA-PKCS1-v1_5": rsaImportParams, "RSA-PSS": rsaImportParams, "RSA-OAEP": rsaImportParams,
	},
	"deriveBits": {
		"ECDH":   {{"public", cryptoKeyMember, true}},
		"PBKDF2": {{"hash", hashAlgorithm, true}, {"iterations", unsignedLong, true}, {"salt", bufferSource, true}},
	},
	"get key length": {
		"AES-CBC": aesKeyGenParams, "AES-CTR": aesKeyGenParams, "AES-GCM": aesKeyGenParams, "AES-KW": aesKeyGenParams,
		"HMAC": hmacParams,
	},
}

// algorithm normalizes v (a name, or an object with a name) for op: the
// registered name, matched without regard to case, and its dictionary's
// members.
func (c *webCrypto) algorithm(op string, v sobek.Value) *algParams {
	var obj *sobek.Object
	var name string
	if o, ok := v.(*sobek.Object); ok {
		obj = o
		n := o.Get("name")
		if n == nil || sobek.IsUndefined(n) {
			panic(fail(errType, "the algorithm needs a name"))
		}
		name = n.String()
	} else {
		name = v.String()
	}
	algs := supported[op]
	p := &algParams{tagLength: 128}
	for registered := range algs {
		if strings.EqualFold(registered, name) {
			p.name = registered
		}
	}
	if p.name == "" {
		if op == "get key length" {
			op = "deriveKey"
		}
		panic(fail(errNotSupported, "%s does not support the algorithm %q", op, name))
	}
	for _, m := range algs[p.name] {
		var mv sobek.Value
		if obj != nil {
			mv = obj.Get(m.name)
		}
		if mv == nil || sobek.IsUndefined(mv) {
			if m.required {
				panic(fail(errType, "%s needs the %q member", p.name, m.name))
			}
			continue
		}
		c.setMember(p, m, mv)
	}
	return p
}

// setMember converts a member's value and stores it in p.
func (c *webCrypto) setMember(p *algParams, m member, v sobek.Value) {
	what := p.name + "'s " + m.name
	switch m.kind {
	case bufferSource:
		b := c.bytes(v, what)
		switch m.name {
		case "iv":
			p.iv = b
		case "counter":
			p.counter = b
		case "additionalData":
			p.additionalData = b
		case "label":
			p.label = b
		case "salt":
			p.salt = b
		}
	case octet, unsignedShort, unsignedLong:
		limit := float64(math.MaxUint32)
		switch m.kind {
		case octet:
			limit = math.MaxUint8
		case unsignedShort:
			limit = math.MaxUint16
		}
		n := enforceRange(v, limit, what)
		switch m.name {
		case "length":
			p.length, p.hasLength = n, true
		case "tagLength":
			p.tagLength = n
		case "saltLength":
			p.saltLength = n
		case "iterations":
			p.iterations = n
		case "modulusLength":
			p.modulusLength = n
		}
	case hashAlgorithm:
		p.hash = c.algorithm("digest", v).name
	case domString: // namedCurve is the only one
		p.namedCurve = v.String()
	case bigInteger:
		b, ok := v.Export().([]byte)
		if !ok {
			panic(fail(errType, "%s needs a Uint8Array", what))
		}
		p.publicExponent = append([]byte{}, b...)
	case cryptoKeyMember:
		p.public = c.key(v, what)
	}
}

// enforceRange converts v as WebIDL's [EnforceRange] integers: a TypeError
// for what is not a finite number between 0 and limit.
func enforceRange(v sobek.Value, limit float64, what string) int {
	f := v.ToFloat()
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Trunc(f) < 0 || math.Trunc(f) > limit {
		panic(fail(errType, "%s must be an integer from 0 to %.0f, not %s", what, limit, v.String()))
	}
	return int(math.Trunc(f))
}

// optionalLength converts deriveBits' length (an unsigned long or null): -1
// for null or undefined.
func optionalLength(v sobek.Value) int {
	if v == nil || sobek.IsUndefined(v) || sobek.IsNull(v) {
		return -1
	}
	f := v.ToFloat()
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return int(uint32(int64(math.Trunc(f))))
}

// bytes copies the bytes of a BufferSource: an ArrayBuffer, a TypedArray or
// a DataView.
func (c *webCrypto) bytes(v sobek.Value, what string) []byte {
	return append([]byte{}, c.view(v, what)...)
}

var (
	arrayBufferType = reflect.TypeOf(sobek.ArrayBuffer{})
	bytesType       = reflect.TypeOf([]byte(nil))
)

// view returns the bytes of a BufferSource where they are, for work that
// reads them before the script runs again.
func (c *webCrypto) view(v sobek.Value, what string) []byte {
	if o, ok := v.(*sobek.Object); ok {
		switch o.ExportType() {
		case arrayBufferType:
			return o.Export().(sobek.ArrayBuffer).Bytes()
		case bytesType:
			return o.Export().([]byte)
		}
		if c.isBufferSource(o) {
			var b []byte
			if err := c.rt.ExportTo(o, &b); err == nil {
				return b
			}
		}
	}
	panic(fail(errType, "%s must be an ArrayBuffer, a TypedArray or a DataView", what))
}

// isBufferSource reports whether o is an ArrayBuffer, a DataView or a typed
// array (which exports as a slice of numbers; an Array's elements are
// interfaces).
func (c *webCrypto) isBufferSource(o *sobek.Object) bool {
	if _, ok := o.Export().(sobek.ArrayBuffer); ok {
		return true
	}
	t := o.ExportType()
	isTypedArray := t != nil && t.Kind() == reflect.Slice && t.Elem().Kind() >= reflect.Int && t.Elem().Kind() <= reflect.Float64
	return isTypedArray || c.rt.InstanceOf(o, c.dataView)
}

// key returns the internals of a CryptoKey object.
func (c *webCrypto) key(v sobek.Value, what string) *cryptoKey {
	if o, ok := v.(*sobek.Object); ok {
		if slot := o.GetSymbol(c.keySlot); slot != nil {
			if k, ok := slot.Export().(*cryptoKey); ok {
				return k
			}
		}
	}
	panic(fail(errType, "%s must be a CryptoKey", what))
}

// keyFormats are the values of KeyFormat.
var keyFormats = []string{"raw", "spki", "pkcs8", "jwk"}

// format converts a KeyFormat.
func format(v sobek.Value) string {
	f := v.String()
	if !slices.Contains(keyFormats, f) {
		panic(fail(errType, "the key format must be raw, spki, pkcs8 or jwk, not %q", f))
	}
	return f
}

// usages converts a sequence of KeyUsage.
func (c *webCrypto) usages(v sobek.Value) []string {
	var list []string
	if _, ok := v.(*sobek.Object); !ok || c.rt.ExportTo(v, &list) != nil {
		panic(fail(errType, "the key usages must be an array of strings"))
	}
	for _, u := range list {
		if !slices.Contains(allUsages, u) {
			panic(fail(errType, "%q is not a key usage", u))
		}
	}
	return list
}
