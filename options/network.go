package options

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"gopkg.in/guregu/null.v3"
)

// DNS defaults, as k6 documents them ("ttl=5m,select=random,policy=preferIPv4").
const (
	DefaultDNSTTL    = 5 * time.Minute
	DefaultDNSSelect = "random"
	DefaultDNSPolicy = "preferIPv4"
)

var (
	dnsSelects  = []string{"first", "roundRobin", "random"}
	dnsPolicies = []string{"preferIPv4", "preferIPv6", "onlyIPv4", "onlyIPv6", "any"}
)

// DNSConfig is the `dns` option. Each field may be unset independently; the
// JSON form is always an object {"policy", "select", "ttl"}.
type DNSConfig struct {
	// TTL is how long resolved addresses are cached: "0" (no cache), "inf"
	// (for the whole run), or a duration ("5m", "3000" meaning milliseconds).
	TTL null.String `json:"ttl"`
	// Select picks one address of several: first, random or roundRobin.
	Select null.String `json:"select"`
	// Policy picks the IP version: preferIPv4, preferIPv6, onlyIPv4,
	// onlyIPv6 or any.
	Policy null.String `json:"policy"`
}

// MarshalJSON writes {"policy", "select", "ttl"}, unset fields as null.
func (c DNSConfig) MarshalJSON() ([]byte, error) {
	type plain DNSConfig
	return marshalJSON(plain(c))
}

// UnmarshalJSON reads {"ttl", "select", "policy"}, checking each value.
func (c *DNSConfig) UnmarshalJSON(data []byte) error {
	var v DNSConfig
	err := decodeObject(data, false, []field{
		{"ttl", dnsField(&v.TTL, checkDNSTTL)},
		{"select", dnsField(&v.Select, checkDNSSelect)},
		{"policy", dnsField(&v.Policy, checkDNSPolicy)},
	})
	if err == nil {
		*c = v
	}
	return err
}

func dnsField(dst *null.String, check func(string) error) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		var s null.String
		if kindOf(raw) == kindNumber { // "ttl": 3000 is as good as "3000"
			s = null.StringFrom(string(raw))
		} else if err := stringField(&s)(raw); err != nil {
			return err
		}
		if s.Valid {
			if err := check(s.String); err != nil {
				return err
			}
		}
		*dst = s
		return nil
	}
}

func checkDNSTTL(s string) error {
	if s == "inf" {
		return nil
	}
	d, err := ParseDuration(s)
	if err != nil {
		return fmt.Errorf("invalid DNS ttl %q: use 0, inf or a duration like 5m", s)
	}
	if d < 0 {
		return fmt.Errorf("invalid DNS ttl %q: it can't be negative", s)
	}
	return nil
}

func checkDNSSelect(s string) error {
	if !slices.Contains(dnsSelects, s) {
		return fmt.Errorf("unknown DNS select %q (use %s)", s, strings.Join(dnsSelects, ", "))
	}
	return nil
}

func checkDNSPolicy(s string) error {
	if !slices.Contains(dnsPolicies, s) {
		return fmt.Errorf("unknown DNS policy %q (use %s)", s, strings.Join(dnsPolicies, ", "))
	}
	return nil
}

// ParseDNS reads the K6_DNS / --dns form "ttl=5m,select=random,policy=any";
// any subset of the keys may be given.
func ParseDNS(s string) (DNSConfig, error) {
	var c DNSConfig
	for _, item := range strings.Split(s, ",") {
		key, value, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			return DNSConfig{}, fmt.Errorf("no value for key %s", item)
		}
		var check func(string) error
		var dst *null.String
		switch key {
		case "ttl":
			dst, check = &c.TTL, checkDNSTTL
		case "select":
			dst, check = &c.Select, checkDNSSelect
		case "policy":
			dst, check = &c.Policy, checkDNSPolicy
		default:
			return DNSConfig{}, fmt.Errorf("unknown DNS configuration field: %s", key)
		}
		if err := check(value); err != nil {
			return DNSConfig{}, err
		}
		*dst = null.StringFrom(value)
	}
	return c, nil
}

// GetTTL returns the cache time and whether addresses are cached for the
// whole run ("inf"). Unset means 5m.
func (c DNSConfig) GetTTL() (ttl time.Duration, forever bool) {
	if !c.TTL.Valid {
		return DefaultDNSTTL, false
	}
	if c.TTL.String == "inf" {
		return 0, true
	}
	d, err := ParseDuration(c.TTL.String)
	if err != nil || d < 0 {
		return DefaultDNSTTL, false
	}
	return d, false
}

