package segment

import (
	"encoding"
	"fmt"
	"math/big"
	"strings"
)

// Sequence is an execution segment sequence: the increasing cut points
// p0 < p1 < … < pn in [0, 1] that all instances of a distributed run share,
// standing for the segments (p0, p1], (p1, p2], …, (pn−1, pn]. "0,1/3,2/3,1"
// is three equal thirds. A sequence that does not start at 0 or end at 1 is
// filled out with the missing ends when a [Tuple] is built. The nil Sequence
// means "none given". Treat a Sequence as immutable.
type Sequence []*big.Rat

// NewSequence returns the sequence of the given points, or an error unless
// there are at least two, all within [0, 1], each greater than the one
// before. It keeps copies of the points.
func NewSequence(points ...*big.Rat) (Sequence, error) {
	if len(points) < 2 {
		return nil, fmt.Errorf("at least 2 points are needed, %d given", len(points))
	}
	q := make(Sequence, len(points))
	for i, p := range points {
		if p == nil {
			return nil, fmt.Errorf("point #%d is missing", i+1)
		}
		q[i] = copyRat(p)
	}
	if err := q.validate(); err != nil {
		return nil, err
	}
	return q, nil
}

// ParseSequence reads a comma-separated execution segment sequence, as given
// to --execution-segment-sequence: each point a fraction, decimal or
// percentage ("0,1/3,2/3,1", "0,0.25,50%,1"). The empty string is the nil
// Sequence. Errors quote the input and name the offending point.
func ParseSequence(s string) (Sequence, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	fields := strings.Split(s, ",")
	points := make([]*big.Rat, len(fields))
	for i, f := range fields {
		p, err := parseRat(f)
		if err != nil {
			return nil, fmt.Errorf("invalid execution segment sequence %q: point #%d: %w", s, i+1, err)
		}
		points[i] = p
	}
	q, err := NewSequence(points...)
	if err != nil {
		return nil, fmt.Errorf("invalid execution segment sequence %q: %w", s, err)
	}
	return q, nil
}

// validate checks what NewSequence promises, for sequences built by hand.
func (q Sequence) validate() error {
	if len(q) < 2 {
		return fmt.Errorf("at least 2 points are needed, %d given", len(q))
	}
	for i, p := range q {
		switch {
		case p == nil:
			return fmt.Errorf("point #%d is missing", i+1)
		case p.Sign() < 0:
			return fmt.Errorf("point #%d (%s) is below 0", i+1, p.RatString())
		case p.Cmp(ratOne) > 0:
			return fmt.Errorf("point #%d (%s) is above 1", i+1, p.RatString())
		case i > 0 && p.Cmp(q[i-1]) <= 0:
			return fmt.Errorf("points must increase, but point #%d (%s) is not greater than %s",
				i+1, p.RatString(), q[i-1].RatString())
		}
	}
	return nil
}

// Segments returns the segments between consecutive points, in order; nil
// for a sequence of fewer than two points.
func (q Sequence) Segments() []*Segment {
	if len(q) < 2 {
		return nil
	}
	segs := make([]*Segment, len(q)-1)
	for i := range segs {
		segs[i] = &Segment{from: copyRat(q[i]), to: copyRat(q[i+1])}
	}
	return segs
}

// String returns the points as reduced fractions joined by commas
// ("0,1/2,1", "0,1/3,2/3,1"); ParseSequence reads it back unchanged. The
// nil Sequence prints "".
func (q Sequence) String() string {
	var b strings.Builder
	for i, p := range q {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(p.RatString())
	}
	return b.String()
}

// MarshalText returns String's form, so sequences encode as JSON strings.
func (q Sequence) MarshalText() ([]byte, error) {
	return []byte(q.String()), nil
}

// UnmarshalText parses text as ParseSequence does and stores the result in q.
func (q *Sequence) UnmarshalText(text []byte) error {
	seq, err := ParseSequence(string(text))
	if err != nil {
		return err
	}
	*q = seq
	return nil
}

var (
	_ fmt.Stringer             = Sequence(nil)
	_ encoding.TextMarshaler   = Sequence(nil)
	_ encoding.TextUnmarshaler = (*Sequence)(nil)
)
