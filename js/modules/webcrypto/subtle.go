package webcrypto

import (
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"strings"

	"github.com/grafana/sobek"
)

// hashes are the hash algorithms, by their Web Crypto names.
var hashes = map[string]crypto.Hash{
	"SHA-1": crypto.SHA1, "SHA-256": crypto.SHA256, "SHA-384": crypto.SHA384, "SHA-512": crypto.SHA512,
}

// work is what a SubtleCrypto method does once it has read its arguments:
// run's result is []byte (an ArrayBuffer), bool, *cryptoKey, keyPair or *jwk.
type work struct {
	run func() (any, error)
	// inline work is cheaper than a goroutine and a trip through the event
	// loop: it runs on the VU's goroutine, and its promise is settled before
	// the method returns.
	inline bool
}

// inlineDigest is the most data digest hashes on the VU's goroutine (tens of
// microseconds at most).
const inlineDigest = 64 << 10

// newSubtle makes the `crypto.subtle` object.
func (c *webCrypto) newSubtle() *sobek.Object {
	obj := c.rt.NewObject()
	for name, m := range map[string]struct {
		method func(sobek.FunctionCall) work
		args   int // how many arguments it needs
	}{
		"decrypt":     {c.decrypt, 3},
		"deriveBits":  {c.deriveBits, 2},
		"deriveKey":   {c.deriveKey, 5},
		"digest":      {c.digest, 2},
		"encrypt":     {c.encrypt, 3},
		"exportKey":   {c.exportKey, 2},
		"generateKey": {c.generateKey, 3},
		"importKey":   {c.importKey, 5},
		"sign":        {c.sign, 3},
		"verify":      {c.verify, 4},
	} {
		method := func(call sobek.FunctionCall) work {
			if len(call.Arguments) < m.args {
				panic(fail(errType, "%s needs %d arguments, not %d", name, m.args, len(call.Arguments)))
			}
			return m.method(call)
		}
		_ = obj.Set(name, func(call sobek.FunctionCall) sobek.Value { return c.async(call, method) })
	}
	return obj
}

// async runs a SubtleCrypto method and returns its promise: method reads the
// arguments on the VU's goroutine and returns the work, which runs on a
// goroutine of its own; the promise settles with its result on the VU's
// event loop. Inline work runs at once instead, and its promise is settled
// when async returns; either way the promise's reactions run as promise jobs,
// after the calling code. A bad argument rejects the promise (the Web Crypto
// API never throws).
func (c *webCrypto) async(call sobek.FunctionCall, method func(sobek.FunctionCall) work) sobek.Value {
	p, resolve, reject := c.rt.NewPromise()
	w, rejection := c.prepare(call, method)
	switch {
	case rejection != nil:
		_ = reject(rejection)
	case w.inline:
		res, err := w.run()
		_ = c.settle(resolve, reject, res, err)
	default:
		enqueue := c.vu.RegisterCallback()
		go func() {
			res, err := w.run()
			enqueue(func() error { return c.settle(resolve, reject, res, err) })
		}()
	}
	return c.rt.ToValue(p)
}

// settle settles a promise with a work's outcome; VU goroutine only.
func (c *webCrypto) settle(resolve, reject func(any) error, res any, err error) error {
	if err != nil {
		return reject(c.jsError(err))
	}
	return resolve(c.result(res))
}

// prepare calls method, turning what it panics with (a *webError, or an
// exception the script threw from a getter) into the promise's rejection.
func (c *webCrypto) prepare(call sobek.FunctionCall, method func(sobek.FunctionCall) work) (w work, rejection sobek.Value) {
	defer func() {
		switch r := recover().(type) {
		case nil:
		case *webError:
			rejection = c.jsError(r)
		case *sobek.Exception:
			rejection = r.Value()
		default:
			panic(r)
		}
	}()
	return method(call), nil
}

// result makes a work's result a JavaScript value.
func (c *webCrypto) result(v any) sobek.Value {
	switch v := v.(type) {
	case []byte:
		return c.rt.ToValue(c.rt.NewArrayBuffer(v))
	case *cryptoKey:
		return c.keyObject(v)
	case keyPair:
		obj := c.rt.NewObject()
		_ = obj.Set("privateKey", c.keyObject(v.privateKey))
		_ = obj.Set("publicKey", c.keyObject(v.publicKey))
		return obj
	case *jwk:
		return c.jwkObject(v)
	}
	return c.rt.ToValue(v)
}

