package webcrypto

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"slices"
	"strings"
)

// aesUsages are the usages an AES key of the algorithm name may have:
// AES-KW wraps keys, which this package doesn't (k6 neither).
func aesUsages(name string) []string {
	if name == "AES-KW" {
		return []string{"wrapKey", "unwrapKey"}
	}
	return []string{"encrypt", "decrypt", "wrapKey", "unwrapKey"}
}

// aesLength returns an OperationError unless bits is an AES key length.
func aesLength(bits int) error {
	if bits != 128 && bits != 192 && bits != 256 {
		return fail(errOperation, "an AES key has 128, 192 or 256 bits, not %d", bits)
	}
	return nil
}

// aesKey makes an AES key of alg.
func aesKey(alg *algParams, usages []string, material []byte) *cryptoKey {
	return &cryptoKey{
		typ:       secretKey,
		algorithm: keyAlgorithm{name: alg.name, length: len(material) * 8},
		usages:    ordered(usages),
		material:  material,
	}
}

// generateAES generates an AES key.
func generateAES(alg *algParams, usages []string) (*cryptoKey, error) {
	if err := checkUsages(usages, aesUsages(alg.name)...); err != nil {
		return nil, err
	}
	if err := aesLength(alg.length); err != nil {
		return nil, err
	}
	material := make([]byte, alg.length/8)
	_, _ = rand.Read(material)
	return aesKey(alg, usages, material), nil
}

// aesJWKAlg is the JWK alg of an AES key: A256GCM, A128KW...
func aesJWKAlg(name string, bits int) string {
	return fmt.Sprintf("A%d%s", bits, strings.TrimPrefix(name, "AES-"))
}

// importAES imports a raw or jwk AES key.
func importAES(f string, data []byte, j *jwk, alg *algParams, extractable bool, usages []string) (*cryptoKey, error) {
	if err := checkUsages(usages, aesUsages(alg.name)...); err != nil {
		return nil, err
	}
	switch f {
	case "raw":
	case "jwk":
		if err := j.check("oct", "enc", extractable, usages); err != nil {
			return nil, err
		}
		var err error
		if data, err = decode("k", j.k); err != nil {
			return nil, err
		}
		if want := aesJWKAlg(alg.name, len(data)*8); j.alg != "" && j.alg != want {
			return nil, fail(errData, "the JWK's alg must be %q, not %q", want, j.alg)
		}
	default:
		return nil, fail(errNotSupported, "%s keys can't be imported as %s", alg.name, f)
	}
	if aesLength(len(data)*8) != nil {
		return nil, fail(errData, "an AES key has 16, 24 or 32 bytes, not %d", len(data))
	}
	return aesKey(alg, usages, data), nil
}

// exportAES exports an AES key as raw or jwk.
func exportAES(f string, k *cryptoKey) (any, error) {
	material := k.material.([]byte)
	switch f {
	case "raw":
		return slices.Clone(material), nil
	case "jwk":
		return (&jwk{kty: "oct", k: encode(material), alg: aesJWKAlg(k.algorithm.name, len(material)*8)}).exported(k), nil
	}
	return nil, fail(errNotSupported, "%s keys can't be exported as %s", k.algorithm.name, f)
}

// encryptAES encrypts with AES-CBC, AES-CTR or AES-GCM.
func encryptAES(alg *algParams, k *cryptoKey, data []byte) ([]byte, error) {
	block, _ := aes.NewCipher(k.material.([]byte))
	switch alg.name {
	case "AES-CBC":
		if len(alg.iv) != aes.BlockSize {
			return nil, fail(errOperation, "AES-CBC's iv must have 16 bytes, not %d", len(alg.iv))
		}
		pad := aes.BlockSize - len(data)%aes.BlockSize
		out := append(slices.Clone(data), bytes.Repeat([]byte{byte(pad)}, pad)...)
		cipher.NewCBCEncrypter(block, alg.iv).CryptBlocks(out, out)
		return out, nil
	case "AES-CTR":
		return aesCTR(alg, block, data)
	}
	gcm, tagSize, err := aesGCM(alg, block)
	if err != nil {
		return nil, err
	}
	sealed := gcm.Seal(nil, alg.iv, data, alg.additionalData)
	return sealed[:len(data)+tagSize], nil
}