// GetSelect returns the address selection strategy; unset means "random".
func (c DNSConfig) GetSelect() string {
	if !c.Select.Valid {
		return DefaultDNSSelect
	}
	return c.Select.String
}

// GetPolicy returns the IP version policy; unset means "preferIPv4".
func (c DNSConfig) GetPolicy() string {
	if !c.Policy.Valid {
		return DefaultDNSPolicy
	}
	return c.Policy.String
}

// apply sets the fields that other has set.
func (c DNSConfig) apply(other DNSConfig) DNSConfig {
	if other.TTL.Valid {
		c.TTL = other.TTL
	}
	if other.Select.Valid {
		c.Select = other.Select
	}
	if other.Policy.Valid {
		c.Policy = other.Policy
	}
	return c
}

// tlsVersionNames maps k6's TLS version names to crypto/tls versions.
var tlsVersionNames = map[string]uint16{
	"ssl3.0": 0x0300,
	"tls1.0": tls.VersionTLS10,
	"tls1.1": tls.VersionTLS11,
	"tls1.2": tls.VersionTLS12,
	"tls1.3": tls.VersionTLS13,
}

// TLSVersions is the `tlsVersion` option: the lowest and highest TLS version
// allowed, by name ("ssl3.0", "tls1.0" … "tls1.3"); "" leaves that end open.
// JSON accepts a single name (both ends) or {"min", "max"}, and writes the
// object form.
type TLSVersions struct {
	Min string `json:"min"`
	Max string `json:"max"`
}

// MarshalJSON writes {"min", "max"}.
func (v TLSVersions) MarshalJSON() ([]byte, error) {
	type plain TLSVersions
	return marshalJSON(plain(v))
}

// UnmarshalJSON reads a version name or {"min", "max"}.
func (v *TLSVersions) UnmarshalJSON(data []byte) error {
	var out TLSVersions
	switch kindOf(data) {
	case kindString:
		var s null.String
		if err := stringField(&s)(data); err != nil {
			return err
		}
		out = TLSVersions{Min: s.String, Max: s.String}
	case kindObject:
		var lo, hi null.String
		if err := decodeObject(data, false, []field{
			{"min", stringField(&lo)},
			{"max", stringField(&hi)},
		}); err != nil {
			return err
		}
		out = TLSVersions{Min: lo.String, Max: hi.String}
	default:
		return typeMismatch(`a TLS version name like "tls1.2" or an object {min, max}`, data)
	}
	for _, name := range []string{out.Min, out.Max} {
		if _, ok := tlsVersionNames[name]; name != "" && !ok {
			return fmt.Errorf("unknown TLS version %q (use ssl3.0, tls1.0, tls1.1, tls1.2 or tls1.3)", name)
		}
	}
	*v = out
	return nil
}

// MinVersion returns the crypto/tls value of Min, 0 when open.
func (v TLSVersions) MinVersion() uint16 { return tlsVersionNames[v.Min] }

// MaxVersion returns the crypto/tls value of Max, 0 when open.
func (v TLSVersions) MaxVersion() uint16 { return tlsVersionNames[v.Max] }

// TLSCipherSuites is the `tlsCipherSuites` option: cipher suite names as Go
// spells them ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256").
type TLSCipherSuites []string

// UnmarshalJSON reads a list of known cipher suite names.
func (s *TLSCipherSuites) UnmarshalJSON(data []byte) error {
	names, err := decodeStringList(data)
	if err != nil {
		return err
	}
	for _, n := range names {
		if _, ok := cipherSuiteID(n); !ok {
			return fmt.Errorf("unknown cipher suite %q", n)
		}
	}
	*s = names
	return nil
}

// IDs returns the crypto/tls identifiers of the suites.
func (s TLSCipherSuites) IDs() []uint16 {
	out := make([]uint16, 0, len(s))
	for _, n := range s {
		if id, ok := cipherSuiteID(n); ok {
			out = append(out, id)
		}
	}
	return out
}

func cipherSuiteID(name string) (uint16, bool) {
	for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
		for _, cs := range list {
			if cs.Name == name {
				return cs.ID, true
			}
		}
	}
	return 0, false
}

