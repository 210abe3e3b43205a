package grpc

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/grafana/sobek"
	"google.golang.org/grpc/metadata"

	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/options"
)

// Defaults of k6.
const (
	defaultConnectTimeout = time.Minute
	defaultInvokeTimeout  = 2 * time.Minute
)

// connectParams are connect()'s params.
type connectParams struct {
	plaintext      bool
	reflect        bool
	reflectMD      metadata.MD
	timeout        time.Duration
	maxReceiveSize int64
	maxSendSize    int64
	tls            *tlsParams
	authority      string
}

// tlsParams are connect()'s tls param: a client certificate and the CAs to
// trust, PEM.
type tlsParams struct {
	cert, key, password string
	cacerts             []string
}

func nullish(v sobek.Value) bool {
	return v == nil || sobek.IsUndefined(v) || sobek.IsNull(v)
}

// parseConnectParams reads connect()'s params with k6's messages.
func (m *Module) parseConnectParams(v sobek.Value) (*connectParams, error) {
	p := &connectParams{timeout: defaultConnectTimeout}
	if nullish(v) {
		return p, nil
	}
	obj := v.ToObject(m.rt)
	for _, k := range obj.Keys() {
		val := obj.Get(k)
		x := val.Export()
		var err error
		switch k {
		case "plaintext":
			if p.plaintext, err = boolParam(k, x); err != nil {
				return nil, err
			}
		case "reflect":
			if p.reflect, err = boolParam(k, x); err != nil {
				return nil, err
			}
		case "timeout":
			if p.timeout, err = duration(val); err != nil {
				return nil, fmt.Errorf("invalid timeout value: %w", err)
			}
		case "reflectMetadata":
			if p.reflectMD, err = parseMetadata(val); err != nil {
				return nil, fmt.Errorf("invalid reflectMetadata param: %w", err)
			}
		case "maxReceiveSize":
			if p.maxReceiveSize, err = sizeParam(k, x); err != nil {
				return nil, err
			}
		case "maxSendSize":
			if p.maxSendSize, err = sizeParam(k, x); err != nil {
				return nil, err
			}
		case "tls":
			if p.tls, err = parseTLSParam(x); err != nil {
				return nil, err
			}
		case "authority":
			var ok bool
			if p.authority, ok = x.(string); !ok {
				return nil, fmt.Errorf("invalid authority value: '%#v', it needs to be a string", x)
			}
		default:
			return nil, fmt.Errorf("unknown connect param: %q", k)
		}
	}
	return p, nil
}

func boolParam(name string, x any) (bool, error) {
	b, ok := x.(bool)
	if !ok {
		return false, fmt.Errorf("invalid %s value: '%#v', it needs to be boolean", name, x)
	}
	return b, nil
}

func sizeParam(name string, x any) (int64, error) {
	n, ok := x.(int64)
	if !ok {
		return 0, fmt.Errorf("invalid %s value: '%#v', it needs to be an integer", name, x)
	}
	if n < 0 {
		return 0, fmt.Errorf("invalid %s value: '%#v, it needs to be a positive integer", name, x)
	}
	return n, nil
}

func parseTLSParam(x any) (*tlsParams, error) {
	obj, ok := x.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("invalid tls value: '%#v', expected (optional) keys: cert, key, password, and cacerts", x)
	}
	p := &tlsParams{}
	str := func(key, want string) (string, error) {
		v, set := obj[key]
		if !set {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("invalid tls %s value: '%#v', it needs to be %s", key, x, want)
		}
		return s, nil
	}
	var err error
	if p.cert, err = str("cert", "a PEM formatted string"); err != nil {
		return nil, err
	}
	if p.key, err = str("key", "a PEM formatted string"); err != nil {
		return nil, err
	}
	if p.password, err = str("password", "a string"); err != nil {
		return nil, err
	}
	switch cas := obj["cacerts"].(type) {
	case nil:
	case string:
		p.cacerts = []string{cas}
	case []any:
		for _, ca := range cas {
			s, ok := ca.(string)
			if !ok {
				return nil, fmt.Errorf("invalid tls cacerts value: '%#v', it needs to be a string or an array of PEM formatted strings", x)
			}
			p.cacerts = append(p.cacerts, s)
		}
	default:
		return nil, fmt.Errorf("invalid tls cacerts value: '%#v', it needs to be a string or an array of PEM formatted strings", x)
	}
	return p, nil
}

