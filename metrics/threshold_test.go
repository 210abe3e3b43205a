package metrics

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseThresholdExpression(t *testing.T) {
	t.Parallel()
	tests := []struct {
		src  string
		want ThresholdExpression
		err  string
	}{
		// every method and operator (conformance case 15)
		{src: "count==10", want: ThresholdExpression{Method: "count", Operator: "==", Value: 10}},
		{src: "count===10", want: ThresholdExpression{Method: "count", Operator: "===", Value: 10}},
		{src: "count!=11", want: ThresholdExpression{Method: "count", Operator: "!=", Value: 11}},
		{src: "count>=10", want: ThresholdExpression{Method: "count", Operator: ">=", Value: 10}},
		{src: "count<=10", want: ThresholdExpression{Method: "count", Operator: "<=", Value: 10}},
		{src: "count>9", want: ThresholdExpression{Method: "count", Operator: ">", Value: 9}},
		{src: "count<11", want: ThresholdExpression{Method: "count", Operator: "<", Value: 11}},
		{src: "rate>0", want: ThresholdExpression{Method: "rate", Operator: ">", Value: 0}},
		{src: "value!=0", want: ThresholdExpression{Method: "value", Operator: "!=", Value: 0}},
		{src: "avg==50.5", want: ThresholdExpression{Method: "avg", Operator: "==", Value: 50.5}},
		{src: "min==1", want: ThresholdExpression{Method: "min", Operator: "==", Value: 1}},
		{src: "max<100", want: ThresholdExpression{Method: "max", Operator: "<", Value: 100}},
		{src: "med>49", want: ThresholdExpression{Method: "med", Operator: ">", Value: 49}},
		{src: "p(90)<92", want: ThresholdExpression{Method: "p", Percentile: 90, Operator: "<", Value: 92}},
		{src: "p(99.9)>=98", want: ThresholdExpression{Method: "p", Percentile: 99.9, Operator: ">=", Value: 98}},
		{src: "p(0)>=1", want: ThresholdExpression{Method: "p", Percentile: 0, Operator: ">=", Value: 1}},
		{src: "p(100)<=100", want: ThresholdExpression{Method: "p", Percentile: 100, Operator: "<=", Value: 100}},
		// whitespace
		{src: "count == 10", want: ThresholdExpression{Method: "count", Operator: "==", Value: 10}},
		{src: "  avg < 51  ", want: ThresholdExpression{Method: "avg", Operator: "<", Value: 51}},
		{src: "\tp(95)\t<\n200", want: ThresholdExpression{Method: "p", Percentile: 95, Operator: "<", Value: 200}},
		{src: "p( 95 )<200", want: ThresholdExpression{Method: "p", Percentile: 95, Operator: "<", Value: 200}},
		// numbers
		{src: "value>-5", want: ThresholdExpression{Method: "value", Operator: ">", Value: -5}},
		{src: "value<=-0.5", want: ThresholdExpression{Method: "value", Operator: "<=", Value: -0.5}},
		{src: "max<1e3", want: ThresholdExpression{Method: "max", Operator: "<", Value: 1000}},
		{src: "rate<.5", want: ThresholdExpression{Method: "rate", Operator: "<", Value: 0.5}},
		// bad input
		{src: "count=>2", err: `"=>" is not an operator; use one of <, <=, >, >=, ==, ===, !=`},
		{src: "count=2", err: `"=" is not an operator; use one of <, <=, >, >=, ==, ===, !=`},
		{src: "count 2", err: "no comparison operator; use one of <, <=, >, >=, ==, ===, !="},
		{src: "", err: "no comparison operator; use one of <, <=, >, >=, ==, ===, !="},
		{src: "<2", err: "no aggregation method before the operator"},
		{src: "mean<2", err: `unknown aggregation method "mean"; use one of count, rate, value, avg, min, max, med, p(N)`},
		{src: "AVG<2", err: `unknown aggregation method "AVG"; use one of count, rate, value, avg, min, max, med, p(N)`},
		{src: "p95<2", err: `unknown aggregation method "p95"; use one of count, rate, value, avg, min, max, med, p(N)`},
		{src: "p(95<2", err: `unknown aggregation method "p(95"; use one of count, rate, value, avg, min, max, med, p(N)`},
		{src: "p(abc)<2", err: `malformed percentile "p(abc)"; use p(N) with N a number from 0 to 100`},
		{src: "p(101)<2", err: `malformed percentile "p(101)"; use p(N) with N a number from 0 to 100`},
		{src: "p()<2", err: `malformed percentile "p()"; use p(N) with N a number from 0 to 100`},
		{src: "avg<", err: `the right-hand side "" is not a number`},
		{src: "avg<abc", err: `the right-hand side "abc" is not a number`},
		{src: "avg<NaN", err: `the right-hand side "NaN" is not a number`},
		{src: "avg<0x10", err: `the right-hand side "0x10" is not a number`},
		{src: "avg<1 2", err: `the right-hand side "1 2" is not a number`},
		{src: "avg<<2", err: `the right-hand side "<2" is not a number`},
		{src: "avg<2 && max<3", err: `the right-hand side "2 && max<3" is not a number`},
		{src: "throw new Error('wat')", err: "no comparison operator; use one of <, <=, >, >=, ==, ===, !="},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			t.Parallel()
			got, err := ParseThresholdExpression(tc.src)
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestThresholdExpressionHolds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		op             string
		lt, eq, gt     bool // holds for lhs below, equal to, above the value
		wantMethodName string
	}{
		{"<", true, false, false, ""},
		{"<=", true, true, false, ""},
		{">", false, false, true, ""},
		{">=", false, true, true, ""},
		{"==", false, true, false, ""},
		{"===", false, true, false, ""},
		{"!=", true, false, true, ""},
	}
	for _, tc := range tests {
		x := ThresholdExpression{Method: "avg", Operator: tc.op, Value: 10}
		assert.Equal(t, []bool{tc.lt, tc.eq, tc.gt}, []bool{x.Holds(9), x.Holds(10), x.Holds(11)}, tc.op)
	}
	assert.False(t, ThresholdExpression{Operator: "?"}.Holds(1))
	assert.Equal(t, "p(99.9)", ThresholdExpression{Method: "p", Percentile: 99.9}.MethodName())
	assert.Equal(t, "avg", ThresholdExpression{Method: "avg"}.MethodName())
}

