package segment

import (
	"encoding/json"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSequence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     string   // canonical String()
		segments []string // Segments(), as strings
		errHas   string
	}{
		{name: "empty", in: "", want: ""},
		{name: "blank", in: "  ", want: ""},
		{name: "halves", in: "0,1/2,1", want: "0,1/2,1", segments: []string{"0:1/2", "1/2:1"}},
		{name: "thirds", in: "0,1/3,2/3,1", want: "0,1/3,2/3,1", segments: []string{"0:1/3", "1/3:2/3", "2/3:1"}},
		{name: "whole", in: "0,1", want: "0,1", segments: []string{"0:1"}},
		{name: "decimals", in: "0.5,1", want: "1/2,1", segments: []string{"1/2:1"}},
		{name: "open both ends", in: "1/3,2/3", want: "1/3,2/3", segments: []string{"1/3:2/3"}},
		{name: "open end", in: "0,1/3,2/3", want: "0,1/3,2/3", segments: []string{"0:1/3", "1/3:2/3"}},
		{name: "decimal points", in: "0.5,0.7,1", want: "1/2,7/10,1", segments: []string{"1/2:7/10", "7/10:1"}},
		{name: "mixed with spaces", in: "0, 25%, 0.5 ,3/4,1", want: "0,1/4,1/2,3/4,1"},
		{name: "long", in: "0,1/13,2/13,1/3,1/2,3/4,1", want: "0,1/13,2/13,1/3,1/2,3/4,1",
			segments: []string{"0:1/13", "1/13:2/13", "2/13:1/3", "1/3:1/2", "1/2:3/4", "3/4:1"}},

		{name: "one point", in: "0.5", errHas: "at least 2 points are needed, 1 given"},
		{name: "repeated end", in: "1,1", errHas: "point #2 (1) is not greater than 1"},
		{name: "negative", in: "-0.5,1", errHas: "point #1 (-1/2) is below 0"},
		{name: "above one", in: "0,3/2", errHas: "point #2 (3/2) is above 1"},
		{name: "repeated point", in: "1/2,1/2", errHas: "points must increase"},
		{name: "decreasing", in: "1/2,1/3", errHas: "points must increase"},
		{name: "out of order", in: "0,1,1/2", errHas: "point #3 (1/2) is not greater than 1"},
		{name: "empty point", in: "0,,1", errHas: "point #2: missing value"},
		{name: "junk point", in: "0,1/2,x", errHas: `point #3: "x" is not a valid`},
		{name: "trailing comma", in: "0,1,", errHas: "point #3: missing value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			q, err := ParseSequence(tt.in)
			if tt.errHas != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.errHas)
				assert.Contains(t, err.Error(), `invalid execution segment sequence "`+tt.in+`"`)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, q.String())
			if tt.segments != nil {
				var got []string
				for _, s := range q.Segments() {
					got = append(got, s.String())
				}
				assert.Equal(t, tt.segments, got)
			}
			again, err := ParseSequence(q.String())
			require.NoError(t, err)
			assert.Equal(t, q.String(), again.String())
		})
	}
}

func TestNewSequence(t *testing.T) {
	t.Parallel()
	half := big.NewRat(1, 2)
	q, err := NewSequence(big.NewRat(0, 1), half, big.NewRat(1, 1))
	require.NoError(t, err)
	half.SetInt64(1) // the sequence keeps its own copies
	assert.Equal(t, "0,1/2,1", q.String())

	_, err = NewSequence(big.NewRat(0, 1))
	assert.ErrorContains(t, err, "at least 2 points")
	_, err = NewSequence(big.NewRat(0, 1), nil)
	assert.ErrorContains(t, err, "point #2 is missing")
}

func TestSequenceText(t *testing.T) {
	t.Parallel()
	type opts struct {
		Sequence Sequence `json:"executionSegmentSequence"`
	}
	var o opts
	require.NoError(t, json.Unmarshal([]byte(`{"executionSegmentSequence":"0,0.5,1"}`), &o))
	assert.Equal(t, "0,1/2,1", o.Sequence.String())
	out, err := json.Marshal(o)
	require.NoError(t, err)
	assert.JSONEq(t, `{"executionSegmentSequence":"0,1/2,1"}`, string(out))

	var q Sequence
	require.NoError(t, q.UnmarshalText([]byte("")))
	assert.Nil(t, q)
	assert.Equal(t, "", q.String())
	assert.Nil(t, q.Segments())
	require.ErrorContains(t, q.UnmarshalText([]byte("0,2")), `invalid execution segment sequence "0,2"`)
}
