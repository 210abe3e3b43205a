package options

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/guregu/null.v3"
)

// Executor type names, as written in a scenario's "executor" field.
const (
	SharedIterationsExecutor     = "shared-iterations"
	PerVUIterationsExecutor      = "per-vu-iterations"
	ConstantVUsExecutor          = "constant-vus"
	RampingVUsExecutor           = "ramping-vus"
	ConstantArrivalRateExecutor  = "constant-arrival-rate"
	RampingArrivalRateExecutor   = "ramping-arrival-rate"
	ExternallyControlledExecutor = "externally-controlled"
)

// Scenario defaults, as k6 documents them.
const (
	// DefaultScenarioName is the name of the scenario derived from shortcuts.
	DefaultScenarioName = "default"
	// DefaultExec is the exported function a scenario runs unless exec is set.
	DefaultExec = "default"
	// DefaultGracefulStop is how long running iterations may finish after a
	// scenario's end.
	DefaultGracefulStop = 30 * time.Second
	// DefaultGracefulRampDown is how long ramping-vus lets iterations of
	// VUs being ramped down finish.
	DefaultGracefulRampDown = 30 * time.Second
	// DefaultMaxDuration caps the iterations executors.
	DefaultMaxDuration = 10 * time.Minute
	// DefaultTimeUnit is the period of the arrival-rate executors' rates.
	DefaultTimeUnit = time.Second
	// MinScenarioDuration is the shortest duration or maxDuration allowed.
	MinScenarioDuration = time.Second
	// MaxConcurrentVUs bounds startVUs and stage targets, as a sanity check.
	MaxConcurrentVUs = 100_000_000
)

var scenarioNameRe = regexp.MustCompile(`^[0-9a-zA-Z_-]+$`)

// Scenario is the configuration of one scenario. Every executor's config type
// implements it; the runner switches on the concrete type
// (SharedIterationsConfig, PerVUIterationsConfig, ConstantVUsConfig,
// RampingVUsConfig, ConstantArrivalRateConfig, RampingArrivalRateConfig,
// ExternallyControlledConfig). The Get methods apply k6's defaults to unset
// fields.
type Scenario interface {
	// Type is the executor name, e.g. "shared-iterations".
	Type() string
	// GetName is the scenario's key in options.scenarios.
	GetName() string
	// GetStartTime is when the scenario starts, from the test start (0).
	GetStartTime() time.Duration
	// GetGracefulStop is how long iterations may finish after the end (30s).
	GetGracefulStop() time.Duration
	// GetExec is the exported function to run ("default").
	GetExec() string
	// GetEnv is the scenario's extra environment variables (may be nil).
	GetEnv() map[string]string
	// GetTags is the scenario's extra metric tags (may be nil).
	GetTags() map[string]string
	// Validate lists the problems of this scenario's configuration.
	Validate() []error
	// MarshalJSON writes k6's shape: "executor" plus every field, unset ones null.
	MarshalJSON() ([]byte, error)
}

// BaseConfig holds the fields every executor has.
type BaseConfig struct {
	Name         string            `json:"-"`
	StartTime    NullDuration      `json:"startTime"`
	GracefulStop NullDuration      `json:"gracefulStop"`
	Env          map[string]string `json:"env"`
	Exec         null.String       `json:"exec"`
	Tags         map[string]string `json:"tags"`
	// Options holds executor-independent extras such as {"browser": …},
	// kept as raw JSON for the modules that read them; omitted when unset.
	Options json.RawMessage `json:"options,omitempty"`
}

// GetName returns the scenario's name.
func (b BaseConfig) GetName() string { return b.Name }

// GetStartTime returns startTime, 0 when unset.
func (b BaseConfig) GetStartTime() time.Duration { return b.StartTime.ValueOr(0) }

// GetGracefulStop returns gracefulStop, 30s when unset.
func (b BaseConfig) GetGracefulStop() time.Duration {
	return b.GracefulStop.ValueOr(DefaultGracefulStop)
}

// GetExec returns exec, "default" when unset or empty.
func (b BaseConfig) GetExec() string {
	if b.Exec.String == "" {
		return DefaultExec
	}
	return b.Exec.String
}

// GetEnv returns env.
func (b BaseConfig) GetEnv() map[string]string { return b.Env }

