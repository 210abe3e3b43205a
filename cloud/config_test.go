package cloud

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/guregu/null.v3"

	"github.com/minik6/minik6/options"
)

func TestNewConfig(t *testing.T) {
	want := Config{
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
	assert.Equal(t, want, NewConfig())
	require.NoError(t, NewConfig().Validate())
}

func TestConfigJSON(t *testing.T) {
	var cfg Config
	require.NoError(t, json.Unmarshal([]byte(`{
		"stackID": 1, "stackURL": "https://my.grafana.net", "defaultProjectID": 2, "token": "t",
		"projectID": 3, "name": "n", "host": "http://h", "hostv6": "http://h6", "timeout": "5s",
		"logsTailURL": "ignored", "webAppURL": "http://w", "testRunDetails": "http://d",
		"noCompress": true, "stopOnError": true, "apiVersion": 2, "pushRefID": "r",
		"maxTimeSeriesInBatch": 4, "metricPushInterval": 1500, "metricPushConcurrency": 2,
		"aggregationPeriod": "1s", "aggregationWaitPeriod": "2s", "tracesEnabled": false,
		"traceHost": "th:443", "tracesPushConcurrency": 3, "tracesPushInterval": "4s"}`), &cfg))
	assert.Equal(t, Config{
		StackID: null.IntFrom(1), StackURL: null.StringFrom("https://my.grafana.net"),
		DefaultProjectID: null.IntFrom(2), Token: null.StringFrom("t"), ProjectID: null.IntFrom(3),
		Name: null.StringFrom("n"), Host: null.StringFrom("http://h"), Hostv6: null.StringFrom("http://h6"),
		Timeout: options.NullDurationFrom(5 * time.Second), WebAppURL: null.StringFrom("http://w"),
		TestRunDetails: null.StringFrom("http://d"), NoCompress: null.BoolFrom(true),
		StopOnError: null.BoolFrom(true), APIVersion: null.IntFrom(2), PushRefID: null.StringFrom("r"),
		MaxTimeSeriesInBatch:  null.IntFrom(4),
		MetricPushInterval:    options.NullDurationFrom(1500 * time.Millisecond),
		MetricPushConcurrency: null.IntFrom(2),
		AggregationPeriod:     options.NullDurationFrom(time.Second),
		AggregationWaitPeriod: options.NullDurationFrom(2 * time.Second),
		TracesEnabled:         null.BoolFrom(false), TracesHost: null.StringFrom("th:443"),
		TracesPushConcurrency: null.IntFrom(3), TracesPushInterval: options.NullDurationFrom(4 * time.Second),
	}, cfg)
}

// allSet returns a Config with every setting set to a value Apply takes.
func allSet() Config {
	var cfg Config
	fields := reflect.ValueOf(&cfg).Elem()
	for i := range fields.NumField() {
		switch f := fields.Field(i).Addr().Interface().(type) {
		case *null.String:
			*f = null.StringFrom("s" + fields.Type().Field(i).Name)
		case *null.Int:
			*f = null.IntFrom(int64(i + 1))
		case *null.Bool:
			*f = null.BoolFrom(true)
		case *options.NullDuration:
			*f = options.NullDurationFrom(time.Duration(i+1) * time.Second)
		default:
			panic(fields.Type().Field(i).Name)
		}
	}
	return cfg
}

func TestConfigApplyTakesEverySetting(t *testing.T) {
	assert.Equal(t, allSet(), Config{}.Apply(allSet()), "every setting is copied")
	assert.Equal(t, allSet(), allSet().Apply(Config{}), "null settings are not copied")
	assert.Equal(t, NewConfig(), NewConfig().Apply(Config{}))
}

func TestConfigApplyRules(t *testing.T) {
	base := Config{
		ProjectID: null.IntFrom(111), Name: null.StringFrom("A"), Host: null.StringFrom("http://h"),
		Hostv6: null.StringFrom("http://h6"), LogsTailURL: null.StringFrom("ws://l"),
		StackURL: null.StringFrom("https://one.grafana.net"), Token: null.StringFrom("t"),
		StopOnError: null.BoolFrom(true), WebAppURL: null.StringFrom("http://w"),
	}
	tests := []struct {
		name  string
		over  Config
		check func(t *testing.T, got Config)
	}{
		{"projectID 0 is not taken", Config{ProjectID: null.IntFrom(0)}, func(t *testing.T, got Config) {
			assert.Equal(t, null.IntFrom(111), got.ProjectID)
		}},
		{"negative projectID is not taken", Config{ProjectID: null.IntFrom(-1)}, func(t *testing.T, got Config) {
			assert.Equal(t, null.IntFrom(111), got.ProjectID)
		}},
		{"projectID > 0 is taken", Config{ProjectID: null.IntFrom(222)}, func(t *testing.T, got Config) {
			assert.Equal(t, null.IntFrom(222), got.ProjectID)
		}},
		{"empty strings with exceptions are not taken", Config{
			Name: null.StringFrom(""), Host: null.StringFrom(""), Hostv6: null.StringFrom(""),
			LogsTailURL: null.StringFrom(""),
		}, func(t *testing.T, got Config) {
			assert.Equal(t, base, got)
		}},
		{"stackURL is not replaced", Config{StackURL: null.StringFrom("https://two.grafana.net")}, func(t *testing.T, got Config) {
			assert.Equal(t, "https://one.grafana.net", got.StackURL.String)
		}},
		{"other empty or false settings are taken", Config{
			Token: null.StringFrom(""), StopOnError: null.BoolFrom(false), WebAppURL: null.StringFrom(""),
		}, func(t *testing.T, got Config) {
			assert.Equal(t, null.StringFrom(""), got.Token)
			assert.Equal(t, null.BoolFrom(false), got.StopOnError)
			assert.Equal(t, null.StringFrom(""), got.WebAppURL)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, base.Apply(tt.over))
		})
	}
	noStack := base
	noStack.StackURL = null.String{}
	assert.Equal(t, "https://two.grafana.net",
		noStack.Apply(Config{StackURL: null.StringFrom("https://two.grafana.net")}).StackURL.String)
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *Config)
		want   string
	}{
		{"v1", func(c *Config) { c.APIVersion = null.IntFrom(1) }, "v1 is not supported anymore"},
		{"v3", func(c *Config) { c.APIVersion = null.IntFrom(3) }, "v3 is not a supported version of the cloud API"},
		{"sub-second aggregation period", func(c *Config) {
			c.AggregationPeriod = options.NullDurationFrom(1500 * time.Millisecond)
		}, "aggregation period is not allowed to have sub-second precision"},
		{"aggregation period below a second", func(c *Config) {
			c.AggregationPeriod = options.NullDurationFrom(500 * time.Millisecond)
		}, "aggregation period is not allowed to have sub-second precision"},
		{"zero aggregation period", func(c *Config) {
			c.AggregationPeriod = options.NullDurationFrom(0)
		}, "aggregation period must be greater than zero but is 0s"},
		{"negative aggregation period", func(c *Config) {
			c.AggregationPeriod = options.NullDurationFrom(-time.Second)
		}, "aggregation period must be greater than zero but is -1s"},
		{"sub-second wait period", func(c *Config) {
			c.AggregationWaitPeriod = options.NullDurationFrom(2100 * time.Millisecond)
		}, "aggregation wait period is not allowed to have sub-second precision"},
		{"zero wait period", func(c *Config) {
			c.AggregationWaitPeriod = options.NullDurationFrom(0)
		}, "aggregation wait period must be greater than zero but is 0s"},
		{"zero push interval", func(c *Config) {
			c.MetricPushInterval = options.NullDurationFrom(0)
		}, "metric push interval must be greater than zero but is 0s"},
		{"zero push concurrency", func(c *Config) {
			c.MetricPushConcurrency = null.IntFrom(0)
		}, "metric push concurrency must be a positive number but is 0"},
		{"zero batch size", func(c *Config) {
			c.MaxTimeSeriesInBatch = null.IntFrom(0)
		}, "max allowed number of time series in a single batch must be a positive number but is 0"},
		{"several problems", func(c *Config) {
			c.APIVersion = null.IntFrom(1)
			c.MaxTimeSeriesInBatch = null.IntFrom(-1)
		}, "v1 is not supported anymore\nmax allowed number of time series in a single batch must be a positive number but is -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := NewConfig()
			tt.change(&cfg)
			assert.EqualError(t, cfg.Validate(), tt.want)
		})
	}

	ok := NewConfig()
	ok.AggregationPeriod = options.NullDurationFrom(time.Second)
	ok.AggregationWaitPeriod = options.NullDurationFrom(time.Minute)
	assert.NoError(t, ok.Validate())
}

