package segment

import (
	"fmt"
	"strings"
	"testing"
)

func FuzzParseSegment(f *testing.F) {
	for _, s := range []string{
		"", "0:1", "0:1/2", "1/2:1", "1/3:2/3", "0.5:0.75", "50%:75%", "2/4:75%", "75%",
		"1e-1:5E-1", ".25:.5", "125%", "1a5%:2/3", "55%:50%", "-1/2:1", "1/0", "0:1:2", " 1/2 : 1 ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		seg, err := ParseSegment(s)
		if err != nil {
			if want := fmt.Sprintf("invalid execution segment %q", s); !strings.Contains(err.Error(), want) {
				t.Fatalf("error %q does not name the input %s", err, want)
			}
			return
		}
		from, to := seg.From(), seg.To()
		if from.Sign() < 0 || from.Cmp(to) >= 0 || to.Cmp(ratOne) > 0 {
			t.Fatalf("ParseSegment(%q) = %s, outside 0 ≤ from < to ≤ 1", s, seg)
		}
		canon := seg.String()
		again, err := ParseSegment(canon)
		if err != nil {
			t.Fatalf("ParseSegment(%q) of its own String: %v", canon, err)
		}
		if !again.Equal(seg) || again.String() != canon {
			t.Fatalf("round trip of %q: %s became %s", s, canon, again)
		}
		var viaText Segment
		text, _ := seg.MarshalText()
		if err := viaText.UnmarshalText(text); err != nil || !viaText.Equal(seg) {
			t.Fatalf("text round trip of %s: %v, %s", seg, err, &viaText)
		}
	})
}

func FuzzParseSequence(f *testing.F) {
	for _, s := range []string{
		"", "0,1", "0,1/2,1", "0,1/3,2/3,1", "0.5,1", "1/3,2/3", "0,25%,0.5,3/4,1",
		"0,1/13,2/13,1/3,1/2,3/4,1", "0.5", "1,1", "0,1,1/2", "0,,1", "-0.5,1", "0,0.3,0.5,0.6,0.7,0.8,0.9,1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := ParseSequence(s)
		if err != nil {
			if want := fmt.Sprintf("invalid execution segment sequence %q", s); !strings.Contains(err.Error(), want) {
				t.Fatalf("error %q does not name the input %s", err, want)
			}
			return
		}
		if q == nil {
			if strings.TrimSpace(s) != "" {
				t.Fatalf("ParseSequence(%q) = nil without an error", s)
			}
			return
		}
		if err := q.validate(); err != nil {
			t.Fatalf("ParseSequence(%q) = %s, invalid: %v", s, q, err)
		}
		canon := q.String()
		again, err := ParseSequence(canon)
		if err != nil || again.String() != canon {
			t.Fatalf("round trip of %q: %s became %s (%v)", s, canon, again, err)
		}

		// Every segment of the sequence gets a tuple, and the tuples split a
		// count exactly.
		segs := fill(nil, q).Segments()
		var sum int64
		const n = 1000
		for _, seg := range segs {
			tup, err := NewTuple(seg, q)
			if err != nil {
				if strings.Contains(err.Error(), "too fine-grained") {
					return
				}
				t.Fatalf("NewTuple(%s, %s): %v", seg, q, err)
			}
			sum += tup.Scale(n)
		}
		if sum != n {
			t.Fatalf("Scale(%d) over the segments of %s sums to %d", n, q, sum)
		}
	})
}