// TLSAuth is one client certificate of the `tlsAuth` option, presented to the
// listed domains (all domains when Domains is empty).
type TLSAuth struct {
	Domains  []string    `json:"domains"`
	Cert     string      `json:"cert"`
	Key      string      `json:"key"`
	Password null.String `json:"password"`
}

// UnmarshalJSON reads {domains, cert, key, password}.
func (a *TLSAuth) UnmarshalJSON(data []byte) error {
	var v TLSAuth
	var cert, key null.String
	err := decodeObject(data, false, []field{
		{"domains", stringListField(&v.Domains)},
		{"cert", stringField(&cert)},
		{"key", stringField(&key)},
		{"password", stringField(&v.Password)},
	})
	if err != nil {
		return err
	}
	v.Cert, v.Key = cert.String, key.String
	*a = v
	return nil
}

// MarshalJSON writes {domains, cert, key, password}.
func (a TLSAuth) MarshalJSON() ([]byte, error) {
	type plain TLSAuth
	return marshalJSON(plain(a))
}

// Certificate parses the PEM certificate and key, decrypting a legacy
// encrypted PEM key with Password when one is set.
func (a TLSAuth) Certificate() (tls.Certificate, error) {
	if a.Cert == "" || a.Key == "" {
		return tls.Certificate{}, errors.New("cert and key are both required")
	}
	key := []byte(a.Key)
	if a.Password.Valid {
		block, _ := pem.Decode(key)
		if block == nil {
			return tls.Certificate{}, errors.New("failed to decode PEM key")
		}
		if block.Type == "ENCRYPTED PRIVATE KEY" {
			return tls.Certificate{}, errors.New("encrypted pkcs8 formatted key is not supported")
		}
		//lint:ignore SA1019 legacy PEM encryption is what k6 scripts use (tlsAuth password)
		plain, err := x509.DecryptPEMBlock(block, []byte(a.Password.String))
		if err != nil {
			return tls.Certificate{}, err
		}
		key = pem.EncodeToMemory(&pem.Block{Type: block.Type, Bytes: plain})
	}
	return tls.X509KeyPair([]byte(a.Cert), key)
}

// IPNet is a CIDR range of the `blacklistIPs` option, written "10.0.0.0/8".
type IPNet struct {
	net.IPNet
}

// ParseIPNet reads a CIDR range.
func ParseIPNet(s string) (IPNet, error) {
	_, n, err := net.ParseCIDR(s)
	if err != nil {
		return IPNet{}, fmt.Errorf("failed to parse CIDR %q: %w", s, err)
	}
	return IPNet{*n}, nil
}

// MarshalText writes the CIDR form.
func (n IPNet) MarshalText() ([]byte, error) { return []byte(n.String()), nil }

// UnmarshalText reads the CIDR form.
func (n *IPNet) UnmarshalText(text []byte) error {
	v, err := ParseIPNet(string(text))
	if err == nil {
		*n = v
	}
	return err
}

func decodeIPNets(raw []byte) ([]IPNet, error) {
	list, err := decodeStringList(raw)
	if err != nil || list == nil {
		return nil, err
	}
	out := make([]IPNet, len(list))
	for i, s := range list {
		if out[i], err = ParseIPNet(s); err != nil {
			return nil, wrapPath(fmt.Sprintf("[%d]", i), err)
		}
	}
	return out, nil
}

// HostnamePatterns is the `blockHostnames` option: host names, each of which
// may start with "*" to match any prefix ("*.example.com").
type HostnamePatterns []string

// ParseHostnamePatterns checks and returns a list of patterns.
func ParseHostnamePatterns(list []string) (HostnamePatterns, error) {
	for i, p := range list {
		if err := checkHostnamePattern(p); err != nil {
			return nil, wrapPath(fmt.Sprintf("[%d]", i), err)
		}
	}
	return HostnamePatterns(list), nil
}

func checkHostnamePattern(p string) error {
	body := strings.TrimPrefix(p, "*")
	if body == "" && p != "*" {
		return errors.New("empty hostname pattern")
	}
	for _, r := range body {
		switch {
		case r == '*':
			return fmt.Errorf("invalid hostname pattern %q: '*' is allowed only at the start", p)
		case r == '.' || r == '-' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r > 127:
		default:
			return fmt.Errorf("invalid hostname pattern %q: unexpected character %q", p, r)
		}
	}
	return nil
}

