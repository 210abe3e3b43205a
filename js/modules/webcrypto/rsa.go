package webcrypto

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"math"
	"math/big"
	"strings"
)

// maxModulusLength bounds generateKey's modulusLength: larger keys take Go
// minutes to make.
const maxModulusLength = 16384

// rsaUsages are the usages a key of the algorithm name and type typ may
// have.
func rsaUsages(name, typ string) []string {
	switch {
	case name == "RSA-OAEP" && typ == publicKey:
		return []string{"encrypt", "wrapKey"}
	case name == "RSA-OAEP":
		return []string{"decrypt", "unwrapKey"}
	case typ == publicKey:
		return []string{"verify"}
	}
	return []string{"sign"}
}

// rsaKey makes a key of alg and type typ.
func rsaKey(alg *algParams, typ string, usages []string, pub *rsa.PublicKey, material any) *cryptoKey {
	return &cryptoKey{
		typ: typ,
		algorithm: keyAlgorithm{
			name:           alg.name,
			hash:           alg.hash,
			modulusLength:  pub.N.BitLen(),
			publicExponent: big.NewInt(int64(pub.E)).Bytes(),
		},
		usages:   intersect(usages, rsaUsages(alg.name, typ)...),
		material: material,
	}
}

// generateRSA generates an RSA key pair. Go makes keys of 1024 bits or more,
// with the public exponent 65537 only.
func generateRSA(alg *algParams, usages []string) (keyPair, error) {
	if err := checkUsages(usages, append(rsaUsages(alg.name, privateKey), rsaUsages(alg.name, publicKey)...)...); err != nil {
		return keyPair{}, err
	}
	if e := new(big.Int).SetBytes(alg.publicExponent); e.Cmp(big.NewInt(65537)) != 0 {
		return keyPair{}, fail(errOperation, "the public exponent must be 65537 (0x010001), not %v", e)
	}
	if alg.modulusLength > maxModulusLength {
		return keyPair{}, fail(errOperation, "the modulus length can't exceed %d bits", maxModulusLength)
	}
	priv, err := rsa.GenerateKey(rand.Reader, alg.modulusLength)
	if err != nil {
		return keyPair{}, fail(errOperation, "generating the key: %v", err)
	}
	return keyPair{
		publicKey:  rsaKey(alg, publicKey, usages, &priv.PublicKey, &priv.PublicKey),
		privateKey: rsaKey(alg, privateKey, usages, &priv.PublicKey, priv),
	}, nil
}

// importRSA imports an RSA key: spki or jwk for a public one, pkcs8 or jwk
// for a private one.
func importRSA(f string, data []byte, j *jwk, alg *algParams, extractable bool, usages []string) (*cryptoKey, error) {
	typ := publicKey
	if f == "pkcs8" || (f == "jwk" && j.d != "") {
		typ = privateKey
	}
	if f == "raw" {
		return nil, fail(errNotSupported, "%s keys can't be imported as raw", alg.name)
	}
	if err := checkUsages(usages, rsaUsages(alg.name, typ)...); err != nil {
		return nil, err
	}
	var pub *rsa.PublicKey
	var priv *rsa.PrivateKey
	ok := true
	var err error
	switch f {
	case "spki":
		var key any
		if key, err = x509.ParsePKIXPublicKey(data); err == nil {
			pub, ok = key.(*rsa.PublicKey)
		}
	case "pkcs8":
		var key any
		if key, err = x509.ParsePKCS8PrivateKey(data); err == nil {
			priv, ok = key.(*rsa.PrivateKey)
		}
	case "jwk":
		pub, priv, err = rsaFromJWK(j, alg, extractable, usages)
	}
	if err != nil {
		if _, isWebError := err.(*webError); isWebError {
			return nil, err
		}
		return nil, fail(errData, "the %s key data: %v", f, err)
	}
	if !ok {
		return nil, fail(errData, "the %s key data is not an RSA key", f)
	}
	if priv != nil {
		return rsaKey(alg, typ, usages, &priv.PublicKey, priv), nil
	}
	return rsaKey(alg, typ, usages, pub, pub), nil
}

// rsaJWKAlg is the JWK alg of an RSA key of the algorithm name and hash:
// RS256, PS384, RSA-OAEP-256...
func rsaJWKAlg(name, hash string) string {
	bits := strings.TrimPrefix(hash, "SHA-")
	switch name {
	case "RSA-OAEP":
		if bits == "1" {
			return "RSA-OAEP"
		}
		return "RSA-OAEP-" + bits
	case "RSA-PSS":
		return "PS" + bits
	}
	return "RS" + bits
}

