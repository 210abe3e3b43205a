// Package wsnet is what k6/ws and k6/websockets share: the handshake's params
// (headers, tags, jar, compression), its dial on the run's network options
// (hosts, blockHostnames, blacklistIPs, TLS, userAgent) with the connection's
// bytes counted for data_sent and data_received, the VU's cookie jar, k6's
// ws_* metrics and the tags of a socket's samples.
package wsnet

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
	k6http "github.com/minik6/minik6/js/modules/http"
	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/runner"
)

// defaultUserAgent is k6/http's, sent when the userAgent option is not set.
const defaultUserAgent = "minik6 (https://github.com/minik6/minik6)"

// handshakeTimeout is k6's limit on the opening handshake.
const handshakeTimeout = 60 * time.Second

// Metrics are k6's WebSocket metrics.
type Metrics struct {
	Connecting, SessionDuration, Sessions, MsgsSent, MsgsReceived, Ping *metrics.Metric
}

// NewMetrics registers (or finds) the ws_* metrics in reg.
func NewMetrics(reg *metrics.Registry) *Metrics {
	return &Metrics{
		Connecting:      reg.MustNewMetric("ws_connecting", metrics.Trend, metrics.Time),
		SessionDuration: reg.MustNewMetric("ws_session_duration", metrics.Trend, metrics.Time),
		Sessions:        reg.MustNewMetric("ws_sessions", metrics.Counter),
		MsgsSent:        reg.MustNewMetric("ws_msgs_sent", metrics.Counter),
		MsgsReceived:    reg.MustNewMetric("ws_msgs_received", metrics.Counter),
		Ping:            reg.MustNewMetric("ws_ping", metrics.Trend, metrics.Time),
	}
}

// Flavor says whose params are read, for k6's error messages and rules.
type Flavor int

// The two modules.
const (
	Classic Flavor = iota // k6/ws: ws.connect(url, params, fn)
	Browser               // k6/websockets: new WebSocket(url, protocols, params)
)

// Params are the params of a handshake.
type Params struct {
	Header      http.Header
	Tags        map[string]string // the params' own tags
	Jar         http.CookieJar    // nil: the VU's
	Compression bool              // permessage-deflate
}

// ParseParams reads params (undefined and null are none). Every key k6 knows
// is honoured; any other is refused, with k6's message where k6 refuses it
// too.
func ParseParams(rt *sobek.Runtime, v sobek.Value, f Flavor) (*Params, error) {
	p := &Params{Header: http.Header{}}
	if nullish(v) {
		return p, nil
	}
	obj := v.ToObject(rt)
	for _, k := range obj.Keys() {
		val := obj.Get(k)
		switch k {
		case "headers":
			if nullish(val) {
				continue
			}
			h := val.ToObject(rt)
			for _, name := range h.Keys() {
				p.Header.Set(name, h.Get(name).String())
			}
		case "tags":
			tags, err := modules.CustomTags(rt, val)
			if err != nil {
				if f == Classic {
					return nil, fmt.Errorf("invalid ws.connect() metric tags: %w", err)
				}
				return nil, fmt.Errorf("invalid WebSocket tags option: %w", err)
			}
			p.Tags = tags
		case "jar":
			if nullish(val) {
				continue
			}
			jar, ok := k6http.CookieJarOf(val)
			if !ok {
				return nil, errors.New("invalid jar param: it needs to be an http.CookieJar (http.cookieJar() or new http.CookieJar())")
			}
			p.Jar = jar
		case "compression":
			algo := ""
			if !nullish(val) {
				algo = strings.TrimSpace(val.String())
			}
			if algo == "" && f == Classic {
				continue
			}
			if algo != "deflate" {
				return nil, fmt.Errorf("unsupported compression algorithm '%s', supported algorithm is 'deflate'", algo)
			}
			p.Compression = true
		default:
			if f == Classic {
				return nil, fmt.Errorf("unknown ws.connect() param %q: minik6 knows headers, tags, jar and compression", k)
			}
			return nil, fmt.Errorf("unknown WebSocket's option %s", k)
		}
	}
	return p, nil
}

func nullish(v sobek.Value) bool {
	return v == nil || sobek.IsUndefined(v) || sobek.IsNull(v)
}

// Jars gives a module the VU's cookie jar: k6/http's when the VU imports
// k6/http, else one of the module's own, emptied as k6 empties the VU's jar
// when an iteration begins (unless noCookiesReset). Used on the VU's
// goroutine.
type Jars struct {
	own  *cookiejar.Jar
	iter int64
}

// VU returns the VU's jar for the current iteration.
func (j *Jars) VU(vu modules.VU) http.CookieJar {
	if jar := k6http.VUCookieJar(vu); jar != nil {
		return jar
	}
	st := vu.State()
	if j.own == nil || (j.iter != st.IterationInInstance && !st.Options.NoCookiesReset.Bool) {
		j.own, _ = cookiejar.New(nil)
	}
	j.iter = st.IterationInInstance
	return j.own
}

// Dialer opens a module's connections and counts their bytes.
type Dialer struct {
	// sent and received count the bytes on the wire, written from any
	// goroutine and moved into the VU's data_sent and data_received by Count.
	sent, received atomic.Int64
	net            net.Dialer
}

