package options

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/guregu/null.v3"
)

// scenarioErrors parses one scenario named s and returns its problems.
func scenarioErrors(t *testing.T, scenario string) []string {
	t.Helper()
	o := mustParse(t, `{"scenarios":{"s":`+scenario+`}}`)
	var msgs []string
	for _, err := range o.Scenarios["s"].Validate() {
		msgs = append(msgs, err.Error())
	}
	return msgs
}

func TestScenarioValidation(t *testing.T) {
	tests := []struct {
		name     string
		scenario string
		want     []string
	}{
		{"shared-iterations defaults are valid", `{"executor":"shared-iterations"}`, nil},
		{"shared-iterations vus > iterations", `{"executor":"shared-iterations","vus":5,"iterations":2}`,
			[]string{"the number of iterations (2) can't be less than the number of VUs (5)"}},
		{"shared-iterations zero vus", `{"executor":"shared-iterations","vus":0}`,
			[]string{"the number of VUs must be more than 0"}},
		{"shared-iterations short maxDuration", `{"executor":"shared-iterations","maxDuration":"500ms"}`,
			[]string{"the maxDuration must be at least 1s, but is 500ms"}},
		{"per-vu-iterations", `{"executor":"per-vu-iterations","vus":-1,"iterations":0,"maxDuration":0}`,
			[]string{"the number of VUs must be more than 0", "the number of iterations must be more than 0",
				"the maxDuration must be at least 1s, but is 0s"}},
		{"constant-vus without duration", `{"executor":"constant-vus","vus":2}`,
			[]string{"the duration is unspecified"}},
		{"constant-vus short", `{"executor":"constant-vus","duration":"100ms","vus":0}`,
			[]string{"the number of VUs must be more than 0", "the duration must be at least 1s, but is 100ms"}},
		{"ramping-vus without stages", `{"executor":"ramping-vus"}`,
			[]string{"at least one stage has to be specified"}},
		{"ramping-vus all zero", `{"executor":"ramping-vus","startVUs":0,"stages":[{"duration":"1s","target":0}]}`,
			[]string{"either startVUs or one of the stages' target values must be greater than 0"}},
		{"ramping-vus bad stages", `{"executor":"ramping-vus","startVUs":-1,"stages":[{"target":1},{"duration":"-1s"},{"duration":"1s","target":-2}]}`,
			[]string{"the number of start VUs can't be negative", "stage 1 doesn't have a duration",
				"the duration for stage 2 can't be negative", "stage 2 doesn't have a target",
				"the target for stage 3 can't be negative"}},
		{"ramping-vus too many", `{"executor":"ramping-vus","startVUs":100000001,"stages":[{"duration":"1s","target":100000002}],"gracefulRampDown":"-1s"}`,
			[]string{"the startVUs exceed max limit of 100000000", "target for stage 1 exceeds max limit of 100000000",
				"the gracefulRampDown can't be negative"}},
		{"constant-arrival-rate missing all", `{"executor":"constant-arrival-rate"}`,
			[]string{"the iteration rate isn't specified", "the duration is unspecified",
				"the number of preAllocatedVUs isn't specified"}},
		{"constant-arrival-rate bad values", `{"executor":"constant-arrival-rate","rate":0,"timeUnit":"0s","duration":"1s","preAllocatedVUs":5,"maxVUs":2}`,
			[]string{"the iteration rate must be more than 0", "the timeUnit must be more than 0",
				"maxVUs can't be less than preAllocatedVUs"}},
		{"constant-arrival-rate negative pool", `{"executor":"constant-arrival-rate","rate":1,"duration":"1s","preAllocatedVUs":-1}`,
			[]string{"the number of preAllocatedVUs can't be negative"}},
		{"ramping-arrival-rate", `{"executor":"ramping-arrival-rate","startRate":-1,"timeUnit":"-1s","stages":[{"duration":"1s","target":1}]}`,
			[]string{"the startRate value can't be negative", "the timeUnit must be more than 0",
				"the number of preAllocatedVUs isn't specified"}},
		{"ramping-arrival-rate pool", `{"executor":"ramping-arrival-rate","stages":[{"duration":"1s","target":1}],"preAllocatedVUs":3,"maxVUs":1}`,
			[]string{"maxVUs can't be less than preAllocatedVUs"}},
		{"externally-controlled", `{"executor":"externally-controlled","vus":3,"maxVUs":2,"gracefulStop":"1s"}`,
			[]string{"the number of active VUs (3) must be less than or equal to the number of maxVUs (2)",
				"the duration must be specified, for infinite duration use 0",
				"gracefulStop is not supported by the externally controlled executor"}},
		{"externally-controlled negative", `{"executor":"externally-controlled","vus":-1,"duration":"-1s"}`,
			[]string{"the number of VUs can't be negative", "the duration can't be negative, for infinite duration use 0"}},
		{"base fields", `{"executor":"per-vu-iterations","exec":"","startTime":"-1s","gracefulStop":"-2s"}`,
			[]string{"exec value cannot be empty", "the startTime can't be negative", "the gracefulStop timeout can't be negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, scenarioErrors(t, tt.scenario))
		})
	}
}

func TestScenarioNameValidation(t *testing.T) {
	o := mustParse(t, `{"scenarios":{"bad name":{"executor":"per-vu-iterations"},"ok-name_1":{"executor":"per-vu-iterations"}}}`)
	errs := o.Validate()
	require.Len(t, errs, 1)
	assert.EqualError(t, errs[0], "scenario bad name has configuration errors: "+
		"the scenario name should contain only numbers, latin letters, underscores, and dashes")
	var se *ScenarioError
	require.True(t, errors.As(errs[0], &se))
	assert.Equal(t, "bad name", se.Scenario)

	empty := Scenarios{"": PerVUIterationsConfig{}}
	assert.Equal(t, []string{"scenario name can't be empty",
		"the scenario name should contain only numbers, latin letters, underscores, and dashes"},
		errorStrings(empty[""].Validate()))
}