// GetTags returns tags.
func (b BaseConfig) GetTags() map[string]string { return b.Tags }

func (b *BaseConfig) fields() []field {
	return []field{
		{"executor", func(json.RawMessage) error { return nil }}, // read by the dispatcher
		{"startTime", durationField(&b.StartTime)},
		{"gracefulStop", durationField(&b.GracefulStop)},
		{"env", strictStringMapField(&b.Env)},
		{"exec", stringField(&b.Exec)},
		{"tags", stringMapField(&b.Tags)},
		{"options", rawObjectField(&b.Options)},
	}
}

func (b BaseConfig) validate() []error {
	var errs []error
	if b.Name == "" {
		errs = append(errs, errors.New("scenario name can't be empty"))
	}
	if !scenarioNameRe.MatchString(b.Name) {
		errs = append(errs, errors.New("the scenario name should contain only numbers, latin letters, underscores, and dashes"))
	}
	if b.Exec.Valid && b.Exec.String == "" {
		errs = append(errs, errors.New("exec value cannot be empty"))
	}
	if b.StartTime.Duration < 0 {
		errs = append(errs, errors.New("the startTime can't be negative"))
	}
	if b.GracefulStop.Duration < 0 {
		errs = append(errs, errors.New("the gracefulStop timeout can't be negative"))
	}
	return errs
}

// marshalScenario writes the executor name followed by the config's fields.
// plain must be a method-less copy of the config so that this does not recurse.
func marshalScenario(executor string, plain any) ([]byte, error) {
	body, err := marshalJSON(plain)
	if err != nil {
		return nil, err
	}
	head, err := marshalJSON(executor)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, len(body)+len(head)+13)
	out = append(out, `{"executor":`...)
	out = append(out, head...)
	if len(body) > 2 {
		out = append(out, ',')
	}
	return append(out, body[1:]...), nil
}

// SharedIterationsConfig: VUs share a fixed number of iterations.
type SharedIterationsConfig struct {
	BaseConfig
	VUs         null.Int     `json:"vus"`
	Iterations  null.Int     `json:"iterations"`
	MaxDuration NullDuration `json:"maxDuration"`
}

// Type returns "shared-iterations".
func (SharedIterationsConfig) Type() string { return SharedIterationsExecutor }

// GetVUs returns vus, 1 when unset.
func (c SharedIterationsConfig) GetVUs() int64 { return intOr(c.VUs, 1) }

// GetIterations returns iterations, 1 when unset.
func (c SharedIterationsConfig) GetIterations() int64 {
	return intOr(c.Iterations, 1)
}

// GetMaxDuration returns maxDuration, 10m when unset.
func (c SharedIterationsConfig) GetMaxDuration() time.Duration {
	return c.MaxDuration.ValueOr(DefaultMaxDuration)
}

// MarshalJSON writes the k6 shape of the scenario.
func (c SharedIterationsConfig) MarshalJSON() ([]byte, error) {
	type plain SharedIterationsConfig
	return marshalScenario(c.Type(), plain(c))
}

// Validate lists the configuration's problems, in k6's words.
func (c SharedIterationsConfig) Validate() []error {
	errs := c.validate()
	vus, iters := c.GetVUs(), c.GetIterations()
	if vus <= 0 {
		errs = append(errs, errors.New("the number of VUs must be more than 0"))
	}
	if iters < vus {
		errs = append(errs, fmt.Errorf("the number of iterations (%d) can't be less than the number of VUs (%d)", iters, vus))
	}
	if d := c.GetMaxDuration(); d < MinScenarioDuration {
		errs = append(errs, fmt.Errorf("the maxDuration must be at least %s, but is %s", MinScenarioDuration, d))
	}
	return errs
}

// PerVUIterationsConfig: each VU runs a fixed number of iterations.
type PerVUIterationsConfig struct {
	BaseConfig
	VUs         null.Int     `json:"vus"`
	Iterations  null.Int     `json:"iterations"`
	MaxDuration NullDuration `json:"maxDuration"`
}

// Type returns "per-vu-iterations".
func (PerVUIterationsConfig) Type() string { return PerVUIterationsExecutor }

