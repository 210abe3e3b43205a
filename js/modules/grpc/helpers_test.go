package grpc_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/minik6test"
)

// fixture is the test's route_guide.proto.
func fixture(t testing.TB) string {
	t.Helper()
	data, err := os.ReadFile("testdata/route_guide.proto")
	require.NoError(t, err)
	return string(data)
}

// run runs src (with $ADDR replaced by addr) through a real test run, with
// route_guide.proto beside the script.
func run(t testing.TB, src, addr string) *minik6test.Recorded {
	t.Helper()
	return runFiles(t, src, addr, map[string]string{"/test/route_guide.proto": fixture(t)})
}

func runFiles(t testing.TB, src, addr string, files map[string]string) *minik6test.Recorded {
	t.Helper()
	return minik6test.RunRecorded(t, strings.ReplaceAll(src, "$ADDR", addr), files)
}
