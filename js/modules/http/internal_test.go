package http

import (
	"context"
	"errors"
	"net"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/guregu/null.v3"

	"github.com/minik6/minik6/options"
)

func TestDNSOption(t *testing.T) {
	t.Parallel()
	ips := []net.IP{net.ParseIP("10.0.0.1"), net.ParseIP("::1"), net.ParseIP("10.0.0.2")}
	for _, tc := range []struct {
		name    string
		conf    options.DNSConfig
		want    []string // addresses of successive resolutions
		lookups int
	}{
		{"first, cached", options.DNSConfig{Select: null.StringFrom("first"), TTL: null.StringFrom("5m")}, []string{"10.0.0.1", "10.0.0.1", "10.0.0.1"}, 1},
		{"roundRobin", options.DNSConfig{Select: null.StringFrom("roundRobin")}, []string{"10.0.0.1", "10.0.0.2", "10.0.0.1"}, 1},
		{"no cache with ttl 0", options.DNSConfig{Select: null.StringFrom("first"), TTL: null.StringFrom("0")}, []string{"10.0.0.1", "10.0.0.1"}, 2},
		{"onlyIPv6", options.DNSConfig{Policy: null.StringFrom("onlyIPv6")}, []string{"::1", "::1"}, 1},
		{"any keeps both", options.DNSConfig{Policy: null.StringFrom("any"), Select: null.StringFrom("roundRobin")}, []string{"10.0.0.1", "::1", "10.0.0.2"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newResolver(tc.conf)
			n := 0
			r.lookup = func(context.Context, string) ([]net.IP, error) { n++; return ips, nil }
			var got []string
			for range tc.want {
				ip, err := r.resolve(context.Background(), "host.test")
				require.NoError(t, err)
				got = append(got, ip.String())
			}
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.lookups, n)
		})
	}
	t.Run("policy with no match", func(t *testing.T) {
		t.Parallel()
		r := newResolver(options.DNSConfig{Policy: null.StringFrom("onlyIPv6")})
		r.lookup = func(context.Context, string) ([]net.IP, error) { return ips[:1], nil }
		_, err := r.resolve(context.Background(), "host.test")
		assert.Equal(t, codeDNSNoIP, classify(err).code)
	})
}

func TestErrorCodes(t *testing.T) {
	t.Parallel()
	wrap := func(err error) error { return &url.Error{Op: "Get", URL: "http://x", Err: err} }
	for _, tc := range []struct {
		err  error
		code errCode
		msg  string
	}{
		{wrap(&net.DNSError{Err: "no such host", Name: "nope.test", IsNotFound: true}), codeDNSNoIP, "lookup nope.test: no such host"},
		{wrap(&net.DNSError{Err: "server misbehaving", Name: "x.test"}), codeDNS, "lookup x.test: server misbehaving"},
		{wrap(context.DeadlineExceeded), codeTimeout, "request timeout"},
		{wrap(&blockedError{code: codeBlacklistedIP, msg: "IP blocked"}), codeBlacklistedIP, "IP blocked"},
		{wrap(errors.New(`unsupported protocol scheme "ftp"`)), codeDefault, `unsupported protocol scheme "ftp"`},
	} {
		got := classify(tc.err)
		assert.Equal(t, tc.code, got.code, tc.msg)
		assert.Equal(t, tc.msg, got.msg)
	}
	assert.Equal(t, errCode(1404), statusCode(404))
	assert.Equal(t, errCode(0), statusCode(302))
}

func TestMaskURL(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "http://****:****@h:1/p?q=user:pw@", maskURL("http://user:pw@h:1/p?q=user:pw@"))
	assert.Equal(t, "https://****@h/", maskURL("https://token@h/"))
	assert.Equal(t, "http://h/p", maskURL("http://h/p"))
}

func TestLocalIP(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		form  string
		index uint64
		want  string
	}{
		{"10.0.0.1", 5, "10.0.0.1"},
		{"10.0.0.1-10.0.0.3", 0, "10.0.0.1"},
		{"10.0.0.1-10.0.0.3", 2, "10.0.0.3"},
		{"10.0.0.1-10.0.0.3", 3, "10.0.0.1"},
		{"10.0.0.0/30", 0, "10.0.0.1"}, // no network address
		{"10.0.0.0/30", 1, "10.0.0.2"},
		{"10.0.0.0/30", 2, "10.0.0.1"}, // no broadcast address
		{"10.0.0.0/31", 1, "10.0.0.1"},
		{"10.0.0.9, 10.1.0.0/24, fd00::1-fd00::2", 255, "fd00::1"},
		{"10.0.0.9, 10.1.0.0/24, fd00::1-fd00::2", 254, "10.1.0.254"},
		{"fd00::/127", 1, "fd00::1"},
	} {
		ip, err := localIP(tc.form, tc.index)
		require.NoError(t, err, tc.form)
		assert.Equal(t, tc.want, ip.String(), "%s #%d", tc.form, tc.index)
	}
	_, err := localIP("10.0.0.3-10.0.0.1", 0)
	assert.Error(t, err)
}
