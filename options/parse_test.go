package options

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/guregu/null.v3"
)

func TestParseValues(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		check func(t *testing.T, o Options)
	}{
		{"empty", ``, func(t *testing.T, o Options) { assert.Equal(t, Options{}.VUs, o.VUs) }},
		{"null", `null`, func(t *testing.T, o Options) { assert.Nil(t, o.Scenarios) }},
		{"shortcuts", `{"vus":10,"duration":"1m","iterations":null,"stages":[{"duration":"5s","target":3}]}`,
			func(t *testing.T, o Options) {
				assert.Equal(t, null.IntFrom(10), o.VUs)
				assert.Equal(t, NullDurationFrom(time.Minute), o.Duration)
				assert.False(t, o.Iterations.Valid)
				assert.Equal(t, []Stage{{NullDurationFrom(5 * time.Second), null.IntFrom(3)}}, o.Stages)
			}},
		{"quoted int as null.Int takes it", `{"vus":"7"}`, func(t *testing.T, o Options) {
			assert.Equal(t, null.IntFrom(7), o.VUs)
		}},
		{"integral float", `{"vus":3.0}`, func(t *testing.T, o Options) { assert.Equal(t, null.IntFrom(3), o.VUs) }},
		{"unknown top-level keys ignored", `{"out":["json"],"linger":true,"vus":1}`, func(t *testing.T, o Options) {
			assert.Equal(t, null.IntFrom(1), o.VUs)
		}},
		{"booleans and strings", `{"paused":true,"throw":false,"userAgent":"ua/1","httpDebug":"full","noSetup":true}`,
			func(t *testing.T, o Options) {
				assert.Equal(t, null.BoolFrom(true), o.Paused)
				assert.Equal(t, null.BoolFrom(false), o.Throw)
				assert.Equal(t, null.StringFrom("ua/1"), o.UserAgent)
				assert.Equal(t, null.StringFrom("full"), o.HTTPDebug)
				assert.Equal(t, null.BoolFrom(true), o.NoSetup)
			}},
		{"timeouts", `{"setupTimeout":"30s","teardownTimeout":1000,"handleSummaryTimeout":"5m","minIterationDuration":"1s"}`,
			func(t *testing.T, o Options) {
				assert.Equal(t, 30*time.Second, o.GetSetupTimeout())
				assert.Equal(t, time.Second, o.GetTeardownTimeout())
				assert.Equal(t, 5*time.Minute, o.GetHandleSummaryTimeout())
				assert.Equal(t, NullDurationFrom(time.Second), o.MinIterationDuration)
			}},
		{"tags with numbers", `{"tags":{"name":"value","id":1,"ok":true}}`, func(t *testing.T, o Options) {
			assert.Equal(t, map[string]string{"name": "value", "id": "1", "ok": "true"}, o.Tags)
		}},
		{"system tags normalized", `{"systemTags":["status","bogus","url","status"]}`, func(t *testing.T, o Options) {
			assert.Equal(t, []string{"status", "url"}, o.SystemTags)
		}},
		{"network", `{"dns":{"ttl":"1m","select":"roundRobin","policy":"any"},"blacklistIPs":["10.0.0.0/8"],
			"blockHostnames":["test.k6.io","*.example.com"],"hosts":{"test.k6.io":"1.2.3.4:8443"},
			"tlsVersion":"tls1.2","tlsCipherSuites":["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"],"localIPs":"10.0.0.1-10.0.0.3"}`,
			func(t *testing.T, o Options) {
				assert.Equal(t, "roundRobin", o.DNS.GetSelect())
				assert.Equal(t, "any", o.DNS.GetPolicy())
				ttl, forever := o.DNS.GetTTL()
				assert.Equal(t, time.Minute, ttl)
				assert.False(t, forever)
				require.Len(t, o.BlacklistIPs, 1)
				assert.Equal(t, "10.0.0.0/8", o.BlacklistIPs[0].String())
				assert.True(t, o.BlockHostnames.Match("a.b.EXAMPLE.com"))
				assert.True(t, o.BlockHostnames.Match("test.k6.io"))
				assert.False(t, o.BlockHostnames.Match("k6.io"))
				assert.Equal(t, map[string]string{"test.k6.io": "1.2.3.4:8443"}, o.Hosts)
				assert.Equal(t, &TLSVersions{Min: "tls1.2", Max: "tls1.2"}, o.TLSVersion)
				assert.Equal(t, []uint16{0xc02f}, o.TLSCipherSuites.IDs())
				assert.Equal(t, null.StringFrom("10.0.0.1-10.0.0.3"), o.LocalIPs)
			}},
		{"ext, cloud and features", `{"ext":{"loadimpact":{"name":"x"}},"cloud":{"projectID":1},"features":["native-histograms"]}`,
			func(t *testing.T, o Options) {
				assert.JSONEq(t, `{"name":"x"}`, string(o.Ext["loadimpact"]))
				assert.JSONEq(t, `{"projectID":1}`, string(o.Cloud))
				assert.Equal(t, []string{"native-histograms"}, o.Features)
			}},
		{"segments", `{"executionSegment":"1/4:1/2","executionSegmentSequence":"0,1/4,1/2,1"}`, func(t *testing.T, o Options) {
			assert.Equal(t, "1/4:1/2", o.ExecutionSegment.String())
			assert.Equal(t, "0,1/4,1/2,1", o.ExecutionSegmentSequence.String())
		}},
		{"empty segment is unset", `{"executionSegment":""}`, func(t *testing.T, o Options) {
			assert.Nil(t, o.ExecutionSegment)
		}},
		{"explicitly empty scenarios", `{"scenarios":{}}`, func(t *testing.T, o Options) {
			assert.NotNil(t, o.Scenarios)
			assert.Empty(t, o.Scenarios)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Parse([]byte(tt.in))
			require.NoError(t, err)
			tt.check(t, o)
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		path string // the OptionError path; "" when not an OptionError
		msg  string
	}{
		{"not an object", `[1]`, "options",
			`json: invalid type for option "options": expected an object, got an array`},
		{"syntax", `{"vus":`, "", "unexpected end of JSON input"},
		{"vus string", `{"vus":"abc"}`, "vus",
			`json: invalid type for option "vus": expected an integer, got a string ("abc")`},
		{"vus fraction", `{"vus":2.5}`, "vus", `invalid value for option "vus": expected an integer, got 2.5`},
		{"vus bool", `{"vus":true}`, "vus", `json: invalid type for option "vus": expected an integer, got a boolean (true)`},
		{"paused number", `{"paused":1}`, "paused", `json: invalid type for option "paused": expected a boolean, got a number (1)`},
		{"duration object", `{"duration":{}}`, "duration",
			`json: invalid type for option "duration": expected a duration (a string like "30s" or a number of milliseconds), got an object`},
		{"duration text", `{"duration":"soon"}`, "duration", `invalid value for option "duration": invalid duration "soon"`},
		{"stage target", `{"stages":[{"duration":"1s","target":"x"}]}`, "stages[0].target",
			`json: invalid type for option "stages[0].target": expected an integer, got a string ("x")`},
		{"stages not array", `{"stages":{}}`, "stages", `expected an array of stages`},
		{"tags value", `{"tags":{"a":{}}}`, "tags.a", `json: invalid type for option "tags.a": expected a string, got an object`},
		{"summaryTrendStats item", `{"summaryTrendStats":["avg",1]}`, "summaryTrendStats[1]", `expected a string, got a number (1)`},
		{"dns select", `{"dns":{"select":"best"}}`, "dns.select", `unknown DNS select "best"`},
		{"dns ttl", `{"dns":{"ttl":"-1s"}}`, "dns.ttl", `can't be negative`},
		{"tls version", `{"tlsVersion":"tls9"}`, "tlsVersion", `unknown TLS version "tls9"`},
		{"cipher", `{"tlsCipherSuites":["NOPE"]}`, "tlsCipherSuites", `unknown cipher suite "NOPE"`},
		{"cidr", `{"blacklistIPs":["10.0.0.0/33"]}`, "blacklistIPs[0]", `failed to parse CIDR "10.0.0.0/33"`},
		{"hostname", `{"blockHostnames":["a.*.com"]}`, "blockHostnames[0]", `'*' is allowed only at the start`},
		{"segment", `{"executionSegment":"2:3"}`, "executionSegment", `invalid execution segment "2:3"`},
		{"sequence", `{"executionSegmentSequence":"0,1/2,1/4"}`, "executionSegmentSequence", `invalid execution segment sequence`},
		{"threshold list", `{"thresholds":{"http_req_duration":"p(95)<200"}}`, `thresholds["http_req_duration"]`,
			`expected an array of thresholds`},
		{"threshold item", `{"thresholds":{"iterations{scenario:x}":["count>1",3]}}`, `thresholds["iterations{scenario:x}"][1]`,
			`expected a threshold expression string or an object`},
		{"threshold delay", `{"thresholds":{"x":[{"threshold":"rate<1","abortOnFail":true,"delayAbortEval":"later"}]}}`,
			`thresholds["x"][0].delayAbortEval`, `invalid duration "later"`},
		{"scenarios not object", `{"scenarios":[]}`, "scenarios", `expected an object mapping scenario names to scenarios`},
		{"scenario not object", `{"scenarios":{"s":1}}`, "scenarios.s", `expected an object, got a number (1)`},
		{"missing executor", `{"scenarios":{"s":{"vus":1}}}`, "scenarios.s", `scenario "s" doesn't have a specified executor type`},
		{"unknown executor", `{"scenarios":{"x":{"executor":"y"}}}`, "scenarios.x.executor",
			`invalid value for option "scenarios.x.executor": unknown executor type "y" (use constant-arrival-rate, constant-vus, ` +
				`externally-controlled, per-vu-iterations, ramping-arrival-rate, ramping-vus, shared-iterations)`},
		{"executor type", `{"scenarios":{"x":{"executor":5}}}`, "scenarios.x.executor", `expected a string`},
		{"unknown scenario field", `{"scenarios":{"x":{"executor":"constant-vus","duration":"1s","iterations":5}}}`,
			"scenarios.x.iterations", `invalid value for option "scenarios.x.iterations": unknown option`},
		{"scenario field type", `{"scenarios":{"si":{"executor":"shared-iterations","vus":"many"}}}`, "scenarios.si.vus",
			`json: invalid type for option "scenarios.si.vus": expected an integer, got a string ("many")`},
		{"scenario stage unknown field", `{"scenarios":{"r":{"executor":"ramping-vus","stages":[{"duration":"1s","target":1,"x":1}]}}}`,
			"scenarios.r.stages[0].x", `unknown option`},
		{"odd scenario name quoted", `{"scenarios":{"a b":{"executor":"nope"}}}`, `scenarios["a b"].executor`, `unknown executor type`},
		{"scenario options", `{"scenarios":{"s":{"executor":"per-vu-iterations","options":"x"}}}`, "scenarios.s.options", `expected an object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.msg)
			var oe *OptionError
			if tt.path == "" {
				assert.False(t, errors.As(err, &oe), "unexpected OptionError %v", err)
				return
			}
			require.True(t, errors.As(err, &oe), "not an OptionError: %v", err)
			assert.Equal(t, tt.path, oe.Path)
		})
	}
}

func TestOptionsUnmarshalJSON(t *testing.T) {
	var wrapper struct {
		Options Options `json:"options"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"options":{"iterations":4}}`), &wrapper))
	assert.Equal(t, null.IntFrom(4), wrapper.Options.Iterations)
	err := json.Unmarshal([]byte(`{"options":{"iterations":"four"}}`), &wrapper)
	assert.ErrorContains(t, err, `option "iterations"`)
}

func TestScenarioDecoding(t *testing.T) {
	o, err := Parse([]byte(`{"scenarios":{
		"ec":{"executor":"externally-controlled","vus":2,"duration":"0s"},
		"b":{"executor":"constant-vus","duration":"1m","startTime":"10s","gracefulStop":"5s","exec":"fn",
			"env":{"A":"1"},"tags":{"t":"v"},"options":{"browser":{"type":"chromium"}}}}}`))
	require.NoError(t, err)

	ec := o.Scenarios["ec"].(ExternallyControlledConfig)
	assert.Equal(t, null.IntFrom(2), ec.MaxVUs, "an unset maxVUs takes vus, as in k6")
	assert.Equal(t, int64(2), ec.GetMaxVUs())
	assert.Equal(t, time.Duration(0), ec.GetDuration())

	b := o.Scenarios["b"].(ConstantVUsConfig)
	assert.Equal(t, "b", b.GetName())
	assert.Equal(t, ConstantVUsExecutor, b.Type())
	assert.Equal(t, 10*time.Second, b.GetStartTime())
	assert.Equal(t, 5*time.Second, b.GetGracefulStop())
	assert.Equal(t, "fn", b.GetExec())
	assert.Equal(t, map[string]string{"A": "1"}, b.GetEnv())
	assert.Equal(t, map[string]string{"t": "v"}, b.GetTags())
	assert.Equal(t, int64(1), b.GetVUs())
	assert.Equal(t, time.Minute, b.GetDuration())

	out, err := b.MarshalJSON()
	require.NoError(t, err)
	assert.Equal(t, `{"executor":"constant-vus","startTime":"10s","gracefulStop":"5s","env":{"A":"1"},"exec":"fn",`+
		`"tags":{"t":"v"},"options":{"browser":{"type":"chromium"}},"vus":null,"duration":"1m0s"}`, string(out))

	var sc Scenarios
	require.NoError(t, json.Unmarshal([]byte(`{"x":{"executor":"per-vu-iterations"}}`), &sc))
	assert.Equal(t, []string{"x"}, sc.Names())
	require.NoError(t, json.Unmarshal([]byte(`null`), &sc))
	assert.Nil(t, sc)
}

func TestScenariosSorted(t *testing.T) {
	sc := Scenarios{
		"late":  ConstantVUsConfig{BaseConfig: BaseConfig{Name: "late", StartTime: NullDurationFrom(time.Minute)}},
		"b":     PerVUIterationsConfig{BaseConfig: BaseConfig{Name: "b"}},
		"a":     PerVUIterationsConfig{BaseConfig: BaseConfig{Name: "a"}},
		"early": SharedIterationsConfig{BaseConfig: BaseConfig{Name: "early", StartTime: NullDurationFrom(time.Second)}},
	}
	var names []string
	for _, s := range sc.Sorted() {
		names = append(names, s.GetName())
	}
	assert.Equal(t, []string{"a", "b", "early", "late"}, names)
}

func TestThresholdsJSON(t *testing.T) {
	in := `{"thresholds":{
		"http_req_duration":["p(95)<200",{"threshold":"p(99)<500","abortOnFail":true,"delayAbortEval":"10s"}],
		"iterations{scenario:x}":[{"threshold":"count>1"}]}}`
	o, err := Parse([]byte(in))
	require.NoError(t, err)
	assert.Equal(t, Thresholds{
		"http_req_duration": {
			{Source: "p(95)<200"},
			{Source: "p(99)<500", AbortOnFail: true, DelayAbortEval: NullDurationFrom(10 * time.Second)},
		},
		"iterations{scenario:x}": {{Source: "count>1"}},
	}, o.Thresholds)
	assert.Equal(t, []string{"http_req_duration", "iterations{scenario:x}"}, o.Thresholds.Selectors())

	out, err := marshalJSON(o.Thresholds)
	require.NoError(t, err)
	// Strings stay strings; objects without abortOnFail collapse to their
	// expression, as k6 marshals them; < is not HTML-escaped.
	assert.Equal(t, `{"http_req_duration":["p(95)<200",{"threshold":"p(99)<500","abortOnFail":true,"delayAbortEval":"10s"}],`+
		`"iterations{scenario:x}":["count>1"]}`, string(out))
}

func TestMarshalRoundTrip(t *testing.T) {
	in := `{"vus":3,"duration":"90s","iterations":null,"stages":[{"duration":"1s","target":1}],"paused":false,
		"tags":{"a":"b"},"thresholds":{"checks":["rate>0.9"]},"dns":{"ttl":"inf"},"tlsVersion":{"min":"tls1.2"},
		"tlsAuth":[{"domains":["example.com"],"cert":"C","key":"K"}],"hosts":{"a":"1.2.3.4"},
		"scenarios":{"s":{"executor":"ramping-arrival-rate","stages":[{"duration":"1s","target":5}],"preAllocatedVUs":2}}}`
	o, err := Parse([]byte(in))
	require.NoError(t, err)
	first, err := json.Marshal(o)
	require.NoError(t, err)
	back, err := Parse(first)
	require.NoError(t, err)
	second, err := json.Marshal(back)
	require.NoError(t, err)
	assert.JSONEq(t, string(first), string(second))

	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(first, &m))
	assert.JSONEq(t, `3`, string(m["vus"]))
	assert.JSONEq(t, `"1m30s"`, string(m["duration"]))
	assert.JSONEq(t, `[{"duration":"1s","target":1}]`, string(m["stages"]))
	assert.JSONEq(t, `{"min":"tls1.2","max":""}`, string(m["tlsVersion"]))
	assert.JSONEq(t, `[{"domains":["example.com"],"cert":"C","key":"K","password":null}]`, string(m["tlsAuth"]))
	assert.JSONEq(t, `{"ttl":"inf","select":null,"policy":null}`, string(m["dns"]))

	script, err := o.ScriptJSON()
	require.NoError(t, err)
	var view map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(script, &view))
	for _, k := range []string{"vus", "duration", "iterations", "stages", "cloud"} {
		assert.NotContains(t, view, k)
	}
	assert.Len(t, view, 39)
}
