package cli_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/archive"
	"github.com/minik6/minik6/minik6test"
)

// cloudCommand runs the binary with the fake cloud's environment (less what
// unset names) plus extra, in dir.
func cloudCommand(t *testing.T, fake *minik6test.FakeCloud, dir string, extra map[string]string, unset []string, args ...string) (int, string, string) {
	t.Helper()
	env := fake.Env()
	for _, k := range unset {
		delete(env, k)
	}
	for k, v := range extra {
		env[k] = v
	}
	env["XDG_CONFIG_HOME"] = filepath.Join(dir, "xdg")
	return commandEnv(t, dir, env, args...)
}

func TestRunOutCloud(t *testing.T) {
	t.Parallel()
	fake := minik6test.NewFakeCloud(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "script.js")
	require.NoError(t, os.WriteFile(script, []byte(`export const options = { iterations: 3 };
export default function () {}`), 0o600))
	code, stdout, stderr := cloudCommand(t, fake, dir, nil, nil, "run", "--no-summary", "--out", "cloud", script)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "output: cloud (https://app.k6.io/runs/123)")
	assert.Len(t, fake.RequestsTo(minik6test.RouteCreateTestRun), 1)
	assert.Len(t, fake.RequestsTo(minik6test.RouteTestFinished), 1)
	assert.Equal(t, 3.0, fake.CounterSums()["iterations"])
	assert.NotContains(t, stdout+stderr, minik6test.FakeCloudToken)
}

func TestCloudLogin(t *testing.T) {
	t.Parallel()
	fake := minik6test.NewFakeCloud(t)
	dir := t.TempDir()
	noToken := []string{"K6_CLOUD_TOKEN"}
	code, stdout, stderr := cloudCommand(t, fake, dir, nil, noToken, "cloud", "login", "-t", "abcd1234efgh5678")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "Logged in successfully")
	check := fake.RequestsTo(minik6test.RouteValidateToken)
	require.Len(t, check, 1)
	assert.Equal(t, "Token abcd1234efgh5678", check[0].Header.Get("Authorization"))
	assert.Equal(t, "abcd1234efgh5678", check[0].JSON["token"])

	data, err := os.ReadFile(filepath.Join(dir, "xdg", "k6", "config.json"))
	require.NoError(t, err)
	var file struct {
		Collectors map[string]map[string]any `json:"collectors"`
	}
	require.NoError(t, json.Unmarshal(data, &file))
	assert.Equal(t, "abcd1234efgh5678", file.Collectors["cloud"]["token"])

	code, stdout, _ = cloudCommand(t, fake, dir, nil, noToken, "cloud", "login", "--show")
	require.Equal(t, 0, code)
	assert.Contains(t, stdout, "abcd********5678")

	// The saved token is what --out cloud sends.
	script := filepath.Join(dir, "script.js")
	require.NoError(t, os.WriteFile(script, []byte(`export default function () {}`), 0o600))
	code, _, stderr = cloudCommand(t, fake, dir, nil, noToken, "run", "-q", "--no-summary", "--out", "cloud", script)
	require.Equal(t, 0, code, stderr)
	create := fake.RequestsTo(minik6test.RouteCreateTestRun)
	require.Len(t, create, 1)
	assert.Equal(t, "Token abcd1234efgh5678", create[0].Header.Get("Authorization"))

	code, _, _ = cloudCommand(t, fake, dir, nil, noToken, "cloud", "login", "--reset")
	require.Equal(t, 0, code)
	data, err = os.ReadFile(filepath.Join(dir, "xdg", "k6", "config.json"))
	require.NoError(t, err)
	assert.NotContains(t, string(data), "abcd1234efgh5678")
}

