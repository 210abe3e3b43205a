package http

import (
	"strconv"

	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/runner"
)

// statusStrings are the status codes as tag values, so a tag costs no
// allocation.
var statusStrings = func() [600]string {
	var s [600]string
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

func statusString(code int) string {
	if code >= 0 && code < len(statusStrings) {
		return statusStrings[code]
	}
	return strconv.Itoa(code)
}

// errCodeString is code as a tag value, from a table for k6's range.
func errCodeString(code errCode) string {
	if code >= 1000 && code < 1700 {
		return errCodeStrings[code-1000]
	}
	return strconv.Itoa(int(code))
}

var errCodeStrings = func() [700]string {
	var s [700]string
	for i := range s {
		s[i] = strconv.Itoa(1000 + i)
	}
	return s
}()

// tagKey is everything a request's tag set depends on.
type tagKey struct {
	base                                                                       *metrics.TagSet
	method, url, name, status, proto, errCode, expected, tls, ocsp, errMsg, ip string
}

// tagCache keeps the last request's tag set: a VU that requests the same URL
// with the same outcome reuses it, so emitting costs no tag set at all. A miss
// builds one set for all the request's samples.
type tagCache struct {
	key  tagKey
	user []metrics.Tag
	set  *metrics.TagSet
}

func sameTags(a, b []metrics.Tag) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// tagSet returns the tag set of one hop of r.
func (m *Module) tagSet(st *runner.VUState, r *request, h *hop) *metrics.TagSet {
	sys := st.SystemTags
	k := tagKey{base: st.Tags.TagSet()}
	if sys.Has("method") {
		k.method = h.method
	}
	if sys.Has("url") {
		k.url = h.url
	}
	if sys.Has("name") {
		k.name = r.name
		if h.url != r.maskedURL() && r.name == r.maskedURL() {
			k.name = h.url // a redirect hop is named by its own URL
		}
	}
	if sys.Has("status") {
		k.status = statusString(h.status)
	}
	if h.err == nil && sys.Has("proto") {
		k.proto = h.proto
	}
	code := statusCode(h.status)
	if h.err != nil {
		code = h.err.code
		if sys.Has("error") {
			k.errMsg = h.err.msg
		}
	}
	if code != 0 && sys.Has("error_code") {
		k.errCode = errCodeString(code)
	}
	if r.callback != nil && sys.Has("expected_response") {
		k.expected = "false"
		if h.expected {
			k.expected = "true"
		}
	}
	if h.tlsVersion != "" && sys.Has("tls_version") {
		k.tls = h.tlsVersion
	}
	// ip and ocsp_status are not default tags: a nil set (all tags) leaves them out
	if h.tls != nil && sys != nil && sys.Has("ocsp_status") {
		k.ocsp = parseOCSP(h.tls).status
	}
	if h.remoteIP != "" && sys != nil && sys.Has("ip") {
		k.ip = h.remoteIP
	}
	c := &m.tags
	if c.set != nil && c.key == k && sameTags(c.user, r.tags) {
		return c.set
	}
	tags := make([]metrics.Tag, 0, 12+len(r.tags))
	add := func(key, v string) {
		if v != "" {
			tags = append(tags, metrics.Tag{Key: key, Value: v})
		}
	}
	add("method", k.method)
	add("url", k.url)
	if sys.Has("name") {
		tags = append(tags, metrics.Tag{Key: "name", Value: k.name})
	}
	add("status", k.status)
	add("proto", k.proto)
	add("error_code", k.errCode)
	add("error", k.errMsg)
	add("expected_response", k.expected)
	add("tls_version", k.tls)
	add("ocsp_status", k.ocsp)
	add("ip", k.ip)
	tags = append(tags, r.tags...)
	set := k.base.Merge(metrics.NewTagSetFromTags(tags...))
	c.key, c.set = k, set
	c.user = append(c.user[:0], r.tags...)
	return set
}

// record emits the samples of every hop of res, and adds the bytes the VU's
// connections moved to the iteration's data_sent and data_received.
func (m *Module) record(st *runner.VUState, res *result) {
	b := st.Builtins
	md := metadataOf(st)
	for i := range res.hops {
		h := &res.hops[i]
		if res.req.callback != nil {
			h.expected = res.req.callback.match(h.status)
		}
		tags := m.tagSet(st, res.req, h)
		t := h.end
		add := func(metric *metrics.Metric, v float64) {
			st.Samples.Add(metrics.Sample{Metric: metric, Tags: tags, Metadata: md, Time: t, Value: v})
		}
		add(b.HTTPReqs, 1)
		if res.req.callback != nil {
			failed := 1.0
			if h.expected {
				failed = 0
			}
			add(b.HTTPReqFailed, failed)
		}
		tm := &h.timings
		add(b.HTTPReqDuration, tm.duration)
		add(b.HTTPReqBlocked, tm.blocked)
		add(b.HTTPReqConnecting, tm.connecting)
		add(b.HTTPReqTLSHandshaking, tm.tlsHandshaking)
		add(b.HTTPReqSending, tm.sending)
		add(b.HTTPReqWaiting, tm.waiting)
		add(b.HTTPReqReceiving, tm.receiving)
	}
	if c := m.client; c != nil {
		st.DataSent += c.sent.Swap(0)
		st.DataReceived += c.received.Swap(0)
	}
}

// metadataOf is the VU's metadata for samples, nil when it has none.
func metadataOf(st *runner.VUState) map[string]string {
	if st.Metadata == nil {
		return nil
	}
	keys := st.Metadata.Keys()
	if len(keys) == 0 {
		return nil
	}
	md := make(map[string]string, len(keys))
	for _, k := range keys {
		md[k], _ = st.Metadata.Get(k)
	}
	return md
}