// digest is digest(algorithm, data): inline work up to inlineDigest bytes,
// which reads the data where it is instead of a copy.
func (c *webCrypto) digest(call sobek.FunctionCall) work {
	alg := c.algorithm("digest", call.Argument(0))
	data := c.view(call.Argument(1), "data")
	inline := len(data) <= inlineDigest
	if !inline {
		data = append([]byte{}, data...)
	}
	return work{run: func() (any, error) { return hashSum(alg.name, data), nil }, inline: inline}
}

// hashSum returns the digest of data by the hash algorithm named name.
func hashSum(name string, data []byte) []byte {
	switch name {
	case "SHA-1":
		s := sha1.Sum(data)
		return s[:]
	case "SHA-256":
		s := sha256.Sum256(data)
		return s[:]
	case "SHA-384":
		s := sha512.Sum384(data)
		return s[:]
	}
	s := sha512.Sum512(data)
	return s[:]
}

// encrypt is encrypt(algorithm, key, data).
func (c *webCrypto) encrypt(call sobek.FunctionCall) work {
	alg := c.algorithm("encrypt", call.Argument(0))
	key := c.key(call.Argument(1), "key")
	data := c.bytes(call.Argument(2), "data")
	return work{run: func() (any, error) {
		if err := key.usable(alg.name, "encrypt"); err != nil {
			return nil, err
		}
		if alg.name == "RSA-OAEP" {
			return encryptRSA(alg, key, data)
		}
		return encryptAES(alg, key, data)
	}}
}

// decrypt is decrypt(algorithm, key, data).
func (c *webCrypto) decrypt(call sobek.FunctionCall) work {
	alg := c.algorithm("decrypt", call.Argument(0))
	key := c.key(call.Argument(1), "key")
	data := c.bytes(call.Argument(2), "data")
	return work{run: func() (any, error) {
		if err := key.usable(alg.name, "decrypt"); err != nil {
			return nil, err
		}
		if alg.name == "RSA-OAEP" {
			return decryptRSA(alg, key, data)
		}
		return decryptAES(alg, key, data)
	}}
}

// sign is sign(algorithm, key, data).
func (c *webCrypto) sign(call sobek.FunctionCall) work {
	alg := c.algorithm("sign", call.Argument(0))
	key := c.key(call.Argument(1), "key")
	data := c.bytes(call.Argument(2), "data")
	return work{run: func() (any, error) {
		if err := key.usable(alg.name, "sign"); err != nil {
			return nil, err
		}
		switch alg.name {
		case "HMAC":
			return signHMAC(key, data), nil
		case "ECDSA":
			return signECDSA(alg, key, data)
		}
		return signRSA(alg, key, data)
	}}
}

// verify is verify(algorithm, key, signature, data).
func (c *webCrypto) verify(call sobek.FunctionCall) work {
	alg := c.algorithm("verify", call.Argument(0))
	key := c.key(call.Argument(1), "key")
	sig := c.bytes(call.Argument(2), "signature")
	data := c.bytes(call.Argument(3), "data")
	return work{run: func() (any, error) {
		if err := key.usable(alg.name, "verify"); err != nil {
			return nil, err
		}
		switch alg.name {
		case "HMAC":
			return verifyHMAC(key, sig, data), nil
		case "ECDSA":
			return verifyECDSA(alg, key, sig, data), nil
		}
		return verifyRSA(alg, key, sig, data), nil
	}}
}

// generateKey is generateKey(algorithm, extractable, keyUsages): a CryptoKey,
// or a CryptoKeyPair whose public key is always extractable.
func (c *webCrypto) generateKey(call sobek.FunctionCall) work {
	alg := c.algorithm("generateKey", call.Argument(0))
	extractable := call.Argument(1).ToBoolean()
	usages := c.usages(call.Argument(2))
	return work{run: func() (any, error) {
		var res any
		var err error
		switch {
		case strings.HasPrefix(alg.name, "AES-"):
			res, err = generateAES(alg, usages)
		case alg.name == "HMAC":
			res, err = generateHMAC(alg, usages)
		case isEC(alg.name):
			res, err = generateEC(alg, usages)
		default:
			res, err = generateRSA(alg, usages)
		}
		if err != nil {
			return nil, err
		}
		if pair, ok := res.(keyPair); ok {
			pair.publicKey.extractable = true
			pair.privateKey.extractable = extractable
			if len(pair.privateKey.usages) == 0 {
				return nil, fail(errSyntax, "the private key needs at least one usage")
			}
			return pair, nil
		}
		return finishKey(res.(*cryptoKey), extractable)
	}}
}

// finishKey sets k's extractable flag; a SyntaxError when k is a secret or
// a private key without usages.
func finishKey(k *cryptoKey, extractable bool) (*cryptoKey, error) {
	if k.typ != publicKey && len(k.usages) == 0 {
		return nil, fail(errSyntax, "a %s key needs at least one usage", k.typ)
	}
	k.extractable = extractable
	return k, nil
}

