package metrics

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// ThresholdConfig is one threshold as written in the thresholds option: the
// expression, and the object form's abortOnFail and delayAbortEval.
type ThresholdConfig struct {
	Source         string        // the expression, e.g. "p(95)<200"
	AbortOnFail    bool          // stop the test when the threshold fails during the run
	DelayAbortEval time.Duration // do not abort before the test has run this long
}

// Aggregation methods of threshold expressions.
const (
	MethodCount      = "count"
	MethodRate       = "rate"
	MethodValue      = "value"
	MethodAvg        = "avg"
	MethodMin        = "min"
	MethodMax        = "max"
	MethodMed        = "med"
	MethodPercentile = "p"
)

// ThresholdExpression is a parsed threshold expression: Method Operator Value,
// as in "p(99.9) < 200".
type ThresholdExpression struct {
	Method     string  // one of the Method constants
	Percentile float64 // N of p(N), when Method is MethodPercentile
	Operator   string  // <, <=, >, >=, ==, ===, !=
	Value      float64 // the right-hand side
}

// MethodName returns the aggregation as written: "avg", "p(99.9)"...
func (x ThresholdExpression) MethodName() string {
	if x.Method == MethodPercentile {
		return "p(" + strconv.FormatFloat(x.Percentile, 'f', -1, 64) + ")"
	}
	return x.Method
}

// Holds reports whether the aggregated value lhs satisfies the expression.
func (x ThresholdExpression) Holds(lhs float64) bool {
	switch x.Operator {
	case "<":
		return lhs < x.Value
	case "<=":
		return lhs <= x.Value
	case ">":
		return lhs > x.Value
	case ">=":
		return lhs >= x.Value
	case "==", "===":
		return lhs == x.Value
	case "!=":
		return lhs != x.Value
	default:
		return false
	}
}

var operators = []string{"===", "==", "!=", "<=", ">=", "<", ">"} // longest first

const operatorList = "<, <=, >, >=, ==, ===, !="

// ParseThresholdExpression parses k6's threshold grammar:
//
//	expression  = ws method ws operator ws number ws
//	method      = "count" | "rate" | "value" | "avg" | "min" | "max" | "med" | "p(" ws number ws ")"
//	operator    = "<" | "<=" | ">" | ">=" | "==" | "===" | "!="
//
// The error says what is wrong, without the expression (the caller adds it).
func ParseThresholdExpression(src string) (ThresholdExpression, error) {
	var x ThresholdExpression
	i := strings.IndexAny(src, "<>=!")
	if i < 0 {
		return x, fmt.Errorf("no comparison operator; use one of %s", operatorList)
	}
	for _, op := range operators {
		if strings.HasPrefix(src[i:], op) {
			x.Operator = op
			break
		}
	}
	if x.Operator == "" {
		j := i
		for j < len(src) && strings.IndexByte("<>=!", src[j]) >= 0 {
			j++
		}
		return x, fmt.Errorf("%q is not an operator; use one of %s", src[i:j], operatorList)
	}
	lhs := strings.TrimSpace(src[:i])
	rhs := strings.TrimSpace(src[i+len(x.Operator):])

	switch lhs {
	case MethodCount, MethodRate, MethodValue, MethodAvg, MethodMin, MethodMax, MethodMed:
		x.Method = lhs
	default:
		inner, ok := strings.CutPrefix(lhs, "p")
		inner = strings.TrimLeftFunc(inner, unicode.IsSpace)
		if ok {
			inner, ok = strings.CutPrefix(inner, "(")
		}
		if ok {
			inner, ok = strings.CutSuffix(inner, ")")
		}
		if !ok {
			if lhs == "" {
				return x, errors.New("no aggregation method before the operator")
			}
			return x, fmt.Errorf("unknown aggregation method %q; use one of count, rate, value, avg, min, max, med, p(N)", lhs)
		}
		p, err := parseDecimal(strings.TrimSpace(inner))
		if err != nil || p < 0 || p > 100 {
			return x, fmt.Errorf("malformed percentile %q; use p(N) with N a number from 0 to 100", lhs)
		}
		x.Method, x.Percentile = MethodPercentile, p
	}

	v, err := parseDecimal(rhs)
	if err != nil {
		return x, fmt.Errorf("the right-hand side %q is not a number", rhs)
	}
	x.Value = v
	return x, nil
}

