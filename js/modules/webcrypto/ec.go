package webcrypto

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"math/big"
	"slices"
)

// curves are the named curves of ECDSA and ECDH keys.
var curves = map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()}

// coordinateSize is the bytes of a coordinate (and of a private scalar, and
// of half an ECDSA signature) on the curve named name.
func coordinateSize(name string) int {
	return (curves[name].Params().BitSize + 7) / 8
}

// ecUsages are the usages a key of the algorithm name (ECDSA or ECDH) and
// type typ may have.
func ecUsages(name, typ string) []string {
	switch {
	case name == "ECDH" && typ == publicKey:
		return nil
	case name == "ECDH":
		return []string{"deriveKey", "deriveBits"}
	case typ == publicKey:
		return []string{"verify"}
	}
	return []string{"sign"}
}

// ecKey makes a key of alg and type typ.
func ecKey(alg *algParams, typ string, usages []string, material any) *cryptoKey {
	return &cryptoKey{
		typ:       typ,
		algorithm: keyAlgorithm{name: alg.name, namedCurve: alg.namedCurve},
		usages:    intersect(usages, ecUsages(alg.name, typ)...),
		material:  material,
	}
}

// generateEC generates an ECDSA or ECDH key pair.
func generateEC(alg *algParams, usages []string) (keyPair, error) {
	if err := checkUsages(usages, append(ecUsages(alg.name, privateKey), ecUsages(alg.name, publicKey)...)...); err != nil {
		return keyPair{}, err
	}
	curve, ok := curves[alg.namedCurve]
	if !ok {
		return keyPair{}, fail(errNotSupported, "the named curve %q is not supported (P-256, P-384, P-521 are)", alg.namedCurve)
	}
	priv, err := ecdsa.GenerateKey(curve, rand.Reader)
	if err != nil {
		return keyPair{}, fail(errOperation, "generating the key: %v", err)
	}
	return keyPair{
		publicKey:  ecKey(alg, publicKey, usages, &priv.PublicKey),
		privateKey: ecKey(alg, privateKey, usages, priv),
	}, nil
}

// importEC imports an ECDSA or ECDH key: spki, raw (an uncompressed point)
// or jwk for a public key, pkcs8 or jwk for a private one.
func importEC(f string, data []byte, j *jwk, alg *algParams, extractable bool, usages []string) (*cryptoKey, error) {
	curve, ok := curves[alg.namedCurve]
	if !ok {
		return nil, fail(errNotSupported, "the named curve %q is not supported (P-256, P-384, P-521 are)", alg.namedCurve)
	}
	typ := publicKey
	if f == "pkcs8" || (f == "jwk" && j.d != "") {
		typ = privateKey
	}
	if err := checkUsages(usages, ecUsages(alg.name, typ)...); err != nil {
		return nil, err
	}
	var material any
	var err error
	switch f {
	case "spki":
		var pub any
		if pub, err = x509.ParsePKIXPublicKey(data); err == nil {
			material, ok = pub.(*ecdsa.PublicKey)
		}
	case "pkcs8":
		var priv any
		if priv, err = x509.ParsePKCS8PrivateKey(data); err == nil {
			material, ok = priv.(*ecdsa.PrivateKey)
		}
	case "raw":
		material, err = ecdsa.ParseUncompressedPublicKey(curve, data)
	case "jwk":
		material, err = ecFromJWK(j, alg, extractable, usages)
	}
	if err != nil {
		if _, isWebError := err.(*webError); isWebError {
			return nil, err
		}
		return nil, fail(errData, "the %s key data: %v", f, err)
	}
	if !ok {
		return nil, fail(errData, "the %s key data is not an EC key", f)
	}
	if keyCurve(material) != curve {
		return nil, fail(errData, "the key is not on the curve %s", alg.namedCurve)
	}
	return ecKey(alg, typ, usages, material), nil
}

// keyCurve is the curve of an *ecdsa.PrivateKey or *ecdsa.PublicKey.
func keyCurve(material any) elliptic.Curve {
	if priv, ok := material.(*ecdsa.PrivateKey); ok {
		return priv.Curve
	}
	return material.(*ecdsa.PublicKey).Curve
}