func TestCloudLoginRefused(t *testing.T) {
	t.Parallel()
	fake := minik6test.NewFakeCloud(t)
	fake.Handle(minik6test.RouteValidateToken, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"is_valid":false,"message":"nope","token-info":""}`))
	}))
	dir := t.TempDir()
	code, _, stderr := cloudCommand(t, fake, dir, nil, []string{"K6_CLOUD_TOKEN"}, "cloud", "login", "-t", "bad-token-1234")
	assert.Equal(t, 255, code)
	assert.Contains(t, stderr, "your API token is invalid")
	assert.NoFileExists(t, filepath.Join(dir, "xdg", "k6", "config.json"))
}

func TestCloudRun(t *testing.T) {
	t.Parallel()
	cases := map[string]struct {
		progress []minik6test.CloudProgress
		code     int
		message  string
	}{
		"passed": {[]minik6test.CloudProgress{{Progress: 0.5, RunStatus: 2, RunStatusText: "Running"}, minik6test.FinishedProgress}, 0, "test status: Finished"},
		"thresholds": {[]minik6test.CloudProgress{{Progress: 1, RunStatus: 3, RunStatusText: "Finished", ResultStatus: 1}}, 99,
			"Thresholds have been crossed"},
		"failed": {[]minik6test.CloudProgress{{Progress: 1, RunStatus: 7, RunStatusText: "Aborted (script error)", ResultStatus: 1}}, 97,
			"The test has failed"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fake := minik6test.NewFakeCloud(t)
			fake.SetProgress(tc.progress...)
			dir := t.TempDir()
			script := writeTest(t, dir)
			code, stdout, stderr := cloudCommand(t, fake, dir, map[string]string{"K6_CLOUD_PROJECT_ID": "42"}, nil, "cloud", "run", "-e", "WHO=cloud", script)
			assert.Equal(t, tc.code, code, stderr)
			assert.Contains(t, stdout+stderr, tc.message)

			reqs := fake.Requests()
			require.GreaterOrEqual(t, len(reqs), 3, "validate, upload, progress")
			assert.Equal(t, minik6test.RouteValidateOptions, reqs[0].Route)
			assert.Equal(t, minik6test.RouteArchiveUpload, reqs[1].Route)
			assert.Equal(t, []string{"name", "project_id", "file"}, reqs[1].FormNames())
			name, _ := reqs[1].FormValue("name")
			assert.Equal(t, "script.js", name)
			project, _ := reqs[1].FormValue("project_id")
			assert.Equal(t, "42", project)
			file, ok := reqs[1].FormPart("file")
			require.True(t, ok)
			assert.Equal(t, "archive.tar", file.FileName)
			arc, err := archive.Read(bytes.NewReader(file.Data))
			require.NoError(t, err)
			assert.Equal(t, map[string]string{"WHO": "cloud"}, arc.Env)
			for _, r := range reqs {
				assert.NotContains(t, string(r.Body), minik6test.FakeCloudToken, "the token travels only in the Authorization header")
			}
			assert.Equal(t, minik6test.RouteTestProgress, reqs[len(reqs)-1].Route)
		})
	}
}

func TestCloudUploadAndLocalExecution(t *testing.T) {
	t.Parallel()
	fake := minik6test.NewFakeCloud(t)
	dir := t.TempDir()
	script := writeTest(t, dir)
	code, stdout, stderr := cloudCommand(t, fake, dir, nil, nil, "cloud", "upload", script)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "https://app.k6.io/runs/123")
	up := fake.RequestsTo(minik6test.RouteArchiveUpload)
	require.Len(t, up, 1)
	assert.Equal(t, []string{"name", "upload_only", "file"}, up[0].FormNames())
	assert.Empty(t, fake.RequestsTo(minik6test.RouteTestProgress))

	code, _, stderr = cloudCommand(t, fake, dir, nil, nil, "cloud", "run", "-q", "--no-summary", "--local-execution", "-e", "WHO=x", script)
	assert.Equal(t, 0, code, stderr)
	create := fake.RequestsTo(minik6test.RouteCreateTestRun)
	require.Len(t, create, 1)
	assert.Equal(t, []string{"name", "project_id", "vus", "duration", "file"}, create[0].FormNames())
	assert.Len(t, fake.RequestsTo(minik6test.RouteTestFinished), 1)
	assert.Equal(t, 4.0, fake.CounterSums()["iterations"])

	secret := filepath.Join(dir, "secret.js")
	require.NoError(t, os.WriteFile(secret, []byte(`import secrets from 'k6/secrets';
export const options = { iterations: 1 };
export default async function () { console.log('got ' + await secrets.get('k')); }`), 0o600))
	code, _, stderr = cloudCommand(t, fake, dir, nil, nil, "cloud", "run", "-q", "--no-summary", "--local-execution",
		"--secret-source", "mock=k=hush", secret)
	assert.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "got ***SECRET_REDACTED***", "the secret was read, and redacted in the log")
	code, _, stderr = cloudCommand(t, fake, dir, nil, nil, "cloud", "run", "--secret-source", "mock=k=hush", secret)
	assert.Equal(t, 255, code)
	assert.Contains(t, stderr, "--secret-source works with --local-execution only")
}

func TestCloudRunNeedsAToken(t *testing.T) {
	t.Parallel()
	fake := minik6test.NewFakeCloud(t)
	dir := t.TempDir()
	script := writeTest(t, dir)
	code, _, stderr := cloudCommand(t, fake, dir, nil, []string{"K6_CLOUD_TOKEN"}, "cloud", "run", script)
	assert.Equal(t, 255, code)
	assert.Contains(t, stderr, "you must first authenticate")
	assert.True(t, strings.Contains(stderr, "cloud login"))
	assert.Empty(t, fake.Requests())
}

// "cloud script.js" is the deprecated form of "cloud run script.js".
func TestCloudDeprecatedForm(t *testing.T) {
	t.Parallel()
	fake := minik6test.NewFakeCloud(t)
	dir := t.TempDir()
	script := writeTest(t, dir)
	code, _, stderr := cloudCommand(t, fake, dir, nil, nil, "cloud", "-q", script)
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stderr, "is deprecated")
	assert.Len(t, fake.RequestsTo(minik6test.RouteArchiveUpload), 1)
}
