package options

import (
	"encoding/json"

	"github.com/minik6/minik6/segment"
)

// decodeSegment reads executionSegment: null or "" (unset) or a segment string.
func decodeSegment(raw json.RawMessage) (*segment.Segment, error) {
	s, err := decodeSegmentString(raw)
	if err != nil || s == "" {
		return nil, err
	}
	return segment.ParseSegment(s)
}

// decodeSequence reads executionSegmentSequence: null or "" (unset) or a
// comma-separated sequence string.
func decodeSequence(raw json.RawMessage) (segment.Sequence, error) {
	s, err := decodeSegmentString(raw)
	if err != nil || s == "" {
		return nil, err
	}
	return segment.ParseSequence(s)
}

func decodeSegmentString(raw json.RawMessage) (string, error) {
	switch kindOf(raw) {
	case kindNull:
		return "", nil
	case kindString:
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	}
	return "", typeMismatch(`a string like "0:1/2"`, raw)
}

// segmentJSON is the JSON of executionSegment: its string form, or null.
func segmentJSON(s *segment.Segment) any {
	if s == nil {
		return nil
	}
	return s.String()
}

// sequenceJSON is the JSON of executionSegmentSequence: its string form, or null.
func sequenceJSON(q segment.Sequence) any {
	if q == nil {
		return nil
	}
	return q.String()
}

// segmentInSequence reports whether seg (nil: the whole test) is one of the
// segments of the sequence.
func segmentInSequence(seg *segment.Segment, seq segment.Sequence) bool {
	for _, s := range seq.Segments() {
		if seg.Equal(s) {
			return true
		}
	}
	return false
}
