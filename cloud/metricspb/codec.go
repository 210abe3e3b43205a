package metricspb

import (
	"errors"
	"fmt"

	"github.com/klauspost/compress/snappy"
	"google.golang.org/protobuf/proto"
)

// Headers a metrics push is sent with, besides Authorization and the
// idempotency key.
const (
	// ContentType is the push's Content-Type.
	ContentType = "application/x-protobuf"
	// ContentEncoding is the push's Content-Encoding: the snappy block format.
	ContentEncoding = "snappy"
	// ProtocolVersionHeader names the header that carries ProtocolVersion.
	ProtocolVersionHeader = "K6-Metrics-Protocol-Version"
	// ProtocolVersion is the metrics protocol version minik6 speaks.
	ProtocolVersion = "2.0"
)

// Encode returns the body of a metrics push: set in protobuf's wire format,
// compressed with snappy's block format (not its framed stream format).
func Encode(set *MetricSet) ([]byte, error) {
	if set == nil {
		return nil, errors.New("encoding a metric set: the set is nil")
	}
	raw, err := proto.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("encoding a metric set: %w", err)
	}
	return snappy.Encode(nil, raw), nil
}

// Decode is the reverse of Encode: it uncompresses body (snappy block format)
// and parses the MetricSet in it.
func Decode(body []byte) (*MetricSet, error) {
	raw, err := snappy.Decode(nil, body)
	if err != nil {
		return nil, fmt.Errorf("decoding a metric set: snappy: %w", err)
	}
	set := &MetricSet{}
	if err := proto.Unmarshal(raw, set); err != nil {
		return nil, fmt.Errorf("decoding a metric set: protobuf: %w", err)
	}
	return set, nil
}