// parseDecimal parses a plain decimal number: optional sign, digits, optional
// fraction and exponent. No hex, infinities, NaN or underscores.
func parseDecimal(s string) (float64, error) {
	if s == "" || strings.IndexFunc(s, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r == '.' || r == '-' || r == '+' || r == 'e' || r == 'E')
	}) >= 0 {
		return 0, errors.New("not a number")
	}
	return strconv.ParseFloat(s, 64)
}

// supportedMethods lists the threshold aggregation methods of a metric type,
// in k6's order.
func supportedMethods(t MetricType) []string {
	switch t {
	case Counter:
		return []string{MethodCount, MethodRate}
	case Gauge:
		return []string{MethodValue}
	case Rate:
		return []string{MethodRate}
	case Trend:
		return []string{MethodAvg, MethodMin, MethodMax, MethodMed, MethodPercentile + "(N)"}
	default:
		return nil
	}
}

func supportsMethod(t MetricType, method string) bool {
	if t == Trend && method == MethodPercentile {
		return true
	}
	for _, m := range supportedMethods(t) {
		if m == method {
			return true
		}
	}
	return false
}

// ErrInvalidThreshold is wrapped by every threshold configuration error.
var ErrInvalidThreshold = errors.New("invalid threshold")

// ThresholdErrorKind says what is wrong with a threshold definition.
type ThresholdErrorKind int

// The kinds of threshold errors.
const (
	ErrKindExpression  ThresholdErrorKind = iota + 1 // the expression does not parse
	ErrKindSelector                                  // the metric selector does not parse
	ErrKindUnknown                                   // no metric of that name
	ErrKindUnsupported                               // the method does not apply to the metric's type
)

// ThresholdError is an invalid threshold definition (exit code 104 in k6).
// It names the selector as written and, unless the selector itself is wrong,
// the threshold's text.
type ThresholdError struct {
	Kind     ThresholdErrorKind
	Selector string // the thresholds key, e.g. "http_req_duration{status:200}"
	Source   string // the threshold expression; "" for selector errors
	Reason   string
}

// Error renders the error with k6's wording.
func (e *ThresholdError) Error() string {
	switch e.Kind {
	case ErrKindExpression:
		return fmt.Sprintf("failed parsing threshold expression %q on %s; reason: %s", e.Source, e.Selector, e.Reason)
	case ErrKindSelector:
		return fmt.Sprintf("unable to validate threshold expressions; reason: parsing metric name failed, metric %q %s",
			e.Selector, e.Reason)
	case ErrKindUnknown:
		return fmt.Sprintf("invalid threshold defined on %s; reason: %s", e.Selector, e.Reason)
	default:
		return fmt.Sprintf("invalid threshold %q applied on metric %s; reason: %s", e.Source, e.Selector, e.Reason)
	}
}

// Unwrap returns ErrInvalidThreshold.
func (e *ThresholdError) Unwrap() error { return ErrInvalidThreshold }

// Selector is a parsed thresholds key: a metric name and, for a sub-metric,
// the tags a sample must carry.
type Selector struct {
	Metric string  // the metric's name
	Tags   *TagSet // nil for the metric itself
	// Name is the (sub-)metric's name in summaries: the metric's name, plus
	// "{" + the trimmed selector text + "}" for a sub-metric.
	Name string
}

// ParseSelector parses a thresholds key: "name" or "name{k:v,k2:v2}". Keys and
// values are trimmed of spaces and then of quotes, so {status:"200"} and
// { status : 200 } select the same samples; "{group:::setup}" selects the
// group "::setup" (only the first colon separates).
func ParseSelector(sel string) (Selector, error) {
	open := strings.IndexByte(sel, '{')
	closing := strings.LastIndexByte(sel, '}')
	fail := func(reason string) (Selector, error) {
		return Selector{}, &ThresholdError{Kind: ErrKindSelector, Selector: sel, Reason: reason}
	}
	switch {
	case open < 0 && closing < 0:
		return Selector{Metric: sel, Name: sel}, nil
	case open < 0 || closing < 0:
		return fail("has unmatched opening/close curly brace")
	case closing < open:
		return fail("closing curly brace appears before opening one")
	case closing != len(sel)-1:
		return fail("lacks a closing curly brace in its last position")
	}
	inner := strings.TrimSpace(sel[open+1 : closing])
	parts := strings.Split(inner, ",")
	tags := make([]Tag, 0, len(parts))
	for _, part := range parts {
		k, v, ok := strings.Cut(part, ":")
		k = strings.Trim(strings.TrimSpace(k), `"'`)
		v = strings.Trim(strings.TrimSpace(v), `"'`)
		if !ok || k == "" || v == "" {
			return fail(fmt.Sprintf("tag expression is malformed (%q; use {key:value})", strings.TrimSpace(part)))
		}
		tags = append(tags, Tag{Key: k, Value: v})
	}
	name := sel[:open]
	return Selector{Metric: name, Tags: NewTagSetFromTags(tags...), Name: name + "{" + inner + "}"}, nil
}