func TestURLForResults(t *testing.T) {
	cfg := NewConfig()
	assert.Equal(t, "https://app.k6.io/runs/123", URLForResults("123", cfg))

	cfg.WebAppURL = null.StringFrom("http://127.0.0.1:8080")
	assert.Equal(t, "http://127.0.0.1:8080/runs/abc", URLForResults("abc", cfg))

	cfg.TestRunDetails = null.StringFrom("")
	assert.Equal(t, "http://127.0.0.1:8080/runs/abc", URLForResults("abc", cfg))

	cfg.TestRunDetails = null.StringFrom("https://my.grafana.net/a/k6-app/runs/abc")
	assert.Equal(t, "https://my.grafana.net/a/k6-app/runs/abc", URLForResults("abc", cfg))
}

// envNames returns the envconfig tags of Config, in field order.
func envNames() []string {
	var names []string
	typ := reflect.TypeFor[Config]()
	for i := range typ.NumField() {
		if name := typ.Field(i).Tag.Get("envconfig"); name != "" {
			names = append(names, name)
		}
	}
	return names
}

func TestEnvNames(t *testing.T) {
	assert.Equal(t, []string{
		"K6_CLOUD_STACK_ID", "K6_CLOUD_STACK_URL", "K6_CLOUD_TOKEN", "K6_CLOUD_PROJECT_ID", "K6_CLOUD_NAME",
		"K6_CLOUD_HOST", "K6_CLOUD_HOST_V6", "K6_CLOUD_TIMEOUT", "K6_CLOUD_LOGS_TAIL_URL", "K6_CLOUD_WEB_APP_URL",
		"K6_CLOUD_TEST_RUN_DETAILS", "K6_CLOUD_NO_COMPRESS", "K6_CLOUD_STOP_ON_ERROR", "K6_CLOUD_API_VERSION",
		"K6_CLOUD_PUSH_REF_ID", "K6_CLOUD_MAX_TIME_SERIES_IN_BATCH", "K6_CLOUD_METRIC_PUSH_INTERVAL",
		"K6_CLOUD_METRIC_PUSH_CONCURRENCY", "K6_CLOUD_AGGREGATION_PERIOD", "K6_CLOUD_AGGREGATION_WAIT_PERIOD",
		"K6_CLOUD_TRACES_ENABLED", "K6_CLOUD_TRACES_HOST", "K6_CLOUD_TRACES_PUSH_CONCURRENCY",
		"K6_CLOUD_TRACES_PUSH_INTERVAL",
	}, envNames())
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{
		"K6_CLOUD_STACK_ID": "1", "K6_CLOUD_STACK_URL": "https://my.grafana.net", "K6_CLOUD_TOKEN": secretToken,
		"K6_CLOUD_PROJECT_ID": "222", "K6_CLOUD_NAME": "env name", "K6_CLOUD_HOST": "http://127.0.0.1:1",
		"K6_CLOUD_HOST_V6": "http://127.0.0.1:2", "K6_CLOUD_TIMEOUT": "10s", "K6_CLOUD_LOGS_TAIL_URL": "ws://127.0.0.1:3",
		"K6_CLOUD_WEB_APP_URL": "http://w", "K6_CLOUD_TEST_RUN_DETAILS": "http://d", "K6_CLOUD_NO_COMPRESS": "true",
		"K6_CLOUD_STOP_ON_ERROR": "1", "K6_CLOUD_API_VERSION": "2", "K6_CLOUD_PUSH_REF_ID": "ref",
		"K6_CLOUD_MAX_TIME_SERIES_IN_BATCH": "4", "K6_CLOUD_METRIC_PUSH_INTERVAL": "500ms",
		"K6_CLOUD_METRIC_PUSH_CONCURRENCY": "3", "K6_CLOUD_AGGREGATION_PERIOD": "1s",
		"K6_CLOUD_AGGREGATION_WAIT_PERIOD": "1m", "K6_CLOUD_TRACES_ENABLED": "false",
		"K6_CLOUD_TRACES_HOST": "127.0.0.1:4", "K6_CLOUD_TRACES_PUSH_CONCURRENCY": "5",
		"K6_CLOUD_TRACES_PUSH_INTERVAL": "2s", "K6_CLOUD_UNKNOWN": "x", "K6_VUS": "10",
	}
	got, err := configFromEnv(env)
	require.NoError(t, err)
	assert.Equal(t, Config{
		StackID: null.IntFrom(1), StackURL: null.StringFrom("https://my.grafana.net"),
		Token: null.StringFrom(secretToken), ProjectID: null.IntFrom(222), Name: null.StringFrom("env name"),
		Host: null.StringFrom("http://127.0.0.1:1"), Hostv6: null.StringFrom("http://127.0.0.1:2"),
		Timeout: options.NullDurationFrom(10 * time.Second), LogsTailURL: null.StringFrom("ws://127.0.0.1:3"),
		WebAppURL: null.StringFrom("http://w"), TestRunDetails: null.StringFrom("http://d"),
		NoCompress: null.BoolFrom(true), StopOnError: null.BoolFrom(true), APIVersion: null.IntFrom(2),
		PushRefID: null.StringFrom("ref"), MaxTimeSeriesInBatch: null.IntFrom(4),
		MetricPushInterval:    options.NullDurationFrom(500 * time.Millisecond),
		MetricPushConcurrency: null.IntFrom(3), AggregationPeriod: options.NullDurationFrom(time.Second),
		AggregationWaitPeriod: options.NullDurationFrom(time.Minute), TracesEnabled: null.BoolFrom(false),
		TracesHost: null.StringFrom("127.0.0.1:4"), TracesPushConcurrency: null.IntFrom(5),
		TracesPushInterval: options.NullDurationFrom(2 * time.Second),
	}, got)

	empty, err := configFromEnv(map[string]string{"K6_CLOUD_PROJECT_ID": "", "K6_CLOUD_NAME": ""})
	require.NoError(t, err)
	assert.Equal(t, Config{}, empty, "empty variables are unset")
}

