package grpc

import (
	"strconv"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/runner"
)

// grpcMetrics are k6's gRPC metrics.
type grpcMetrics struct {
	reqDuration, streams, msgsSent, msgsReceived *metrics.Metric
}

func newMetrics(reg *metrics.Registry) *grpcMetrics {
	return &grpcMetrics{
		reqDuration:  reg.MustNewMetric("grpc_req_duration", metrics.Trend, metrics.Time),
		streams:      reg.MustNewMetric("grpc_streams", metrics.Counter),
		msgsSent:     reg.MustNewMetric("grpc_streams_msgs_sent", metrics.Counter),
		msgsReceived: reg.MustNewMetric("grpc_streams_msgs_received", metrics.Counter),
	}
}

// statusStrings are the status codes as tag values, so a tag costs no
// allocation.
var statusStrings = func() [codes.Unauthenticated + 1]string {
	var s [codes.Unauthenticated + 1]string
	for i := range s {
		s[i] = strconv.Itoa(i)
	}
	return s
}()

func statusString(c codes.Code) string {
	if int(c) < len(statusStrings) {
		return statusStrings[c]
	}
	return strconv.Itoa(int(c))
}

// tagKey is everything the tag set of a call depends on, but the tags of its
// params.
type tagKey struct {
	base       *metrics.TagSet
	addr       string
	method     *method
	status     codes.Code
	withStatus bool
	ip         string
}

// tagCache keeps the last tag set a client built: a VU that calls the same
// method with the same outcome reuses it, and emitting costs no tag set.
type tagCache struct {
	key  tagKey
	user []metrics.Tag
	set  *metrics.TagSet
}

// tagSet returns the tag set of a call: the VU's tags, then k6's url, name,
// service, method, status and ip of the call, then the params' tags (a name
// there replaces the method's).
func (c *tagCache) tagSet(st *runner.VUState, k tagKey, user []metrics.Tag) *metrics.TagSet {
	if c.set != nil && c.key == k && sameTags(c.user, user) {
		return c.set
	}
	set := newTagSet(st, k, user)
	c.key, c.set = k, set
	c.user = append(c.user[:0], user...)
	return set
}

func newTagSet(st *runner.VUState, k tagKey, user []metrics.Tag) *metrics.TagSet {
	sys := st.SystemTags
	tags := make([]metrics.Tag, 0, 6+len(user))
	if sys.Has("url") {
		tags = append(tags, metrics.Tag{Key: "url", Value: k.addr + k.method.path})
	}
	if _, named := k.base.Get("name"); !named && sys.Has("name") {
		tags = append(tags, metrics.Tag{Key: "name", Value: k.method.path})
	}
	if sys.Has("service") {
		tags = append(tags, metrics.Tag{Key: "service", Value: k.method.service})
	}
	if sys.Has("method") {
		tags = append(tags, metrics.Tag{Key: "method", Value: k.method.name})
	}
	if k.withStatus && sys.Has("status") {
		tags = append(tags, metrics.Tag{Key: "status", Value: statusString(k.status)})
	}
	if k.ip != "" {
		tags = append(tags, metrics.Tag{Key: "ip", Value: k.ip})
	}
	tags = append(tags, user...)
	return k.base.Merge(metrics.NewTagSetFromTags(tags...))
}

// wantsIP reports whether samples carry the ip tag (not a default one).
func wantsIP(st *runner.VUState) bool {
	return st.SystemTags != nil && st.SystemTags.Has("ip")
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

// emit adds one sample of metric with the VU's metadata.
func emit(st *runner.VUState, metric *metrics.Metric, tags *metrics.TagSet, t time.Time, v float64) {
	st.Samples.Add(metrics.Sample{Metric: metric, Tags: tags, Metadata: metadataOf(st), Time: t, Value: v})
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

// countData moves the bytes the VU's connections moved into the iteration's
// data_sent and data_received.
func (m *Module) countData(st *runner.VUState) {
	st.DataSent += m.sent.Swap(0)
	st.DataReceived += m.received.Swap(0)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