// parsedThresholds is the checked form of the thresholds option.
type parsedThresholds struct {
	selector Selector
	key      string // the thresholds key as written
	list     []parsedThreshold
}

type parsedThreshold struct {
	cfg  ThresholdConfig
	expr ThresholdExpression
}

// ParseThresholds checks the syntax of every selector and expression, without
// a registry; it is what can be checked before the script's init context has
// declared its custom metrics. The first error, in key order, is returned.
func ParseThresholds(thresholds map[string][]ThresholdConfig) error {
	_, err := parseThresholds(thresholds)
	return err
}

func parseThresholds(thresholds map[string][]ThresholdConfig) ([]parsedThresholds, error) {
	keys := make([]string, 0, len(thresholds))
	for k := range thresholds {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]parsedThresholds, 0, len(keys))
	for _, k := range keys {
		sel, err := ParseSelector(k)
		if err != nil {
			return nil, err
		}
		pt := parsedThresholds{selector: sel, key: k}
		for _, cfg := range thresholds[k] {
			expr, err := ParseThresholdExpression(cfg.Source)
			if err != nil {
				return nil, &ThresholdError{Kind: ErrKindExpression, Selector: k, Source: cfg.Source, Reason: err.Error()}
			}
			pt.list = append(pt.list, parsedThreshold{cfg: cfg, expr: expr})
		}
		out = append(out, pt)
	}
	return out, nil
}

// ValidateThresholds checks the thresholds option against the registry: the
// syntax, that every metric exists, and that every method applies to its
// metric's type. Call it after the init context, when custom metrics exist.
func ValidateThresholds(reg *Registry, thresholds map[string][]ThresholdConfig) error {
	parsed, err := parseThresholds(thresholds)
	if err != nil {
		return err
	}
	_, err = resolveThresholds(reg, parsed)
	return err
}

// resolveThresholds looks up each selector's metric and checks the methods.
func resolveThresholds(reg *Registry, parsed []parsedThresholds) ([]*Metric, error) {
	metrics := make([]*Metric, len(parsed))
	for i, pt := range parsed {
		m := reg.Get(pt.selector.Metric)
		if m == nil {
			return nil, &ThresholdError{Kind: ErrKindUnknown, Selector: pt.key,
				Reason: fmt.Sprintf("no metric name %q found", pt.key)}
		}
		for _, t := range pt.list {
			if !supportsMethod(m.Type, t.expr.Method) {
				return nil, &ThresholdError{Kind: ErrKindUnsupported, Selector: pt.key, Source: t.cfg.Source,
					Reason: fmt.Sprintf("unsupported aggregation method %s on metric of type %s. "+
						"supported aggregation methods for this metric are: %s",
						t.expr.MethodName(), m.Type, strings.Join(supportedMethods(m.Type), ", "))}
			}
		}
		metrics[i] = m
	}
	return metrics, nil
}

// ThresholdAbort reports that a threshold with abortOnFail failed during the
// run (after its delayAbortEval): the test must stop, with exit code 99.
type ThresholdAbort struct {
	Crossed  []string // every (sub-)metric whose thresholds failed, sorted
	Metric   string   // the (sub-)metric of the threshold that asked to abort
	Source   string   // that threshold's expression
	Duration time.Duration
}

// Error returns k6's message.
func (a *ThresholdAbort) Error() string {
	return "thresholds on metrics '" + strings.Join(a.Crossed, ", ") +
		"' were crossed; at least one has abortOnFail enabled, stopping test prematurely"
}

// ThresholdsCrossedError reports that thresholds failed at the end of the
// test (exit code 99).
type ThresholdsCrossedError struct {
	Crossed []string // the (sub-)metrics whose thresholds failed, sorted
}

// Error returns k6's message.
func (e *ThresholdsCrossedError) Error() string {
	return "thresholds on metrics '" + strings.Join(e.Crossed, ", ") + "' have been crossed"
}
