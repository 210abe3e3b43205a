package options

import (
	"fmt"
	"time"

	"gopkg.in/guregu/null.v3"
)

// Apply returns o with every option that other sets replacing o's value;
// other is the higher-precedence source.
//
// The execution options are special, as in k6: when other sets any of
// duration, iterations, stages or scenarios, all four are first cleared in o,
// so a higher layer's shortcut replaces a lower layer's scenarios (and the
// other way round), while options set together in one layer stay together
// for DeriveScenarios to judge. vus is applied on its own. Stages without a
// duration are dropped. tags replaces o's tags only when it is not empty.
func (o Options) Apply(other Options) Options {
	if other.Paused.Valid {
		o.Paused = other.Paused
	}
	if other.VUs.Valid {
		o.VUs = other.VUs
	}
	if other.Duration.Valid || other.Iterations.Valid || other.Stages != nil || other.Scenarios != nil {
		o.Duration = NullDuration{}
		o.Iterations = null.Int{}
		o.Stages = nil
		o.Scenarios = nil
	}
	if other.Duration.Valid {
		o.Duration = other.Duration
	}
	if other.Iterations.Valid {
		o.Iterations = other.Iterations
	}
	if other.Stages != nil {
		o.Stages = []Stage{}
		for _, s := range other.Stages {
			if s.Duration.Valid {
				o.Stages = append(o.Stages, s)
			}
		}
	}
	if other.Scenarios != nil {
		o.Scenarios = other.Scenarios
	}
	if other.ExecutionSegment != nil {
		o.ExecutionSegment = other.ExecutionSegment
	}
	if other.ExecutionSegmentSequence != nil {
		o.ExecutionSegmentSequence = other.ExecutionSegmentSequence
	}
	setBool(&o.NoSetup, other.NoSetup)
	setDuration(&o.SetupTimeout, other.SetupTimeout)
	setBool(&o.NoTeardown, other.NoTeardown)
	setDuration(&o.TeardownTimeout, other.TeardownTimeout)
	setDuration(&o.HandleSummaryTimeout, other.HandleSummaryTimeout)
	setInt(&o.RPS, other.RPS)
	o.DNS = o.DNS.apply(other.DNS)
	setInt(&o.MaxRedirects, other.MaxRedirects)
	setString(&o.UserAgent, other.UserAgent)
	setInt(&o.Batch, other.Batch)
	setInt(&o.BatchPerHost, other.BatchPerHost)
	setString(&o.HTTPDebug, other.HTTPDebug)
	setBool(&o.InsecureSkipTLSVerify, other.InsecureSkipTLSVerify)
	if other.TLSCipherSuites != nil {
		o.TLSCipherSuites = other.TLSCipherSuites
	}
	if other.TLSVersion != nil {
		o.TLSVersion = other.TLSVersion
	}
	if other.TLSAuth != nil {
		o.TLSAuth = other.TLSAuth
	}
	setBool(&o.Throw, other.Throw)
	if other.Thresholds != nil {
		o.Thresholds = other.Thresholds
	}
	if other.BlacklistIPs != nil {
		o.BlacklistIPs = other.BlacklistIPs
	}
	if other.BlockHostnames != nil {
		o.BlockHostnames = other.BlockHostnames
	}
	if other.Hosts != nil {
		o.Hosts = other.Hosts
	}
	setBool(&o.NoConnectionReuse, other.NoConnectionReuse)
	setBool(&o.NoVUConnectionReuse, other.NoVUConnectionReuse)
	setDuration(&o.MinIterationDuration, other.MinIterationDuration)
	setBool(&o.NoCookiesReset, other.NoCookiesReset)
	setBool(&o.DiscardResponseBodies, other.DiscardResponseBodies)
	if other.Ext != nil {
		o.Ext = other.Ext
	}
	if len(other.Cloud) > 0 {
		o.Cloud = other.Cloud
	}
	if other.SummaryTrendStats != nil {
		o.SummaryTrendStats = other.SummaryTrendStats
	}
	setString(&o.SummaryTimeUnit, other.SummaryTimeUnit)
	if other.SystemTags != nil {
		o.SystemTags = other.SystemTags
	}
	if len(other.Tags) > 0 {
		o.Tags = other.Tags
	}
	setInt(&o.MetricSamplesBufferSize, other.MetricSamplesBufferSize)
	setString(&o.ConsoleOutput, other.ConsoleOutput)
	setString(&o.LocalIPs, other.LocalIPs)
	if other.Features != nil {
		o.Features = other.Features
	}
	return o
}

