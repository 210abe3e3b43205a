package metricspb_test

import (
	"bytes"
	"testing"

	"github.com/klauspost/compress/snappy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/minik6/minik6/cloud/metricspb"
)

// fullSet is a MetricSet with one metric of every type.
func fullSet() *metricspb.MetricSet {
	at := &timestamppb.Timestamp{Seconds: 1700000001}
	return &metricspb.MetricSet{
		TestRunId:         "123",
		AggregationPeriod: 3,
		Metrics: []*metricspb.Metric{
			{
				Name: "iterations",
				Type: metricspb.MetricType_METRIC_TYPE_COUNTER,
				TimeSeries: []*metricspb.TimeSeries{{
					Labels: []*metricspb.Label{{Name: "group"}, {Name: "scenario", Value: "default"}},
					Samples: &metricspb.TimeSeries_CounterSamples{CounterSamples: &metricspb.CounterSamples{
						Values: []*metricspb.CounterValue{{Time: at, Value: 7}, {Time: at, Value: 2}},
					}},
				}},
			},
			{
				Name: "vus",
				Type: metricspb.MetricType_METRIC_TYPE_GAUGE,
				TimeSeries: []*metricspb.TimeSeries{{
					Samples: &metricspb.TimeSeries_GaugeSamples{GaugeSamples: &metricspb.GaugeSamples{
						Values: []*metricspb.GaugeValue{{Time: at, Last: 3, Count: 4, Min: 1, Max: 3, Avg: 2.25}},
					}},
				}},
			},
			{
				Name: "checks",
				Type: metricspb.MetricType_METRIC_TYPE_RATE,
				TimeSeries: []*metricspb.TimeSeries{{
					Labels: []*metricspb.Label{{Name: "check", Value: "status is 200"}},
					Samples: &metricspb.TimeSeries_RateSamples{RateSamples: &metricspb.RateSamples{
						Values: []*metricspb.RateValue{{Time: at, NonzeroCount: 5, TotalCount: 6}},
					}},
				}},
			},
			{
				Name: "http_req_duration",
				Type: metricspb.MetricType_METRIC_TYPE_TREND,
				TimeSeries: []*metricspb.TimeSeries{{
					Labels: []*metricspb.Label{{Name: "method", Value: "GET"}},
					Samples: &metricspb.TimeSeries_TrendHdrSamples{TrendHdrSamples: &metricspb.TrendHdrSamples{
						Values: []*metricspb.TrendHdrValue{{
							Time:                   at,
							Counters:               []uint32{2, 1, 300},
							Spans:                  []*metricspb.BucketSpan{{Offset: 1347, Length: 2}, {Offset: 303, Length: 1}},
							Sum:                    701.56,
							Count:                  303,
							MinValue:               100,
							MaxValue:               501.56,
							ExtraLowValuesCounter:  proto.Uint32(0),
							ExtraHighValuesCounter: proto.Uint32(4),
							MinResolution:          0.001,
						}},
					}},
				}},
			},
		},
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	t.Parallel()
	set := fullSet()
	body, err := metricspb.Encode(set)
	require.NoError(t, err)

	got, err := metricspb.Decode(body)
	require.NoError(t, err)
	assert.True(t, proto.Equal(set, got), "the decoded set differs from the encoded one:\nwant %v\ngot  %v", set, got)

	trend := got.GetMetrics()[3].GetTimeSeries()[0].GetTrendHdrSamples().GetValues()[0]
	require.NotNil(t, trend.ExtraLowValuesCounter, "an optional field set to 0 should keep its presence")
	assert.Equal(t, uint32(0), trend.GetExtraLowValuesCounter())
	assert.Equal(t, uint32(4), trend.GetExtraHighValuesCounter())
	assert.Nil(t, trend.SignificantDigits, "an optional field never set should stay absent")
	assert.Equal(t, int64(1700000001), got.GetMetrics()[0].GetTimeSeries()[0].GetCounterSamples().GetValues()[0].GetTime().GetSeconds())
	assert.Equal(t, "", got.GetMetrics()[0].GetTimeSeries()[0].GetLabels()[0].GetValue())
}

func TestEncodeIsSnappyBlockFormat(t *testing.T) {
	t.Parallel()
	body, err := metricspb.Encode(fullSet())
	require.NoError(t, err)
	assert.False(t, bytes.HasPrefix(body, []byte("\xff\x06\x00\x00sNaPpY")), "the body is snappy's stream format; the push uses the block format")
	raw, err := snappy.Decode(nil, body)
	require.NoError(t, err, "the body should be a snappy block")
	want, err := proto.Marshal(fullSet())
	require.NoError(t, err)
	assert.Equal(t, want, raw)
}

func TestEncodeGoldenBytes(t *testing.T) {
	t.Parallel()
	body, err := metricspb.Encode(&metricspb.MetricSet{TestRunId: "123", AggregationPeriod: 3})
	require.NoError(t, err)
	raw, err := snappy.Decode(nil, body)
	require.NoError(t, err)
	// Field 1, wire type 2 (length-delimited): 0x0a, length 3, "123";
	// field 2, wire type 0 (varint): 0x10, 3.
	assert.Equal(t, []byte{0x0a, 0x03, '1', '2', '3', 0x10, 0x03}, raw)
}

func TestTrendCountersArePacked(t *testing.T) {
	t.Parallel()
	raw, err := proto.Marshal(&metricspb.TrendHdrValue{Counters: []uint32{1, 2, 300}})
	require.NoError(t, err)
	// Field 2, wire type 2: 0x12, length 4, varints 1, 2, 300 (0xac 0x02).
	assert.Equal(t, []byte{0x12, 0x04, 0x01, 0x02, 0xac, 0x02}, raw)

	// The same inside a whole push: MetricSet.metrics(3) → Metric.time_series(3)
	// → TimeSeries.trend_hdr_samples(5) → TrendHdrSamples.values(1) →
	// TrendHdrValue.counters(2) is one length-delimited field.
	set := fullSet()
	set.Metrics = set.Metrics[3:]
	body, err := metricspb.Encode(set)
	require.NoError(t, err)
	msg, err := snappy.Decode(nil, body)
	require.NoError(t, err)
	for _, num := range []protowire.Number{3, 3, 5, 1} {
		msg = onlyField(t, msg, num, protowire.BytesType)
	}
	counters := onlyField(t, msg, 2, protowire.BytesType)
	assert.Equal(t, []byte{0x02, 0x01, 0xac, 0x02}, counters)
}

func TestDecodeErrors(t *testing.T) {
	t.Parallel()
	_, err := metricspb.Decode([]byte("not snappy at all"))
	assert.ErrorContains(t, err, "snappy")

	_, err = metricspb.Decode(snappy.Encode(nil, []byte{0x0a, 0x05, 'a'}))
	assert.ErrorContains(t, err, "protobuf")

	_, err = metricspb.Encode(nil)
	assert.Error(t, err)
}

// onlyField returns the value of field num in the protobuf message msg, which
// must occur exactly once and with wire type typ.
func onlyField(t *testing.T, msg []byte, num protowire.Number, typ protowire.Type) []byte {
	t.Helper()
	var found []byte
	seen := 0
	for len(msg) > 0 {
		n, wt, tagLen := protowire.ConsumeTag(msg)
		require.GreaterOrEqual(t, tagLen, 0, "a bad field tag")
		msg = msg[tagLen:]
		valLen := protowire.ConsumeFieldValue(n, wt, msg)
		require.GreaterOrEqual(t, valLen, 0, "a bad value for field %d", n)
		if n == num {
			seen++
			require.Equal(t, typ, wt, "field %d has wire type %d, want %d", num, wt, typ)
			v, m := protowire.ConsumeBytes(msg)
			require.GreaterOrEqual(t, m, 0)
			found = v
		}
		msg = msg[valLen:]
	}
	require.Equal(t, 1, seen, "field %d should occur once", num)
	return found
}
