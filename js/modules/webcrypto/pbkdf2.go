package webcrypto

import (
	"crypto/pbkdf2"
)

// importPBKDF2 imports a password as a PBKDF2 key: raw, never extractable.
func importPBKDF2(f string, data []byte, extractable bool, usages []string) (*cryptoKey, error) {
	if f != "raw" {
		return nil, fail(errNotSupported, "PBKDF2 keys can only be imported as raw, not %s", f)
	}
	if err := checkUsages(usages, "deriveKey", "deriveBits"); err != nil {
		return nil, err
	}
	if extractable {
		return nil, fail(errSyntax, "PBKDF2 keys can't be extractable")
	}
	return &cryptoKey{typ: secretKey, algorithm: keyAlgorithm{name: "PBKDF2"}, usages: ordered(usages), material: data}, nil
}

// derivePBKDF2 derives length bits from a PBKDF2 key: a positive multiple
// of 8, as k6 requires.
func derivePBKDF2(alg *algParams, key *cryptoKey, length int) ([]byte, error) {
	if length <= 0 || length%8 != 0 {
		return nil, fail(errOperation, "PBKDF2 derives a positive multiple of 8 bits, not %d", length)
	}
	if alg.iterations == 0 {
		return nil, fail(errOperation, "PBKDF2's iterations can't be 0")
	}
	out, err := pbkdf2.Key(hashes[alg.hash].New, string(key.material.([]byte)), alg.salt, alg.iterations, length/8)
	if err != nil {
		return nil, fail(errOperation, "%v", err)
	}
	return out, nil
}
