package options

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/guregu/null.v3"
)

// Stage is one step of a ramp: reach Target (VUs, or iterations per
// timeUnit for ramping-arrival-rate) over Duration.
type Stage struct {
	Duration NullDuration `json:"duration"`
	Target   null.Int     `json:"target"`
}

// MarshalJSON writes {"duration": …, "target": …}.
func (s Stage) MarshalJSON() ([]byte, error) {
	type plain Stage
	return marshalJSON(plain(s))
}

// UnmarshalJSON reads {"duration": …, "target": …}, ignoring other keys.
func (s *Stage) UnmarshalJSON(data []byte) error {
	st, err := decodeStage(data, false)
	if err == nil {
		*s = st
	}
	return err
}

func decodeStage(data []byte, strict bool) (Stage, error) {
	var st Stage
	err := decodeObject(data, strict, []field{
		{"duration", durationField(&st.Duration)},
		{"target", intField(&st.Target)},
	})
	return st, err
}

// decodeStages reads a JSON array of stages; null gives nil.
func decodeStages(raw []byte, strict bool) ([]Stage, error) {
	switch kindOf(raw) {
	case kindNull:
		return nil, nil
	case kindArray:
	default:
		return nil, typeMismatch("an array of stages ({duration, target})", raw)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, err
	}
	out := make([]Stage, len(items))
	for i, item := range items {
		if kindOf(item) != kindObject {
			return nil, wrapPath(fmt.Sprintf("[%d]", i), typeMismatch("an object ({duration, target})", item))
		}
		st, err := decodeStage(item, strict)
		if err != nil {
			return nil, wrapPath(fmt.Sprintf("[%d]", i), err)
		}
		out[i] = st
	}
	return out, nil
}

func stagesField(dst *[]Stage, strict bool) func(json.RawMessage) error {
	return func(raw json.RawMessage) error {
		v, err := decodeStages(raw, strict)
		if err == nil {
			*dst = v
		}
		return err
	}
}

// ParseStages reads the CLI and K6_STAGES form of stages: a comma-separated
// list of DURATION[:TARGET] items, like "30s:10,1m:20,10s". A missing target
// leaves Target unset. An empty string gives no stages.
func ParseStages(s string) ([]Stage, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	out := make([]Stage, 0, len(parts))
	for _, part := range parts {
		st, err := parseStage(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("invalid stage %q: %w", part, err)
		}
		out = append(out, st)
	}
	return out, nil
}

func parseStage(s string) (Stage, error) {
	if s == "" {
		return Stage{}, errors.New("empty stage, expected DURATION[:TARGET] like 30s:10")
	}
	dur, target, hasTarget := strings.Cut(s, ":")
	d, err := ParseDuration(dur)
	if err != nil {
		return Stage{}, err
	}
	st := Stage{Duration: NullDurationFrom(d)}
	if hasTarget && target != "" {
		n, err := strconv.ParseInt(target, 10, 64)
		if err != nil {
			return Stage{}, fmt.Errorf("target %q is not an integer", target)
		}
		st.Target = null.IntFrom(n)
	}
	return st, nil
}