// GetVUs returns vus, 1 when unset.
func (c PerVUIterationsConfig) GetVUs() int64 { return intOr(c.VUs, 1) }

// GetIterations returns the iterations of each VU, 1 when unset.
func (c PerVUIterationsConfig) GetIterations() int64 {
	return intOr(c.Iterations, 1)
}

// GetMaxDuration returns maxDuration, 10m when unset.
func (c PerVUIterationsConfig) GetMaxDuration() time.Duration {
	return c.MaxDuration.ValueOr(DefaultMaxDuration)
}

// MarshalJSON writes the k6 shape of the scenario.
func (c PerVUIterationsConfig) MarshalJSON() ([]byte, error) {
	type plain PerVUIterationsConfig
	return marshalScenario(c.Type(), plain(c))
}

// Validate lists the configuration's problems, in k6's words.
func (c PerVUIterationsConfig) Validate() []error {
	errs := c.validate()
	if c.GetVUs() <= 0 {
		errs = append(errs, errors.New("the number of VUs must be more than 0"))
	}
	if c.GetIterations() <= 0 {
		errs = append(errs, errors.New("the number of iterations must be more than 0"))
	}
	if d := c.GetMaxDuration(); d < MinScenarioDuration {
		errs = append(errs, fmt.Errorf("the maxDuration must be at least %s, but is %s", MinScenarioDuration, d))
	}
	return errs
}

// ConstantVUsConfig: a fixed number of VUs loop for a duration.
type ConstantVUsConfig struct {
	BaseConfig
	VUs      null.Int     `json:"vus"`
	Duration NullDuration `json:"duration"`
}

// Type returns "constant-vus".
func (ConstantVUsConfig) Type() string { return ConstantVUsExecutor }

// GetVUs returns vus, 1 when unset.
func (c ConstantVUsConfig) GetVUs() int64 { return intOr(c.VUs, 1) }

// GetDuration returns duration (required; 0 when unset).
func (c ConstantVUsConfig) GetDuration() time.Duration { return c.Duration.ValueOr(0) }

// MarshalJSON writes the k6 shape of the scenario.
func (c ConstantVUsConfig) MarshalJSON() ([]byte, error) {
	type plain ConstantVUsConfig
	return marshalScenario(c.Type(), plain(c))
}

// Validate lists the configuration's problems, in k6's words.
func (c ConstantVUsConfig) Validate() []error {
	errs := c.validate()
	if c.GetVUs() <= 0 {
		errs = append(errs, errors.New("the number of VUs must be more than 0"))
	}
	errs = append(errs, checkDuration(c.Duration)...)
	return errs
}

// RampingVUsConfig: the number of VUs follows stages, starting at startVUs.
type RampingVUsConfig struct {
	BaseConfig
	StartVUs         null.Int     `json:"startVUs"`
	Stages           []Stage      `json:"stages"`
	GracefulRampDown NullDuration `json:"gracefulRampDown"`
}

// Type returns "ramping-vus".
func (RampingVUsConfig) Type() string { return RampingVUsExecutor }

// GetStartVUs returns startVUs, 1 when unset.
func (c RampingVUsConfig) GetStartVUs() int64 {
	return intOr(c.StartVUs, 1)
}

// GetGracefulRampDown returns gracefulRampDown, 30s when unset.
func (c RampingVUsConfig) GetGracefulRampDown() time.Duration {
	return c.GracefulRampDown.ValueOr(DefaultGracefulRampDown)
}

// GetMaxVUs returns the most VUs the scenario ever asks for: the largest of
// startVUs and the stage targets.
func (c RampingVUsConfig) GetMaxVUs() int64 { return maxTarget(c.GetStartVUs(), c.Stages) }

// MarshalJSON writes the k6 shape of the scenario.
func (c RampingVUsConfig) MarshalJSON() ([]byte, error) {
	type plain RampingVUsConfig
	return marshalScenario(c.Type(), plain(c))
}