// Match reports whether host matches one of the patterns, ignoring case.
func (hp HostnamePatterns) Match(host string) bool {
	_, ok := hp.Matching(host)
	return ok
}

// Matching returns the first pattern host matches, ignoring case (k6's
// blocked-host message names it).
func (hp HostnamePatterns) Matching(host string) (string, bool) {
	host = strings.ToLower(host)
	for _, p := range hp {
		lp := strings.ToLower(p)
		if suffix, wild := strings.CutPrefix(lp, "*"); wild {
			if strings.HasSuffix(host, suffix) {
				return p, true
			}
		} else if host == lp {
			return p, true
		}
	}
	return "", false
}

// TLSConfig is the TLS of a connection to host as the run's options say:
// insecureSkipTLSVerify, tlsVersion (TLS 1.2 at the least by default, 1.0
// when a range is given without a minimum), tlsCipherSuites, and the first
// tlsAuth certificate whose domains match host; nextProtos are offered by
// ALPN.
func (o *Options) TLSConfig(host string, nextProtos ...string) (*tls.Config, error) {
	conf := &tls.Config{
		InsecureSkipVerify: o.InsecureSkipTLSVerify.Bool, //nolint:gosec // the user's option
		MinVersion:         tls.VersionTLS12,
		NextProtos:         nextProtos,
	}
	if v := o.TLSVersion; v != nil {
		if mv := v.MinVersion(); mv != 0 {
			conf.MinVersion = mv
		} else {
			conf.MinVersion = tls.VersionTLS10
		}
		conf.MaxVersion = v.MaxVersion()
	}
	if len(o.TLSCipherSuites) > 0 {
		conf.CipherSuites = o.TLSCipherSuites.IDs()
	}
	for i, a := range o.TLSAuth {
		if len(a.Domains) > 0 && !matchDomain(a.Domains, host) {
			continue
		}
		cert, err := a.Certificate()
		if err != nil {
			return nil, fmt.Errorf("tlsAuth[%d]: %w", i, err)
		}
		conf.Certificates = []tls.Certificate{cert}
		break
	}
	return conf, nil
}

// matchDomain reports whether host is one of a tlsAuth entry's domains,
// "*.suffix" wildcards included, ignoring case.
func matchDomain(domains []string, host string) bool {
	for _, d := range domains {
		if strings.EqualFold(d, host) || (strings.HasPrefix(d, "*.") && strings.HasSuffix(strings.ToLower(host), strings.ToLower(d[1:]))) {
			return true
		}
	}
	return false
}

// LookupHosts applies the hosts option to a dial of host:port: an exact
// "host:port" or "host" entry, else the longest "*.suffix" wildcard. The
// entry's value is "ip", "ip:port" or another name; the result is always
// host:port.
func LookupHosts(hosts map[string]string, host, port string) (string, bool) {
	if len(hosts) == 0 {
		return "", false
	}
	to, ok := hosts[net.JoinHostPort(host, port)]
	if !ok {
		to, ok = hosts[host]
	}
	if !ok {
		best := ""
		for pattern, v := range hosts {
			if suffix, wild := strings.CutPrefix(pattern, "*"); wild && strings.HasSuffix(host, suffix) && len(pattern) > len(best) {
				best, to, ok = pattern, v, true
			}
		}
	}
	if !ok {
		return "", false
	}
	if _, _, err := net.SplitHostPort(to); err != nil {
		to = net.JoinHostPort(strings.Trim(to, "[]"), port)
	}
	return to, true
}

// checkLocalIPs checks the `localIPs` form: comma-separated IPs, ranges
// ("10.0.0.1-10.0.0.9") and CIDRs.
func checkLocalIPs(s string) error {
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		switch lo, hi, isRange := strings.Cut(item, "-"); {
		case strings.Contains(item, "/"):
			if _, _, err := net.ParseCIDR(item); err != nil {
				return fmt.Errorf("invalid local IP range %q: %w", item, err)
			}
		case isRange:
			a, b := net.ParseIP(strings.TrimSpace(lo)), net.ParseIP(strings.TrimSpace(hi))
			if a == nil || b == nil || (a.To4() == nil) != (b.To4() == nil) {
				return fmt.Errorf("invalid local IP range %q", item)
			}
		default:
			if net.ParseIP(item) == nil {
				return fmt.Errorf("invalid local IP %q", item)
			}
		}
	}
	return nil
}
