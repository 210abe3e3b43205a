package csv

import (
	stdjson "encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Defaults of the csv output, as in k6.
const (
	DefaultFileName     = "file.csv"
	DefaultSaveInterval = time.Second
	DefaultTimeFormat   = TimeUnix
)

// TimeFormat is how the timestamp column is written.
type TimeFormat string

// The time formats of k6's csv output.
const (
	TimeUnix        TimeFormat = "unix"         // seconds since the epoch
	TimeUnixMilli   TimeFormat = "unix_milli"   // milliseconds since the epoch
	TimeUnixMicro   TimeFormat = "unix_micro"   // microseconds since the epoch
	TimeUnixNano    TimeFormat = "unix_nano"    // nanoseconds since the epoch
	TimeRFC3339     TimeFormat = "rfc3339"      // 2006-01-02T15:04:05Z07:00
	TimeRFC3339Nano TimeFormat = "rfc3339_nano" // 2006-01-02T15:04:05.999999999Z07:00
)

var timeFormats = []TimeFormat{TimeUnix, TimeUnixMilli, TimeUnixMicro, TimeUnixNano, TimeRFC3339, TimeRFC3339Nano}

func parseTimeFormat(s string) (TimeFormat, error) {
	for _, f := range timeFormats {
		if string(f) == s {
			return f, nil
		}
	}
	names := make([]string, len(timeFormats))
	for i, f := range timeFormats {
		names[i] = string(f)
	}
	return "", fmt.Errorf("unknown time format %q; use one of %s", s, strings.Join(names, ", "))
}

// Options are the csv output's settings: k6's `ext.csv` option, the
// K6_CSV_* environment variables and the --out argument, in that order of
// precedence (the argument wins).
type Options struct {
	// FileName is the file to write; "-" writes to standard output; a name
	// ending in ".gz" is written gzip-compressed.
	FileName string
	// SaveInterval is how often buffered rows are written to the file.
	SaveInterval time.Duration
	// TimeFormat is how the timestamp column is written.
	TimeFormat TimeFormat
}

// DefaultOptions returns k6's defaults: file.csv, every second, unix seconds.
func DefaultOptions() Options {
	return Options{FileName: DefaultFileName, SaveInterval: DefaultSaveInterval, TimeFormat: DefaultTimeFormat}
}

// set applies one setting by its k6 name (camelCase, or the older snake_case
// that k6 also accepts in the --out argument).
func (o *Options) set(key, value string) error {
	switch key {
	case "fileName", "file_name":
		o.FileName = value
	case "saveInterval", "save_interval":
		d, err := parseInterval(value)
		if err != nil {
			return fmt.Errorf("saveInterval %q: %w", value, err)
		}
		o.SaveInterval = d
	case "timeFormat", "time_format":
		f, err := parseTimeFormat(value)
		if err != nil {
			return fmt.Errorf("timeFormat: %w", err)
		}
		o.TimeFormat = f
	default:
		return fmt.Errorf("unknown setting %q; use fileName, saveInterval or timeFormat", key)
	}
	return nil
}

// parseInterval reads a duration as k6 options do: a string with units
// ("1m45s"), or a plain number of milliseconds.
func parseInterval(s string) (time.Duration, error) {
	var d time.Duration
	if ms, err := strconv.ParseFloat(s, 64); err == nil {
		d = time.Duration(ms * float64(time.Millisecond))
	} else if d, err = time.ParseDuration(s); err != nil {
		return 0, fmt.Errorf("want a duration such as \"1s\" or a number of milliseconds")
	}
	if d <= 0 {
		return 0, fmt.Errorf("must be positive")
	}
	return d, nil
}

// ApplyExt applies the `ext.csv` option, a JSON object such as
// {"fileName":"x.csv","saveInterval":"2s","timeFormat":"rfc3339"}
// (saveInterval may also be a number of milliseconds).
func (o *Options) ApplyExt(raw stdjson.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var m map[string]any
	if err := stdjson.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("ext.csv: %w", err)
	}
	for _, key := range []string{"fileName", "saveInterval", "timeFormat"} {
		v, ok := m[key]
		if !ok || v == nil {
			continue
		}
		var s string
		switch v := v.(type) {
		case string:
			s = v
		case float64:
			if key != "saveInterval" {
				return fmt.Errorf("ext.csv.%s: want a string", key)
			}
			s = strconv.FormatFloat(v, 'f', -1, 64)
		default:
			return fmt.Errorf("ext.csv.%s: want a string", key)
		}
		if err := o.set(key, s); err != nil {
			return fmt.Errorf("ext.csv: %w", err)
		}
	}
	return nil
}

// ApplyEnv applies K6_CSV_FILENAME, K6_CSV_SAVE_INTERVAL and
// K6_CSV_TIME_FORMAT from env.
func (o *Options) ApplyEnv(env map[string]string) error {
	for _, v := range []struct{ env, key string }{
		{"K6_CSV_FILENAME", "fileName"},
		{"K6_CSV_SAVE_INTERVAL", "saveInterval"},
		{"K6_CSV_TIME_FORMAT", "timeFormat"},
	} {
		if s, ok := env[v.env]; ok {
			if err := o.set(v.key, s); err != nil {
				return fmt.Errorf("%s: %w", v.env, err)
			}
		}
	}
	return nil
}

// ApplyArg applies the --out argument: a file name ("csv=out.csv"), or
// comma-separated settings ("csv=fileName=out.csv,timeFormat=rfc3339").
// An empty argument changes nothing.
func (o *Options) ApplyArg(arg string) error {
	if arg == "" {
		return nil
	}
	if !strings.Contains(arg, "=") {
		o.FileName = arg
		return nil
	}
	for _, pair := range strings.Split(arg, ",") {
		k, v, ok := strings.Cut(pair, "=")
		if !ok {
			return fmt.Errorf("%q: want key=value", pair)
		}
		if err := o.set(k, v); err != nil {
			return err
		}
	}
	return nil
}
