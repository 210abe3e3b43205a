package webcrypto

import (
	"encoding/base64"
	"slices"
	"strings"

	"github.com/grafana/sobek"
)

// jwk is a JSON Web Key (RFC 7517), the Web Crypto API's JsonWebKey: the
// string members as they are (base64url for the key's numbers), the ones
// absent empty.
type jwk struct {
	alg, crv, d, dp, dq, e, k, kty, n, p, q, qi, use, x, y string

	keyOps []string // nil when absent
	ext    *bool    // nil when absent
	oth    bool     // whether the key has other primes (which no import takes)
}

// strings are the string members, by name, in the order export writes them.
func (j *jwk) strings() []struct {
	name  string
	value *string
} {
	return []struct {
		name  string
		value *string
	}{
		{"alg", &j.alg}, {"crv", &j.crv}, {"d", &j.d}, {"dp", &j.dp}, {"dq", &j.dq}, {"e", &j.e}, {"k", &j.k},
		{"kty", &j.kty}, {"n", &j.n}, {"p", &j.p}, {"q", &j.q}, {"qi", &j.qi}, {"use", &j.use}, {"x", &j.x}, {"y", &j.y},
	}
}

// readJWK converts a JsonWebKey dictionary.
func (c *webCrypto) readJWK(v sobek.Value) *jwk {
	obj, ok := v.(*sobek.Object)
	if !ok || c.isBufferSource(obj) {
		panic(fail(errType, "a jwk key must be an object (a JsonWebKey)"))
	}
	j := &jwk{}
	present := func(name string) sobek.Value {
		if m := obj.Get(name); m != nil && !sobek.IsUndefined(m) {
			return m
		}
		return nil
	}
	for _, s := range j.strings() {
		if m := present(s.name); m != nil {
			*s.value = m.String()
		}
	}
	if m := present("key_ops"); m != nil {
		if _, ok := m.(*sobek.Object); !ok || c.rt.ExportTo(m, &j.keyOps) != nil {
			panic(fail(errType, "a JsonWebKey's key_ops must be an array of strings"))
		}
		if j.keyOps == nil {
			j.keyOps = []string{}
		}
	}
	if m := present("ext"); m != nil {
		ext := m.ToBoolean()
		j.ext = &ext
	}
	j.oth = present("oth") != nil
	return j
}

// jwkObject makes the JsonWebKey object of an exported j, its members in
// order of name (ext comes right after e, key_ops right after k).
func (c *webCrypto) jwkObject(j *jwk) *sobek.Object {
	obj := c.rt.NewObject()
	for _, s := range j.strings() {
		if *s.value != "" {
			_ = obj.Set(s.name, *s.value)
		}
		switch s.name {
		case "e":
			_ = obj.Set("ext", *j.ext)
		case "k":
			ops := make([]any, len(j.keyOps))
			for i, op := range j.keyOps {
				ops[i] = op
			}
			_ = obj.Set("key_ops", c.rt.NewArray(ops...))
		}
	}
	return obj
}

// check verifies the members every import of a JWK reads: kty; use, which
// must be use when present (and the key has usages); key_ops, which must
// have every usage; ext, which must not be false for an extractable key.
func (j *jwk) check(kty, use string, extractable bool, usages []string) error {
	if j.kty != kty {
		return fail(errData, "the JWK's kty must be %q, not %q", kty, j.kty)
	}
	if len(usages) > 0 && j.use != "" && j.use != use {
		return fail(errData, "the JWK's use must be %q, not %q", use, j.use)
	}
	if j.keyOps != nil {
		for _, u := range usages {
			if !slices.Contains(j.keyOps, u) {
				return fail(errData, "the JWK's key_ops do not include %q", u)
			}
		}
	}
	if j.ext != nil && !*j.ext && extractable {
		return fail(errData, "the JWK is not extractable (ext is false), so the key can't be")
	}
	if j.oth {
		return fail(errData, "keys with other primes (oth) are not supported")
	}
	return nil
}

// exported fills the members every export of a JWK writes.
func (j *jwk) exported(k *cryptoKey) *jwk {
	ext := k.extractable
	j.ext = &ext
	j.keyOps = slices.Clone(k.usages)
	return j
}

// decode decodes a base64url member (padding tolerated); a DataError names
// it when it is missing or not base64url.
func decode(name, s string) ([]byte, error) {
	if s == "" {
		return nil, fail(errData, "the JWK has no %q", name)
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		return nil, fail(errData, "the JWK's %q is not base64url: %v", name, err)
	}
	return b, nil
}

// encode encodes b as base64url without padding.
func encode(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
