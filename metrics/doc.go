// Package metrics holds everything minik6 knows about measurements: the metric
// registry and k6's built-in metrics, tag sets, samples, the sinks that
// aggregate samples, thresholds and their grammar, and the summary data
// (text summary, --summary-export JSON, handleSummary data).
//
// The package is a leaf: it imports only the standard library, knows nothing
// of JavaScript or of the runner, and takes its configuration as plain values.
//
// # Data flow
//
// VUs emit [Sample] values, collect them in local batches and hand each batch
// to [Engine.AddSamples]. The engine feeds the sink of every sample's metric
// and the sinks of the metric's sub-metrics (those named by threshold
// selectors such as "http_req_duration{status:200}"), and counts checks per
// group. Periodically the runner calls [Engine.EvaluateThresholds]; at the end
// [Engine.FinalizeThresholds], then the summary writers.
//
// For k6's full summary mode, an engine made with [WithBreakdown] also keeps
// sinks per group and per scenario, keyed by the samples' group and scenario
// tags (at most [MaxBreakdownKeys]), from which the text summary prints its
// GROUP and SCENARIO sections. Without the option the engine does none of
// that work.
//
// # Bounded memory
//
// Trend sinks keep no list of values beyond the first [TrendExactLimit] (so
// short runs get k6's exact percentiles). Past that, percentiles come from the
// log-linear histogram of the k6 cloud protocol ([Histogram]: 128 sub-buckets
// per power of two), so a trend's memory depends on the range its values span,
// not on how many there are. This histogram rather than a library sketch
// (DDSketch, HDR): one bucket layout serves the summary, the thresholds and the
// cloud output (which builds its per-period histograms with the same type at
// [CloudMinResolution] and sends [Histogram.Buckets] as spans); histograms of
// equal resolution merge exactly, bucket for bucket; the error bound (a
// bucket's midpoint is within 0.4 % of its values) holds for any distribution;
// and it needs no dependency.
package metrics