// rsaFromJWK reads the key of an RSA JWK: the public key, and the private
// one (nil for a public JWK).
func rsaFromJWK(j *jwk, alg *algParams, extractable bool, usages []string) (*rsa.PublicKey, *rsa.PrivateKey, error) {
	use := "sig"
	if alg.name == "RSA-OAEP" {
		use = "enc"
	}
	if err := j.check("RSA", use, extractable, usages); err != nil {
		return nil, nil, err
	}
	if want := rsaJWKAlg(alg.name, alg.hash); j.alg != "" && j.alg != want {
		return nil, nil, fail(errData, "the JWK's alg must be %q, not %q", want, j.alg)
	}
	ints := map[string]*big.Int{}
	members := []struct{ name, value string }{{"n", j.n}, {"e", j.e}}
	if j.d != "" {
		members = append(members, []struct{ name, value string }{{"d", j.d}, {"p", j.p}, {"q", j.q}}...)
	}
	for _, m := range members {
		b, err := decode(m.name, m.value)
		if err != nil {
			return nil, nil, err
		}
		ints[m.name] = new(big.Int).SetBytes(b)
	}
	e := ints["e"]
	if !e.IsInt64() || e.Int64() > math.MaxInt32 {
		return nil, nil, fail(errData, "the JWK's e is too large")
	}
	pub := &rsa.PublicKey{N: ints["n"], E: int(e.Int64())}
	if j.d == "" {
		return pub, nil, nil
	}
	priv := &rsa.PrivateKey{PublicKey: *pub, D: ints["d"], Primes: []*big.Int{ints["p"], ints["q"]}}
	if err := priv.Validate(); err != nil {
		return nil, nil, fail(errData, "the JWK's private key is not valid: %v", err)
	}
	priv.Precompute()
	return &priv.PublicKey, priv, nil
}

// exportRSA exports an RSA key: a public one as spki or jwk, a private one as
// pkcs8 or jwk.
func exportRSA(f string, k *cryptoKey) (any, error) {
	wantType := map[string]string{"spki": publicKey, "pkcs8": privateKey}[f]
	if f == "raw" {
		return nil, fail(errNotSupported, "%s keys can't be exported as raw", k.algorithm.name)
	}
	if wantType != "" && k.typ != wantType {
		return nil, fail(errInvalidAccess, "a %s key can't be exported as %s", k.typ, f)
	}
	priv, isPrivate := k.material.(*rsa.PrivateKey)
	var out []byte
	var err error
	switch f {
	case "spki":
		out, err = x509.MarshalPKIXPublicKey(k.material)
	case "pkcs8":
		out, err = x509.MarshalPKCS8PrivateKey(priv)
	case "jwk":
		pub, _ := k.material.(*rsa.PublicKey)
		if isPrivate {
			pub = &priv.PublicKey
		}
		j := &jwk{
			kty: "RSA",
			alg: rsaJWKAlg(k.algorithm.name, k.algorithm.hash),
			n:   encode(pub.N.Bytes()),
			e:   encode(big.NewInt(int64(pub.E)).Bytes()),
		}
		if isPrivate {
			if len(priv.Primes) != 2 {
				return nil, fail(errNotSupported, "keys of more than two primes can't be exported as jwk")
			}
			j.d, j.p, j.q = encode(priv.D.Bytes()), encode(priv.Primes[0].Bytes()), encode(priv.Primes[1].Bytes())
			j.dp, j.dq, j.qi = encode(priv.Precomputed.Dp.Bytes()), encode(priv.Precomputed.Dq.Bytes()), encode(priv.Precomputed.Qinv.Bytes())
		}
		return j.exported(k), nil
	}
	if err != nil {
		return nil, fail(errOperation, "exporting the key: %v", err)
	}
	return out, nil
}

// signRSA signs with RSASSA-PKCS1-v1_5 or RSA-PSS, by the key's hash. Go's
// RSA-PSS can't sign with no salt: a saltLength of 0 is an OperationError.
func signRSA(alg *algParams, k *cryptoKey, data []byte) ([]byte, error) {
	priv := k.material.(*rsa.PrivateKey)
	hash := hashes[k.algorithm.hash]
	digest := hashSum(k.algorithm.hash, data)
	var sig []byte
	var err error
	if alg.name == "RSA-PSS" {
		if alg.saltLength == 0 {
			return nil, fail(errOperation, "RSA-PSS signing with a saltLength of 0 is not supported")
		}
		sig, err = rsa.SignPSS(rand.Reader, priv, hash, digest, &rsa.PSSOptions{SaltLength: alg.saltLength})
	} else {
		sig, err = rsa.SignPKCS1v15(nil, priv, hash, digest)
	}
	if err != nil {
		return nil, fail(errOperation, "signing: %v", err)
	}
	return sig, nil
}

// verifyRSA reports whether sig signs data with RSASSA-PKCS1-v1_5 or
// RSA-PSS (a saltLength of 0 accepts any salt).
func verifyRSA(alg *algParams, k *cryptoKey, sig, data []byte) bool {
	pub := k.material.(*rsa.PublicKey)
	hash := hashes[k.algorithm.hash]
	digest := hashSum(k.algorithm.hash, data)
	if alg.name == "RSA-PSS" {
		return rsa.VerifyPSS(pub, hash, digest, sig, &rsa.PSSOptions{SaltLength: alg.saltLength}) == nil
	}
	return rsa.VerifyPKCS1v15(pub, hash, digest, sig) == nil
}

// encryptRSA encrypts with RSA-OAEP, by the key's hash.
func encryptRSA(alg *algParams, k *cryptoKey, data []byte) ([]byte, error) {
	out, err := rsa.EncryptOAEP(hashes[k.algorithm.hash].New(), rand.Reader, k.material.(*rsa.PublicKey), data, alg.label)
	if err != nil {
		return nil, fail(errOperation, "encrypting: %v", err)
	}
	return out, nil
}

// decryptRSA decrypts with RSA-OAEP, by the key's hash.
func decryptRSA(alg *algParams, k *cryptoKey, data []byte) ([]byte, error) {
	out, err := rsa.DecryptOAEP(hashes[k.algorithm.hash].New(), nil, k.material.(*rsa.PrivateKey), data, alg.label)
	if err != nil {
		return nil, fail(errOperation, "decrypting: %v", err)
	}
	return out, nil
}