func TestConfigFromEnvErrors(t *testing.T) {
	tests := []struct {
		name, value, want string
	}{
		{"K6_CLOUD_PROJECT_ID", "abc", `invalid K6_CLOUD_PROJECT_ID "abc": not an integer`},
		{"K6_CLOUD_STACK_ID", "1.5", `invalid K6_CLOUD_STACK_ID "1.5": not an integer`},
		{"K6_CLOUD_API_VERSION", "99999999999999999999", `invalid K6_CLOUD_API_VERSION "99999999999999999999": not an integer`},
		{"K6_CLOUD_STOP_ON_ERROR", "yes", `invalid K6_CLOUD_STOP_ON_ERROR "yes": not a boolean (true or false)`},
		{"K6_CLOUD_TRACES_ENABLED", "on", `invalid K6_CLOUD_TRACES_ENABLED "on": not a boolean (true or false)`},
		{"K6_CLOUD_TIMEOUT", "10", `invalid K6_CLOUD_TIMEOUT "10": not a duration such as 1s, 500ms or 1m30s`},
		{"K6_CLOUD_AGGREGATION_PERIOD", "1d", `invalid K6_CLOUD_AGGREGATION_PERIOD "1d": not a duration such as 1s, 500ms or 1m30s`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{tt.name: tt.value, "K6_CLOUD_TOKEN": secretToken}
			_, err := configFromEnv(env)
			assert.Equal(t, tt.want, errText(t, err))

			cfg, warning, err := GetConsolidatedConfig(nil, env, "", nil, nil)
			assert.Equal(t, tt.want, errText(t, err))
			assert.Empty(t, warning)
			assert.Equal(t, Config{}, cfg)
		})
	}
}