// decryptAES decrypts with AES-CBC, AES-CTR or AES-GCM: an OperationError
// when the data is not what encryption makes (bad padding, a tag that does
// not match).
func decryptAES(alg *algParams, k *cryptoKey, data []byte) ([]byte, error) {
	block, _ := aes.NewCipher(k.material.([]byte))
	switch alg.name {
	case "AES-CBC":
		if len(alg.iv) != aes.BlockSize {
			return nil, fail(errOperation, "AES-CBC's iv must have 16 bytes, not %d", len(alg.iv))
		}
		if len(data) == 0 || len(data)%aes.BlockSize != 0 {
			return nil, fail(errOperation, "AES-CBC ciphertext is a non-zero multiple of 16 bytes, not %d", len(data))
		}
		out := make([]byte, len(data))
		cipher.NewCBCDecrypter(block, alg.iv).CryptBlocks(out, data)
		pad := int(out[len(out)-1])
		if pad == 0 || pad > aes.BlockSize || !bytes.Equal(out[len(out)-pad:], bytes.Repeat([]byte{byte(pad)}, pad)) {
			return nil, fail(errOperation, "the decrypted data is not padded as AES-CBC pads it")
		}
		return out[:len(out)-pad], nil
	case "AES-CTR":
		return aesCTR(alg, block, data)
	}
	gcm, tagSize, err := aesGCM(alg, block)
	if err != nil {
		return nil, err
	}
	if len(data) < tagSize {
		return nil, fail(errOperation, "the AES-GCM ciphertext is shorter than its %d-byte tag", tagSize)
	}
	if tagSize == gcm.Overhead() {
		out, err := gcm.Open(nil, alg.iv, data, alg.additionalData)
		if err != nil {
			return nil, fail(errOperation, "the AES-GCM data does not authenticate")
		}
		return out, nil
	}
	// A short tag is the start of the full one: decrypt with the key stream
	// (what sealing zeros makes), then seal the plaintext to compare tags.
	ciphertext, tag := data[:len(data)-tagSize], data[len(data)-tagSize:]
	out := gcm.Seal(nil, alg.iv, make([]byte, len(ciphertext)), nil)[:len(ciphertext)]
	subtle.XORBytes(out, out, ciphertext)
	full := gcm.Seal(nil, alg.iv, out, alg.additionalData)
	if subtle.ConstantTimeCompare(full[len(ciphertext):len(ciphertext)+tagSize], tag) != 1 {
		return nil, fail(errOperation, "the AES-GCM data does not authenticate")
	}
	return out, nil
}

// aesGCM returns AES-GCM for alg's iv and the size of its tag in bytes.
func aesGCM(alg *algParams, block cipher.Block) (cipher.AEAD, int, error) {
	switch alg.tagLength {
	case 32, 64, 96, 104, 112, 120, 128:
	default:
		return nil, 0, fail(errOperation, "AES-GCM's tagLength must be 32, 64, 96, 104, 112, 120 or 128, not %d", alg.tagLength)
	}
	gcm, err := cipher.NewGCMWithNonceSize(block, len(alg.iv))
	if err != nil {
		return nil, 0, fail(errOperation, "AES-GCM's iv of %d bytes: %v", len(alg.iv), err)
	}
	return gcm, alg.tagLength / 8, nil
}

// aesCTR encrypts or decrypts with AES-CTR: the rightmost length bits of
// the counter block count, wrapping around, the others stay; an
// OperationError when the count would come back to its start.
func aesCTR(alg *algParams, block cipher.Block, data []byte) ([]byte, error) {
	if len(alg.counter) != aes.BlockSize {
		return nil, fail(errOperation, "AES-CTR's counter must have 16 bytes, not %d", len(alg.counter))
	}
	if alg.length == 0 || alg.length > 128 {
		return nil, fail(errOperation, "AES-CTR's length must be from 1 to 128, not %d", alg.length)
	}
	blocks := (len(data) + aes.BlockSize - 1) / aes.BlockSize
	if alg.length < 63 && uint64(blocks) > 1<<alg.length {
		return nil, fail(errOperation, "%d blocks are more than a %d-bit AES-CTR counter counts", blocks, alg.length)
	}
	counter := slices.Clone(alg.counter)
	stream := make([]byte, aes.BlockSize)
	out := make([]byte, len(data))
	for i := 0; i < len(data); i += aes.BlockSize {
		block.Encrypt(stream, counter)
		subtle.XORBytes(out[i:], data[i:], stream)
		increment(counter, alg.length)
	}
	return out, nil
}

// increment adds one to the rightmost bits of counter, modulo 2^bits.
func increment(counter []byte, bits int) {
	for i := len(counter) - 1; bits > 0; i-- {
		n := min(bits, 8)
		mask := int(1)<<n - 1
		v := int(counter[i])&mask + 1
		counter[i] = counter[i]&^byte(mask) | byte(v&mask)
		if v <= mask {
			return
		}
		bits -= n
	}
}