// ecJWKAlg is the JWK alg of an ECDSA key on the curve named name: ES256...
func ecJWKAlg(name string) string {
	return map[string]string{"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}[name]
}

// ecFromJWK reads the key of an EC JWK.
func ecFromJWK(j *jwk, alg *algParams, extractable bool, usages []string) (any, error) {
	use := "sig"
	if alg.name == "ECDH" {
		use = "enc"
	}
	if err := j.check("EC", use, extractable, usages); err != nil {
		return nil, err
	}
	if j.crv != alg.namedCurve {
		return nil, fail(errData, "the JWK's crv must be %q, not %q", alg.namedCurve, j.crv)
	}
	if want := ecJWKAlg(alg.namedCurve); alg.name == "ECDSA" && j.alg != "" && j.alg != want {
		return nil, fail(errData, "the JWK's alg must be %q, not %q", want, j.alg)
	}
	size := coordinateSize(alg.namedCurve)
	point := []byte{4}
	for _, c := range []struct{ name, value string }{{"x", j.x}, {"y", j.y}} {
		b, err := decode(c.name, c.value)
		if err != nil {
			return nil, err
		}
		if len(b) != size {
			return nil, fail(errData, "the JWK's %q must have %d bytes, not %d", c.name, size, len(b))
		}
		point = append(point, b...)
	}
	curve := curves[alg.namedCurve]
	if j.d == "" {
		return ecdsa.ParseUncompressedPublicKey(curve, point)
	}
	d, err := decode("d", j.d)
	if err != nil {
		return nil, err
	}
	priv, err := ecdsa.ParseRawPrivateKey(curve, d)
	if err != nil {
		return nil, err
	}
	if pub, _ := priv.PublicKey.Bytes(); !bytes.Equal(pub, point) {
		return nil, fail(errData, "the JWK's d is not the private key of its x and y")
	}
	return priv, nil
}

// exportEC exports an ECDSA or ECDH key: a public one as spki, raw or jwk,
// a private one as pkcs8 or jwk.
func exportEC(f string, k *cryptoKey) (any, error) {
	wantType := map[string]string{"spki": publicKey, "raw": publicKey, "pkcs8": privateKey}[f]
	if wantType != "" && k.typ != wantType {
		return nil, fail(errInvalidAccess, "a %s key can't be exported as %s", k.typ, f)
	}
	var pub *ecdsa.PublicKey
	priv, isPrivate := k.material.(*ecdsa.PrivateKey)
	if isPrivate {
		pub = &priv.PublicKey
	} else {
		pub = k.material.(*ecdsa.PublicKey)
	}
	var out []byte
	var err error
	switch f {
	case "spki":
		out, err = x509.MarshalPKIXPublicKey(pub)
	case "pkcs8":
		out, err = x509.MarshalPKCS8PrivateKey(priv)
	case "raw":
		out, err = pub.Bytes()
	case "jwk":
		return ecJWK(k, pub, priv)
	}
	if err != nil {
		return nil, fail(errOperation, "exporting the key: %v", err)
	}
	return out, nil
}

// ecJWK is the JWK of an EC key (priv is nil for a public one).
func ecJWK(k *cryptoKey, pub *ecdsa.PublicKey, priv *ecdsa.PrivateKey) (*jwk, error) {
	point, err := pub.Bytes()
	if err != nil {
		return nil, fail(errOperation, "exporting the key: %v", err)
	}
	size := coordinateSize(k.algorithm.namedCurve)
	j := &jwk{kty: "EC", crv: k.algorithm.namedCurve, x: encode(point[1 : 1+size]), y: encode(point[1+size:])}
	if priv != nil {
		d, err := priv.Bytes()
		if err != nil {
			return nil, fail(errOperation, "exporting the key: %v", err)
		}
		j.d = encode(d)
	}
	return j.exported(k), nil
}

// signECDSA signs data's digest by alg's hash: r and s, each as wide as the
// curve's coordinates (not ASN.1).
func signECDSA(alg *algParams, k *cryptoKey, data []byte) ([]byte, error) {
	r, s, err := ecdsa.Sign(rand.Reader, k.material.(*ecdsa.PrivateKey), hashSum(alg.hash, data))
	if err != nil {
		return nil, fail(errOperation, "signing: %v", err)
	}
	size := coordinateSize(k.algorithm.namedCurve)
	sig := make([]byte, 2*size)
	r.FillBytes(sig[:size])
	s.FillBytes(sig[size:])
	return sig, nil
}

// verifyECDSA reports whether sig (r and s, as signECDSA makes them) signs
// data.
func verifyECDSA(alg *algParams, k *cryptoKey, sig, data []byte) bool {
	size := coordinateSize(k.algorithm.namedCurve)
	if len(sig) != 2*size {
		return false
	}
	r, s := new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])
	return ecdsa.Verify(k.material.(*ecdsa.PublicKey), hashSum(alg.hash, data), r, s)
}

// deriveECDH derives the shared secret of key and alg's public key: its
// first length bits, or all of it for -1.
func deriveECDH(alg *algParams, key *cryptoKey, length int) ([]byte, error) {
	pub := alg.public
	switch {
	case pub.typ != publicKey:
		return nil, fail(errInvalidAccess, "ECDH's public must be a public key, not a %s one", pub.typ)
	case pub.algorithm.name != key.algorithm.name:
		return nil, fail(errInvalidAccess, "ECDH's public is a %s key, not an ECDH one", pub.algorithm.name)
	case pub.algorithm.namedCurve != key.algorithm.namedCurve:
		return nil, fail(errInvalidAccess, "ECDH's public is on %s, the key on %s", pub.algorithm.namedCurve, key.algorithm.namedCurve)
	}
	priv, err := key.material.(*ecdsa.PrivateKey).ECDH()
	if err != nil {
		return nil, fail(errOperation, "%v", err)
	}
	peer, err := pub.material.(*ecdsa.PublicKey).ECDH()
	if err != nil {
		return nil, fail(errOperation, "%v", err)
	}
	secret, err := priv.ECDH(peer)
	if err != nil {
		return nil, fail(errOperation, "%v", err)
	}
	if length == -1 {
		return secret, nil
	}
	if length > len(secret)*8 {
		return nil, fail(errOperation, "ECDH on %s derives %d bits, not %d", key.algorithm.namedCurve, len(secret)*8, length)
	}
	out := slices.Clone(secret[:(length+7)/8])
	if rest := length % 8; rest != 0 {
		out[len(out)-1] &= 0xff << (8 - rest)
	}
	return out, nil
}

// isEC reports whether name is ECDSA or ECDH.
func isEC(name string) bool { return name == "ECDSA" || name == "ECDH" }
