package cloud

import (
	"errors"
	"fmt"
	"time"

	"gopkg.in/guregu/null.v3"

	"github.com/minik6/minik6/options"
	"github.com/sirupsen/logrus"
)

// Config holds the settings of the cloud commands and of the cloud output. The
// json tag is the key in the config file's collectors.cloud, in options.cloud
// and in the cloud's config override; the envconfig tag is the environment
// variable. Durations are read from JSON as a string ("1s") or a number of
// milliseconds, and from the environment as a Go duration ("1s", "500ms").
type Config struct {
	// StackID is the Grafana stack, sent as X-Stack-Id; set by login.
	StackID null.Int `json:"stackID" envconfig:"K6_CLOUD_STACK_ID"`
	// StackURL is the Grafana stack's URL; set by login.
	StackURL null.String `json:"stackURL" envconfig:"K6_CLOUD_STACK_URL"`
	// DefaultProjectID is the stack's default project; set by login only.
	DefaultProjectID null.Int `json:"defaultProjectID"`
	// Token is the API token.
	Token null.String `json:"token" envconfig:"K6_CLOUD_TOKEN"`
	// ProjectID is the project of the test; 0 means unset.
	ProjectID null.Int `json:"projectID" envconfig:"K6_CLOUD_PROJECT_ID"`
	// Name is the test's name.
	Name null.String `json:"name" envconfig:"K6_CLOUD_NAME"`
	// Host is the base URL of the v1 API and of the metrics ingest.
	Host null.String `json:"host" envconfig:"K6_CLOUD_HOST"`
	// Hostv6 is the base URL of the v6 and provisioning APIs.
	Hostv6 null.String `json:"hostv6" envconfig:"K6_CLOUD_HOST_V6"`
	// Timeout bounds each HTTP request.
	Timeout options.NullDuration `json:"timeout" envconfig:"K6_CLOUD_TIMEOUT"`
	// LogsTailURL is the WebSocket URL of the log tail; from the environment only.
	LogsTailURL null.String `json:"-" envconfig:"K6_CLOUD_LOGS_TAIL_URL"`
	// WebAppURL is the web app, whose {WebAppURL}/runs/{ref} shows a test run.
	WebAppURL null.String `json:"webAppURL" envconfig:"K6_CLOUD_WEB_APP_URL"`
	// TestRunDetails, when set, is the link shown for the test run instead.
	TestRunDetails null.String `json:"testRunDetails" envconfig:"K6_CLOUD_TEST_RUN_DETAILS"`
	// NoCompress is accepted for compatibility and unused: metrics are always compressed.
	NoCompress null.Bool `json:"noCompress" envconfig:"K6_CLOUD_NO_COMPRESS"`
	// StopOnError aborts the test when the cloud refuses more metrics.
	StopOnError null.Bool `json:"stopOnError" envconfig:"K6_CLOUD_STOP_ON_ERROR"`
	// APIVersion is the version of the metrics API; only 2 is supported.
	APIVersion null.Int `json:"apiVersion" envconfig:"K6_CLOUD_API_VERSION"`
	// PushRefID, when set, is the reference ID of a test run created by someone
	// else: the output then only pushes metrics to it.
	PushRefID null.String `json:"pushRefID" envconfig:"K6_CLOUD_PUSH_REF_ID"`
	// MaxTimeSeriesInBatch is the largest number of time series in one metrics push.
	MaxTimeSeriesInBatch null.Int `json:"maxTimeSeriesInBatch" envconfig:"K6_CLOUD_MAX_TIME_SERIES_IN_BATCH"`
	// MetricPushInterval is the time between two metrics pushes.
	MetricPushInterval options.NullDuration `json:"metricPushInterval" envconfig:"K6_CLOUD_METRIC_PUSH_INTERVAL"`
	// MetricPushConcurrency is the number of metrics pushes sent at the same time.
	MetricPushConcurrency null.Int `json:"metricPushConcurrency" envconfig:"K6_CLOUD_METRIC_PUSH_CONCURRENCY"`
	// AggregationPeriod is the length of the time buckets samples are
	// aggregated in; whole seconds only.
	AggregationPeriod options.NullDuration `json:"aggregationPeriod" envconfig:"K6_CLOUD_AGGREGATION_PERIOD"`
	// AggregationWaitPeriod is how long a bucket waits for late samples before
	// it is aggregated; whole seconds only.
	AggregationWaitPeriod options.NullDuration `json:"aggregationWaitPeriod" envconfig:"K6_CLOUD_AGGREGATION_WAIT_PERIOD"`
	// TracesEnabled sends traces to the k6 Insights service.
	TracesEnabled null.Bool `json:"tracesEnabled" envconfig:"K6_CLOUD_TRACES_ENABLED"`
	// TracesHost is the address (host:port) of the k6 Insights service.
	TracesHost null.String `json:"traceHost" envconfig:"K6_CLOUD_TRACES_HOST"`
	// TracesPushConcurrency is the number of trace pushes sent at the same time.
	TracesPushConcurrency null.Int `json:"tracesPushConcurrency" envconfig:"K6_CLOUD_TRACES_PUSH_CONCURRENCY"`
	// TracesPushInterval is the time between two trace pushes.
	TracesPushInterval options.NullDuration `json:"tracesPushInterval" envconfig:"K6_CLOUD_TRACES_PUSH_INTERVAL"`
}

