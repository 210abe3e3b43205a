package options

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/guregu/null.v3"
)

// These tests replay the option-related lines of the conformance cases
// (../shared/conformance): they build the options a case's script, flags and
// environment would give, print them the way the case's JavaScript does, and
// compare with k6's recorded output.

// canon renders a decoded JSON value like the cases' canon(): object keys
// sorted, primitives as JSON.stringify writes them.
func canon(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = jsString(k) + ":" + canon(x[k])
		}
		return "{" + strings.Join(parts, ",") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = canon(e)
		}
		return "[" + strings.Join(parts, ",") + "]"
	case json.Number:
		return x.String()
	case string:
		return jsString(x)
	default:
		b, _ := json.Marshal(x)
		return string(b)
	}
}

func jsString(s string) string {
	b, _ := marshalJSON(s)
	return string(b)
}

// jsTemplate renders a value as a JS template literal or "+" concatenation does.
func jsTemplate(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case json.Number:
		return x.String()
	default:
		return fmt.Sprint(x)
	}
}

// scriptView consolidates the given layers and decodes exec.test.options.
func scriptView(t *testing.T, script string, cli Options) map[string]any {
	t.Helper()
	s, err := Parse([]byte(script))
	require.NoError(t, err)
	o, warnings, err := Consolidate(Options{}, s, Options{}, cli)
	require.NoError(t, err)
	require.Empty(t, warnings)
	require.Empty(t, o.Validate())
	raw, err := o.ScriptJSON()
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var view map[string]any
	require.NoError(t, dec.Decode(&view))
	return view
}

func inOptions(view map[string]any, key string) string {
	_, ok := view[key]
	return fmt.Sprint(ok)
}

func runningLine(t *testing.T, script string) string {
	t.Helper()
	s, err := Parse([]byte(script))
	require.NoError(t, err)
	o, _, err := Consolidate(Options{}, s, Options{}, Options{})
	require.NoError(t, err)
	require.Len(t, o.Scenarios, 1)
	for name, sc := range o.Scenarios {
		return "running: " + name + " / " + sc.Type()
	}
	return ""
}

func TestGoldenOptionsNone(t *testing.T) { // 20_options_none
	cli := Options{ConsoleOutput: null.StringFrom("/tmp/console.log")}
	view := scriptView(t, "", cli)
	var lines []string
	for _, key := range sortedKeys(view) {
		switch key {
		case "consoleOutput":
			s, ok := view[key].(string)
			lines = append(lines, fmt.Sprintf("consoleOutput is a non-empty string: %v", ok && s != ""))
		case "systemTags":
			tags := append([]any(nil), view[key].([]any)...)
			sort.Slice(tags, func(i, j int) bool { return tags[i].(string) < tags[j].(string) })
			lines = append(lines, "systemTags (sorted) = "+canon(tags))
		default:
			lines = append(lines, key+" = "+canon(view[key]))
		}
	}
	for _, key := range []string{"vus", "iterations", "duration", "stages"} {
		lines = append(lines, fmt.Sprintf("'%s' in options: %s", key, inOptions(view, key)))
	}
	assertGolden(t, "20_options_none", lines, expected20)
}

func TestGoldenVUsDuration(t *testing.T) { // 21_options_vus_duration
	script := `{"vus":2,"duration":"1s"}`
	view := scriptView(t, script, Options{})
	lines := []string{
		"scenarios = " + canon(view["scenarios"]),
		runningLine(t, script),
		"paused = " + canon(view["paused"]) + ", vus in options: " + inOptions(view, "vus") +
			", duration in options: " + inOptions(view, "duration"),
	}
	assertGolden(t, "21_options_vus_duration", lines, expected21)
}

func TestGoldenIterations(t *testing.T) { // 22_options_iterations
	script := `{"iterations":3}`
	view := scriptView(t, script, Options{})
	lines := []string{
		"scenarios = " + canon(view["scenarios"]),
		runningLine(t, script),
		"'iterations' in options: " + inOptions(view, "iterations"),
	}
	assertGolden(t, "22_options_iterations", lines, expected22)
}