// Validate lists the configuration's problems, in k6's words.
func (c RampingVUsConfig) Validate() []error {
	errs := c.validate()
	start := c.GetStartVUs()
	if start < 0 {
		errs = append(errs, errors.New("the number of start VUs can't be negative"))
	}
	if c.GetMaxVUs() <= 0 {
		errs = append(errs, errors.New("either startVUs or one of the stages' target values must be greater than 0"))
	}
	errs = append(errs, validateStages(c.Stages)...)
	if start > MaxConcurrentVUs {
		errs = append(errs, fmt.Errorf("the startVUs exceed max limit of %d", MaxConcurrentVUs))
	}
	for i, s := range c.Stages {
		if s.Target.Int64 > MaxConcurrentVUs {
			errs = append(errs, fmt.Errorf("target for stage %d exceeds max limit of %d", i+1, MaxConcurrentVUs))
		}
	}
	if c.GracefulRampDown.Duration < 0 {
		errs = append(errs, errors.New("the gracefulRampDown can't be negative"))
	}
	return errs
}

// ConstantArrivalRateConfig: start rate iterations every timeUnit for a
// duration, with VUs taken from a pool of preAllocatedVUs up to maxVUs.
type ConstantArrivalRateConfig struct {
	BaseConfig
	Rate            null.Int     `json:"rate"`
	TimeUnit        NullDuration `json:"timeUnit"`
	Duration        NullDuration `json:"duration"`
	PreAllocatedVUs null.Int     `json:"preAllocatedVUs"`
	MaxVUs          null.Int     `json:"maxVUs"`
}

// Type returns "constant-arrival-rate".
func (ConstantArrivalRateConfig) Type() string { return ConstantArrivalRateExecutor }

// GetRate returns rate (required; 0 when unset).
func (c ConstantArrivalRateConfig) GetRate() int64 { return c.Rate.ValueOrZero() }

// GetTimeUnit returns timeUnit, 1s when unset.
func (c ConstantArrivalRateConfig) GetTimeUnit() time.Duration {
	return c.TimeUnit.ValueOr(DefaultTimeUnit)
}

// GetDuration returns duration (required; 0 when unset).
func (c ConstantArrivalRateConfig) GetDuration() time.Duration { return c.Duration.ValueOr(0) }

// GetPreAllocatedVUs returns preAllocatedVUs (required; 0 when unset).
func (c ConstantArrivalRateConfig) GetPreAllocatedVUs() int64 { return c.PreAllocatedVUs.ValueOrZero() }

// GetMaxVUs returns maxVUs, preAllocatedVUs when unset.
func (c ConstantArrivalRateConfig) GetMaxVUs() int64 {
	if c.MaxVUs.Valid {
		return c.MaxVUs.Int64
	}
	return c.GetPreAllocatedVUs()
}

// MarshalJSON writes the k6 shape of the scenario.
func (c ConstantArrivalRateConfig) MarshalJSON() ([]byte, error) {
	type plain ConstantArrivalRateConfig
	return marshalScenario(c.Type(), plain(c))
}

// Validate lists the configuration's problems, in k6's words.
func (c ConstantArrivalRateConfig) Validate() []error {
	errs := c.validate()
	if !c.Rate.Valid {
		errs = append(errs, errors.New("the iteration rate isn't specified"))
	} else if c.Rate.Int64 <= 0 {
		errs = append(errs, errors.New("the iteration rate must be more than 0"))
	}
	if c.GetTimeUnit() <= 0 {
		errs = append(errs, errors.New("the timeUnit must be more than 0"))
	}
	errs = append(errs, checkDuration(c.Duration)...)
	errs = append(errs, checkVUPool(c.PreAllocatedVUs, c.MaxVUs)...)
	return errs
}

// RampingArrivalRateConfig: the iteration start rate follows stages,
// starting at startRate, with VUs from a pool like constant-arrival-rate.
type RampingArrivalRateConfig struct {
	BaseConfig
	StartRate       null.Int     `json:"startRate"`
	TimeUnit        NullDuration `json:"timeUnit"`
	Stages          []Stage      `json:"stages"`
	PreAllocatedVUs null.Int     `json:"preAllocatedVUs"`
	MaxVUs          null.Int     `json:"maxVUs"`
}

// Type returns "ramping-arrival-rate".
func (RampingArrivalRateConfig) Type() string { return RampingArrivalRateExecutor }

// GetStartRate returns startRate, 0 when unset.
func (c RampingArrivalRateConfig) GetStartRate() int64 { return c.StartRate.ValueOrZero() }

