package options

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// NullDuration is a time.Duration that may be unset. Unset values marshal as
// JSON null; set values marshal as Go's duration string ("1m30s").
type NullDuration struct {
	Duration time.Duration
	Valid    bool
}

// NullDurationFrom returns a set NullDuration holding d.
func NullDurationFrom(d time.Duration) NullDuration {
	return NullDuration{Duration: d, Valid: true}
}

// ValueOr returns the duration if it is set, and def otherwise.
func (d NullDuration) ValueOr(def time.Duration) time.Duration {
	if d.Valid {
		return d.Duration
	}
	return def
}

// String returns the Go form of a set duration and "null" for an unset one.
func (d NullDuration) String() string {
	if !d.Valid {
		return "null"
	}
	return d.Duration.String()
}

// MarshalJSON writes null or the Go duration string.
func (d NullDuration) MarshalJSON() ([]byte, error) {
	if !d.Valid {
		return []byte("null"), nil
	}
	return json.Marshal(d.Duration.String())
}

// UnmarshalJSON reads null, a duration string or a number of milliseconds.
func (d *NullDuration) UnmarshalJSON(data []byte) error {
	v, err := decodeDuration(data)
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalText writes the Go duration string, or nothing when unset.
func (d NullDuration) MarshalText() ([]byte, error) {
	if !d.Valid {
		return nil, nil
	}
	return []byte(d.Duration.String()), nil
}

// UnmarshalText reads a duration string; empty text means unset.
func (d *NullDuration) UnmarshalText(text []byte) error {
	if len(text) == 0 {
		*d = NullDuration{}
		return nil
	}
	v, err := ParseDuration(string(text))
	if err != nil {
		return err
	}
	*d = NullDurationFrom(v)
	return nil
}

// maxMillis is the largest number of milliseconds a time.Duration can hold.
const maxMillis = float64(math.MaxInt64) / float64(time.Millisecond)

// ParseDuration reads a duration the way k6 does:
//
//	"1h30m", "1.5s", "500ms", "-2s"   Go durations (time.ParseDuration)
//	"2d", "1d12h"                     days, optionally followed by a Go duration
//	"250", "0.5"                      a bare number: milliseconds
func ParseDuration(s string) (time.Duration, error) {
	if s == "" {
		return 0, errors.New("empty duration")
	}
	if isPlainNumber(s) {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		return millis(f)
	}
	dPos := strings.IndexByte(s, 'd')
	if dPos < 0 {
		v, err := time.ParseDuration(s)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q: use a number with a unit, like 30s, 1m30s, 500ms or 1d", s)
		}
		return v, nil
	}
	return parseDays(s, dPos)
}

// parseDays reads "<int>d[<go duration>]" with the 'd' at dPos.
func parseDays(s string, dPos int) (time.Duration, error) {
	bad := fmt.Errorf("invalid duration %q: days are written as a whole number followed by d, like 2d or 1d12h", s)
	days, err := strconv.ParseInt(s[:dPos], 10, 64)
	if err != nil {
		return 0, bad
	}
	var rest time.Duration
	if tail := s[dPos+1:]; tail != "" {
		if tail[0] == '-' || tail[0] == '+' {
			return 0, bad
		}
		if rest, err = time.ParseDuration(tail); err != nil {
			return 0, bad
		}
	}
	const day = 24 * time.Hour
	if days > math.MaxInt64/int64(day) || days < math.MinInt64/int64(day) {
		return 0, fmt.Errorf("duration %q is too large", s)
	}
	total := time.Duration(days) * day
	neg := strings.HasPrefix(s, "-")
	if neg {
		rest = -rest
	}
	sum := total + rest
	if (neg && sum > total) || (!neg && sum < total) {
		return 0, fmt.Errorf("duration %q is too large", s)
	}
	return sum, nil
}

// isPlainNumber reports whether s is a decimal number without a unit
// ("250", "-1.5", "1e3"), as opposed to a duration or something else.
func isPlainNumber(s string) bool {
	digit := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digit = true
		case c == '.' || c == '+' || c == '-' || c == 'e' || c == 'E':
		default:
			return false
		}
	}
	return digit
}

// millis converts a number of milliseconds to a duration.
func millis(f float64) (time.Duration, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) || math.Abs(f) >= maxMillis {
		return 0, fmt.Errorf("duration of %v milliseconds is out of range", f)
	}
	return time.Duration(f * float64(time.Millisecond)), nil
}

// decodeDuration reads a JSON duration: null, a string or milliseconds.
func decodeDuration(raw []byte) (NullDuration, error) {
	raw = bytes.TrimSpace(raw)
	switch kindOf(raw) {
	case kindNull:
		return NullDuration{}, nil
	case kindString:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return NullDuration{}, err
		}
		v, err := ParseDuration(s)
		if err != nil {
			return NullDuration{}, err
		}
		return NullDurationFrom(v), nil
	case kindNumber:
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return NullDuration{}, fmt.Errorf("invalid duration %s", raw)
		}
		v, err := millis(f)
		if err != nil {
			return NullDuration{}, err
		}
		return NullDurationFrom(v), nil
	default:
		return NullDuration{}, typeMismatch("a duration (a string like \"30s\" or a number of milliseconds)", raw)
	}
}
