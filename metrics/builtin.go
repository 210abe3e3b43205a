package metrics

// Names of k6's built-in metrics.
const (
	VUsName               = "vus"
	VUsMaxName            = "vus_max"
	IterationsName        = "iterations"
	IterationDurationName = "iteration_duration"
	DroppedIterationsName = "dropped_iterations"
	ChecksName            = "checks"
	GroupDurationName     = "group_duration"
	DataSentName          = "data_sent"
	DataReceivedName      = "data_received"

	HTTPReqsName              = "http_reqs"
	HTTPReqFailedName         = "http_req_failed"
	HTTPReqDurationName       = "http_req_duration"
	HTTPReqBlockedName        = "http_req_blocked"
	HTTPReqConnectingName     = "http_req_connecting"
	HTTPReqTLSHandshakingName = "http_req_tls_handshaking"
	HTTPReqSendingName        = "http_req_sending"
	HTTPReqWaitingName        = "http_req_waiting"
	HTTPReqReceivingName      = "http_req_receiving"
)

// ExpectedResponseSubMetric is the sub-metric k6 always tracks when the
// expected_response system tag is enabled; pass it to [WithSubMetrics].
const ExpectedResponseSubMetric = "http_req_duration{expected_response:true}"

// Builtins holds k6's built-in metrics, registered once per test run.
type Builtins struct {
	VUs               *Metric // gauge vus
	VUsMax            *Metric // gauge vus_max
	Iterations        *Metric // counter iterations
	IterationDuration *Metric // trend (time) iteration_duration
	DroppedIterations *Metric // counter dropped_iterations
	Checks            *Metric // rate checks
	GroupDuration     *Metric // trend (time) group_duration
	DataSent          *Metric // counter (data) data_sent
	DataReceived      *Metric // counter (data) data_received

	HTTPReqs              *Metric // counter http_reqs
	HTTPReqFailed         *Metric // rate http_req_failed
	HTTPReqDuration       *Metric // trend (time) http_req_duration
	HTTPReqBlocked        *Metric // trend (time) http_req_blocked
	HTTPReqConnecting     *Metric // trend (time) http_req_connecting
	HTTPReqTLSHandshaking *Metric // trend (time) http_req_tls_handshaking
	HTTPReqSending        *Metric // trend (time) http_req_sending
	HTTPReqWaiting        *Metric // trend (time) http_req_waiting
	HTTPReqReceiving      *Metric // trend (time) http_req_receiving
}

// RegisterBuiltins registers k6's built-in metrics in r and returns them. It
// panics if r already holds one of their names with another type, which is a
// programming error.
func RegisterBuiltins(r *Registry) *Builtins {
	return &Builtins{
		VUs:               r.MustNewMetric(VUsName, Gauge),
		VUsMax:            r.MustNewMetric(VUsMaxName, Gauge),
		Iterations:        r.MustNewMetric(IterationsName, Counter),
		IterationDuration: r.MustNewMetric(IterationDurationName, Trend, Time),
		DroppedIterations: r.MustNewMetric(DroppedIterationsName, Counter),
		Checks:            r.MustNewMetric(ChecksName, Rate),
		GroupDuration:     r.MustNewMetric(GroupDurationName, Trend, Time),
		DataSent:          r.MustNewMetric(DataSentName, Counter, Data),
		DataReceived:      r.MustNewMetric(DataReceivedName, Counter, Data),

		HTTPReqs:              r.MustNewMetric(HTTPReqsName, Counter),
		HTTPReqFailed:         r.MustNewMetric(HTTPReqFailedName, Rate),
		HTTPReqDuration:       r.MustNewMetric(HTTPReqDurationName, Trend, Time),
		HTTPReqBlocked:        r.MustNewMetric(HTTPReqBlockedName, Trend, Time),
		HTTPReqConnecting:     r.MustNewMetric(HTTPReqConnectingName, Trend, Time),
		HTTPReqTLSHandshaking: r.MustNewMetric(HTTPReqTLSHandshakingName, Trend, Time),
		HTTPReqSending:        r.MustNewMetric(HTTPReqSendingName, Trend, Time),
		HTTPReqWaiting:        r.MustNewMetric(HTTPReqWaitingName, Trend, Time),
		HTTPReqReceiving:      r.MustNewMetric(HTTPReqReceivingName, Trend, Time),
	}
}
