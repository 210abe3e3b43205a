package options

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/guregu/null.v3"
)

func TestDeriveScenarios(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     Scenario // the "default" scenario; nil when scenarios are kept
		keep     []string // names of kept explicit scenarios
		warnings []string
	}{
		{name: "nothing", in: `{}`,
			want: PerVUIterationsConfig{BaseConfig: BaseConfig{Name: "default"}}},
		{name: "vus and duration", in: `{"vus":2,"duration":"1s"}`,
			want: ConstantVUsConfig{BaseConfig: BaseConfig{Name: "default"}, VUs: null.IntFrom(2),
				Duration: NullDurationFrom(time.Second)}},
		{name: "duration alone keeps vus null (1 by default)", in: `{"duration":"1m"}`,
			want: ConstantVUsConfig{BaseConfig: BaseConfig{Name: "default"}, Duration: NullDurationFrom(time.Minute)}},
		{name: "iterations alone", in: `{"iterations":3}`,
			want: SharedIterationsConfig{BaseConfig: BaseConfig{Name: "default"}, Iterations: null.IntFrom(3)}},
		{name: "iterations, vus and duration as maxDuration", in: `{"iterations":10,"vus":5,"duration":"20s"}`,
			want: SharedIterationsConfig{BaseConfig: BaseConfig{Name: "default"}, VUs: null.IntFrom(5),
				Iterations: null.IntFrom(10), MaxDuration: NullDurationFrom(20 * time.Second)}},
		{name: "stages with vus as startVUs", in: `{"vus":3,"stages":[{"duration":"1s","target":4}]}`,
			want: RampingVUsConfig{BaseConfig: BaseConfig{Name: "default"}, StartVUs: null.IntFrom(3),
				Stages: []Stage{{NullDurationFrom(time.Second), null.IntFrom(4)}}}},
		{name: "vus alone", in: `{"vus":4}`,
			want: SharedIterationsConfig{BaseConfig: BaseConfig{Name: "default"}, VUs: null.IntFrom(4), Iterations: null.IntFrom(4)}},
		{name: "vus with scenarios is ignored", in: `{"vus":4,"scenarios":{"s":{"executor":"per-vu-iterations"}}}`,
			keep: []string{"s"}},
		{name: "explicit scenarios", in: `{"scenarios":{"a":{"executor":"per-vu-iterations"},"b":{"executor":"constant-vus","duration":"2s"}}}`,
			keep: []string{"a", "b"}},
		{name: "empty stages", in: `{"stages":[]}`,
			want:     PerVUIterationsConfig{BaseConfig: BaseConfig{Name: "default"}},
			warnings: []string{"`stages` was explicitly set to an empty value, running the script with 1 iteration in 1 VU"}},
		{name: "empty scenarios", in: `{"scenarios":{}}`,
			want:     PerVUIterationsConfig{BaseConfig: BaseConfig{Name: "default"}},
			warnings: []string{"`scenarios` was explicitly set to an empty value, running the script with 1 iteration in 1 VU"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, warnings, err := mustParse(t, tt.in).DeriveScenarios()
			require.NoError(t, err)
			assert.Equal(t, tt.warnings, warnings)
			if tt.want == nil {
				assert.Equal(t, tt.keep, o.Scenarios.Names())
				return
			}
			assert.Equal(t, Scenarios{DefaultScenarioName: tt.want}, o.Scenarios)
		})
	}
}

func TestDeriveScenariosConflicts(t *testing.T) {
	tests := []struct{ in, err string }{
		{`{"iterations":1,"stages":[{"duration":"1s","target":1}]}`, "using `iterations` and `stages` options simultaneously is not allowed"},
		{`{"iterations":1,"scenarios":{}}`, "using `iterations` and `scenarios` options simultaneously is not allowed"},
		{`{"duration":"1s","stages":[{"duration":"1s","target":1}]}`, "using `duration` and `stages` options simultaneously is not allowed"},
		{`{"duration":"1s","scenarios":{"s":{"executor":"per-vu-iterations"}}}`, "using `duration` and `scenarios` options simultaneously is not allowed"},
		{`{"stages":[{"duration":"1s","target":1}],"scenarios":{}}`, "using `stages` and `scenarios` options simultaneously is not allowed"},
		{`{"duration":"0s"}`, "`duration` option should be more than 0, for infinite duration use the externally-controlled executor"},
	}
	for _, tt := range tests {
		t.Run(tt.err, func(t *testing.T) {
			_, _, err := mustParse(t, tt.in).DeriveScenarios()
			assert.EqualError(t, err, tt.err)
		})
	}
}
