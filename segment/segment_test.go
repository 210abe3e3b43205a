package segment

import (
	"encoding/json"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSegment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     string // canonical String(); empty when an error is expected
		errHas   string
	}{
		{name: "whole", in: "0:1", want: "0:1"},
		{name: "empty is whole", in: "", want: "0:1"},
		{name: "first half", in: "0:1/2", want: "0:1/2"},
		{name: "second half", in: "1/2:1", want: "1/2:1"},
		{name: "middle third", in: "1/3:2/3", want: "1/3:2/3"},
		{name: "decimals", in: "0.5:0.75", want: "1/2:3/4"},
		{name: "percentages", in: "50%:75%", want: "1/2:3/4"},
		{name: "mixed forms", in: "2/4:75%", want: "1/2:3/4"},
		{name: "end only percentage", in: "75%", want: "0:3/4"},
		{name: "end only fraction", in: "1/5", want: "0:1/5"},
		{name: "end only decimal", in: "0.2", want: "0:1/5"},
		{name: "decimal percentage", in: "12.5%:25%", want: "1/8:1/4"},
		{name: "exponent", in: "1e-1:5E-1", want: "1/10:1/2"},
		{name: "leading dot", in: ".25:.5", want: "1/4:1/2"},
		{name: "spaces", in: " 1/2 : 1 ", want: "1/2:1"},
		{name: "unreduced", in: "2/6:4/6", want: "1/3:2/3"},
		{name: "one as decimal", in: "0.5:1.0", want: "1/2:1"},

		{name: "end above 1", in: "125%", errHas: "end 5/4 is above 1"},
		{name: "both above 1", in: "125%:250%", errHas: "above 1"},
		{name: "start below 0", in: "-1/2:1", errHas: "start -1/2 is below 0"},
		{name: "reversed", in: "55%:50%", errHas: "start 11/20 must be less than end 1/2"},
		{name: "empty range", in: "1/2:1/2", errHas: "must be less than"},
		{name: "zero end", in: "0", errHas: "must be less than"},
		{name: "junk percentage", in: "1a5%", errHas: `"1a5%" is not a valid percentage`},
		{name: "junk", in: "1a5", errHas: `"1a5" is not a valid percentage, decimal or fraction`},
		{name: "junk start", in: "1a5%:2/3", errHas: "start:"},
		{name: "missing start", in: ":1/2", errHas: "start: missing value"},
		{name: "missing end", in: "1/2:", errHas: "end: missing value"},
		{name: "three parts", in: "0:1/2:1", errHas: "end:"},
		{name: "zero denominator", in: "1/0", errHas: "zero denominator"},
		{name: "negative denominator", in: "1/-2", errHas: "not a valid fraction"},
		{name: "fraction percentage", in: "1/2%", errHas: "not a valid percentage"},
		{name: "two dots", in: "0.5.5", errHas: "not a valid"},
		{name: "huge exponent", in: "1e-999999", errHas: "not a valid"},
		{name: "hex", in: "0x1", errHas: "not a valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			seg, err := ParseSegment(tt.in)
			if tt.errHas != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.errHas)
				assert.Contains(t, err.Error(), `invalid execution segment "`+tt.in+`"`)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, seg.String())

			again, err := ParseSegment(seg.String())
			require.NoError(t, err)
			assert.True(t, again.Equal(seg), "round trip of %s", seg)
		})
	}
}

func TestSegmentNil(t *testing.T) {
	t.Parallel()
	var nilSeg *Segment
	assert.Equal(t, "0:1", nilSeg.String())
	assert.True(t, nilSeg.IsFull())
	assert.True(t, nilSeg.Equal(nil))
	assert.Equal(t, big.NewRat(1, 1), nilSeg.Length())
	assert.Equal(t, new(big.Rat), nilSeg.From())
	assert.Equal(t, big.NewRat(1, 1), nilSeg.To())
	text, err := nilSeg.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "0:1", string(text))

	whole, err := ParseSegment("0:1")
	require.NoError(t, err)
	assert.True(t, whole.Equal(nilSeg))
	assert.True(t, nilSeg.Equal(whole))
	assert.True(t, whole.IsFull())

	half, err := ParseSegment("0:1/2")
	require.NoError(t, err)
	assert.False(t, half.Equal(nilSeg))
	assert.False(t, nilSeg.Equal(half))
	assert.False(t, half.IsFull())
}

func TestNewSegment(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		from, to *big.Rat
		errHas   string
	}{
		{name: "ok", from: big.NewRat(1, 4), to: big.NewRat(1, 2)},
		{name: "from below 0", from: big.NewRat(-1, 1), to: big.NewRat(1, 1), errHas: "below 0"},
		{name: "to above 1", from: big.NewRat(0, 1), to: big.NewRat(2, 1), errHas: "above 1"},
		{name: "from after to", from: big.NewRat(1, 2), to: big.NewRat(1, 3), errHas: "must be less than"},
		{name: "from equals to", from: big.NewRat(1, 2), to: big.NewRat(1, 2), errHas: "must be less than"},
		{name: "nil end", from: big.NewRat(1, 2), errHas: "both a start and an end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			seg, err := NewSegment(tt.from, tt.to)
			if tt.errHas != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.errHas)
				return
			}
			require.NoError(t, err)
			// The segment keeps its own copies.
			tt.from.SetInt64(0)
			assert.Equal(t, "1/4:1/2", seg.String())
			seg.From().SetInt64(0)
			assert.Equal(t, "1/4:1/2", seg.String())
			assert.Equal(t, big.NewRat(1, 4), seg.Length())
		})
	}
}

func TestSegmentText(t *testing.T) {
	t.Parallel()
	type opts struct {
		Segment *Segment `json:"executionSegment"`
	}
	var o opts
	require.NoError(t, json.Unmarshal([]byte(`{"executionSegment":"50%:1"}`), &o))
	assert.Equal(t, "1/2:1", o.Segment.String())

	out, err := json.Marshal(o)
	require.NoError(t, err)
	assert.JSONEq(t, `{"executionSegment":"1/2:1"}`, string(out))

	out, err = json.Marshal(opts{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"executionSegment":null}`, string(out))

	err = json.Unmarshal([]byte(`{"executionSegment":"2:3"}`), &o)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `invalid execution segment "2:3"`)

	var s Segment
	require.NoError(t, s.UnmarshalText([]byte("1/3:2/3")))
	text, err := s.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "1/3:2/3", string(text))
}
