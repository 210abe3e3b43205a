package webcrypto

import (
	"crypto/hmac"
	"crypto/rand"
	"slices"
	"strings"
)

// hmacUsages are the usages an HMAC key may have.
var hmacUsages = []string{"sign", "verify"}

// hmacLength is the bits of an HMAC key of alg: its length (which may be
// 0, an error), or the block size of its hash.
func hmacLength(alg *algParams) int {
	if !alg.hasLength {
		return hashes[alg.hash].New().BlockSize() * 8
	}
	return alg.length
}

// hmacKey makes an HMAC key of alg, of length bits.
func hmacKey(alg *algParams, usages []string, material []byte, length int) *cryptoKey {
	return &cryptoKey{
		typ:       secretKey,
		algorithm: keyAlgorithm{name: "HMAC", hash: alg.hash, length: length},
		usages:    ordered(usages),
		material:  material,
	}
}

// generateHMAC generates an HMAC key.
func generateHMAC(alg *algParams, usages []string) (*cryptoKey, error) {
	if err := checkUsages(usages, hmacUsages...); err != nil {
		return nil, err
	}
	length := hmacLength(alg)
	if length == 0 {
		return nil, fail(errOperation, "an HMAC key's length can't be 0")
	}
	material := make([]byte, (length+7)/8)
	_, _ = rand.Read(material)
	return hmacKey(alg, usages, material, length), nil
}

// hmacJWKAlg is the JWK alg of an HMAC key: HS256...
func hmacJWKAlg(hash string) string { return "HS" + strings.TrimPrefix(hash, "SHA-") }

// importHMAC imports a raw or jwk HMAC key.
func importHMAC(f string, data []byte, j *jwk, alg *algParams, extractable bool, usages []string) (*cryptoKey, error) {
	if err := checkUsages(usages, hmacUsages...); err != nil {
		return nil, err
	}
	switch f {
	case "raw":
	case "jwk":
		if err := j.check("oct", "sig", extractable, usages); err != nil {
			return nil, err
		}
		var err error
		if data, err = decode("k", j.k); err != nil {
			return nil, err
		}
		if want := hmacJWKAlg(alg.hash); j.alg != "" && j.alg != want {
			return nil, fail(errData, "the JWK's alg must be %q, not %q", want, j.alg)
		}
	default:
		return nil, fail(errNotSupported, "HMAC keys can't be imported as %s", f)
	}
	if len(data) == 0 {
		return nil, fail(errData, "an HMAC key can't be empty")
	}
	length := len(data) * 8
	if alg.hasLength {
		if alg.length > length || alg.length <= length-8 {
			return nil, fail(errData, "the length %d does not fit a key of %d bytes", alg.length, len(data))
		}
		length = alg.length
	}
	return hmacKey(alg, usages, data, length), nil
}

// exportHMAC exports an HMAC key as raw or jwk.
func exportHMAC(f string, k *cryptoKey) (any, error) {
	material := k.material.([]byte)
	switch f {
	case "raw":
		return slices.Clone(material), nil
	case "jwk":
		return (&jwk{kty: "oct", k: encode(material), alg: hmacJWKAlg(k.algorithm.hash)}).exported(k), nil
	}
	return nil, fail(errNotSupported, "HMAC keys can't be exported as %s", f)
}

// signHMAC returns the HMAC of data.
func signHMAC(k *cryptoKey, data []byte) []byte {
	mac := hmac.New(hashes[k.algorithm.hash].New, k.material.([]byte))
	mac.Write(data)
	return mac.Sum(nil)
}

// verifyHMAC reports whether sig is the HMAC of data.
func verifyHMAC(k *cryptoKey, sig, data []byte) bool {
	return hmac.Equal(sig, signHMAC(k, data))
}
