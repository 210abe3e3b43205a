package options

import "sort"

// ScriptJSON returns the options as a script sees them in exec.test.options:
// every option key, unset ones as null, but without the shortcut keys vus,
// duration, iterations and stages, which consolidation has folded into
// scenarios. Keys are in sorted order; "cloud" appears only when set.
// Call it on consolidated Options (see Consolidate) so that scenarios,
// systemTags and summaryTrendStats are filled in.
func (o Options) ScriptJSON() ([]byte, error) {
	return marshalJSON(o.jsonMap(false))
}

// MarshalJSON writes every option, the shortcuts included, in the shape
// Parse reads back (the shape of a k6 config file or archive).
func (o Options) MarshalJSON() ([]byte, error) {
	return marshalJSON(o.jsonMap(true))
}

func (o Options) jsonMap(withShortcuts bool) map[string]any {
	m := map[string]any{
		"batch":                    o.Batch,
		"batchPerHost":             o.BatchPerHost,
		"blacklistIPs":             o.BlacklistIPs,
		"blockHostnames":           o.BlockHostnames,
		"consoleOutput":            o.ConsoleOutput,
		"discardResponseBodies":    o.DiscardResponseBodies,
		"dns":                      o.DNS,
		"executionSegment":         segmentJSON(o.ExecutionSegment),
		"executionSegmentSequence": sequenceJSON(o.ExecutionSegmentSequence),
		"ext":                      o.Ext,
		"features":                 o.Features,
		"handleSummaryTimeout":     o.HandleSummaryTimeout,
		"hosts":                    o.Hosts,
		"httpDebug":                o.HTTPDebug,
		"insecureSkipTLSVerify":    o.InsecureSkipTLSVerify,
		"localIPs":                 o.LocalIPs,
		"maxRedirects":             o.MaxRedirects,
		"metricSamplesBufferSize":  o.MetricSamplesBufferSize,
		"minIterationDuration":     o.MinIterationDuration,
		"noConnectionReuse":        o.NoConnectionReuse,
		"noCookiesReset":           o.NoCookiesReset,
		"noSetup":                  o.NoSetup,
		"noTeardown":               o.NoTeardown,
		"noVUConnectionReuse":      o.NoVUConnectionReuse,
		"paused":                   o.Paused,
		"rps":                      o.RPS,
		"scenarios":                o.Scenarios,
		"setupTimeout":             o.SetupTimeout,
		"summaryTimeUnit":          o.SummaryTimeUnit,
		"summaryTrendStats":        o.SummaryTrendStats,
		"systemTags":               sortedOrNil(o.SystemTags),
		"tags":                     o.Tags,
		"teardownTimeout":          o.TeardownTimeout,
		"thresholds":               o.Thresholds,
		"throw":                    o.Throw,
		"tlsAuth":                  o.TLSAuth,
		"tlsCipherSuites":          o.TLSCipherSuites,
		"tlsVersion":               o.TLSVersion,
		"userAgent":                o.UserAgent,
	}
	if withShortcuts {
		m["vus"] = o.VUs
		m["duration"] = o.Duration
		m["iterations"] = o.Iterations
		m["stages"] = o.Stages
	}
	if len(o.Cloud) > 0 {
		m["cloud"] = o.Cloud
	}
	return m
}

// sortedOrNil returns a sorted copy of list, keeping nil as nil.
func sortedOrNil(list []string) []string {
	if list == nil {
		return nil
	}
	out := append([]string{}, list...)
	sort.Strings(out)
	return out
}