func TestSetFromEnvUnknownType(t *testing.T) {
	assert.PanicsWithValue(t, "cloud: no environment parser for a setting of type *int", func() {
		var n int
		_ = setFromEnv(&n, "1")
	})
}

func TestGetConsolidatedConfigPrecedence(t *testing.T) {
	file := json.RawMessage(`{"name":"A","projectID":111,"host":"http://file-host","token":"file-token",` +
		`"aggregationPeriod":"1s","stackURL":"https://file.grafana.net"}`)
	script := json.RawMessage(`{"name":"B","projectID":666,"host":"http://script-host","stackID":9,` +
		`"aggregationPeriod":"5s","token":"script-token"}`)
	env := map[string]string{"K6_CLOUD_PROJECT_ID": "222", "K6_CLOUD_STACK_URL": "https://env.grafana.net"}

	got, warning, err := GetConsolidatedConfig(file, env, "", script, nil)
	require.NoError(t, err)
	assert.Empty(t, warning)
	assert.Equal(t, null.StringFrom("B"), got.Name, "the script beats the file")
	assert.Equal(t, null.IntFrom(222), got.ProjectID, "env beats the script")
	assert.Equal(t, null.StringFrom("script-token"), got.Token)
	assert.Equal(t, null.IntFrom(9), got.StackID)
	assert.Equal(t, null.StringFrom("http://file-host"), got.Host, "options.cloud.host is not taken")
	assert.Equal(t, options.NullDurationFrom(time.Second), got.AggregationPeriod, "nor is its aggregationPeriod")
	assert.Equal(t, null.StringFrom("https://file.grafana.net"), got.StackURL, "stackURL is kept once set")
	assert.Equal(t, null.StringFrom("https://app.k6.io"), got.WebAppURL, "defaults stay")

	env["K6_CLOUD_NAME"] = "C"
	env["K6_CLOUD_TOKEN"] = "env-token"
	got, _, err = GetConsolidatedConfig(file, env, "", script, nil)
	require.NoError(t, err)
	assert.Equal(t, null.StringFrom("C"), got.Name, "env beats the script")
	assert.Equal(t, null.StringFrom("env-token"), got.Token)

	got, _, err = GetConsolidatedConfig(file, env, "D", script, nil)
	require.NoError(t, err)
	assert.Equal(t, null.StringFrom("D"), got.Name, "--out cloud=D beats everything")

	got, _, err = GetConsolidatedConfig(nil, nil, "", nil, nil)
	require.NoError(t, err)
	assert.Equal(t, NewConfig(), got)
}

