package http

import (
	"crypto/tls"
	"time"

	"golang.org/x/crypto/ocsp"
)

// k6's OCSP statuses and revocation reasons, as k6/http exports them.
const (
	ocspGood         = "good"
	ocspRevoked      = "revoked"
	ocspServerFailed = "server_failed"
	ocspUnknown      = "unknown"
)

// ocspReasons are the revocation reasons by their RFC 5280 code.
var ocspReasons = map[int]string{
	ocsp.Unspecified:          "unspecified",
	ocsp.KeyCompromise:        "key_compromise",
	ocsp.CACompromise:         "ca_compromise",
	ocsp.AffiliationChanged:   "affiliation_changed",
	ocsp.Superseded:           "superseded",
	ocsp.CessationOfOperation: "cessation_of_operation",
	ocsp.CertificateHold:      "certificate_hold",
	ocsp.RemoveFromCRL:        "remove_from_crl",
	ocsp.PrivilegeWithdrawn:   "privilege_withdrawn",
	ocsp.AACompromise:         "aa_compromise",
}

// ocspInfo is a response's stapled OCSP response as k6 shows it (times in
// seconds since the epoch, as k6 gives them; 0 when the response has none).
type ocspInfo struct {
	producedAt, thisUpdate, nextUpdate, revokedAt int64
	reason, status                                string
}

// parseOCSP reads the OCSP response the server stapled to the TLS handshake:
// status "unknown" when there is none or it does not parse, as in k6; a
// response without TLS has an empty status.
func parseOCSP(state *tls.ConnectionState) ocspInfo {
	if state == nil {
		return ocspInfo{}
	}
	info := ocspInfo{status: ocspUnknown}
	if len(state.OCSPResponse) == 0 {
		return info
	}
	r, err := ocsp.ParseResponse(state.OCSPResponse, nil)
	if err != nil {
		return info
	}
	switch r.Status {
	case ocsp.Good:
		info.status = ocspGood
	case ocsp.Revoked:
		info.status = ocspRevoked
	case ocsp.ServerFailed:
		info.status = ocspServerFailed
	}
	info.reason = ocspReasons[r.RevocationReason]
	unix := func(t time.Time) int64 {
		if t.IsZero() {
			return 0
		}
		return t.Unix()
	}
	info.producedAt, info.thisUpdate = unix(r.ProducedAt), unix(r.ThisUpdate)
	info.nextUpdate, info.revokedAt = unix(r.NextUpdate), unix(r.RevokedAt)
	return info
}
