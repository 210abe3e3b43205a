package http

import (
	"context"
	"crypto/tls"
	"errors"
	"math/big"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/minik6/minik6/options"
)

// client is one VU's HTTP machinery, made from the run's options on the VU's
// first request: its own connections (fast, and an http.Transport made when
// first needed), its dialer that applies hosts, dns, blacklistIPs,
// blockHostnames and localIPs, and the byte counts of its connections.
type client struct {
	opts     *options.Options
	tr       atomic.Pointer[http.Transport]
	trOnce   sync.Once
	dialer   *net.Dialer
	resolver *resolver
	certs    []clientCert
	fast     *fastPool

	// sent and received count the bytes on the wire of every connection of the
	// VU; they are written from the transport's goroutines.
	sent, received atomic.Int64
}

// newClient makes the client of the VU whose id in the test is vuID.
func newClient(opts *options.Options, vuID uint64) (*client, error) {
	c := &client{opts: opts}
	c.dialer = &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	c.resolver = newResolver(opts.DNS)
	if opts.LocalIPs.Valid && opts.LocalIPs.String != "" {
		// as k6: the addresses are given out to the VUs in turn
		index := uint64(0)
		if vuID > 0 {
			index = vuID - 1
		}
		ip, err := localIP(opts.LocalIPs.String, index)
		if err != nil {
			return nil, err
		}
		c.dialer.LocalAddr = &net.TCPAddr{IP: ip}
	}
	var err error
	if c.certs, err = clientCerts(opts); err != nil {
		return nil, err
	}
	c.fast = newFastPool(c)
	return c, nil
}

// transport is the VU's http.Transport (HTTPS, proxies, batch,
// asyncRequest), made on first use: a VU whose requests all take the fast
// path never makes one.
func (c *client) transport() *http.Transport {
	c.trOnce.Do(func() {
		opts := c.opts
		perHost := int(opts.BatchPerHost.Int64)
		if !opts.BatchPerHost.Valid {
			perHost = options.DefaultBatchPerHost
		}
		batch := int(opts.Batch.Int64)
		if !opts.Batch.Valid {
			batch = options.DefaultBatch
		}
		t := &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           c.dial,
			TLSClientConfig:       tlsConfig(opts),
			MaxIdleConns:          max(batch, 2) * 2,
			MaxIdleConnsPerHost:   max(perHost, batch, 2),
			IdleConnTimeout:       60 * time.Second,
			TLSHandshakeTimeout:   30 * time.Second,
			DisableKeepAlives:     opts.NoConnectionReuse.Bool,
			DisableCompression:    true, // we ask for and decode gzip, deflate, br and zstd ourselves
			ForceAttemptHTTP2:     true,
			ExpectContinueTimeout: time.Second,
		}
		if len(c.certs) > 0 {
			t.DialTLSContext = c.dialTLS
		}
		c.tr.Store(t)
	})
	return c.tr.Load()
}

func (c *client) close() {
	if t := c.tr.Load(); t != nil {
		t.CloseIdleConnections()
	}
	c.fast.closeIdle()
}

// dial resolves addr through hosts and dns, refuses blocked hosts and IPs, and
// counts the connection's bytes.
func (c *client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if len(c.opts.BlockHostnames) > 0 && c.opts.BlockHostnames.Match(host) {
		return nil, &blockedError{code: codeBlockedHostname, msg: "hostname (" + host + ") is in a blocked pattern"}
	}
	if to, ok := options.LookupHosts(c.opts.Hosts, host, port); ok {
		host, port, err = net.SplitHostPort(to)
		if err != nil {
			return nil, err
		}
	}
	ip := net.ParseIP(host)
	if ip == nil {
		ip, err = c.resolver.resolve(ctx, host)
		if err != nil {
			return nil, err
		}
	}
	for _, n := range c.opts.BlacklistIPs {
		if n.Contains(ip) {
			return nil, &blockedError{code: codeBlacklistedIP, msg: "IP (" + ip.String() + ") is in a blacklisted range (" + n.String() + ")"}
		}
	}
	conn, err := c.dialer.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, c: c}, nil
}

// countingConn counts the bytes a connection reads and writes.
type countingConn struct {
	net.Conn
	c *client
}