// NewConfig returns the default settings.
func NewConfig() Config {
	return Config{
		Host:                  null.StringFrom("https://ingest.k6.io"),
		Hostv6:                null.StringFrom("https://api.k6.io"),
		Timeout:               options.NullDurationFrom(time.Minute),
		LogsTailURL:           null.StringFrom("wss://cloudlogs.k6.io/api/v1/tail"),
		WebAppURL:             null.StringFrom("https://app.k6.io"),
		StopOnError:           null.BoolFrom(false),
		APIVersion:            null.IntFrom(2),
		MaxTimeSeriesInBatch:  null.IntFrom(1000),
		MetricPushInterval:    options.NullDurationFrom(time.Second),
		MetricPushConcurrency: null.IntFrom(1),
		AggregationPeriod:     options.NullDurationFrom(3 * time.Second),
		AggregationWaitPeriod: options.NullDurationFrom(8 * time.Second),
		TracesEnabled:         null.BoolFrom(true),
		TracesHost:            null.StringFrom("grpc-k6-api-prod-prod-us-east-0.grafana.net:443"),
		TracesPushInterval:    options.NullDurationFrom(time.Second),
		TracesPushConcurrency: null.IntFrom(1),
	}
}

// Apply returns c with the settings of cfg laid over it, as k6 merges its
// layers and the cloud's override: a setting of cfg is taken when it is set
// (not null), except that ProjectID is taken only when > 0; Name, Host,
// Hostv6 and LogsTailURL only when not empty; and StackURL only when c has none.
func (c Config) Apply(cfg Config) Config {
	if cfg.StackID.Valid {
		c.StackID = cfg.StackID
	}
	if cfg.StackURL.Valid && !c.StackURL.Valid {
		c.StackURL = cfg.StackURL
	}
	if cfg.DefaultProjectID.Valid {
		c.DefaultProjectID = cfg.DefaultProjectID
	}
	if cfg.Token.Valid {
		c.Token = cfg.Token
	}
	if cfg.ProjectID.Valid && cfg.ProjectID.Int64 > 0 {
		c.ProjectID = cfg.ProjectID
	}
	if cfg.Name.Valid && cfg.Name.String != "" {
		c.Name = cfg.Name
	}
	if cfg.Host.Valid && cfg.Host.String != "" {
		c.Host = cfg.Host
	}
	if cfg.Hostv6.Valid && cfg.Hostv6.String != "" {
		c.Hostv6 = cfg.Hostv6
	}
	if cfg.Timeout.Valid {
		c.Timeout = cfg.Timeout
	}
	if cfg.LogsTailURL.Valid && cfg.LogsTailURL.String != "" {
		c.LogsTailURL = cfg.LogsTailURL
	}
	if cfg.WebAppURL.Valid {
		c.WebAppURL = cfg.WebAppURL
	}
	if cfg.TestRunDetails.Valid {
		c.TestRunDetails = cfg.TestRunDetails
	}
	if cfg.NoCompress.Valid {
		c.NoCompress = cfg.NoCompress
	}
	if cfg.StopOnError.Valid {
		c.StopOnError = cfg.StopOnError
	}
	if cfg.APIVersion.Valid {
		c.APIVersion = cfg.APIVersion
	}
	if cfg.PushRefID.Valid {
		c.PushRefID = cfg.PushRefID
	}
	if cfg.MaxTimeSeriesInBatch.Valid {
		c.MaxTimeSeriesInBatch = cfg.MaxTimeSeriesInBatch
	}
	if cfg.MetricPushInterval.Valid {
		c.MetricPushInterval = cfg.MetricPushInterval
	}
	if cfg.MetricPushConcurrency.Valid {
		c.MetricPushConcurrency = cfg.MetricPushConcurrency
	}
	if cfg.AggregationPeriod.Valid {
		c.AggregationPeriod = cfg.AggregationPeriod
	}
	if cfg.AggregationWaitPeriod.Valid {
		c.AggregationWaitPeriod = cfg.AggregationWaitPeriod
	}
	if cfg.TracesEnabled.Valid {
		c.TracesEnabled = cfg.TracesEnabled
	}
	if cfg.TracesHost.Valid {
		c.TracesHost = cfg.TracesHost
	}
	if cfg.TracesPushConcurrency.Valid {
		c.TracesPushConcurrency = cfg.TracesPushConcurrency
	}
	if cfg.TracesPushInterval.Valid {
		c.TracesPushInterval = cfg.TracesPushInterval
	}
	return c
}