func TestParseSelector(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sel    string
		metric string
		tags   map[string]string
		name   string
		err    string
	}{
		{sel: "iterations", metric: "iterations", name: "iterations"},
		{sel: "iterations{scenario:x}", metric: "iterations", tags: map[string]string{"scenario": "x"},
			name: "iterations{scenario:x}"},
		{sel: "http_req_duration{status:200,method:GET}", metric: "http_req_duration",
			tags: map[string]string{"status": "200", "method": "GET"}, name: "http_req_duration{status:200,method:GET}"},
		{sel: "checks{group:::setup}", metric: "checks", tags: map[string]string{"group": "::setup"},
			name: "checks{group:::setup}"},
		{sel: `http_req_duration{ name : "named" }`, metric: "http_req_duration", tags: map[string]string{"name": "named"},
			name: `http_req_duration{name : "named"}`},
		{sel: `m{'k':'v', k2 : v2 }`, metric: "m", tags: map[string]string{"k": "v", "k2": "v2"},
			name: `m{'k':'v', k2 : v2}`},
		{sel: "m{url:http://x:8080/a}", metric: "m", tags: map[string]string{"url": "http://x:8080/a"},
			name: "m{url:http://x:8080/a}"},
		{sel: "m{", err: `unable to validate threshold expressions; reason: parsing metric name failed, metric "m{" ` +
			`has unmatched opening/close curly brace`},
		{sel: "m}", err: `unable to validate threshold expressions; reason: parsing metric name failed, metric "m}" ` +
			`has unmatched opening/close curly brace`},
		{sel: "m}a{", err: `unable to validate threshold expressions; reason: parsing metric name failed, metric "m}a{" ` +
			`closing curly brace appears before opening one`},
		{sel: "m{a:b}c", err: `unable to validate threshold expressions; reason: parsing metric name failed, ` +
			`metric "m{a:b}c" lacks a closing curly brace in its last position`},
		{sel: "m{}", err: `unable to validate threshold expressions; reason: parsing metric name failed, metric "m{}" ` +
			`tag expression is malformed (""; use {key:value})`},
		{sel: "m{a}", err: `unable to validate threshold expressions; reason: parsing metric name failed, metric "m{a}" ` +
			`tag expression is malformed ("a"; use {key:value})`},
		{sel: "m{a:}", err: `unable to validate threshold expressions; reason: parsing metric name failed, ` +
			`metric "m{a:}" tag expression is malformed ("a:"; use {key:value})`},
		{sel: "m{a:b,}", err: `unable to validate threshold expressions; reason: parsing metric name failed, ` +
			`metric "m{a:b,}" tag expression is malformed (""; use {key:value})`},
	}
	for _, tc := range tests {
		t.Run(tc.sel, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSelector(tc.sel)
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				var te *ThresholdError
				require.ErrorAs(t, err, &te)
				assert.Equal(t, ErrKindSelector, te.Kind)
				assert.ErrorIs(t, err, ErrInvalidThreshold)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.metric, got.Metric)
			assert.Equal(t, tc.name, got.Name)
			if tc.tags == nil {
				assert.Nil(t, got.Tags)
			} else {
				assert.Equal(t, tc.tags, got.Tags.Map())
			}
		})
	}
}

