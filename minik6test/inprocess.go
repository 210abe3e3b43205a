package minik6test

import (
	"context"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/minik6/minik6/js"
	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/runner"
)

// RunBundle runs a loaded script through the real runner in this process: with
// the script's own options (defaults filled, scenarios derived), an engine over
// reg that also tracks subMetrics, and logger for the runner. It fails t when the
// options are invalid or the run lasts more than a minute; the run's own error
// is returned, with the runner and the engine to inspect.
func RunBundle(t testing.TB, b *js.Bundle, reg *metrics.Registry, builtins *metrics.Builtins,
	logger logrus.FieldLogger, subMetrics ...string,
) (*runner.Runner, *metrics.Engine, error) {
	t.Helper()
	o, err := options.Parse(b.OptionsJSON())
	if err != nil {
		t.Fatalf("minik6test.RunBundle: the script's options: %v", err)
	}
	if o, _, err = o.WithDefaults().DeriveScenarios(); err != nil {
		t.Fatalf("minik6test.RunBundle: deriving the scenarios: %v", err)
	}
	engine, err := metrics.NewEngine(reg, nil, metrics.WithSubMetrics(subMetrics...))
	if err != nil {
		t.Fatalf("minik6test.RunBundle: %v", err)
	}
	r, err := runner.New(runner.Config{Options: o, Script: b, Engine: engine, Registry: reg, Builtins: builtins, Logger: logger})
	if err != nil {
		t.Fatalf("minik6test.RunBundle: %v", err)
	}
	done := make(chan error, 1)
	go func() { _, err := r.Run(context.Background()); done <- err }()
	select {
	case err = <-done:
		return r, engine, err
	case <-time.After(time.Minute):
		t.Fatal("minik6test.RunBundle: the run did not end within a minute")
		return nil, nil, nil
	}
}