// GetTimeUnit returns timeUnit, 1s when unset.
func (c RampingArrivalRateConfig) GetTimeUnit() time.Duration {
	return c.TimeUnit.ValueOr(DefaultTimeUnit)
}

// GetPreAllocatedVUs returns preAllocatedVUs (required; 0 when unset).
func (c RampingArrivalRateConfig) GetPreAllocatedVUs() int64 { return c.PreAllocatedVUs.ValueOrZero() }

// GetMaxVUs returns maxVUs, preAllocatedVUs when unset.
func (c RampingArrivalRateConfig) GetMaxVUs() int64 {
	if c.MaxVUs.Valid {
		return c.MaxVUs.Int64
	}
	return c.GetPreAllocatedVUs()
}

// MarshalJSON writes the k6 shape of the scenario.
func (c RampingArrivalRateConfig) MarshalJSON() ([]byte, error) {
	type plain RampingArrivalRateConfig
	return marshalScenario(c.Type(), plain(c))
}

// Validate lists the configuration's problems, in k6's words.
func (c RampingArrivalRateConfig) Validate() []error {
	errs := c.validate()
	if c.GetStartRate() < 0 {
		errs = append(errs, errors.New("the startRate value can't be negative"))
	}
	if c.GetTimeUnit() <= 0 {
		errs = append(errs, errors.New("the timeUnit must be more than 0"))
	}
	errs = append(errs, validateStages(c.Stages)...)
	errs = append(errs, checkVUPool(c.PreAllocatedVUs, c.MaxVUs)...)
	return errs
}

// ExternallyControlledConfig: VUs are changed at run time through the REST
// API, between vus and maxVUs, for duration (0 = until stopped).
type ExternallyControlledConfig struct {
	BaseConfig
	VUs      null.Int     `json:"vus"`
	Duration NullDuration `json:"duration"`
	MaxVUs   null.Int     `json:"maxVUs"`
}

// Type returns "externally-controlled".
func (ExternallyControlledConfig) Type() string { return ExternallyControlledExecutor }

// GetVUs returns the initially active VUs, 0 when unset.
func (c ExternallyControlledConfig) GetVUs() int64 { return c.VUs.ValueOrZero() }

// GetMaxVUs returns maxVUs, vus when unset.
func (c ExternallyControlledConfig) GetMaxVUs() int64 {
	if c.MaxVUs.Valid {
		return c.MaxVUs.Int64
	}
	return c.GetVUs()
}

// GetDuration returns duration; 0 means until stopped.
func (c ExternallyControlledConfig) GetDuration() time.Duration { return c.Duration.ValueOr(0) }

// MarshalJSON writes the k6 shape of the scenario.
func (c ExternallyControlledConfig) MarshalJSON() ([]byte, error) {
	type plain ExternallyControlledConfig
	return marshalScenario(c.Type(), plain(c))
}

// Validate lists the configuration's problems, in k6's words.
func (c ExternallyControlledConfig) Validate() []error {
	errs := c.validate()
	if c.GetVUs() < 0 {
		errs = append(errs, errors.New("the number of VUs can't be negative"))
	}
	if c.GetMaxVUs() < c.GetVUs() {
		errs = append(errs, fmt.Errorf("the number of active VUs (%d) must be less than or equal to the number of maxVUs (%d)", c.GetVUs(), c.GetMaxVUs()))
	}
	if !c.Duration.Valid {
		errs = append(errs, errors.New("the duration must be specified, for infinite duration use 0"))
	} else if c.Duration.Duration < 0 {
		errs = append(errs, errors.New("the duration can't be negative, for infinite duration use 0"))
	}
	if c.GracefulStop.Valid {
		errs = append(errs, errors.New("gracefulStop is not supported by the externally controlled executor"))
	}
	return errs
}

// Interface guards.
var (
	_ Scenario = SharedIterationsConfig{}
	_ Scenario = PerVUIterationsConfig{}
	_ Scenario = ConstantVUsConfig{}
	_ Scenario = RampingVUsConfig{}
	_ Scenario = ConstantArrivalRateConfig{}
	_ Scenario = RampingArrivalRateConfig{}
	_ Scenario = ExternallyControlledConfig{}
)

// intOr returns v when it is set and def otherwise.
func intOr(v null.Int, def int64) int64 {
	if v.Valid {
		return v.Int64
	}
	return def
}