// The messages of conformance cases 20 and 22, and the other invalid
// configurations.
func TestValidateThresholds(t *testing.T) {
	t.Parallel()
	reg := NewRegistry()
	RegisterBuiltins(reg)
	reg.MustNewMetric("my_counter", Counter)
	reg.MustNewMetric("my_gauge", Gauge)
	reg.MustNewMetric("my_rate", Rate)
	reg.MustNewMetric("my_trend", Trend)

	one := func(sel string, srcs ...string) map[string][]ThresholdConfig {
		var cfgs []ThresholdConfig
		for _, s := range srcs {
			cfgs = append(cfgs, ThresholdConfig{Source: s})
		}
		return map[string][]ThresholdConfig{sel: cfgs}
	}
	tests := []struct {
		name   string
		th     map[string][]ThresholdConfig
		kind   ThresholdErrorKind
		substr []string
	}{
		{name: "every method on its type", th: map[string][]ThresholdConfig{
			"my_counter":                    {{Source: "count>1"}, {Source: "rate<2"}},
			"my_gauge":                      {{Source: "value>1"}},
			"my_rate":                       {{Source: "rate>0.5"}},
			"my_trend":                      {{Source: "avg<1"}, {Source: "min<1"}, {Source: "max<1"}, {Source: "med<1"}, {Source: "p(99.9)<1"}},
			"iterations{scenario:x}":        {{Source: "count>1"}},
			"http_req_duration{status:200}": {{Source: "p(95)<200"}},
			"checks{group:::setup}":         {{Source: "rate==1"}},
		}},
		{name: "malformed (case 20)", th: one("my_counter", "count=>2"), kind: ErrKindExpression,
			substr: []string{"failed parsing threshold expression", "count=>2", "my_counter"}},
		{name: "avg on a counter (case 22)", th: one("my_counter", "avg<1"), kind: ErrKindUnsupported,
			substr: []string{`invalid threshold "avg<1" applied on metric my_counter`,
				"unsupported aggregation method avg on metric of type counter",
				"supported aggregation methods for this metric are: count, rate"}},
		{name: "rate on a trend", th: one("my_trend", "rate<1"), kind: ErrKindUnsupported,
			substr: []string{"unsupported aggregation method rate on metric of type trend",
				"are: avg, min, max, med, p(N)"}},
		{name: "percentile on a rate", th: one("my_rate", "p(95)<1"), kind: ErrKindUnsupported,
			substr: []string{"unsupported aggregation method p(95) on metric of type rate", "are: rate"}},
		{name: "count on a gauge", th: one("my_gauge", "count<1"), kind: ErrKindUnsupported,
			substr: []string{"unsupported aggregation method count on metric of type gauge", "are: value"}},
		{name: "value on a trend sub-metric", th: one("my_trend{a:b}", "value<1"), kind: ErrKindUnsupported,
			substr: []string{`invalid threshold "value<1" applied on metric my_trend{a:b}`}},
		{name: "unknown metric", th: one("nope", "count<1"), kind: ErrKindUnknown,
			substr: []string{`invalid threshold defined on nope; reason: no metric name "nope" found`}},
		{name: "unknown metric of a sub-metric", th: one("nope{a:b}", "count<1"), kind: ErrKindUnknown,
			substr: []string{`no metric name "nope{a:b}" found`}},
		{name: "bad selector", th: one("my_counter{a}", "count<1"), kind: ErrKindSelector,
			substr: []string{`metric "my_counter{a}" tag expression is malformed ("a"`}},
		{name: "syntax errors come before unknown metrics", th: map[string][]ThresholdConfig{
			"a_unknown": {{Source: "count<1"}}, "my_counter": {{Source: "count<"}},
		}, kind: ErrKindExpression, substr: []string{`"count<" on my_counter`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateThresholds(reg, tc.th)
			if tc.kind == 0 {
				require.NoError(t, err)
				_, err = NewEngine(reg, tc.th)
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, s := range tc.substr {
				assert.Contains(t, err.Error(), s)
			}
			var te *ThresholdError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, tc.kind, te.Kind)
			assert.True(t, errors.Is(err, ErrInvalidThreshold))
			_, engErr := NewEngine(reg, tc.th)
			assert.EqualError(t, engErr, err.Error(), "NewEngine validates the same way")
		})
	}
	assert.NoError(t, ParseThresholds(one("not_registered_yet", "p(95)<1")), "syntax only")
	assert.Error(t, ParseThresholds(one("x", "p(95)<")))
}

