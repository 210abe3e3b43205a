package options

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/guregu/null.v3"
)

func TestFromEnv(t *testing.T) {
	env := map[string]string{
		"K6_VUS":                        "10",
		"K6_DURATION":                   "1m30s",
		"K6_ITERATIONS":                 "",
		"K6_STAGES":                     "30s:10, 1m:20,10s",
		"K6_PAUSED":                     "true",
		"K6_NO_SETUP":                   "1",
		"K6_NO_TEARDOWN":                "false",
		"K6_THROW":                      "t",
		"K6_USER_AGENT":                 "agent/1",
		"K6_SETUP_TIMEOUT":              "2m",
		"K6_TEARDOWN_TIMEOUT":           "3000",
		"K6_HANDLE_SUMMARY_TIMEOUT":     "5m",
		"K6_SUMMARY_TREND_STATS":        "avg,p(99.9),count",
		"K6_SUMMARY_TIME_UNIT":          "ms",
		"K6_SYSTEM_TAGS":                "status,vu,nope",
		"K6_TAGS":                       "env=staging,team:core",
		"K6_EXECUTION_SEGMENT":          "0:1/3",
		"K6_EXECUTION_SEGMENT_SEQUENCE": "0,1/3,2/3,1",
		"K6_CONSOLE_OUTPUT":             "out.log",
		"K6_NO_CONNECTION_REUSE":        "true",
		"K6_NO_VU_CONNECTION_REUSE":     "true",
		"K6_MAX_REDIRECTS":              "3",
		"K6_BATCH":                      "15",
		"K6_BATCH_PER_HOST":             "5",
		"K6_RPS":                        "100",
		"K6_INSECURE_SKIP_TLS_VERIFY":   "true",
		"K6_DISCARD_RESPONSE_BODIES":    "true",
		"K6_MIN_ITERATION_DURATION":     "1s",
		"K6_HTTP_DEBUG":                 "full",
		"K6_DNS":                        "ttl=0,select=first,policy=onlyIPv6",
		"K6_BLACKLIST_IPS":              "10.0.0.0/8,192.168.0.0/16",
		"K6_BLOCK_HOSTNAMES":            "*.example.com",
		"K6_TLS_CIPHER_SUITES":          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
		"K6_NO_COOKIES_RESET":           "true",
		"K6_METRIC_SAMPLES_BUFFER_SIZE": "1000",
		"K6_LOCAL_IPS":                  "192.168.0.10-192.168.0.25,192.168.1.0/27",
		"K6_FEATURES":                   "native-histograms",
		"UNRELATED":                     "x",
	}
	o, err := FromEnv(env)
	require.NoError(t, err)
	assert.Equal(t, null.IntFrom(10), o.VUs)
	assert.Equal(t, NullDurationFrom(90*time.Second), o.Duration)
	assert.False(t, o.Iterations.Valid, "empty means unset")
	assert.Equal(t, []Stage{
		{NullDurationFrom(30 * time.Second), null.IntFrom(10)},
		{NullDurationFrom(time.Minute), null.IntFrom(20)},
		{NullDurationFrom(10 * time.Second), null.Int{}},
	}, o.Stages)
	assert.Equal(t, null.BoolFrom(true), o.Paused)
	assert.Equal(t, null.BoolFrom(true), o.NoSetup)
	assert.Equal(t, null.BoolFrom(false), o.NoTeardown)
	assert.Equal(t, null.BoolFrom(true), o.Throw)
	assert.Equal(t, null.StringFrom("agent/1"), o.UserAgent)
	assert.Equal(t, 2*time.Minute, o.GetSetupTimeout())
	assert.Equal(t, 3*time.Second, o.GetTeardownTimeout())
	assert.Equal(t, 5*time.Minute, o.GetHandleSummaryTimeout())
	assert.Equal(t, []string{"avg", "p(99.9)", "count"}, o.SummaryTrendStats)
	assert.Equal(t, null.StringFrom("ms"), o.SummaryTimeUnit)
	assert.Equal(t, []string{"status", "vu"}, o.SystemTags)
	assert.Equal(t, map[string]string{"env": "staging", "team": "core"}, o.Tags)
	assert.Equal(t, "0:1/3", o.ExecutionSegment.String())
	assert.Equal(t, "0,1/3,2/3,1", o.ExecutionSegmentSequence.String())
	assert.Equal(t, null.StringFrom("out.log"), o.ConsoleOutput)
	assert.Equal(t, null.BoolFrom(true), o.NoConnectionReuse)
	assert.Equal(t, null.BoolFrom(true), o.NoVUConnectionReuse)
	assert.Equal(t, null.IntFrom(3), o.MaxRedirects)
	assert.Equal(t, null.IntFrom(15), o.Batch)
	assert.Equal(t, null.IntFrom(5), o.BatchPerHost)
	assert.Equal(t, null.IntFrom(100), o.RPS)
	assert.Equal(t, null.BoolFrom(true), o.InsecureSkipTLSVerify)
	assert.Equal(t, null.BoolFrom(true), o.DiscardResponseBodies)
	assert.Equal(t, NullDurationFrom(time.Second), o.MinIterationDuration)
	assert.Equal(t, null.StringFrom("full"), o.HTTPDebug)
	ttl, _ := o.DNS.GetTTL()
	assert.Equal(t, time.Duration(0), ttl)
	assert.Equal(t, "first", o.DNS.GetSelect())
	assert.Equal(t, "onlyIPv6", o.DNS.GetPolicy())
	require.Len(t, o.BlacklistIPs, 2)
	assert.Equal(t, "192.168.0.0/16", o.BlacklistIPs[1].String())
	assert.Equal(t, HostnamePatterns{"*.example.com"}, o.BlockHostnames)
	assert.Equal(t, TLSCipherSuites{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"}, o.TLSCipherSuites)
	assert.Equal(t, null.BoolFrom(true), o.NoCookiesReset)
	assert.Equal(t, null.IntFrom(1000), o.MetricSamplesBufferSize)
	assert.Equal(t, null.StringFrom("192.168.0.10-192.168.0.25,192.168.1.0/27"), o.LocalIPs)
	assert.Equal(t, []string{"native-histograms"}, o.Features)
}

func TestFromEnvErrors(t *testing.T) {
	tests := []struct {
		name, value, msg string
	}{
		{"K6_VUS", "ten", `invalid environment variable K6_VUS="ten": expected an integer`},
		{"K6_ITERATIONS", "1.5", `K6_ITERATIONS="1.5": expected an integer`},
		{"K6_DURATION", "forever", `K6_DURATION="forever": invalid duration "forever"`},
		{"K6_PAUSED", "yes", `K6_PAUSED="yes": expected true or false`},
		{"K6_STAGES", "30s:ten", `K6_STAGES="30s:ten": invalid stage "30s:ten": target "ten" is not an integer`},
		{"K6_STAGES", "30s:1,,1m:2", `invalid stage "": empty stage`},
		{"K6_SETUP_TIMEOUT", "x", `K6_SETUP_TIMEOUT="x"`},
		{"K6_EXECUTION_SEGMENT", "1:2", `K6_EXECUTION_SEGMENT="1:2": invalid execution segment`},
		{"K6_EXECUTION_SEGMENT_SEQUENCE", "0,a", `K6_EXECUTION_SEGMENT_SEQUENCE="0,a"`},
		{"K6_DNS", "ttl", `K6_DNS="ttl": no value for key ttl`},
		{"K6_DNS", "color=red", `unknown DNS configuration field: color`},
		{"K6_DNS", "policy=ipv5", `unknown DNS policy "ipv5"`},
		{"K6_BLACKLIST_IPS", "10.0.0.1", `failed to parse CIDR "10.0.0.1"`},
		{"K6_BLOCK_HOSTNAMES", "a*b", `invalid hostname pattern "a*b"`},
		{"K6_TLS_CIPHER_SUITES", "RC5", `unknown cipher suite "RC5"`},
		{"K6_TAGS", "novalue", `invalid tag "novalue": expected NAME=VALUE`},
		{"K6_LOCAL_IPS", "10.0.0.300", `invalid local IP "10.0.0.300"`},
		{"K6_MAX_REDIRECTS", "-", `K6_MAX_REDIRECTS="-": expected an integer`},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			_, err := FromEnv(map[string]string{tt.name: tt.value})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.name)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

func TestEnvVarNames(t *testing.T) {
	names := EnvVarNames()
	for _, want := range []string{"K6_VUS", "K6_DURATION", "K6_ITERATIONS", "K6_STAGES", "K6_TAGS",
		"K6_EXECUTION_SEGMENT", "K6_HANDLE_SUMMARY_TIMEOUT", "K6_FEATURES"} {
		assert.Contains(t, names, want)
	}
}

func TestParseStages(t *testing.T) {
	tests := []struct {
		in   string
		want []Stage
		err  string
	}{
		{in: "", want: nil},
		{in: "30s:10", want: []Stage{{NullDurationFrom(30 * time.Second), null.IntFrom(10)}}},
		{in: "1m", want: []Stage{{NullDurationFrom(time.Minute), null.Int{}}}},
		{in: "1m:", want: []Stage{{NullDurationFrom(time.Minute), null.Int{}}}},
		{in: "5s:0,10s:-1", want: []Stage{{NullDurationFrom(5 * time.Second), null.IntFrom(0)},
			{NullDurationFrom(10 * time.Second), null.IntFrom(-1)}}},
		{in: ":5", err: `invalid stage ":5": empty duration`},
		{in: "x:5", err: `invalid stage "x:5": invalid duration "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseStages(tt.in)
			if tt.err != "" {
				assert.ErrorContains(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParseTags(t *testing.T) {
	tags, err := ParseTags([]string{"name=value", "url=http://x/?a=b", "empty="})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"name": "value", "url": "http://x/?a=b", "empty": ""}, tags)

	tags, err = ParseTags(nil)
	require.NoError(t, err)
	assert.Nil(t, tags)

	_, err = ParseTags([]string{"=v"})
	assert.EqualError(t, err, `invalid tag "=v": expected NAME=VALUE`)
}

func TestParseDNS(t *testing.T) {
	c, err := ParseDNS("ttl=inf")
	require.NoError(t, err)
	_, forever := c.GetTTL()
	assert.True(t, forever)
	assert.False(t, c.Select.Valid)
	_, err = ParseDNS("ttl=abc")
	assert.ErrorContains(t, err, `invalid DNS ttl "abc"`)
}
