package cloud

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/sirupsen/logrus"

	"github.com/minik6/minik6/options"
)

// CreateTestRun creates a test run whose results are sent from here: what
// `k6 run --out cloud` and `k6 cloud run --local-execution` do. It posts the
// test run to /v1/tests as compact JSON (Thresholds as {} when nil) or, when
// testRun has an Archive, as a multipart form with the fields name,
// project_id, vus, duration and the archive (no thresholds). The cloud's
// messages in the answer are printed; an answer without a reference ID is an
// error.
func (c *Client) CreateTestRun(testRun *TestRun) (*CreateTestRunResponse, error) {
	var (
		req *http.Request
		err error
	)
	if testRun.Archive != nil {
		req, err = newArchiveRequest(c.baseURL+"/tests", []formField{
			{"name", testRun.Name},
			{"project_id", strconv.FormatInt(testRun.ProjectID, 10)},
			{"vus", strconv.FormatInt(testRun.VUsMax, 10)},
			{"duration", strconv.FormatInt(testRun.Duration, 10)},
		}, testRun.Archive)
	} else {
		body := *testRun
		if body.Thresholds == nil {
			body.Thresholds = map[string][]string{}
		}
		req, err = c.NewRequest(http.MethodPost, c.baseURL+"/tests", body)
	}
	if err != nil {
		return nil, err
	}
	return c.createTestRun(req)
}

// createTestRun sends a request whose answer is a CreateTestRunResponse,
// prints the answer's logs and checks its reference ID.
func (c *Client) createTestRun(req *http.Request) (*CreateTestRunResponse, error) {
	var resp CreateTestRunResponse
	if err := c.Do(req, &resp); err != nil {
		return nil, err
	}
	c.printCloudLogs(resp.Logs)
	if resp.ReferenceID == "" {
		return nil, errors.New("failed to get a reference ID")
	}
	return &resp, nil
}

// printCloudLogs prints the cloud's messages with the field
// source=grafana-k6-cloud, each at its level; an unknown level prints as an
// error. The fatal and panic levels only set the severity: they neither exit
// nor panic.
func (c *Client) printCloudLogs(logs []LogEntry) {
	logger := c.logger.WithField("source", "grafana-k6-cloud")
	for _, entry := range logs {
		level, err := logrus.ParseLevel(entry.Level)
		if err != nil {
			level = logrus.ErrorLevel
		}
		logger.Log(level, entry.Message)
	}
}

// testFinished is the body of TestFinished.
type testFinished struct {
	ResultStatus ResultStatus    `json:"result_status"`
	RunStatus    RunStatus       `json:"run_status"`
	Thresholds   ThresholdResult `json:"thresholds"`
}

// TestFinished tells the cloud that the test run referenceID has ended, how
// (runStatus), and which thresholds failed. tainted means at least one
// threshold failed: the result status is then ResultStatusFailed.
func (c *Client) TestFinished(referenceID string, thresholds ThresholdResult, tainted bool, runStatus RunStatus) error {
	body := testFinished{ResultStatus: ResultStatusPassed, RunStatus: runStatus, Thresholds: thresholds}
	if tainted {
		body.ResultStatus = ResultStatusFailed
	}
	if body.Thresholds == nil {
		body.Thresholds = ThresholdResult{}
	}
	req, err := c.NewRequest(http.MethodPost, c.testRunURL(referenceID), body)
	if err != nil {
		return err
	}
	return c.Do(req, nil)
}

// GetTestProgress returns how far the cloud test run referenceID has got.
func (c *Client) GetTestProgress(referenceID string) (*TestProgressResponse, error) {
	req, err := c.NewRequest(http.MethodGet, c.baseURL+"/test-progress/"+url.PathEscape(referenceID), nil)
	if err != nil {
		return nil, err
	}
	var progress TestProgressResponse
	if err := c.Do(req, &progress); err != nil {
		return nil, err
	}
	return &progress, nil
}

// StopCloudTestRun asks the cloud to stop the test run referenceID.
func (c *Client) StopCloudTestRun(referenceID string) error {
	req, err := c.NewRequest(http.MethodPost, c.testRunURL(referenceID)+"/stop", nil)
	if err != nil {
		return err
	}
	return c.Do(req, nil)
}

// ValidateOptions asks the cloud whether it can run a test with these
// options; nil means it can.
func (c *Client) ValidateOptions(opts options.Options) error {
	body := struct {
		Options options.Options `json:"options"`
	}{opts}
	req, err := c.NewRequest(http.MethodPost, c.baseURL+"/validate-options", body)
	if err != nil {
		return err
	}
	return c.Do(req, nil)
}

// testRunURL returns the URL of the test run referenceID.
func (c *Client) testRunURL(referenceID string) string {
	return c.baseURL + "/tests/" + url.PathEscape(referenceID)
}
