package options

import "errors"

// DeriveScenarios turns the execution shortcuts into scenarios, as k6 does,
// and returns the options with Scenarios set. The shortcut fields are kept
// (ScriptJSON never shows them). The rules, first match wins:
//
//	iterations (± vus, ± duration as maxDuration) → "default" shared-iterations
//	duration (± vus)                              → "default" constant-vus
//	stages (± vus as startVUs)                    → "default" ramping-vus
//	vus alone                                     → "default" shared-iterations with iterations = vus
//	scenarios                                     → kept as they are
//	nothing                                       → "default" per-vu-iterations, every field null
//
// A shortcut combined with another shortcut or with scenarios (which
// Apply only lets happen within one source) is an error. Explicitly empty
// stages or scenarios give a warning and the 1-VU, 1-iteration default.
func (o Options) DeriveScenarios() (Options, []string, error) {
	var warnings []string
	base := BaseConfig{Name: DefaultScenarioName}
	switch {
	case o.Iterations.Valid:
		if len(o.Stages) > 0 {
			return o, nil, errors.New("using `iterations` and `stages` options simultaneously is not allowed")
		}
		if o.Scenarios != nil {
			return o, nil, errors.New("using `iterations` and `scenarios` options simultaneously is not allowed")
		}
		c := SharedIterationsConfig{BaseConfig: base, VUs: o.VUs, Iterations: o.Iterations}
		if o.Duration.Valid {
			c.MaxDuration = o.Duration
		}
		o.Scenarios = Scenarios{DefaultScenarioName: c}
	case o.Duration.Valid:
		if len(o.Stages) > 0 {
			return o, nil, errors.New("using `duration` and `stages` options simultaneously is not allowed")
		}
		if o.Scenarios != nil {
			return o, nil, errors.New("using `duration` and `scenarios` options simultaneously is not allowed")
		}
		if o.Duration.Duration <= 0 {
			return o, nil, errors.New("`duration` option should be more than 0, for infinite duration use the externally-controlled executor")
		}
		o.Scenarios = Scenarios{DefaultScenarioName: ConstantVUsConfig{BaseConfig: base, VUs: o.VUs, Duration: o.Duration}}
	case len(o.Stages) > 0:
		if o.Scenarios != nil {
			return o, nil, errors.New("using `stages` and `scenarios` options simultaneously is not allowed")
		}
		stages := make([]Stage, 0, len(o.Stages))
		for _, s := range o.Stages {
			if s.Duration.Valid {
				stages = append(stages, s)
			}
		}
		o.Scenarios = Scenarios{DefaultScenarioName: RampingVUsConfig{BaseConfig: base, StartVUs: o.VUs, Stages: stages}}
	case o.VUs.Valid && o.Scenarios == nil:
		o.Scenarios = Scenarios{DefaultScenarioName: SharedIterationsConfig{BaseConfig: base, VUs: o.VUs, Iterations: o.VUs}}
		o.Iterations = o.VUs
	case len(o.Scenarios) > 0:
		// explicit scenarios: nothing to derive
	default:
		if o.Stages != nil {
			warnings = append(warnings, "`stages` was explicitly set to an empty value, running the script with 1 iteration in 1 VU")
		}
		if o.Scenarios != nil {
			warnings = append(warnings, "`scenarios` was explicitly set to an empty value, running the script with 1 iteration in 1 VU")
		}
		o.Scenarios = Scenarios{DefaultScenarioName: PerVUIterationsConfig{BaseConfig: base}}
	}
	return o, warnings, nil
}