func TestGoldenStages(t *testing.T) { // 23_options_stages_doc
	script := `{"stages":[{"duration":"500ms","target":4},{"duration":"500ms","target":2}]}`
	view := scriptView(t, script, Options{})
	def := view["scenarios"].(map[string]any)["default"].(map[string]any)
	lines := []string{
		"paused: " + jsTemplate(view["paused"]),
		"first stage target: " + jsTemplate(def["stages"].([]any)[0].(map[string]any)["target"]),
		"scenarios.default = " + canon(def),
		runningLine(t, script),
		"'stages' in options: " + inOptions(view, "stages"),
	}
	assertGolden(t, "23_options_stages_doc", lines, expected23)
}

func TestGoldenAllExecutors(t *testing.T) { // 24_options_scenarios_all_executors
	// What JSON.stringify makes of the case's options object.
	script := `{"scenarios":{
		"si":{"executor":"shared-iterations","iterations":1,"maxDuration":"30m","exec":"noop"},
		"pvi":{"executor":"per-vu-iterations","vus":1,"iterations":1,"exec":"noop","gracefulStop":"1500ms"},
		"cv":{"executor":"constant-vus","vus":1,"duration":"1s","exec":"noop"},
		"rv":{"executor":"ramping-vus","startVUs":0,"stages":[{"duration":"500ms","target":1}],"exec":"noop"},
		"car":{"executor":"constant-arrival-rate","rate":2,"timeUnit":"1s","duration":"1s","preAllocatedVUs":1,"exec":"noop"},
		"rar":{"executor":"ramping-arrival-rate","startRate":1,"stages":[{"duration":"500ms","target":2}],"preAllocatedVUs":1,"maxVUs":2,"exec":"noop"},
		"report":{"executor":"per-vu-iterations","vus":1,"iterations":1,"env":{"WHO":"report"},"tags":{"kind":"report"}}}}`
	view := scriptView(t, script, Options{})
	sc := view["scenarios"].(map[string]any)
	names := sortedKeys(sc)
	lines := []string{"scenario names: " + strings.Join(names, ",")}
	for _, name := range names {
		lines = append(lines, name+" = "+canon(sc[name]))
	}
	assertGolden(t, "24_options_scenarios_all_executors", lines, expected24)
}

func TestGoldenScenarioName(t *testing.T) { // 30_scenario_doc_name
	script := `{"scenarios":{"myscenario":{"executor":"shared-iterations","maxDuration":"30m"}}}`
	view := scriptView(t, script, Options{})
	s, err := Parse([]byte(script))
	require.NoError(t, err)
	sc := s.Scenarios["myscenario"]
	lines := []string{
		"scenario.name: " + sc.GetName(),
		"scenario.executor: " + sc.Type(),
		"maxDuration as consolidated: " + jsTemplate(view["scenarios"].(map[string]any)["myscenario"].(map[string]any)["maxDuration"]),
	}
	assertGolden(t, "30_scenario_doc_name", lines, expected30)
}

func TestGoldenExecutionSegments(t *testing.T) { // 53_seg_shared_half_a, 54_seg_shared_half_b
	script := `{"scenarios":{"pool":{"executor":"shared-iterations","vus":2,"iterations":7}}}`
	tests := []struct {
		name   string
		env    map[string]string // the flags, given the way the CLI layer receives them
		golden string
	}{
		{"53_seg_shared_half_a", map[string]string{
			"K6_EXECUTION_SEGMENT": "0:1/2", "K6_EXECUTION_SEGMENT_SEQUENCE": "0,1/2,1",
		}, "executionSegment=0:1/2 executionSegmentSequence=0,1/2,1"},
		{"54_seg_shared_half_b", map[string]string{"K6_EXECUTION_SEGMENT": "1/2:1"},
			"executionSegment=1/2:1 executionSegmentSequence=null"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cli, err := FromEnv(tt.env)
			require.NoError(t, err)
			view := scriptView(t, script, cli)
			line := "executionSegment=" + jsTemplate(view["executionSegment"]) +
				" executionSegmentSequence=" + jsTemplate(view["executionSegmentSequence"])
			assert.Equal(t, tt.golden, line)
			assertLinePrefixInFile(t, tt.name, line)
		})
	}
}

