package http_test

import (
	"strings"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/minik6/minik6/minik6test"
)

// run runs src (with $BASE replaced by base) through a real test run,
// keeping its console, logs (debug too) and samples.
func run(t *testing.T, src, base string) *minik6test.Recorded {
	t.Helper()
	return minik6test.RunRecordedAt(t, logrus.DebugLevel, strings.ReplaceAll(src, "$BASE", base), nil)
}