func TestThresholdErrorCarriesTextAndMetric(t *testing.T) {
	t.Parallel()
	err := ParseThresholds(map[string][]ThresholdConfig{"http_req_duration{status:200}": {{Source: "p(95)<<1"}}})
	var te *ThresholdError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "http_req_duration{status:200}", te.Selector)
	assert.Equal(t, "p(95)<<1", te.Source)
	assert.Equal(t, `failed parsing threshold expression "p(95)<<1" on http_req_duration{status:200}; `+
		`reason: the right-hand side "<1" is not a number`, err.Error())
}

func FuzzParseThresholdExpression(f *testing.F) {
	for _, s := range []string{
		"count==10", "p(99.9) < 200", "rate!=0.5", "avg<=-1e3", "count=>2", "p(x)<1", "", "value>", " med >= 4 ",
		"p(95", "max<1 && min>2", "===", "p(100)>=0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		x, err := ParseThresholdExpression(src)
		if err != nil {
			assert.NotEmpty(t, err.Error())
			return
		}
		assert.Contains(t, []string{"count", "rate", "value", "avg", "min", "max", "med", "p"}, x.Method)
		assert.Contains(t, operators, x.Operator)
		assert.False(t, math.IsNaN(x.Value), "NaN never parses")
		if x.Method == "p" {
			assert.True(t, x.Percentile >= 0 && x.Percentile <= 100)
		}
		// A parsed expression parses again to the same thing from its parts.
		again, err := ParseThresholdExpression(x.MethodName() + x.Operator + formatRHS(x.Value))
		require.NoError(t, err, src)
		assert.Equal(t, x, again)
	})
}

func formatRHS(v float64) string {
	s := strings.Replace(jsString(v), "e+", "e", 1)
	return s
}

func FuzzParseSelector(f *testing.F) {
	for _, s := range []string{"m", "m{a:b}", "m{a:b,c:d}", "m{group:::setup}", "m{", "m{}", "m{a}", `m{"a":'b'}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sel string) {
		got, err := ParseSelector(sel)
		if err != nil {
			return
		}
		if got.Tags == nil {
			assert.Equal(t, sel, got.Metric)
			return
		}
		assert.True(t, strings.HasPrefix(got.Name, got.Metric+"{"))
		got.Tags.Range(func(k, v string) bool {
			assert.NotEmpty(t, k)
			assert.NotEmpty(t, v)
			return true
		})
	})
}