func TestGoldenInvalidConfig(t *testing.T) { // 28_options_invalid_config: exit 104
	s, err := Parse([]byte(`{"vus":5,"iterations":2}`))
	require.NoError(t, err)
	o, _, err := Consolidate(Options{}, s, Options{}, Options{})
	require.NoError(t, err)
	errs := o.Validate()
	require.Len(t, errs, 1)
	assert.EqualError(t, errs[0], "scenario default has configuration errors: "+
		"the number of iterations (2) can't be less than the number of VUs (5)")
	assert.EqualError(t, NewConfigError(errs), "There were problems with the specified script configuration:\n"+
		"\t- scenario default has configuration errors: the number of iterations (2) can't be less than the number of VUs (5)")
}

// TestGoldenScriptJSONBytes pins the exact bytes of an unconfigured run's
// exec.test.options, key order included.
func TestGoldenScriptJSONBytes(t *testing.T) {
	o, _, err := Consolidate(Options{}, Options{}, Options{}, Options{})
	require.NoError(t, err)
	raw, err := o.ScriptJSON()
	require.NoError(t, err)
	assert.Equal(t, `{"batch":null,"batchPerHost":null,"blacklistIPs":null,"blockHostnames":null,`+
		`"consoleOutput":null,"discardResponseBodies":null,"dns":{"ttl":null,"select":null,"policy":null},`+
		`"executionSegment":null,"executionSegmentSequence":null,"ext":null,"features":null,`+
		`"handleSummaryTimeout":null,"hosts":null,"httpDebug":null,"insecureSkipTLSVerify":null,`+
		`"localIPs":null,"maxRedirects":null,"metricSamplesBufferSize":null,"minIterationDuration":null,`+
		`"noConnectionReuse":null,"noCookiesReset":null,"noSetup":null,"noTeardown":null,`+
		`"noVUConnectionReuse":null,"paused":null,"rps":null,"scenarios":{"default":{"executor":"per-vu-iterations",`+
		`"startTime":null,"gracefulStop":null,"env":null,"exec":null,"tags":null,"vus":null,"iterations":null,`+
		`"maxDuration":null}},"setupTimeout":null,"summaryTimeUnit":null,`+
		`"summaryTrendStats":["avg","min","med","max","p(90)","p(95)"],"systemTags":["check","error",`+
		`"error_code","expected_response","group","method","name","proto","scenario","service","status",`+
		`"subproto","tls_version","url"],"tags":null,"teardownTimeout":null,"thresholds":null,"throw":null,`+
		`"tlsAuth":null,"tlsCipherSuites":null,"tlsVersion":null,"userAgent":null}`, string(raw))
}

func assertGolden(t *testing.T, name string, got []string, want string) {
	t.Helper()
	assert.Equal(t, strings.Split(strings.TrimSuffix(want, "\n"), "\n"), got)
	if fileLines, ok := readExpected(t, name); ok {
		assert.Equal(t, fileLines, strings.Split(strings.TrimSuffix(want, "\n"), "\n"),
			"embedded golden lines drifted from %s.out", name)
	}
}

func assertLinePrefixInFile(t *testing.T, name, line string) {
	t.Helper()
	fileLines, ok := readExpected(t, name)
	if !ok {
		return
	}
	for _, l := range fileLines {
		if strings.HasPrefix(l, line) {
			return
		}
	}
	t.Errorf("%s.out has no line starting with %q", name, line)
}

// readExpected reads a case's recorded output from the shared conformance
// suite when it is checked out beside the repository.
func readExpected(t *testing.T, name string) ([]string, bool) {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "shared", "conformance", "expected", name+".out"))
	if err != nil {
		return nil, false
	}
	defer func() { _ = f.Close() }()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	require.NoError(t, sc.Err())
	return lines, true
}