// callParams are the params of invoke, asyncInvoke and Stream.
type callParams struct {
	md        metadata.MD
	tags      []metrics.Tag
	timeout   time.Duration
	discard   bool
	authority string
}

// parseCallParams reads a call's params with k6's messages; a call without
// params costs nothing.
func (m *Module) parseCallParams(v sobek.Value, p *callParams) error {
	if nullish(v) {
		return nil
	}
	obj := v.ToObject(m.rt)
	for _, k := range obj.Keys() {
		val := obj.Get(k)
		var err error
		switch k {
		case "metadata":
			if p.md, err = parseMetadata(val); err != nil {
				return fmt.Errorf("invalid metadata param: %w", err)
			}
		case "tags":
			if p.tags, err = parseTags(val); err != nil {
				return fmt.Errorf("metric tags: %w", err)
			}
		case "timeout":
			if p.timeout, err = duration(val); err != nil {
				return fmt.Errorf("invalid timeout value: %w", err)
			}
		case "discardResponseMessage":
			p.discard = val.ToBoolean()
		case "authority":
			p.authority = val.String()
		default:
			return fmt.Errorf("unknown param: %q", k)
		}
	}
	return nil
}

// parseMetadata reads metadata: string values, and binary ones (an
// ArrayBuffer or typed array) for keys ending in -bin.
func parseMetadata(v sobek.Value) (metadata.MD, error) {
	md := metadata.MD{}
	if nullish(v) {
		return md, nil
	}
	obj, ok := v.(*sobek.Object)
	if !ok {
		return nil, errors.New("must be an object with key-value pairs")
	}
	for _, k := range obj.Keys() {
		x := obj.Get(k).Export()
		if strings.HasSuffix(k, "-bin") {
			switch b := x.(type) {
			case []byte:
				md.Append(k, string(b))
			case sobek.ArrayBuffer:
				md.Append(k, string(b.Bytes()))
			default:
				return nil, fmt.Errorf("%q value must be binary", k)
			}
			continue
		}
		s, ok := x.(string)
		if !ok {
			return nil, fmt.Errorf("%q value must be a string", k)
		}
		md.Append(k, s)
	}
	return md, nil
}

// parseTags reads the tags param: strings, numbers and booleans.
func parseTags(v sobek.Value) ([]metrics.Tag, error) {
	if nullish(v) {
		return nil, nil
	}
	obj, ok := v.(*sobek.Object)
	if !ok {
		return nil, errors.New("must be an object with key-value pairs")
	}
	keys := obj.Keys()
	sort.Strings(keys)
	tags := make([]metrics.Tag, 0, len(keys))
	for _, k := range keys {
		val := obj.Get(k)
		if _, isObj := val.(*sobek.Object); isObj {
			return nil, fmt.Errorf("invalid value for metric tag '%s': only String, Boolean and Number types are accepted as a metric tag value", k)
		}
		tags = append(tags, metrics.Tag{Key: k, Value: val.String()})
	}
	return tags, nil
}

// duration reads a timeout as k6 does: milliseconds as a number, or a
// duration string ("10s", "500ms", "1000" for milliseconds).
func duration(v sobek.Value) (time.Duration, error) {
	switch x := v.Export().(type) {
	case int64:
		return time.Duration(x) * time.Millisecond, nil
	case float64:
		return time.Duration(x * float64(time.Millisecond)), nil
	case string:
		return options.ParseDuration(x)
	}
	return 0, fmt.Errorf("%q is not a duration", v.String())
}
