package cloud

import "github.com/minik6/minik6/archive"

// RunStatus tells the cloud how a local test run ended, and tells k6 how far a
// cloud test run has got.
type RunStatus int

// The run statuses, with the numbers the cloud uses.
const (
	// RunStatusCreated means the test run exists but has not been validated.
	RunStatusCreated RunStatus = -2
	// RunStatusValidated means the test run has been validated.
	RunStatusValidated RunStatus = -1
	// RunStatusQueued means the test run waits for resources.
	RunStatusQueued RunStatus = 0
	// RunStatusInitializing means the test run is being set up.
	RunStatusInitializing RunStatus = 1
	// RunStatusRunning means the test is running.
	RunStatusRunning RunStatus = 2
	// RunStatusFinished means the test ran to its end.
	RunStatusFinished RunStatus = 3
	// RunStatusTimedOut means the test took too long (e.g. setupTimeout).
	RunStatusTimedOut RunStatus = 4
	// RunStatusAbortedUser means a user (or the script) stopped the test.
	RunStatusAbortedUser RunStatus = 5
	// RunStatusAbortedSystem means the system stopped the test.
	RunStatusAbortedSystem RunStatus = 6
	// RunStatusAbortedScriptError means a script error stopped the test.
	RunStatusAbortedScriptError RunStatus = 7
	// RunStatusAbortedThreshold means a threshold with abortOnFail stopped the test.
	RunStatusAbortedThreshold RunStatus = 8
	// RunStatusAbortedLimit means a limit of the account stopped the test.
	RunStatusAbortedLimit RunStatus = 9
	// RunStatusArchived means the test was uploaded without being run.
	RunStatusArchived RunStatus = 10
)

// ResultStatus is whether a test passed its thresholds.
type ResultStatus int

// The result statuses.
const (
	// ResultStatusPassed means every threshold passed.
	ResultStatusPassed ResultStatus = 0
	// ResultStatusFailed means at least one threshold failed.
	ResultStatusFailed ResultStatus = 1
)

// ThresholdResult says, by metric expression and then by threshold source,
// whether the threshold failed (true) at its last evaluation.
type ThresholdResult map[string]map[string]bool

// TestRun is the test run that CreateTestRun creates.
type TestRun struct {
	// Name is the test's name.
	Name string `json:"name"`
	// ProjectID is the project to create the run in; 0 leaves it to the cloud.
	ProjectID int64 `json:"project_id,omitempty"`
	// VUsMax is the largest number of VUs the test can have.
	VUsMax int64 `json:"vus"`
	// Thresholds holds the threshold sources by metric expression.
	Thresholds map[string][]string `json:"thresholds"`
	// Duration is the test's length in seconds, graceful stops included:
	// -1 for unknown, 0 for endless.
	Duration int64 `json:"duration"`
	// Archive is the test to upload with the run, if any.
	Archive *archive.Archive `json:"-"`
}

// LogEntry is a message the cloud wants shown to the user.
type LogEntry struct {
	// Level is a logrus level name: trace, debug, info, warning, error, ….
	Level string `json:"level"`
	// Message is the text to show.
	Message string `json:"message"`
}

// CreateTestRunResponse is the cloud's answer to a created or uploaded test run.
type CreateTestRunResponse struct {
	// ReferenceID identifies the test run in every later call.
	ReferenceID string `json:"reference_id"`
	// ConfigOverride holds the settings the cloud wants to change, to be
	// applied over the local ones with Config.Apply.
	ConfigOverride *Config `json:"config"`
	// Logs are messages for the user; the client has already printed them.
	Logs []LogEntry `json:"logs"`
}

// TestProgressResponse is the progress of a test running in the cloud.
type TestProgressResponse struct {
	// RunStatusText is the run status for humans, e.g. "Running".
	RunStatusText string `json:"run_status_text"`
	// RunStatus is how far the test run has got.
	RunStatus RunStatus `json:"run_status"`
	// ResultStatus is whether the thresholds passed so far.
	ResultStatus ResultStatus `json:"result_status"`
	// Progress goes from 0 to 1.
	Progress float64 `json:"progress"`
}

// LoginResponse is the answer to a login with email and password.
type LoginResponse struct {
	// Token is the user's API token; empty when the account has none.
	Token string `json:"token"`
}

// ValidateTokenResponse is the answer to a token validation.
type ValidateTokenResponse struct {
	// IsValid says whether the token is valid.
	IsValid bool `json:"is_valid"`
	// Message explains the answer.
	Message string `json:"message"`
	// Token describes the token.
	Token string `json:"token-info"`
}
