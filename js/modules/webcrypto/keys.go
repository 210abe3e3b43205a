package webcrypto

import (
	"slices"
	"strings"

	"github.com/grafana/sobek"
)

// Key types: a CryptoKey's type.
const (
	secretKey  = "secret"
	publicKey  = "public"
	privateKey = "private"
)

// allUsages are the values of KeyUsage, in the order a key lists them.
var allUsages = []string{"encrypt", "decrypt", "sign", "verify", "deriveKey", "deriveBits", "wrapKey", "unwrapKey"}

// cryptoKey is a CryptoKey's internals. It does not change once made, so the
// work of a method may read it on another goroutine.
type cryptoKey struct {
	typ         string // secretKey, publicKey or privateKey
	extractable bool
	algorithm   keyAlgorithm
	usages      []string
	// material is []byte for a secret key, *ecdsa.PrivateKey or
	// *ecdsa.PublicKey for ECDSA and ECDH, *rsa.PrivateKey or *rsa.PublicKey
	// for the RSA algorithms.
	material any
}

// keyAlgorithm is a key's algorithm: its name and, as the algorithm has
// them, its parameters.
type keyAlgorithm struct {
	name           string
	length         int    // an AES or HMAC key's, in bits
	hash           string // an HMAC or RSA key's
	namedCurve     string // an EC key's
	modulusLength  int    // an RSA key's, in bits
	publicExponent []byte // an RSA key's, big-endian
}

// keyPair is a CryptoKeyPair.
type keyPair struct {
	publicKey, privateKey *cryptoKey
}

// checkUsages returns a SyntaxError when usages has one that allowed does
// not.
func checkUsages(usages []string, allowed ...string) error {
	for _, u := range usages {
		if !slices.Contains(allowed, u) {
			return fail(errSyntax, "the key usage %q is not valid here (valid: %s)", u, strings.Join(allowed, ", "))
		}
	}
	return nil
}

// intersect returns the usages among allowed, once each, in allowed's order.
func intersect(usages []string, allowed ...string) []string {
	var out []string
	for _, u := range allowed {
		if slices.Contains(usages, u) {
			out = append(out, u)
		}
	}
	return out
}

// ordered returns usages once each, in the order of allUsages.
func ordered(usages []string) []string { return intersect(usages, allUsages...) }

// usable returns an InvalidAccessError unless k is a key of the algorithm
// name that may be used for usage.
func (k *cryptoKey) usable(name, usage string) error {
	if k.algorithm.name != name {
		return fail(errInvalidAccess, "the key is a %s key, not a %s one", k.algorithm.name, name)
	}
	if !slices.Contains(k.usages, usage) {
		return fail(errInvalidAccess, "the key's usages do not include %q", usage)
	}
	return nil
}

// keyObject makes the CryptoKey object of k: read-only, enumerable type,
// extractable, algorithm and usages (as k6 shows them, JSON.stringify
// included), and k itself under a symbol.
func (c *webCrypto) keyObject(k *cryptoKey) *sobek.Object {
	obj := c.rt.CreateObject(c.keyProto)
	usages := make([]any, len(k.usages))
	for i, u := range k.usages {
		usages[i] = u
	}
	for _, p := range []struct {
		name  string
		value any
	}{
		{"type", k.typ},
		{"extractable", k.extractable},
		{"algorithm", c.algorithmObject(k.algorithm)},
		{"usages", c.rt.NewArray(usages...)},
	} {
		_ = obj.DefineDataProperty(p.name, c.rt.ToValue(p.value), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	}
	_ = obj.DefineDataPropertySymbol(c.keySlot, c.rt.ToValue(k), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_FALSE)
	return obj
}

// algorithmObject makes a key's algorithm object: AesKeyAlgorithm,
// HmacKeyAlgorithm, EcKeyAlgorithm, RsaHashedKeyAlgorithm or KeyAlgorithm.
func (c *webCrypto) algorithmObject(a keyAlgorithm) *sobek.Object {
	obj := c.rt.NewObject()
	_ = obj.Set("name", a.name)
	hash := func() {
		h := c.rt.NewObject()
		_ = h.Set("name", a.hash)
		_ = obj.Set("hash", h)
	}
	switch {
	case strings.HasPrefix(a.name, "AES-"):
		_ = obj.Set("length", a.length)
	case a.name == "HMAC":
		hash()
		_ = obj.Set("length", a.length)
	case isEC(a.name):
		_ = obj.Set("namedCurve", a.namedCurve)
	case strings.HasPrefix(a.name, "RSA"):
		_ = obj.Set("modulusLength", a.modulusLength)
		exp, _ := c.rt.New(c.uint8Array, c.rt.ToValue(c.rt.NewArrayBuffer(slices.Clone(a.publicExponent))))
		_ = obj.Set("publicExponent", exp)
		hash()
	}
	return obj
}