// Count moves the bytes the connections moved since the last call into the
// VU's data_sent and data_received; call it on the VU's goroutine.
func (d *Dialer) Count(st *runner.VUState) {
	st.DataSent += d.sent.Swap(0)
	st.DataReceived += d.received.Swap(0)
}

// Dial makes the handshake with rawURL (ws:// or wss://): p's headers (and
// the userAgent option's User-Agent), the jar's cookies, permessage-deflate
// when asked, the subprotocols offered. A handshake the server refuses
// returns its response with the error.
func (d *Dialer) Dial(ctx context.Context, st *runner.VUState, rawURL string, p *Params, jar http.CookieJar, subprotocols []string) (*websocket.Conn, *http.Response, error) {
	opts := st.Options
	header := p.Header.Clone()
	if header.Get("User-Agent") == "" {
		ua := defaultUserAgent
		if opts.UserAgent.Valid {
			ua = opts.UserAgent.String
		}
		if ua != "" {
			header.Set("User-Agent", ua)
		}
	}
	wd := websocket.Dialer{
		NetDialContext:    func(ctx context.Context, _, addr string) (net.Conn, error) { return d.dial(ctx, opts, addr) },
		Proxy:             http.ProxyFromEnvironment,
		HandshakeTimeout:  handshakeTimeout,
		EnableCompression: p.Compression,
		Subprotocols:      subprotocols,
		Jar:               jar,
	}
	if u, err := url.Parse(rawURL); err == nil && u.Scheme == "wss" {
		conf, err := opts.TLSConfig(u.Hostname(), "http/1.1")
		if err != nil {
			return nil, nil, err
		}
		wd.TLSClientConfig = conf
	}
	return wd.DialContext(ctx, rawURL, header)
}

// dial connects to addr ("host:port") as the options say.
func (d *Dialer) dial(ctx context.Context, opts *options.Options, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if p, blocked := opts.BlockHostnames.Matching(host); blocked {
		return nil, errors.New("hostname (" + host + ") is in a blocked pattern (" + p + ")")
	}
	if to, ok := options.LookupHosts(opts.Hosts, host, port); ok {
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
	for _, n := range opts.BlacklistIPs {
		if n.Contains(ip) {
			return nil, errors.New("IP (" + ip.String() + ") is in a blacklisted range (" + n.String() + ")")
		}
	}
	conn, err := d.net.DialContext(ctx, "tcp", net.JoinHostPort(ip.String(), port))
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: conn, d: d}, nil
}

// countingConn counts the bytes a connection reads and writes.
type countingConn struct {
	net.Conn
	d *Dialer
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.d.received.Add(int64(n))
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.d.sent.Add(int64(n))
	return n, err
}

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

// Emitter emits a socket's samples with its tags and the VU's metadata, both
// fixed when the handshake ends.
type Emitter struct {
	st   *runner.VUState
	tags *metrics.TagSet
	md   map[string]string
}

// NewEmitter returns the emitter of a socket's samples, tagged as k6 tags
// them: the VU's tags, the params' tags, then the system tags the
// systemTags option enables: url, status and subproto (when there was a
// response), ip (when connected) and, for k6/websockets, name; there a name
// in the params' tags is also the url tag's value.
func NewEmitter(st *runner.VUState, f Flavor, user map[string]string, rawURL string, resp *http.Response, conn *websocket.Conn) *Emitter {
	sys := st.SystemTags
	tags := st.Tags.TagSet()
	for k, v := range user {
		tags = tags.With(k, v)
	}
	if conn != nil && sys.Has("ip") {
		if ip, _, err := net.SplitHostPort(conn.RemoteAddr().String()); err == nil {
			tags = tags.With("ip", ip)
		}
	}
	if resp != nil {
		if sys.Has("status") {
			tags = tags.With("status", strconv.Itoa(resp.StatusCode))
		}
		if sys.Has("subproto") {
			proto := resp.Header.Get("Sec-WebSocket-Protocol")
			if f == Browser {
				proto = ""
				if conn != nil {
					proto = conn.Subprotocol()
				}
			}
			tags = tags.With("subproto", proto)
		}
	}
	urlTag := rawURL
	if name, named := user["name"]; named && f == Browser {
		urlTag = name
	} else if f == Browser && sys.Has("name") {
		tags = tags.With("name", rawURL)
	}
	if sys.Has("url") {
		tags = tags.With("url", urlTag)
	}
	e := &Emitter{st: st, tags: tags}
	if st.Metadata != nil {
		if keys := st.Metadata.Keys(); len(keys) > 0 {
			e.md = make(map[string]string, len(keys))
			for _, k := range keys {
				e.md[k], _ = st.Metadata.Get(k)
			}
		}
	}
	return e
}

// Emit adds one sample of m.
func (e *Emitter) Emit(m *metrics.Metric, t time.Time, v float64) {
	e.st.Samples.Add(metrics.Sample{Metric: m, Tags: e.tags, Metadata: e.md, Time: t, Value: v})
}

// Ms is d in milliseconds, as the time metrics take it.
func Ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