// importKey is importKey(format, keyData, algorithm, extractable, keyUsages).
func (c *webCrypto) importKey(call sobek.FunctionCall) work {
	f := format(call.Argument(0))
	var data []byte
	var j *jwk
	if f == "jwk" {
		j = c.readJWK(call.Argument(1))
	} else {
		data = c.bytes(call.Argument(1), "keyData")
	}
	alg := c.algorithm("importKey", call.Argument(2))
	extractable := call.Argument(3).ToBoolean()
	usages := c.usages(call.Argument(4))
	return work{run: func() (any, error) { return importKey(f, data, j, alg, extractable, usages) }}
}

// importKey makes a key of alg from data (or j, for jwk) in format f.
func importKey(f string, data []byte, j *jwk, alg *algParams, extractable bool, usages []string) (*cryptoKey, error) {
	var k *cryptoKey
	var err error
	switch {
	case strings.HasPrefix(alg.name, "AES-"):
		k, err = importAES(f, data, j, alg, extractable, usages)
	case alg.name == "HMAC":
		k, err = importHMAC(f, data, j, alg, extractable, usages)
	case isEC(alg.name):
		k, err = importEC(f, data, j, alg, extractable, usages)
	case alg.name == "PBKDF2":
		k, err = importPBKDF2(f, data, extractable, usages)
	default:
		k, err = importRSA(f, data, j, alg, extractable, usages)
	}
	if err != nil {
		return nil, err
	}
	return finishKey(k, extractable)
}

// exportKey is exportKey(format, key): an ArrayBuffer, or a JsonWebKey.
func (c *webCrypto) exportKey(call sobek.FunctionCall) work {
	f := format(call.Argument(0))
	key := c.key(call.Argument(1), "key")
	return work{run: func() (any, error) {
		if !key.extractable {
			return nil, fail(errInvalidAccess, "the key is not extractable")
		}
		name := key.algorithm.name
		switch {
		case strings.HasPrefix(name, "AES-"):
			return exportAES(f, key)
		case name == "HMAC":
			return exportHMAC(f, key)
		case isEC(name):
			return exportEC(f, key)
		case strings.HasPrefix(name, "RSA"):
			return exportRSA(f, key)
		}
		return nil, fail(errNotSupported, "%s keys can't be exported", name)
	}}
}

// deriveBits is deriveBits(algorithm, baseKey, length).
func (c *webCrypto) deriveBits(call sobek.FunctionCall) work {
	alg := c.algorithm("deriveBits", call.Argument(0))
	key := c.key(call.Argument(1), "baseKey")
	length := optionalLength(call.Argument(2))
	return work{run: func() (any, error) {
		if err := key.usable(alg.name, "deriveBits"); err != nil {
			return nil, err
		}
		return deriveBits(alg, key, length)
	}}
}

// deriveBits derives length bits (-1: as many as the algorithm makes) from
// key.
func deriveBits(alg *algParams, key *cryptoKey, length int) ([]byte, error) {
	if alg.name == "ECDH" {
		return deriveECDH(alg, key, length)
	}
	return derivePBKDF2(alg, key, length)
}

// deriveKey is deriveKey(algorithm, baseKey, derivedKeyType, extractable,
// keyUsages): deriveBits for as many bits as the derived key has, imported
// as a raw key.
func (c *webCrypto) deriveKey(call sobek.FunctionCall) work {
	alg := c.algorithm("deriveBits", call.Argument(0))
	key := c.key(call.Argument(1), "baseKey")
	derived := c.algorithm("importKey", call.Argument(2))
	lengthOf := c.algorithm("get key length", call.Argument(2))
	extractable := call.Argument(3).ToBoolean()
	usages := c.usages(call.Argument(4))
	return work{run: func() (any, error) {
		if err := key.usable(alg.name, "deriveKey"); err != nil {
			return nil, err
		}
		length, err := keyLength(lengthOf)
		if err != nil {
			return nil, err
		}
		bits, err := deriveBits(alg, key, length)
		if err != nil {
			return nil, err
		}
		return importKey("raw", bits, nil, derived, extractable, usages)
	}}
}

// keyLength is "get key length": the bits of a key of alg.
func keyLength(alg *algParams) (int, error) {
	if alg.name == "HMAC" {
		if hmacLength(alg) == 0 {
			return 0, fail(errType, "an HMAC key's length can't be 0")
		}
		return hmacLength(alg), nil
	}
	if err := aesLength(alg.length); err != nil {
		return 0, err
	}
	return alg.length, nil
}
