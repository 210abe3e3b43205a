package http_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ocsp"

	"github.com/minik6/minik6/minik6test"
)

// stapledServer starts an HTTPS httpbin whose certificate, issued by a test
// CA, comes with an OCSP response of that CA stapled to every handshake.
func stapledServer(t *testing.T, status, reason int, thisUpdate, revoked time.Time) *minik6test.HTTPBin {
	t.Helper()
	ca, caKey := newCA(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:   time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	require.NoError(t, err)
	staple, err := ocsp.CreateResponse(ca, ca, ocsp.Response{
		Status: status, SerialNumber: tmpl.SerialNumber, // produced now
		ThisUpdate: thisUpdate, NextUpdate: thisUpdate.Add(24 * time.Hour),
		RevokedAt: revoked, RevocationReason: reason,
	}, caKey)
	require.NoError(t, err)
	return minik6test.NewHTTPBinTLS(t, nil, func(c *tls.Config) {
		c.Certificates = []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, OCSPStaple: staple}}
	})
}

// The stapled OCSP response is the response's ocsp (k6's fields, times in
// seconds as k6 gives them) and, when systemTags asks for it, the
// ocsp_status tag.
func TestOCSPStapling(t *testing.T) {
	t.Parallel()
	updated := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	revoked := updated.Add(-time.Hour)
	s := func(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
	body := `const r = http.get(B + '/get'); const o = r.ocsp;
		const fresh = Math.abs(o.produced_at - Date.now() / 1000) < 60;
		console.log([r.status, o.status, o.revocation_reason, fresh, o.this_update, o.next_update, o.revoked_at].join(' '));
		console.log(o.status === http.OCSP_STATUS_REVOKED, o.revocation_reason === http.OCSP_REASON_KEY_COMPROMISE);`
	opts := `{ insecureSkipTLSVerify: true, systemTags: ['status', 'ocsp_status'] }`

	bin := stapledServer(t, ocsp.Revoked, ocsp.KeyCompromise, updated, revoked)
	o := run(t, script(opts, body), bin.URL())
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{
		"200 revoked key_compromise true " + s(updated) + " " + s(updated.Add(24*time.Hour)) + " " + s(revoked),
		"true true",
	}, o.Console)
	reqs := o.Of("http_reqs")
	require.Len(t, reqs, 1)
	v, _ := reqs[0].Tags.Get("ocsp_status")
	assert.Equal(t, "revoked", v)

	good := stapledServer(t, ocsp.Good, ocsp.Unspecified, updated, time.Time{})
	o = run(t, script(opts, body), good.URL())
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, "200 good unspecified true "+s(updated)+" "+s(updated.Add(24*time.Hour))+" 0", o.Console[0])

	// no staple: unknown over TLS, and no tag unless systemTags names it
	plain := minik6test.NewHTTPBinTLS(t, nil, nil)
	o = run(t, script(`{ insecureSkipTLSVerify: true }`, body), plain.URL())
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, "200 unknown  false 0 0 0", o.Console[0])
	_, has := o.Of("http_reqs")[0].Tags.Get("ocsp_status")
	assert.False(t, has, "ocsp_status is not a default tag")
}