const expected20 = `batch = null
batchPerHost = null
blacklistIPs = null
blockHostnames = null
consoleOutput is a non-empty string: true
discardResponseBodies = null
dns = {"policy":null,"select":null,"ttl":null}
executionSegment = null
executionSegmentSequence = null
ext = null
features = null
handleSummaryTimeout = null
hosts = null
httpDebug = null
insecureSkipTLSVerify = null
localIPs = null
maxRedirects = null
metricSamplesBufferSize = null
minIterationDuration = null
noConnectionReuse = null
noCookiesReset = null
noSetup = null
noTeardown = null
noVUConnectionReuse = null
paused = null
rps = null
scenarios = {"default":{"env":null,"exec":null,"executor":"per-vu-iterations","gracefulStop":null,"iterations":null,"maxDuration":null,"startTime":null,"tags":null,"vus":null}}
setupTimeout = null
summaryTimeUnit = null
summaryTrendStats = ["avg","min","med","max","p(90)","p(95)"]
systemTags (sorted) = ["check","error","error_code","expected_response","group","method","name","proto","scenario","service","status","subproto","tls_version","url"]
tags = null
teardownTimeout = null
thresholds = null
throw = null
tlsAuth = null
tlsCipherSuites = null
tlsVersion = null
userAgent = null
'vus' in options: false
'iterations' in options: false
'duration' in options: false
'stages' in options: false
`

const expected21 = `scenarios = {"default":{"duration":"1s","env":null,"exec":null,"executor":"constant-vus","gracefulStop":null,"startTime":null,"tags":null,"vus":2}}
running: default / constant-vus
paused = null, vus in options: false, duration in options: false
`

const expected22 = `scenarios = {"default":{"env":null,"exec":null,"executor":"shared-iterations","gracefulStop":null,"iterations":3,"maxDuration":null,"startTime":null,"tags":null,"vus":null}}
running: default / shared-iterations
'iterations' in options: false
`

const expected23 = `paused: null
first stage target: 4
scenarios.default = {"env":null,"exec":null,"executor":"ramping-vus","gracefulRampDown":null,"gracefulStop":null,"stages":[{"duration":"500ms","target":4},{"duration":"500ms","target":2}],"startTime":null,"startVUs":null,"tags":null}
running: default / ramping-vus
'stages' in options: false
`

const expected24 = `scenario names: car,cv,pvi,rar,report,rv,si
car = {"duration":"1s","env":null,"exec":"noop","executor":"constant-arrival-rate","gracefulStop":null,"maxVUs":null,"preAllocatedVUs":1,"rate":2,"startTime":null,"tags":null,"timeUnit":"1s"}
cv = {"duration":"1s","env":null,"exec":"noop","executor":"constant-vus","gracefulStop":null,"startTime":null,"tags":null,"vus":1}
pvi = {"env":null,"exec":"noop","executor":"per-vu-iterations","gracefulStop":"1.5s","iterations":1,"maxDuration":null,"startTime":null,"tags":null,"vus":1}
rar = {"env":null,"exec":"noop","executor":"ramping-arrival-rate","gracefulStop":null,"maxVUs":2,"preAllocatedVUs":1,"stages":[{"duration":"500ms","target":2}],"startRate":1,"startTime":null,"tags":null,"timeUnit":null}
report = {"env":{"WHO":"report"},"exec":null,"executor":"per-vu-iterations","gracefulStop":null,"iterations":1,"maxDuration":null,"startTime":null,"tags":{"kind":"report"},"vus":1}
rv = {"env":null,"exec":"noop","executor":"ramping-vus","gracefulRampDown":null,"gracefulStop":null,"stages":[{"duration":"500ms","target":1}],"startTime":null,"startVUs":0,"tags":null}
si = {"env":null,"exec":"noop","executor":"shared-iterations","gracefulStop":null,"iterations":1,"maxDuration":"30m0s","startTime":null,"tags":null,"vus":null}
`

const expected30 = `scenario.name: myscenario
scenario.executor: shared-iterations
maxDuration as consolidated: 30m0s
`