func (cc *countingConn) Read(p []byte) (int, error) {
	n, err := cc.Conn.Read(p)
	cc.c.received.Add(int64(n))
	return n, err
}

func (cc *countingConn) Write(p []byte) (int, error) {
	n, err := cc.Conn.Write(p)
	cc.c.sent.Add(int64(n))
	return n, err
}

// resolver applies the dns option: caching for ttl, picking one address by
// select among those the policy allows.
type resolver struct {
	ttl     time.Duration
	forever bool
	sel     string
	policy  string

	lookup func(ctx context.Context, host string) ([]net.IP, error)

	mu    sync.Mutex
	cache map[string]*dnsEntry
}

type dnsEntry struct {
	ips     []net.IP
	expires time.Time
	next    int
}

func newResolver(c options.DNSConfig) *resolver {
	ttl, forever := c.GetTTL()
	return &resolver{ttl: ttl, forever: forever, sel: c.GetSelect(), policy: c.GetPolicy(), cache: map[string]*dnsEntry{}, lookup: systemLookup}
}

// systemLookup is the system's resolution (tests put names of their own in
// front of it).
var systemLookup = func(ctx context.Context, host string) ([]net.IP, error) {
	return net.DefaultResolver.LookupIP(ctx, "ip", host)
}

func (r *resolver) resolve(ctx context.Context, host string) (net.IP, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e := r.cache[host]
	if e == nil || (!r.forever && !time.Now().Before(e.expires)) {
		ips, err := r.lookup(ctx, host)
		if err != nil {
			return nil, err
		}
		ips = applyPolicy(ips, r.policy)
		if len(ips) == 0 {
			return nil, &net.DNSError{Err: "no IP for the host matches the DNS policy " + r.policy, Name: host, IsNotFound: true}
		}
		e = &dnsEntry{ips: ips, expires: time.Now().Add(r.ttl)}
		if r.ttl > 0 || r.forever {
			r.cache[host] = e
		}
	}
	switch r.sel {
	case "first":
		return e.ips[0], nil
	case "roundRobin":
		ip := e.ips[e.next%len(e.ips)]
		e.next++
		return ip, nil
	default:
		return e.ips[rand.IntN(len(e.ips))], nil
	}
}

func applyPolicy(ips []net.IP, policy string) []net.IP {
	var v4, v6 []net.IP
	for _, ip := range ips {
		if ip.To4() != nil {
			v4 = append(v4, ip)
		} else {
			v6 = append(v6, ip)
		}
	}
	switch policy {
	case "onlyIPv4":
		return v4
	case "onlyIPv6":
		return v6
	case "preferIPv6":
		if len(v6) > 0 {
			return v6
		}
		return v4
	case "any":
		return ips
	default: // preferIPv4
		if len(v4) > 0 {
			return v4
		}
		return v6
	}
}

// localIP is the index-th address (modulo their number) of the localIPs
// form: IPs, ranges "a-b" and CIDRs, whose network and broadcast addresses
// are left out for IPv4 blocks of more than 2, as in k6.
func localIP(s string, index uint64) (net.IP, error) {
	type block struct {
		first *big.Int
		size  *big.Int
		v4    bool
	}
	num := func(ip net.IP) (*big.Int, bool) {
		if v4 := ip.To4(); v4 != nil {
			return new(big.Int).SetBytes(v4), true
		}
		return new(big.Int).SetBytes(ip.To16()), false
	}
	var blocks []block
	total := new(big.Int)
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		var b block
		switch lo, hi, isRange := strings.Cut(item, "-"); {
		case strings.Contains(item, "/"):
			ip, n, err := net.ParseCIDR(item)
			if err != nil {
				return nil, err
			}
			ones, bits := n.Mask.Size()
			b.first, b.v4 = num(ip.Mask(n.Mask))
			b.size = new(big.Int).Lsh(big.NewInt(1), uint(bits-ones))
			if b.v4 && b.size.Cmp(big.NewInt(2)) > 0 {
				b.first.Add(b.first, big.NewInt(1))
				b.size.Sub(b.size, big.NewInt(2))
			}
		case isRange:
			a, z := net.ParseIP(strings.TrimSpace(lo)), net.ParseIP(strings.TrimSpace(hi))
			if a == nil || z == nil {
				return nil, errors.New("invalid local IP range " + strconv.Quote(item))
			}
			var v4z bool
			var last *big.Int
			b.first, b.v4 = num(a)
			if last, v4z = num(z); v4z != b.v4 || last.Cmp(b.first) < 0 {
				return nil, errors.New("invalid local IP range " + strconv.Quote(item))
			}
			b.size = last.Sub(last, b.first).Add(last, big.NewInt(1))
		default:
			ip := net.ParseIP(item)
			if ip == nil {
				return nil, errors.New("invalid local IP " + strconv.Quote(item))
			}
			b.first, b.v4 = num(ip)
			b.size = big.NewInt(1)
		}
		blocks = append(blocks, b)
		total.Add(total, b.size)
	}
	i := new(big.Int).Mod(new(big.Int).SetUint64(index), total)
	for _, b := range blocks {
		if i.Cmp(b.size) >= 0 {
			i.Sub(i, b.size)
			continue
		}
		n := i.Add(i, b.first)
		if b.v4 {
			return net.IP(n.FillBytes(make([]byte, 4))).To16(), nil
		}
		return net.IP(n.FillBytes(make([]byte, 16))), nil
	}
	return nil, errors.New("no local IP in " + strconv.Quote(s))
}

