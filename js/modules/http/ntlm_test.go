package http_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/md5" //nolint:gosec // NTLM is defined with MD5
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"unicode/utf16"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/md4" //lint:ignore SA1019 NTLM is defined with MD4
)

// ntlmServer is an HTTP server on 127.0.0.1 that wants NTLMv2 (MS-NLMP) on
// each connection: 401 with "WWW-Authenticate: NTLM", a challenge for a
// negotiate message, then 200 for an authenticate message that proves the
// password, for the connection's later requests too.
type ntlmServer struct {
	user, domain, password string
	srv                    *httptest.Server
}

// ntlmConn is one connection's handshake.
type ntlmConn struct {
	mu        sync.Mutex
	challenge []byte
	ok        bool
}

type ntlmConnKey struct{}

func newNTLMServer(t *testing.T, user, domain, password string) *ntlmServer {
	t.Helper()
	s := &ntlmServer{user: user, domain: domain, password: password}
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(s.serve))
	s.srv.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, ntlmConnKey{}, &ntlmConn{})
	}
	s.srv.Start()
	t.Cleanup(s.srv.Close)
	return s
}

func (s *ntlmServer) serve(w http.ResponseWriter, r *http.Request) {
	c := r.Context().Value(ntlmConnKey{}).(*ntlmConn)
	c.mu.Lock()
	defer c.mu.Unlock()
	deny := func(header string) {
		w.Header().Set("WWW-Authenticate", header)
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte("denied"))
	}
	if c.ok {
		_, _ = w.Write([]byte("hello " + s.user))
		return
	}
	token, found := strings.CutPrefix(r.Header.Get("Authorization"), "NTLM ")
	msg, err := base64.StdEncoding.DecodeString(token)
	if !found || err != nil || len(msg) < 12 || !bytes.HasPrefix(msg, []byte("NTLMSSP\x00")) {
		deny("NTLM")
		return
	}
	switch binary.LittleEndian.Uint32(msg[8:]) {
	case 1: // negotiate: answer with a challenge
		c.challenge = make([]byte, 8)
		_, _ = rand.Read(c.challenge)
		deny("NTLM " + base64.StdEncoding.EncodeToString(challengeMessage(c.challenge, s.domain)))
	case 3: // authenticate
		if c.challenge != nil && s.verify(msg, c.challenge) {
			c.ok = true
			_, _ = w.Write([]byte("hello " + s.user))
			return
		}
		deny("NTLM")
	default:
		deny("NTLM")
	}
}

func utf16le(s string) []byte {
	var b []byte
	for _, r := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, r)
	}
	return b
}

// challengeMessage is a CHALLENGE_MESSAGE: unicode, NTLM, target info with
// the domain's NetBIOS name.
func challengeMessage(challenge []byte, domain string) []byte {
	name := utf16le(domain)
	info := binary.LittleEndian.AppendUint16(nil, 2) // MsvAvNbDomainName
	info = binary.LittleEndian.AppendUint16(info, uint16(len(name)))
	info = append(info, name...)
	info = append(info, 0, 0, 0, 0) // MsvAvEOL
	const head = 48
	flags := uint32(1 | 1<<9 | 1<<19 | 1<<23) // unicode, NTLM, extended session security, target info
	b := []byte("NTLMSSP\x00")
	b = binary.LittleEndian.AppendUint32(b, 2)
	b = appendField(b, len(name), head)
	b = binary.LittleEndian.AppendUint32(b, flags)
	b = append(b, challenge...)
	b = append(b, make([]byte, 8)...)
	b = appendField(b, len(info), head+len(name))
	b = append(b, name...)
	return append(b, info...)
}

func appendField(b []byte, n, offset int) []byte {
	b = binary.LittleEndian.AppendUint16(b, uint16(n))
	b = binary.LittleEndian.AppendUint16(b, uint16(n))
	return binary.LittleEndian.AppendUint32(b, uint32(offset))
}

// field reads the payload of the AUTHENTICATE_MESSAGE field at off.
func field(msg []byte, off int) []byte {
	n := int(binary.LittleEndian.Uint16(msg[off:]))
	at := int(binary.LittleEndian.Uint32(msg[off+4:]))
	if at+n > len(msg) {
		return nil
	}
	return msg[at : at+n]
}

// verify checks the NTLMv2 response's proof of the password.
func (s *ntlmServer) verify(msg, challenge []byte) bool {
	if len(msg) < 64 {
		return false
	}
	nt, domain, user := field(msg, 20), field(msg, 28), field(msg, 36)
	if len(nt) < 16 || !bytes.Equal(user, utf16le(s.user)) || !bytes.Equal(domain, utf16le(s.domain)) && len(domain) > 0 {
		return false
	}
	h := md4.New()
	h.Write(utf16le(s.password))
	mac := func(key []byte, data ...[]byte) []byte {
		m := hmac.New(md5.New, key)
		for _, d := range data {
			m.Write(d)
		}
		return m.Sum(nil)
	}
	ntowf := mac(h.Sum(nil), utf16le(strings.ToUpper(s.user)), domain)
	return hmac.Equal(nt[:16], mac(ntowf, challenge, nt[16:]))
}

// auth: 'ntlm' answers an NTLM server's handshake with the URL's
// credentials; each exchange of the handshake is a request with its samples.
func TestNTLMAuth(t *testing.T) {
	t.Parallel()
	s := newNTLMServer(t, "alice", "CORP", "s3cret")
	hp := strings.TrimPrefix(s.srv.URL, "http://")
	for _, tc := range []struct {
		name, body string
		want       []string
		reqs       []string // statuses of the http_reqs samples
	}{
		{"handshake", `
			const r = http.get('http://alice:s3cret@` + hp + `/x', { auth: 'ntlm' });
			console.log(r.status + ' ' + r.body);
			console.log(http.get('http://alice:s3cret@` + hp + `/y', { auth: 'ntlm' }).status);`,
			[]string{"200 hello alice", "200"}, []string{"401", "401", "200", "200"}},
		{"with the domain", `console.log(http.get('http://CORP%5Calice:s3cret@` + hp + `/x', { auth: 'ntlm' }).status);`,
			[]string{"200"}, []string{"401", "401", "200"}},
		{"a wrong password", `console.log(http.get('http://alice:nope@` + hp + `/x', { auth: 'ntlm' }).status);`,
			[]string{"401"}, []string{"401", "401", "401"}},
		{"without auth: 'ntlm'", `console.log(http.get('http://alice:s3cret@` + hp + `/x').status);`,
			[]string{"401"}, []string{"401"}},
		{"a POST body is sent again with each message", `
			const r = http.post('http://alice:s3cret@` + hp + `/x', 'payload', { auth: 'ntlm' });
			console.log(r.status + ' ' + r.request.body);`,
			[]string{"200 payload"}, []string{"401", "401", "200"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := run(t, script("", tc.body), s.srv.URL)
			require.NoError(t, o.Result.Err, o.LogText())
			assert.Equal(t, tc.want, o.Console, o.LogText())
			var statuses []string
			for _, r := range o.Of("http_reqs") {
				v, _ := r.Tags.Get("status")
				statuses = append(statuses, v)
			}
			assert.Equal(t, tc.reqs, statuses)
		})
	}
}