// Validate returns the problems of the settings the cloud output checks
// before it starts: the API version must be 2; the aggregation period and wait
// period whole seconds above zero; the metric push interval above zero; the
// push concurrency and the batch size at least 1. Several problems are joined.
func (c Config) Validate() error {
	var errs []error
	switch v := c.APIVersion.Int64; v {
	case 2:
	case 1:
		errs = append(errs, errors.New("v1 is not supported anymore"))
	default:
		errs = append(errs, fmt.Errorf("v%d is not a supported version of the cloud API", v))
	}
	errs = append(errs,
		wholeSeconds("aggregation period", c.AggregationPeriod.Duration),
		wholeSeconds("aggregation wait period", c.AggregationWaitPeriod.Duration))
	if d := c.MetricPushInterval.Duration; d <= 0 {
		errs = append(errs, fmt.Errorf("metric push interval must be greater than zero but is %s", d))
	}
	if n := c.MetricPushConcurrency.Int64; n < 1 {
		errs = append(errs, fmt.Errorf("metric push concurrency must be a positive number but is %d", n))
	}
	if n := c.MaxTimeSeriesInBatch.Int64; n < 1 {
		errs = append(errs, fmt.Errorf("max allowed number of time series in a single batch must be a positive number but is %d", n))
	}
	return errors.Join(errs...)
}

// wholeSeconds checks that the period called name is a whole number of
// seconds above zero.
func wholeSeconds(name string, d time.Duration) error {
	if d%time.Second != 0 {
		return fmt.Errorf("%s is not allowed to have sub-second precision", name)
	}
	if d <= 0 {
		return fmt.Errorf("%s must be greater than zero but is %s", name, d)
	}
	return nil
}

// URLForResults returns the link to the results of the test run refID: the
// config's TestRunDetails when set, else {WebAppURL}/runs/{refID}.
func URLForResults(refID string, config Config) string {
	if config.TestRunDetails.Valid && config.TestRunDetails.String != "" {
		return config.TestRunDetails.String
	}
	return config.WebAppURL.String + "/runs/" + refID
}

// Project returns the project a test runs in (cloud-protocol §9.3): the
// configured projectID; without one, the stack's default project that login
// saved (with a warning); without that, 0 (the cloud chooses) — unless a stack
// is configured, which then lacks its default project.
func (c Config) Project(logger logrus.FieldLogger) (int64, error) {
	if c.ProjectID.Int64 > 0 {
		return c.ProjectID.Int64, nil
	}
	if c.DefaultProjectID.Int64 > 0 {
		logger.Warnf("No projectID specified, using default project of the %s stack", c.StackURL.String)
		return c.DefaultProjectID.Int64, nil
	}
	if c.StackID.Int64 != 0 {
		return 0, errors.New("default stack configured but the default project ID is not available - " +
			"please run `minik6 cloud login` to refresh your configuration")
	}
	return 0, nil
}
