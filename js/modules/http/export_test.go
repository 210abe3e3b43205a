package http

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
)

// TestHost is a name that the system resolution of this package's tests
// knows, and how many times it was looked up.
type TestHost struct {
	ips     []net.IP
	lookups atomic.Int64
}

// Lookups is how many times the name was looked up.
func (h *TestHost) Lookups() int64 { return h.lookups.Load() }

var testHosts sync.Map // name → *TestHost

// AddTestHost makes the system resolution answer ips for name.
func AddTestHost(name string, ips ...net.IP) *TestHost {
	h := &TestHost{ips: ips}
	testHosts.Store(name, h)
	return h
}

func init() {
	system := systemLookup
	systemLookup = func(ctx context.Context, host string) ([]net.IP, error) {
		if v, ok := testHosts.Load(host); ok {
			h := v.(*TestHost)
			h.lookups.Add(1)
			return h.ips, nil
		}
		return system(ctx, host)
	}
}
