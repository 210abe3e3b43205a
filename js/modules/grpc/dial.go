package grpc

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"sync/atomic"

	"google.golang.org/grpc/credentials"
	"gopkg.in/guregu/null.v3"

	"github.com/minik6/minik6/options"
)

// dialer opens a client's connections as the run's options say: hosts,
// blockHostnames and blacklistIPs apply, and the bytes of every connection
// count toward the VU's data_sent and data_received.
type dialer struct {
	opts           *options.Options
	sent, received *atomic.Int64
	net            net.Dialer
}

// dial connects to addr ("host:port") for gRPC, from gRPC's goroutines.
func (d *dialer) dial(ctx context.Context, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if pattern, blocked := d.opts.BlockHostnames.Matching(host); blocked {
		return nil, dialError("hostname (" + host + ") is in a blocked pattern (" + pattern + ")")
	}
	if to, ok := options.LookupHosts(d.opts.Hosts, host, port); ok {
		if host, port, err = net.SplitHostPort(to); err != nil {
			return nil, err
		}
	}
	ip := net.ParseIP(host)
	if ip == nil {
		ips, err := net.DefaultResolver.LookupIP(ctx, "ip", host)
		if err != nil {
			return nil, err
		}
		ip = preferIPv4(ips)
	}
	for _, n := range d.opts.BlacklistIPs {
		if n.Contains(ip) {
			return nil, dialError("IP (" + ip.String() + ") is in a blacklisted range (" + n.String() + ")")
		}
	}
	conn, err := d.net.DialContext(ctx, "tcp", net.JoinHostPort(ip.String(), port))
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, sent: d.sent, received: d.received}, nil
}

// dialError is the dialer's refusal of a blocked host or IP: final, so that
// connect fails at once instead of retrying until its timeout.
type dialError string

func (e dialError) Error() string   { return string(e) }
func (e dialError) Temporary() bool { return false }

// finalTLS makes TLS handshake failures final, like refused connections:
// gRPC would otherwise retry them until connect's timeout.
type finalTLS struct {
	credentials.TransportCredentials
}

// ClientHandshake is the TLS handshake, whose error is final.
func (f finalTLS) ClientHandshake(ctx context.Context, authority string, raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	conn, info, err := f.TransportCredentials.ClientHandshake(ctx, authority, raw)
	if err != nil {
		return nil, nil, handshakeError{err}
	}
	return conn, info, nil
}

// Clone keeps the wrapper.
func (f finalTLS) Clone() credentials.TransportCredentials {
	return finalTLS{f.TransportCredentials.Clone()}
}

type handshakeError struct{ error }

func (e handshakeError) Unwrap() error   { return e.error }
func (e handshakeError) Temporary() bool { return false }

// preferIPv4 picks the first IPv4 address, else the first one (k6's default
// DNS policy).
func preferIPv4(ips []net.IP) net.IP {
	for _, ip := range ips {
		if ip.To4() != nil {
			return ip
		}
	}
	return ips[0]
}

// countingConn counts the bytes a connection reads and writes.
type countingConn struct {
	net.Conn
	sent, received *atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.received.Add(int64(n))
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.sent.Add(int64(n))
	return n, err
}

// tlsConfig is the TLS of a connection to host: the run's
// insecureSkipTLSVerify, tlsVersion, tlsCipherSuites and tlsAuth (for the
// host's domain), then connect()'s tls param.
func tlsConfig(opts *options.Options, host string, p *tlsParams) (*tls.Config, error) {
	conf, err := opts.TLSConfig(host, "h2")
	if err != nil {
		return nil, err
	}
	if p == nil {
		return conf, nil
	}
	if len(p.cacerts) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		for i, ca := range p.cacerts {
			if !pool.AppendCertsFromPEM([]byte(ca)) {
				return nil, fmt.Errorf("failed to append ca certificate [%d] from PEM", i)
			}
		}
		conf.RootCAs = pool
	}
	if p.cert != "" && p.key != "" {
		auth := options.TLSAuth{Cert: p.cert, Key: p.key}
		if p.password != "" {
			auth.Password = null.StringFrom(p.password)
		}
		cert, err := auth.Certificate()
		if err != nil {
			return nil, fmt.Errorf("failed to append certificate from PEM: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	return conf, nil
}
