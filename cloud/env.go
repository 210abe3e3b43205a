package cloud

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"time"

	"gopkg.in/guregu/null.v3"

	"github.com/minik6/minik6/options"
)

// configFromEnv reads the K6_CLOUD_* variables named by Config's envconfig
// tags. A variable that is missing or empty leaves its setting null. Integers
// are decimal, booleans as strconv.ParseBool reads them and durations Go
// durations ("1m30s", "500ms"). A value that does not parse gives an error
// naming the variable.
func configFromEnv(env map[string]string) (Config, error) {
	var cfg Config
	fields := reflect.ValueOf(&cfg).Elem()
	for i := range fields.NumField() {
		name := fields.Type().Field(i).Tag.Get("envconfig")
		value := env[name]
		if name == "" || value == "" {
			continue
		}
		if err := setFromEnv(fields.Field(i).Addr().Interface(), value); err != nil {
			return Config{}, fmt.Errorf("invalid %s %q: %w", name, value, err)
		}
	}
	return cfg, nil
}

// setFromEnv parses value into the setting field points to. The error says
// what the value should have been.
func setFromEnv(field any, value string) error {
	switch f := field.(type) {
	case *null.String:
		*f = null.StringFrom(value)
	case *null.Int:
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return errors.New("not an integer")
		}
		*f = null.IntFrom(n)
	case *null.Bool:
		b, err := strconv.ParseBool(value)
		if err != nil {
			return errors.New("not a boolean (true or false)")
		}
		*f = null.BoolFrom(b)
	case *options.NullDuration:
		d, err := time.ParseDuration(value)
		if err != nil {
			return errors.New("not a duration such as 1s, 500ms or 1m30s")
		}
		*f = options.NullDurationFrom(d)
	default:
		panic(fmt.Sprintf("cloud: no environment parser for a setting of type %T", field))
	}
	return nil
}