func TestGetConsolidatedConfigLegacy(t *testing.T) {
	legacy := map[string]json.RawMessage{
		LegacyCloudConfigKey: json.RawMessage(`{"name":"L","projectID":333,"token":"legacy-token","stackID":4,"host":"http://x"}`),
		"other":              json.RawMessage(`{"name":"O"}`),
	}
	const warningText = "The options.ext.loadimpact option is deprecated, please use options.cloud instead"
	tests := []struct {
		name        string
		cloud       json.RawMessage
		ext         map[string]json.RawMessage
		wantName    string
		wantProject int64
		wantWarning string
	}{
		{"only ext.loadimpact", nil, legacy, "L", 333, warningText},
		{"options.cloud null", json.RawMessage(`null`), legacy, "L", 333, warningText},
		{"both: options.cloud wins", json.RawMessage(`{"name":"B"}`), legacy, "B", 0, ""},
		{"empty options.cloud still wins", json.RawMessage(`{}`), legacy, "", 0, ""},
		{"ext without loadimpact", nil, map[string]json.RawMessage{"other": json.RawMessage(`{"name":"O"}`)}, "", 0, ""},
		{"ext.loadimpact null", nil, map[string]json.RawMessage{LegacyCloudConfigKey: json.RawMessage(`null`)}, "", 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, warning, err := GetConsolidatedConfig(nil, nil, "", tt.cloud, tt.ext)
			require.NoError(t, err)
			assert.Equal(t, tt.wantWarning, warning)
			assert.Equal(t, tt.wantName, got.Name.String)
			assert.Equal(t, tt.wantProject, got.ProjectID.Int64)
			assert.Equal(t, "https://ingest.k6.io", got.Host.String, "only the four keys are taken")
			if tt.wantWarning != "" {
				assert.Equal(t, null.StringFrom("legacy-token"), got.Token)
				assert.Equal(t, null.IntFrom(4), got.StackID)
			} else {
				assert.False(t, got.Token.Valid)
			}
		})
	}
}