func setBool(dst *null.Bool, v null.Bool) {
	if v.Valid {
		*dst = v
	}
}

func setInt(dst *null.Int, v null.Int) {
	if v.Valid {
		*dst = v
	}
}

func setString(dst *null.String, v null.String) {
	if v.Valid {
		*dst = v
	}
}

func setDuration(dst *NullDuration, v NullDuration) {
	if v.Valid {
		*dst = v
	}
}

// WithDefaults fills in the defaults that consolidated options show instead
// of null: systemTags and summaryTrendStats. Every other default stays null
// and comes from an accessor. It also drops unknown system tag names, as
// NormalizeSystemTags does, whichever layer they came from.
func (o Options) WithDefaults() Options {
	if o.SystemTags == nil {
		o.SystemTags = DefaultSystemTags()
	} else {
		o.SystemTags = NormalizeSystemTags(o.SystemTags)
	}
	if o.SummaryTrendStats == nil {
		o.SummaryTrendStats = DefaultSummaryTrendStats()
	}
	return o
}

// Consolidate merges the options of every source in k6's order of
// precedence (defaults < config file < script < environment < CLI), fills
// the defaults and derives the scenarios. Warnings are for the user (k6 logs
// them): a source whose shortcut or scenarios replaced the scenarios of a
// lower one, and explicitly empty stages or scenarios. The error is a
// shortcut conflict (exit code 104). Consolidate does not validate; call
// Validate on the result.
func Consolidate(configFile, script, env, cli Options) (Options, []string, error) {
	var warnings []string
	o := configFile
	for _, layer := range []struct {
		name string
		opts Options
	}{{"script", script}, {"env", env}, {"cli", cli}} {
		b := layer.opts
		if o.Scenarios != nil && (b.Duration.Valid || b.Iterations.Valid || b.Stages != nil || b.Scenarios != nil) {
			warnings = append(warnings, fmt.Sprintf("%q level configuration overrode scenarios configuration entirely", layer.name))
		}
		o = o.Apply(b)
	}
	o = o.WithDefaults()
	derived, more, err := o.DeriveScenarios()
	return derived, append(warnings, more...), err
}

// GetSetupTimeout returns setupTimeout, 60s when unset.
func (o Options) GetSetupTimeout() time.Duration { return o.SetupTimeout.ValueOr(DefaultSetupTimeout) }

// GetTeardownTimeout returns teardownTimeout, 60s when unset.
func (o Options) GetTeardownTimeout() time.Duration {
	return o.TeardownTimeout.ValueOr(DefaultTeardownTimeout)
}

// GetHandleSummaryTimeout returns handleSummaryTimeout, 2m when unset.
func (o Options) GetHandleSummaryTimeout() time.Duration {
	return o.HandleSummaryTimeout.ValueOr(DefaultHandleSummaryTimeout)
}

// GetBatch returns batch, 20 when unset.
func (o Options) GetBatch() int64 { return intOr(o.Batch, DefaultBatch) }

// GetBatchPerHost returns batchPerHost, 6 when unset.
func (o Options) GetBatchPerHost() int64 { return intOr(o.BatchPerHost, DefaultBatchPerHost) }

// GetMaxRedirects returns maxRedirects, 10 when unset.
func (o Options) GetMaxRedirects() int64 { return intOr(o.MaxRedirects, DefaultMaxRedirects) }

// GetSystemTags returns systemTags, the default set when unset.
func (o Options) GetSystemTags() []string {
	if o.SystemTags == nil {
		return DefaultSystemTags()
	}
	return o.SystemTags
}

// GetSummaryTrendStats returns summaryTrendStats, the default columns when unset.
func (o Options) GetSummaryTrendStats() []string {
	if o.SummaryTrendStats == nil {
		return DefaultSummaryTrendStats()
	}
	return o.SummaryTrendStats
}
