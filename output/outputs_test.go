package output_test

// The outputs register themselves when their packages are imported: this
// external test file brings json and csv into the test binary, so the tests of
// package output can build them by name as the command line does.
import (
	_ "github.com/minik6/minik6/output/csv"
	_ "github.com/minik6/minik6/output/json"
)
