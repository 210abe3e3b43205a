package options

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Validate lists every problem of the (consolidated, derived) options: one
// *ScenarioError per faulty scenario, in k6's words, and one error per other
// faulty option, naming it. An empty result means the options can run. The
// runner reports a non-empty result with ConfigError and exit code 104.
// Whether each scenario's exec function exists is the script host's check
// (see CheckExec).
func (o Options) Validate() []error {
	var errs []error
	if o.ExecutionSegmentSequence != nil && !segmentInSequence(o.ExecutionSegment, o.ExecutionSegmentSequence) {
		errs = append(errs, fmt.Errorf("provided segment %s can't be found in sequence %s",
			o.ExecutionSegment, o.ExecutionSegmentSequence))
	}
	errs = append(errs, o.Scenarios.Validate()...)

	positive := []struct {
		name string
		d    NullDuration
	}{
		{"setupTimeout", o.SetupTimeout},
		{"teardownTimeout", o.TeardownTimeout},
		{"handleSummaryTimeout", o.HandleSummaryTimeout},
	}
	for _, p := range positive {
		if p.d.Valid && p.d.Duration <= 0 {
			errs = append(errs, fmt.Errorf("the %s option must be positive, but is %s", p.name, p.d.Duration))
		}
	}
	if o.MinIterationDuration.Duration < 0 {
		errs = append(errs, fmt.Errorf("the minIterationDuration option can't be negative, but is %s", o.MinIterationDuration.Duration))
	}
	nonNegative := []struct {
		name string
		v    int64
	}{
		{"rps", o.RPS.Int64},
		{"maxRedirects", o.MaxRedirects.Int64},
		{"batch", o.Batch.Int64},
		{"batchPerHost", o.BatchPerHost.Int64},
		{"metricSamplesBufferSize", o.MetricSamplesBufferSize.Int64},
	}
	for _, n := range nonNegative {
		if n.v < 0 {
			errs = append(errs, fmt.Errorf("the %s option can't be negative, but is %d", n.name, n.v))
		}
	}
	if o.SummaryTimeUnit.Valid {
		switch o.SummaryTimeUnit.String {
		case "s", "ms", "us":
		default:
			errs = append(errs, fmt.Errorf("invalid summaryTimeUnit %q: use s, ms or us", o.SummaryTimeUnit.String))
		}
	}
	for _, stat := range o.SummaryTrendStats {
		if err := CheckTrendStat(stat); err != nil {
			errs = append(errs, fmt.Errorf("invalid summaryTrendStats: %w", err))
		}
	}
	for i, a := range o.TLSAuth {
		if _, err := a.Certificate(); err != nil {
			errs = append(errs, fmt.Errorf("invalid tlsAuth[%d]: %w", i, err))
		}
	}
	if o.LocalIPs.Valid && o.LocalIPs.String != "" {
		if err := checkLocalIPs(o.LocalIPs.String); err != nil {
			errs = append(errs, fmt.Errorf("invalid localIPs: %w", err))
		}
	}
	for host, addr := range o.Hosts {
		if host == "" || addr == "" {
			errs = append(errs, fmt.Errorf("invalid hosts entry %q: %q: both the host and the address are required", host, addr))
		}
	}
	return errs
}

var percentileRe = regexp.MustCompile(`^p\((\d+(?:\.\d+)?)\)$`)

// CheckTrendStat checks one summaryTrendStats column: avg, min, med, max,
// count, or a percentile p(N) with 0 ≤ N ≤ 100.
func CheckTrendStat(stat string) error {
	switch stat {
	case "avg", "min", "med", "max", "count":
		return nil
	}
	if m := percentileRe.FindStringSubmatch(stat); m != nil {
		if p, err := strconv.ParseFloat(m[1], 64); err == nil && p >= 0 && p <= 100 {
			return nil
		}
		return fmt.Errorf("percentile %q is out of range: use p(N) with N between 0 and 100", stat)
	}
	return fmt.Errorf("stat %q is unknown: use avg, min, med, max, count or p(N)", stat)
}

// CheckExec returns one error for every scenario whose exec function is not
// exported by the script, in k6's words; isExported is the script host's
// answer.
func (o Options) CheckExec(isExported func(name string) bool) []error {
	var errs []error
	for _, name := range o.Scenarios.Names() {
		if fn := o.Scenarios[name].GetExec(); !isExported(fn) {
			errs = append(errs, fmt.Errorf("executor %s: function '%s' not found in exports", name, fn))
		}
	}
	return errs
}

// ConfigError is the error the runner reports for invalid options (exit code
// 104). Its message is k6's: a title line followed by one "\t- problem" line
// per problem.
type ConfigError struct {
	Errs []error
}

// NewConfigError wraps problems into a ConfigError; nil when there are none.
func NewConfigError(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return &ConfigError{Errs: errs}
}

// Error lists the problems under k6's title.
func (e *ConfigError) Error() string {
	var b strings.Builder
	b.WriteString("There were problems with the specified script configuration:")
	for _, err := range e.Errs {
		b.WriteString("\n\t- ")
		b.WriteString(err.Error())
	}
	return b.String()
}

// Unwrap returns the problems.
func (e *ConfigError) Unwrap() []error { return e.Errs }

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

var _ error = (*ConfigError)(nil)