func TestGetConsolidatedConfigErrors(t *testing.T) {
	tests := []struct {
		name  string
		file  json.RawMessage
		cloud json.RawMessage
		ext   map[string]json.RawMessage
		want  string
	}{
		{name: "file not JSON", file: json.RawMessage(`{`), want: "invalid cloud settings in the config file (collectors.cloud): "},
		{name: "file bad duration", file: json.RawMessage(`{"timeout":"soon"}`), want: "invalid cloud settings in the config file (collectors.cloud): "},
		{name: "file not an object", file: json.RawMessage(`[1]`), want: "invalid cloud settings in the config file (collectors.cloud): "},
		{name: "options.cloud bad projectID", cloud: json.RawMessage(`{"projectID":true}`), want: "invalid options.cloud: "},
		{name: "options.cloud not an object", cloud: json.RawMessage(`"x"`), want: "invalid options.cloud: "},
		{
			name: "ext.loadimpact bad name",
			ext:  map[string]json.RawMessage{LegacyCloudConfigKey: json.RawMessage(`{"name":1}`)},
			want: "invalid options.ext.loadimpact: ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, warning, err := GetConsolidatedConfig(tt.file, nil, "", tt.cloud, tt.ext)
			assert.True(t, strings.HasPrefix(errText(t, err), tt.want), err.Error())
			assert.Empty(t, warning)
			assert.Equal(t, Config{}, cfg)
		})
	}
}

func TestGetConsolidatedConfigKeepsTokenOutOfErrors(t *testing.T) {
	file := json.RawMessage(`{"token":"` + secretToken + `","timeout":"soon"}`)
	_, _, err := GetConsolidatedConfig(file, nil, "", nil, nil)
	errText(t, err)

	cloud := json.RawMessage(`{"token":"` + secretToken + `","projectID":"x"}`)
	_, _, err = GetConsolidatedConfig(nil, nil, "", cloud, nil)
	errText(t, err)
}

func TestGetTemporaryCloudConfig(t *testing.T) {
	legacy := map[string]json.RawMessage{LegacyCloudConfigKey: json.RawMessage(`{"name":"L","projectID":3}`)}
	tests := []struct {
		name  string
		cloud json.RawMessage
		ext   map[string]json.RawMessage
		want  map[string]any
	}{
		{"options.cloud, all keys", json.RawMessage(`{"name":"B","projectID":6,"distribution":{"a":1}}`), legacy,
			map[string]any{"name": "B", "projectID": float64(6), "distribution": map[string]any{"a": float64(1)}}},
		{"ext.loadimpact", nil, legacy, map[string]any{"name": "L", "projectID": float64(3)}},
		{"options.cloud null", json.RawMessage(`null`), legacy, map[string]any{"name": "L", "projectID": float64(3)}},
		{"neither", nil, nil, map[string]any{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := GetTemporaryCloudConfig(tt.cloud, tt.ext)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}

	_, err := GetTemporaryCloudConfig(json.RawMessage(`[1]`), nil)
	assert.True(t, strings.HasPrefix(errText(t, err), "invalid options.cloud: "))
	_, err = GetTemporaryCloudConfig(nil, map[string]json.RawMessage{LegacyCloudConfigKey: json.RawMessage(`1`)})
	assert.True(t, strings.HasPrefix(errText(t, err), "invalid options.ext.loadimpact: "))
}

func TestProject(t *testing.T) {
	t.Parallel()
	logger, hook := logtest.NewNullLogger()
	for name, tc := range map[string]struct {
		cfg     Config
		want    int64
		warn    bool
		wantErr string
	}{
		"configured":        {Config{ProjectID: null.IntFrom(7), DefaultProjectID: null.IntFrom(2)}, 7, false, ""},
		"stack default":     {Config{DefaultProjectID: null.IntFrom(2), StackURL: null.StringFrom("https://s.grafana.net")}, 2, true, ""},
		"none":              {Config{}, 0, false, ""},
		"stack, no default": {Config{StackID: null.IntFrom(5)}, 0, false, "default stack configured but the default project ID is not available"},
	} {
		hook.Reset()
		got, err := tc.cfg.Project(logger)
		if tc.wantErr != "" {
			assert.ErrorContains(t, err, tc.wantErr, name)
			continue
		}
		require.NoError(t, err, name)
		assert.Equal(t, tc.want, got, name)
		assert.Equal(t, tc.warn, len(hook.AllEntries()) == 1, name)
	}
}
