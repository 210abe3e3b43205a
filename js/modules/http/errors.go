package http

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
)

// errCode is k6's numeric error code of a failed request (error_code, and the
// error_code tag). The values are k6's documented table.
type errCode int

const (
	codeDefault          errCode = 1000 // an error with no more precise code
	codeNonTCPNetwork    errCode = 1010
	codeInvalidURL       errCode = 1020
	codeTimeout          errCode = 1050
	codeDNS              errCode = 1100
	codeDNSNoIP          errCode = 1101
	codeBlacklistedIP    errCode = 1110
	codeBlockedHostname  errCode = 1111
	codeTCPDial          errCode = 1200
	codeTCPDialGeneric   errCode = 1210
	codeTCPDialTimeout   errCode = 1211
	codeTCPDialRefused   errCode = 1212
	codeTCPDialUnknown   errCode = 1213
	codeTCPReset         errCode = 1220
	codeTLS              errCode = 1300
	codeTLSUnknownAuth   errCode = 1310
	codeTLSHostMismatch  errCode = 1311
	codeHTTP2            errCode = 1600
	codeResponse4xxStart errCode = 1400
	codeResponse5xxStart errCode = 1500
)

// reqError is a failed request's error: its k6 code and the short message k6
// puts in the response's error field, with the Go error underneath (what the
// "Request Failed" warning and a thrown error show).
type reqError struct {
	code errCode
	msg  string
	err  error
}

func (e *reqError) Error() string { return e.msg }
func (e *reqError) Unwrap() error { return e.err }

// blockedError is the dialer's refusal of a blacklisted IP or a blocked host.
type blockedError struct {
	code errCode
	msg  string
}

func (e *blockedError) Error() string { return e.msg }

// classify turns a transport error into k6's code and message.
func classify(err error) *reqError {
	var re *reqError
	if errors.As(err, &re) {
		return re
	}
	out := &reqError{code: codeDefault, msg: err.Error(), err: err}
	var ue *url.Error
	inner := err
	if errors.As(err, &ue) {
		inner = ue.Err
		out.msg = inner.Error()
	}
	var be *blockedError
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var certInvalid x509.CertificateInvalidError
	var tlsRecord tls.RecordHeaderError
	var tlsAlert tls.AlertError
	var certVerify *tls.CertificateVerificationError
	switch {
	case errors.As(inner, &be):
		out.code, out.msg = be.code, be.msg
	case errors.Is(inner, context.DeadlineExceeded) || errors.Is(inner, os.ErrDeadlineExceeded) || isTimeout(inner) && !isDial(inner):
		out.code, out.msg = codeTimeout, "request timeout"
	case errors.As(inner, &dnsErr):
		out.code = codeDNS
		if dnsErr.IsNotFound {
			out.code = codeDNSNoIP
		}
		out.msg = "lookup " + dnsErr.Name + ": " + dnsErr.Err
	case errors.As(inner, &unknownAuth):
		out.code, out.msg = codeTLSUnknownAuth, "x509: certificate signed by unknown authority"
	case errors.As(inner, &hostErr):
		out.code, out.msg = codeTLSHostMismatch, "x509: certificate is valid for "+strings.Join(hostErr.Certificate.DNSNames, ", ")+", not "+hostErr.Host
	case errors.As(inner, &certInvalid), errors.As(inner, &certVerify), errors.As(inner, &tlsRecord), errors.As(inner, &tlsAlert):
		out.code, out.msg = codeTLS, "tls: "+strings.TrimPrefix(inner.Error(), "tls: ")
	case errors.As(inner, &opErr):
		out.code, out.msg = classifyOp(opErr)
	case strings.Contains(inner.Error(), "unsupported protocol scheme"):
		out.code = codeDefault
	case strings.Contains(inner.Error(), "tls:") || strings.Contains(inner.Error(), "x509:"):
		out.code = codeTLS
	case strings.Contains(inner.Error(), "http2:"):
		out.code = codeHTTP2
	}
	return out
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

func isDial(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

func classifyOp(op *net.OpError) (errCode, string) {
	if op.Op == "remote error" || op.Op == "local error" || strings.HasPrefix(op.Err.Error(), "tls:") {
		return codeTLS, op.Err.Error()
	}
	if op.Op == "dial" {
		switch {
		case op.Timeout():
			return codeTCPDialTimeout, "dial: i/o timeout"
		case errors.Is(op.Err, syscall.ECONNREFUSED):
			return codeTCPDialRefused, "dial: connection refused"
		default:
			var se *os.SyscallError
			if errors.As(op.Err, &se) {
				return codeTCPDialUnknown, "dial: " + se.Err.Error()
			}
			return codeTCPDialGeneric, "dial: " + op.Err.Error()
		}
	}
	switch {
	case errors.Is(op.Err, syscall.ECONNRESET):
		return codeTCPReset, op.Op + ": connection reset by peer"
	case errors.Is(op.Err, syscall.EPIPE):
		return codeTCPReset, op.Op + ": broken pipe"
	}
	if op.Net != "tcp" && op.Net != "tcp4" && op.Net != "tcp6" {
		return codeNonTCPNetwork, op.Error()
	}
	return codeTCPDial, fmt.Sprintf("%s: %v", op.Op, op.Err)
}

// statusCode is k6's error code of an HTTP error status: 1400+ for 4xx and
// 1500+ for 5xx, 0 otherwise.
func statusCode(status int) errCode {
	if status >= 400 && status < 600 {
		return errCode(1000 + status)
	}
	return 0
}