func maxTarget(start int64, stages []Stage) int64 {
	m := start
	for _, s := range stages {
		m = max(m, s.Target.Int64)
	}
	return m
}

func checkDuration(d NullDuration) []error {
	if !d.Valid {
		return []error{errors.New("the duration is unspecified")}
	}
	if d.Duration < MinScenarioDuration {
		return []error{fmt.Errorf("the duration must be at least %s, but is %s", MinScenarioDuration, d.Duration)}
	}
	return nil
}

func checkVUPool(pre, maxVUs null.Int) []error {
	var errs []error
	if !pre.Valid {
		errs = append(errs, errors.New("the number of preAllocatedVUs isn't specified"))
	} else if pre.Int64 < 0 {
		errs = append(errs, errors.New("the number of preAllocatedVUs can't be negative"))
	}
	if maxVUs.Valid && maxVUs.Int64 < pre.Int64 {
		errs = append(errs, errors.New("maxVUs can't be less than preAllocatedVUs"))
	}
	return errs
}

// validateStages checks the stages of the ramping executors.
func validateStages(stages []Stage) []error {
	if len(stages) == 0 {
		return []error{errors.New("at least one stage has to be specified")}
	}
	var errs []error
	for i, s := range stages {
		n := i + 1
		if !s.Duration.Valid {
			errs = append(errs, fmt.Errorf("stage %d doesn't have a duration", n))
		} else if s.Duration.Duration < 0 {
			errs = append(errs, fmt.Errorf("the duration for stage %d can't be negative", n))
		}
		if !s.Target.Valid {
			errs = append(errs, fmt.Errorf("stage %d doesn't have a target", n))
		} else if s.Target.Int64 < 0 {
			errs = append(errs, fmt.Errorf("the target for stage %d can't be negative", n))
		}
	}
	return errs
}

// ScenarioError collects the problems of one scenario. Its message is k6's:
// "scenario NAME has configuration errors: PROBLEM, PROBLEM".
type ScenarioError struct {
	Scenario string
	Errs     []error
}

// Error joins the problems behind the scenario's name.
func (e *ScenarioError) Error() string {
	msgs := make([]string, len(e.Errs))
	for i, err := range e.Errs {
		msgs[i] = err.Error()
	}
	return fmt.Sprintf("scenario %s has configuration errors: %s", e.Scenario, strings.Join(msgs, ", "))
}

// Unwrap returns the individual problems.
func (e *ScenarioError) Unwrap() []error { return e.Errs }

// Scenarios maps scenario names to their configurations. It decodes each
// entry by its "executor" field. A nil map means "not set"; an empty one was
// set to {} explicitly.
type Scenarios map[string]Scenario

// Names returns the scenario names in sorted order.
func (s Scenarios) Names() []string { return sortedKeys(s) }

// Sorted returns the scenarios ordered by start time, then name, the order
// in which k6 sets them up.
func (s Scenarios) Sorted() []Scenario {
	out := make([]Scenario, 0, len(s))
	for _, name := range s.Names() {
		out = append(out, s[name])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].GetStartTime() < out[j].GetStartTime() })
	return out
}

// MarshalJSON writes {name: scenario, …}, or null for a nil map.
func (s Scenarios) MarshalJSON() ([]byte, error) {
	if s == nil {
		return []byte("null"), nil
	}
	return marshalJSON(map[string]Scenario(s))
}

// UnmarshalJSON reads {name: {executor: …, …}, …}. Unknown executors and
// unknown fields are errors.
func (s *Scenarios) UnmarshalJSON(data []byte) error {
	v, err := decodeScenarios(data)
	if err == nil {
		*s = v
	}
	return err
}

// Validate lists the problems of every scenario, one ScenarioError each, in
// name order.
func (s Scenarios) Validate() []error {
	var errs []error
	for _, name := range s.Names() {
		if problems := s[name].Validate(); len(problems) > 0 {
			errs = append(errs, &ScenarioError{Scenario: name, Errs: problems})
		}
	}
	return errs
}

// executorNames lists the known executors, for error messages.
var executorNames = []string{
	ConstantArrivalRateExecutor, ConstantVUsExecutor, ExternallyControlledExecutor,
	PerVUIterationsExecutor, RampingArrivalRateExecutor, RampingVUsExecutor, SharedIterationsExecutor,
}

