package options

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  string
	}{
		{in: "1m30s", want: 90 * time.Second},
		{in: "500ms", want: 500 * time.Millisecond},
		{in: "1.5s", want: 1500 * time.Millisecond},
		{in: "1h", want: time.Hour},
		{in: "-2s", want: -2 * time.Second},
		{in: "0", want: 0},
		{in: "250", want: 250 * time.Millisecond},
		{in: "0.5", want: 500 * time.Microsecond},
		{in: "1e3", want: time.Second},
		{in: "2d", want: 48 * time.Hour},
		{in: "1d12h", want: 36 * time.Hour},
		{in: "-1d12h", want: -36 * time.Hour},
		{in: "", err: "empty duration"},
		{in: "abc", err: `invalid duration "abc": use a number with a unit, like 30s, 1m30s, 500ms or 1d`},
		{in: "10x", err: `invalid duration "10x"`},
		{in: "1.5d", err: `invalid duration "1.5d": days are written as a whole number`},
		{in: "1d-2h", err: `invalid duration "1d-2h"`},
		{in: "d", err: `invalid duration "d"`},
		{in: "1e400", err: `invalid duration "1e400"`},
		{in: "99999999999999999", err: "out of range"},
		{in: "200000d", err: "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDuration(tt.in)
			if tt.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestNullDurationJSON(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    NullDuration
		out     string
		wantErr string
	}{
		{name: "null", in: `null`, want: NullDuration{}, out: `null`},
		{name: "go string", in: `"30m"`, want: NullDurationFrom(30 * time.Minute), out: `"30m0s"`},
		{name: "fraction", in: `"1500ms"`, want: NullDurationFrom(1500 * time.Millisecond), out: `"1.5s"`},
		{name: "milliseconds", in: `1500`, want: NullDurationFrom(1500 * time.Millisecond), out: `"1.5s"`},
		{name: "fractional ms", in: `0.25`, want: NullDurationFrom(250 * time.Microsecond), out: `"250µs"`},
		{name: "zero", in: `0`, want: NullDurationFrom(0), out: `"0s"`},
		{name: "bool", in: `true`, wantErr: "expected a duration"},
		{name: "bad string", in: `"soon"`, wantErr: `invalid duration "soon"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d NullDuration
			err := d.UnmarshalJSON([]byte(tt.in))
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, d)
			out, err := d.MarshalJSON()
			require.NoError(t, err)
			assert.Equal(t, tt.out, string(out))
		})
	}
}

func TestNullDurationText(t *testing.T) {
	var d NullDuration
	require.NoError(t, d.UnmarshalText([]byte("1m")))
	assert.Equal(t, NullDurationFrom(time.Minute), d)
	text, err := d.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "1m0s", string(text))
	require.NoError(t, d.UnmarshalText(nil))
	assert.False(t, d.Valid)
	assert.Equal(t, "null", d.String())
	assert.Equal(t, 5*time.Second, d.ValueOr(5*time.Second))
	require.Error(t, d.UnmarshalText([]byte("x")))
}

func FuzzParseDuration(f *testing.F) {
	for _, s := range []string{"1m30s", "500ms", "1.5s", "1h", "250", "1d12h", "-1d", "1e3", "", "d", "9223372036854775807ns"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		// The Go form of any parsed duration reads back to the same value.
		again, err := ParseDuration(d.String())
		if err != nil {
			t.Fatalf("%q parsed to %v, whose String %q does not parse: %v", s, d, d.String(), err)
		}
		if again != d {
			t.Fatalf("%q: %v round-trips to %v", s, d, again)
		}
	})
}
