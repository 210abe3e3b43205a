package options

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLookupHostsAndMatching(t *testing.T) {
	hosts := map[string]string{"a.test": "127.0.0.2", "a.test:8443": "127.0.0.3:9443", "*.wild.test": "127.0.0.4", "*.deep.wild.test": "127.0.0.5:81"}
	for _, tc := range []struct{ host, port, want string }{
		{"a.test", "80", "127.0.0.2:80"},
		{"a.test", "8443", "127.0.0.3:9443"},
		{"x.wild.test", "80", "127.0.0.4:80"},
		{"x.deep.wild.test", "80", "127.0.0.5:81"},
	} {
		got, ok := LookupHosts(hosts, tc.host, tc.port)
		assert.True(t, ok, tc.host)
		assert.Equal(t, tc.want, got, tc.host)
	}
	_, ok := LookupHosts(hosts, "b.test", "80")
	assert.False(t, ok)
	p, ok := HostnamePatterns{"*.Example.com", "exact.test"}.Matching("API.example.COM")
	assert.True(t, ok)
	assert.Equal(t, "*.Example.com", p, "the pattern as written")
}