func decodeScenarios(raw []byte) (Scenarios, error) {
	switch kindOf(raw) {
	case kindNull:
		return nil, nil
	case kindObject:
	default:
		return nil, typeMismatch("an object mapping scenario names to scenarios", raw)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	out := make(Scenarios, len(m))
	for _, name := range sortedKeys(m) {
		sc, err := decodeScenario(name, m[name])
		if err != nil {
			return nil, wrapPath(keyPath(name), err)
		}
		out[name] = sc
	}
	return out, nil
}

func decodeScenario(name string, raw []byte) (Scenario, error) {
	if kindOf(raw) != kindObject {
		return nil, typeMismatch("an object", raw)
	}
	var head struct {
		Executor json.RawMessage `json:"executor"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return nil, err
	}
	var executor null.String
	if head.Executor != nil {
		if err := stringField(&executor)(head.Executor); err != nil {
			return nil, wrapPath("executor", err)
		}
	}
	if executor.String == "" {
		return nil, fmt.Errorf("scenario %q doesn't have a specified executor type", name)
	}
	base := BaseConfig{Name: name}
	switch executor.String {
	case SharedIterationsExecutor:
		c := SharedIterationsConfig{BaseConfig: base}
		err := decodeObject(raw, true, append(c.fields(),
			field{"vus", intField(&c.VUs)}, field{"iterations", intField(&c.Iterations)},
			field{"maxDuration", durationField(&c.MaxDuration)}))
		return c, err
	case PerVUIterationsExecutor:
		c := PerVUIterationsConfig{BaseConfig: base}
		err := decodeObject(raw, true, append(c.fields(),
			field{"vus", intField(&c.VUs)}, field{"iterations", intField(&c.Iterations)},
			field{"maxDuration", durationField(&c.MaxDuration)}))
		return c, err
	case ConstantVUsExecutor:
		c := ConstantVUsConfig{BaseConfig: base}
		err := decodeObject(raw, true, append(c.fields(),
			field{"vus", intField(&c.VUs)}, field{"duration", durationField(&c.Duration)}))
		return c, err
	case RampingVUsExecutor:
		c := RampingVUsConfig{BaseConfig: base}
		err := decodeObject(raw, true, append(c.fields(),
			field{"startVUs", intField(&c.StartVUs)}, field{"stages", stagesField(&c.Stages, true)},
			field{"gracefulRampDown", durationField(&c.GracefulRampDown)}))
		return c, err
	case ConstantArrivalRateExecutor:
		c := ConstantArrivalRateConfig{BaseConfig: base}
		err := decodeObject(raw, true, append(c.fields(),
			field{"rate", intField(&c.Rate)}, field{"timeUnit", durationField(&c.TimeUnit)},
			field{"duration", durationField(&c.Duration)},
			field{"preAllocatedVUs", intField(&c.PreAllocatedVUs)}, field{"maxVUs", intField(&c.MaxVUs)}))
		return c, err
	case RampingArrivalRateExecutor:
		c := RampingArrivalRateConfig{BaseConfig: base}
		err := decodeObject(raw, true, append(c.fields(),
			field{"startRate", intField(&c.StartRate)}, field{"timeUnit", durationField(&c.TimeUnit)},
			field{"stages", stagesField(&c.Stages, true)},
			field{"preAllocatedVUs", intField(&c.PreAllocatedVUs)}, field{"maxVUs", intField(&c.MaxVUs)}))
		return c, err
	case ExternallyControlledExecutor:
		c := ExternallyControlledConfig{BaseConfig: base}
		err := decodeObject(raw, true, append(c.fields(),
			field{"vus", intField(&c.VUs)}, field{"duration", durationField(&c.Duration)},
			field{"maxVUs", intField(&c.MaxVUs)}))
		if !c.MaxVUs.Valid { // as k6: an unset maxVUs takes the value of vus
			c.MaxVUs = c.VUs
		}
		return c, err
	default:
		return nil, wrapPath("executor", fmt.Errorf("unknown executor type %q (use %s)",
			executor.String, strings.Join(executorNames, ", ")))
	}
}