func TestOptionsValidation(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"valid", `{"setupTimeout":"1s","summaryTimeUnit":"ms","summaryTrendStats":["avg","p(99.99)","count"]}`, nil},
		{"timeouts", `{"setupTimeout":"0s","teardownTimeout":"-1s","handleSummaryTimeout":0,"minIterationDuration":"-1s"}`,
			[]string{"the setupTimeout option must be positive, but is 0s",
				"the teardownTimeout option must be positive, but is -1s",
				"the handleSummaryTimeout option must be positive, but is 0s",
				"the minIterationDuration option can't be negative, but is -1s"}},
		{"negative numbers", `{"rps":-1,"maxRedirects":-2,"batch":-3,"batchPerHost":-4,"metricSamplesBufferSize":-5}`,
			[]string{"the rps option can't be negative, but is -1", "the maxRedirects option can't be negative, but is -2",
				"the batch option can't be negative, but is -3", "the batchPerHost option can't be negative, but is -4",
				"the metricSamplesBufferSize option can't be negative, but is -5"}},
		{"summary", `{"summaryTimeUnit":"h","summaryTrendStats":["avg","p(101)","mean"]}`,
			[]string{`invalid summaryTimeUnit "h": use s, ms or us`,
				`invalid summaryTrendStats: percentile "p(101)" is out of range: use p(N) with N between 0 and 100`,
				`invalid summaryTrendStats: stat "mean" is unknown: use avg, min, med, max, count or p(N)`}},
		{"segment not in sequence", `{"executionSegment":"0:1/3","executionSegmentSequence":"0,1/2,1"}`,
			[]string{"provided segment 0:1/3 can't be found in sequence 0,1/2,1"}},
		{"whole test not in sequence", `{"executionSegmentSequence":"0,1/2,1"}`,
			[]string{"provided segment 0:1 can't be found in sequence 0,1/2,1"}},
		{"segment in sequence", `{"executionSegment":"1/2:1","executionSegmentSequence":"0,1/2,1"}`, nil},
		{"tlsAuth without key", `{"tlsAuth":[{"cert":"x"}]}`, []string{"invalid tlsAuth[0]: cert and key are both required"}},
		{"localIPs", `{"localIPs":"10.0.0.1-fe80::1"}`, []string{`invalid localIPs: invalid local IP range "10.0.0.1-fe80::1"`}},
		{"hosts", `{"hosts":{"a":""}}`, []string{`invalid hosts entry "a": "": both the host and the address are required`}},
		{"scenario problems wrapped", `{"scenarios":{"b":{"executor":"constant-vus"},"a":{"executor":"shared-iterations","vus":2,"iterations":1}}}`,
			[]string{"scenario a has configuration errors: the number of iterations (1) can't be less than the number of VUs (2)",
				"scenario b has configuration errors: the duration is unspecified"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, errorStrings(mustParse(t, tt.in).Validate()))
		})
	}
}

func TestCheckExec(t *testing.T) {
	o := mustParse(t, `{"scenarios":{"a":{"executor":"per-vu-iterations","exec":"fn"},"b":{"executor":"per-vu-iterations"}}}`)
	exported := map[string]bool{"default": true}
	errs := o.CheckExec(func(name string) bool { return exported[name] })
	assert.Equal(t, []string{"executor a: function 'fn' not found in exports"}, errorStrings(errs))
}

func TestConfigError(t *testing.T) {
	assert.NoError(t, NewConfigError(nil))
	err := NewConfigError([]error{errors.New("one"), errors.New("two")})
	assert.EqualError(t, err, "There were problems with the specified script configuration:\n\t- one\n\t- two")
	var ce *ConfigError
	require.True(t, errors.As(err, &ce))
	assert.Len(t, ce.Errs, 2)
}

func TestTLSAuthCertificate(t *testing.T) {
	certPEM, keyPEM := selfSigned(t)
	a := TLSAuth{Domains: []string{"example.com"}, Cert: certPEM, Key: keyPEM}
	cert, err := a.Certificate()
	require.NoError(t, err)
	assert.NotEmpty(t, cert.Certificate)
	assert.Empty(t, Options{TLSAuth: []TLSAuth{a}}.Validate())

	a.Password = null.StringFrom("secret")
	_, err = a.Certificate()
	assert.Error(t, err, "an unencrypted key cannot be decrypted")

	bad := TLSAuth{Cert: "not pem", Key: "not pem"}
	assert.Len(t, Options{TLSAuth: []TLSAuth{bad}}.Validate(), 1)
}

func selfSigned(t *testing.T) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "example.com"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
}

func errorStrings(errs []error) []string {
	var out []string
	for _, err := range errs {
		out = append(out, err.Error())
	}
	return out
}

func TestCheckTrendStat(t *testing.T) {
	for _, ok := range []string{"avg", "min", "med", "max", "count", "p(0)", "p(90)", "p(99.99)", "p(100)"} {
		assert.NoError(t, CheckTrendStat(ok), ok)
	}
	for _, bad := range []string{"", "p()", "p(-1)", "p(100.1)", "P(90)", "p90", "avg "} {
		assert.Error(t, CheckTrendStat(bad), bad)
	}
}
