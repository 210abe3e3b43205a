package segment

import (
	"encoding"
	"fmt"
	"math/big"
	"strings"
)

// Segment is one instance's share of a test: the half-open slice (from, to] of
// the unit interval, 0 ≤ from < to ≤ 1. Its length to−from is the fraction of
// every count (VUs, iterations, arrivals) the instance runs. The nil *Segment
// is the whole test, 0:1. A Segment is immutable once made.
type Segment struct {
	from, to *big.Rat
}

// NewSegment returns the segment (from, to], or an error unless
// 0 ≤ from < to ≤ 1. It keeps copies of its arguments.
func NewSegment(from, to *big.Rat) (*Segment, error) {
	if from == nil || to == nil {
		return nil, fmt.Errorf("execution segment needs both a start and an end")
	}
	if from.Sign() < 0 {
		return nil, fmt.Errorf("start %s is below 0", from.RatString())
	}
	if to.Cmp(ratOne) > 0 {
		return nil, fmt.Errorf("end %s is above 1", to.RatString())
	}
	if from.Cmp(to) >= 0 {
		return nil, fmt.Errorf("start %s must be less than end %s", from.RatString(), to.RatString())
	}
	return &Segment{from: copyRat(from), to: copyRat(to)}, nil
}

// ParseSegment reads an execution segment as k6 writes it on the command
// line, in the environment (K6_EXECUTION_SEGMENT) and in options JSON:
//
//	"from:to"  both ends, each a fraction, decimal or percentage:
//	           "1/2:3/4", "0.5:0.75", "50%:75%", even "2/4:75%" are (1/2, 3/4]
//	"to"       the end alone, starting at 0: "1/5", "0.2", "20%" are (0, 1/5]
//	""         the whole test, 0:1
//
// Errors quote the input and say which end is wrong.
func ParseSegment(s string) (*Segment, error) {
	seg, err := parseSegment(s)
	if err != nil {
		return nil, fmt.Errorf("invalid execution segment %q: %w", s, err)
	}
	return seg, nil
}

func parseSegment(s string) (*Segment, error) {
	if strings.TrimSpace(s) == "" {
		return &Segment{from: copyRat(ratZero), to: copyRat(ratOne)}, nil
	}
	from := ratZero
	toStr := s
	if fromStr, rest, ok := strings.Cut(s, ":"); ok {
		toStr = rest
		var err error
		if from, err = parseRat(fromStr); err != nil {
			return nil, fmt.Errorf("start: %w", err)
		}
	}
	to, err := parseRat(toStr)
	if err != nil {
		return nil, fmt.Errorf("end: %w", err)
	}
	return NewSegment(from, to)
}

// From returns a copy of the segment's start; 0 for the nil segment.
func (s *Segment) From() *big.Rat {
	if s == nil {
		return new(big.Rat)
	}
	return copyRat(s.from)
}

// To returns a copy of the segment's end; 1 for the nil segment.
func (s *Segment) To() *big.Rat {
	if s == nil {
		return copyRat(ratOne)
	}
	return copyRat(s.to)
}

// Length returns to−from, the fraction of the test the segment runs.
func (s *Segment) Length() *big.Rat {
	if s == nil {
		return copyRat(ratOne)
	}
	return new(big.Rat).Sub(s.to, s.from)
}

// IsFull reports whether the segment is the whole test, 0:1 (nil included).
func (s *Segment) IsFull() bool {
	return s == nil || (s.from.Sign() == 0 && s.to.Cmp(ratOne) == 0)
}

// Equal reports whether both segments have the same ends; nil equals 0:1.
func (s *Segment) Equal(other *Segment) bool {
	if s == nil || other == nil {
		return s.IsFull() && other.IsFull()
	}
	return s.from.Cmp(other.from) == 0 && s.to.Cmp(other.to) == 0
}

// String returns the canonical "from:to" form with both ends as reduced
// fractions ("0:1/2", "1/3:2/3"); ParseSegment reads it back unchanged. The
// nil segment prints "0:1".
func (s *Segment) String() string {
	if s == nil {
		return "0:1"
	}
	return s.from.RatString() + ":" + s.to.RatString()
}

// MarshalText returns String's form, so segments encode as JSON strings.
func (s *Segment) MarshalText() ([]byte, error) {
	return []byte(s.String()), nil
}

// UnmarshalText parses text as ParseSegment does and stores the result in s.
func (s *Segment) UnmarshalText(text []byte) error {
	seg, err := ParseSegment(string(text))
	if err != nil {
		return err
	}
	*s = *seg
	return nil
}

var (
	_ fmt.Stringer             = (*Segment)(nil)
	_ encoding.TextMarshaler   = (*Segment)(nil)
	_ encoding.TextUnmarshaler = (*Segment)(nil)
)