// tlsConfig applies insecureSkipTLSVerify, tlsVersion, tlsCipherSuites and
// tlsAuth (a client certificate for the listed domains).
func tlsConfig(opts *options.Options) *tls.Config {
	conf := &tls.Config{
		InsecureSkipVerify: opts.InsecureSkipTLSVerify.Bool, //nolint:gosec // the user's option
		MinVersion:         tls.VersionTLS12,
	}
	if v := opts.TLSVersion; v != nil {
		if mv := v.MinVersion(); mv != 0 {
			conf.MinVersion = mv
		} else {
			conf.MinVersion = tls.VersionTLS10
		}
		conf.MaxVersion = v.MaxVersion()
	}
	if len(opts.TLSCipherSuites) > 0 {
		conf.CipherSuites = opts.TLSCipherSuites.IDs()
	}
	return conf
}

// clientCert is one tlsAuth certificate and the domains it is for.
type clientCert struct {
	domains []string
	cert    tls.Certificate
}

func clientCerts(opts *options.Options) ([]clientCert, error) {
	certs := make([]clientCert, 0, len(opts.TLSAuth))
	for i, a := range opts.TLSAuth {
		cert, err := a.Certificate()
		if err != nil {
			return nil, errors.New("tlsAuth[" + strconv.Itoa(i) + "]: " + err.Error())
		}
		certs = append(certs, clientCert{domains: a.Domains, cert: cert})
	}
	return certs, nil
}

// dialTLS is the TLS dial when tlsAuth is set: the certificate depends on the
// host, which the transport's shared config can't tell.
func (c *client) dialTLS(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	raw, err := c.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	conf := c.transport().TLSClientConfig.Clone()
	conf.ServerName = host
	if len(conf.NextProtos) == 0 {
		conf.NextProtos = []string{"h2", "http/1.1"}
	}
	for i := range c.certs {
		if len(c.certs[i].domains) == 0 || matchDomain(c.certs[i].domains, host) {
			conf.Certificates = []tls.Certificate{c.certs[i].cert}
			break
		}
	}
	tc := tls.Client(raw, conf)
	trace := httptrace.ContextClientTrace(ctx)
	if trace != nil && trace.TLSHandshakeStart != nil {
		trace.TLSHandshakeStart()
	}
	err = tc.HandshakeContext(ctx)
	if trace != nil && trace.TLSHandshakeDone != nil {
		trace.TLSHandshakeDone(tc.ConnectionState(), err)
	}
	if err != nil {
		_ = raw.Close()
		return nil, err
	}
	return tc, nil
}

func matchDomain(domains []string, host string) bool {
	for _, d := range domains {
		if strings.EqualFold(d, host) || (strings.HasPrefix(d, "*.") && strings.HasSuffix(strings.ToLower(host), strings.ToLower(d[1:]))) {
			return true
		}
	}
	return false
}
