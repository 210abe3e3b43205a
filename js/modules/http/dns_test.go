package http_test

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	k6http "github.com/minik6/minik6/js/modules/http"
)

// samePortServers starts an HTTP server on each IP, all on one port, each
// answering the IP it was reached on; the port is returned.
func samePortServers(t *testing.T, ips ...string) string {
	t.Helper()
	for attempt := 0; attempt < 20; attempt++ {
		first, err := net.Listen("tcp", net.JoinHostPort(ips[0], "0"))
		require.NoError(t, err)
		port := strconv.Itoa(first.Addr().(*net.TCPAddr).Port)
		ls := []net.Listener{first}
		for _, ip := range ips[1:] {
			l, err := net.Listen("tcp", net.JoinHostPort(ip, port))
			if err != nil {
				break
			}
			ls = append(ls, l)
		}
		if len(ls) < len(ips) {
			for _, l := range ls {
				_ = l.Close()
			}
			continue
		}
		for _, l := range ls {
			srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				host, _, _ := net.SplitHostPort(r.Context().Value(http.LocalAddrContextKey).(net.Addr).String())
				_, _ = w.Write([]byte(host))
			})}
			go func() { _ = srv.Serve(l) }()
			t.Cleanup(func() { _ = srv.Close() })
		}
		return port
	}
	t.Fatal("no port free on every IP")
	return ""
}

// The dns option (ttl, select, policy) as a run applies it: the name's
// addresses come from the system resolution, which the tests fake.
func TestDNSOptionInARun(t *testing.T) {
	t.Parallel()
	port := samePortServers(t, "127.0.0.2", "127.0.0.3")
	v4 := []net.IP{net.ParseIP("127.0.0.2"), net.ParseIP("127.0.0.3")}
	// each request dials, and so resolves, anew
	body := `const seen = []; for (let i = 0; i < 20; i++) seen.push(http.get(B + '/').body); console.log(seen.join(' '));`
	for _, tc := range []struct {
		name, dns string
		check     func(t *testing.T, seen []string, lookups int64)
	}{
		{"select first", `{ select: 'first' }`, func(t *testing.T, seen []string, _ int64) {
			assert.Equal(t, []string{"127.0.0.2"}, distinct(seen))
		}},
		{"select roundRobin", `{ select: 'roundRobin' }`, func(t *testing.T, seen []string, _ int64) {
			for i, s := range seen {
				assert.Equal(t, v4[i%2].String(), s, i)
			}
		}},
		{"select random, the default", ``, func(t *testing.T, seen []string, _ int64) {
			assert.ElementsMatch(t, []string{"127.0.0.2", "127.0.0.3"}, distinct(seen))
		}},
		{"ttl 0: no cache", `{ ttl: '0' }`, func(t *testing.T, _ []string, lookups int64) {
			assert.Equal(t, int64(20), lookups)
		}},
		{"ttl 5m, the default", ``, func(t *testing.T, _ []string, lookups int64) {
			assert.Equal(t, int64(1), lookups)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			name := strings.ReplaceAll(strings.ToLower(tc.name), " ", "-")
			name = strings.NewReplacer(",", "", ":", "").Replace(name) + ".dns.test"
			host := k6http.AddTestHost(name, v4...)
			opts := `{ noConnectionReuse: true` + map[bool]string{true: `, dns: ` + tc.dns, false: ``}[tc.dns != ""] + ` }`
			o := run(t, script(opts, body), "http://"+name+":"+port)
			require.NoError(t, o.Result.Err, o.LogText())
			require.Len(t, o.Console, 1, o.LogText())
			tc.check(t, strings.Fields(o.Console[0]), host.Lookups())
		})
	}
	t.Run("policy", func(t *testing.T) {
		t.Parallel()
		if l, err := net.Listen("tcp", "[::1]:0"); err != nil {
			t.Skip("no IPv6 loopback:", err)
		} else {
			_ = l.Close()
		}
		port := samePortServers(t, "127.0.0.2", "::1")
		for policy, want := range map[string]string{"": "127.0.0.2", "preferIPv4": "127.0.0.2", "onlyIPv6": "::1", "preferIPv6": "::1"} {
			name := "policy-" + strings.ToLower(policy) + ".dns.test"
			k6http.AddTestHost(name, net.ParseIP("::1"), net.ParseIP("127.0.0.2"))
			opts := `{ dns: { policy: '` + policy + `' } }`
			if policy == "" {
				opts = `{}`
			}
			o := run(t, script(opts, `console.log(http.get(B + '/').body);`), "http://"+name+":"+port)
			require.NoError(t, o.Result.Err, o.LogText())
			assert.Equal(t, []string{want}, o.Console, policy)
		}
		k6http.AddTestHost("only-v4.dns.test", net.ParseIP("127.0.0.2"))
		o := run(t, script(`{ dns: { policy: 'onlyIPv6' } }`, `console.log(http.get(B + '/').error_code);`), "http://only-v4.dns.test:"+port)
		require.NoError(t, o.Result.Err, o.LogText())
		assert.Equal(t, []string{"1101"}, o.Console, "no address of the policy's version")
	})
}

func distinct(ss []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
