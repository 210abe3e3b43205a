package scripts_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/minik6test"
)

func TestMain(m *testing.M) { os.Exit(minik6test.Main(m)) }

// example is what running one script of this folder must show.
type example struct {
	// code is the expected exit code.
	code int
	// flags returns extra `run` flags; nil means none.
	flags func(t *testing.T) []string
	// check asserts the console lines, streams and the requests the target got.
	check func(t *testing.T, res minik6test.Result, target *minik6test.Target)
	// routes are the target's routes beyond its default answers.
	routes map[string]http.Handler
}

// examples has one row for every script in this folder.
var examples = map[string]example{
	"hello.js": {
		check: func(t *testing.T, res minik6test.Result, _ *minik6test.Target) {
			line := regexp.MustCompile(`^VU ([1-3]) runs iteration (\d+) of scenario default$`)
			var iterations []int
			for _, msg := range res.Console {
				m := line.FindStringSubmatch(msg)
				require.NotNil(t, m, "unexpected console line %q", msg)
				iterations = append(iterations, atoi(t, m[2]))
			}
			sort.Ints(iterations)
			assert.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8}, iterations)
		},
	},
	"scenario_name.js": {
		check: func(t *testing.T, res minik6test.Result, _ *minik6test.Target) {
			assert.Equal(t, []string{"myscenario"}, res.Console)
		},
	},
	"scenario_timing.js": {
		check: func(t *testing.T, res minik6test.Result, target *minik6test.Target) {
			require.Len(t, res.Console, 2)
			step1 := msFrom(t, `^step1: scenario ran for (\d+)ms$`, res.Console[0])
			step2 := msFrom(t, `^step2: scenario ran for (\d+)ms$`, res.Console[1])
			assert.GreaterOrEqual(t, step1, 0)
			assert.Less(t, step1, 5000, "step1 should come soon after the scenario started")
			assert.GreaterOrEqual(t, step2-step1, 200, "the 0.2 s sleep lies between the steps")
			assert.Len(t, target.RequestsTo("/"), 2)
		},
	},
	"scenario_branching.js": {
		check: func(t *testing.T, res minik6test.Result, target *minik6test.Target) {
			assert.ElementsMatch(t, []string{
				"the-first: GET, iteration 0",
				"the-first: GET, iteration 1",
				"the-first: GET, iteration 2",
				"the-first: GET, iteration 3",
				"the-second: POST, iteration 0",
				"the-second: POST, iteration 1",
				"the-second: POST, iteration 2",
			}, res.Console)
			first, second := target.RequestsTo("/first"), target.RequestsTo("/second")
			require.Len(t, first, 4)
			require.Len(t, second, 3)
			var posted []int
			for _, r := range first {
				assert.Equal(t, "GET", r.Method)
			}
			for _, r := range second {
				assert.Equal(t, "POST", r.Method)
				var body struct{ Iteration int }
				require.NoError(t, json.Unmarshal(r.Body, &body), "body %q", r.Body)
				posted = append(posted, body.Iteration)
			}
			assert.ElementsMatch(t, []int{0, 1, 2}, posted)
			// the-second starts 500ms after the-first.
			gap := second[0].Time.Sub(first[0].Time)
			assert.GreaterOrEqual(t, gap, 400*time.Millisecond, "the-second must honour its startTime")
		},
	},
	"abort_in_init_context.js": {
		code: 108,
		check: func(t *testing.T, res minik6test.Result, _ *minik6test.Target) {
			assert.Empty(t, res.Console, "nothing runs after an abort in the init context")
			assert.Contains(t, res.Stderr, "test aborted")
		},
	},
	"abort_in_default_with_teardown.js": {
		code: 108,
		check: func(t *testing.T, res minik6test.Result, _ *minik6test.Target) {
			assert.Equal(t, []string{"teardown will still be called after test.abort()"}, res.Console)
			assert.Contains(t, res.Stderr, "test aborted: this is the reason")
		},
	},
	"test_fail.js": {
		code: 110,
		check: func(t *testing.T, res minik6test.Result, target *minik6test.Target) {
			var want []string
			for i := range 10 {
				want = append(want, fmt.Sprintf("iteration %d executed", i))
			}
			assert.Equal(t, want, res.Console, "fail() must not stop the run")
			assert.Contains(t, res.Stderr, "test marked as failed: iteration 3: marked the test as failed")
			assert.Len(t, target.RequestsTo("/"), 10)
		},
	},
	"test_options_stages.js": {
		check: func(t *testing.T, res minik6test.Result, _ *minik6test.Target) {
			assert.Equal(t, []string{"null", "100"}, res.Console)
		},
	},
	"vu_tags_on_requests.js": {
		// A threshold on the tagged submetric proves both requests carried the
		// tags: it fails the run (99) unless exactly two samples match.
		flags: func(t *testing.T) []string {
			return thresholdConfig(t, "http_reqs{mytag:value1,mytag2:2}", "count==2")
		},
		check: func(t *testing.T, res minik6test.Result, target *minik6test.Target) {
			assert.Equal(t, []string{`mytag=value1 mytag2="2"`}, res.Console)
			assert.Len(t, target.RequestsTo("/first"), 1)
			assert.Len(t, target.RequestsTo("/second"), 1)

			// The same threshold expecting three tagged requests is crossed:
			// the threshold really counts.
			control := minik6test.Run(t, minik6test.RunOptions{
				Script: "vu_tags_on_requests.js",
				Flags:  thresholdConfig(t, "http_reqs{mytag:value1,mytag2:2}", "count==3"),
				Env:    target.Env(),
			})
			assert.Equal(t, 99, control.ExitCode, "control run, stderr:\n%s", control.Stderr)
		},
	},
	"vu_metadata_on_requests.js": {
		check: func(t *testing.T, res minik6test.Result, target *minik6test.Target) {
			assert.Equal(t, []string{
				`first batch with metadata {"trace_id":"somecoolide"}`,
				`second batch with metadata {}`,
			}, res.Console)
			reqs := target.Requests()
			require.Len(t, reqs, 4)
			var with, without []string
			for _, r := range reqs[:2] {
				with = append(with, r.Path)
			}
			for _, r := range reqs[2:] {
				without = append(without, r.Path)
			}
			assert.ElementsMatch(t, []string{"/with-trace-1", "/with-trace-2"}, with)
			assert.ElementsMatch(t, []string{"/without-trace-1", "/without-trace-2"}, without)
		},
	},
	"unique_data_per_iteration.js": {
		check: func(t *testing.T, res minik6test.Result, target *minik6test.Target) {
			line := regexp.MustCompile(`^iteration (\d+) used product-(\d+)$`)
			var iterations []int
			for _, msg := range res.Console {
				m := line.FindStringSubmatch(msg)
				require.NotNil(t, m, "unexpected console line %q", msg)
				assert.Equal(t, m[1], m[2], "iteration N must use item N")
				iterations = append(iterations, atoi(t, m[1]))
			}
			sort.Ints(iterations)
			assert.Equal(t, seq(20), iterations, "every item exactly once")

			var ids []int
			for _, r := range target.RequestsTo("/anything") {
				assert.Equal(t, "POST", r.Method)
				assert.Equal(t, "endpoint=amazing", r.RawQuery)
				var item struct {
					ID      int    `json:"id"`
					Product string `json:"product"`
				}
				require.NoError(t, json.Unmarshal(r.Body, &item), "body %q", r.Body)
				assert.Equal(t, fmt.Sprintf("product-%d", item.ID), item.Product)
				ids = append(ids, item.ID)
			}
			sort.Ints(ids)
			assert.Equal(t, seq(20), ids, "the target got every item exactly once")
		},
	},
	"unique_data_per_vu.js": {
		check: func(t *testing.T, res minik6test.Result, target *minik6test.Target) {
			var want []string
			for range 3 {
				want = append(want, "VU 1 logged in as alice", "VU 2 logged in as bob", "VU 3 logged in as carol")
			}
			assert.ElementsMatch(t, want, res.Console)

			logins := map[string]int{}
			for _, r := range target.RequestsTo("/login") {
				var user struct{ Username, Password string }
				require.NoError(t, json.Unmarshal(r.Body, &user), "body %q", r.Body)
				assert.Equal(t, user.Username+"-secret", user.Password)
				logins[user.Username]++
			}
			assert.Equal(t, map[string]int{"alice": 3, "bob": 3, "carol": 3}, logins)
		},
	},
	"webcrypto.js": {
		check: func(t *testing.T, res minik6test.Result, _ *minik6test.Target) {
			assert.Equal(t, []string{
				"sha-256: 6eccfd3b41d042528f50d5f3ce65deee2c23bf1fdf325b964f48d1fb26d14905",
				`aes-gcm: 26 bytes decrypt to "Hello, k6!"`,
				"ecdsa: 64-byte signature, valid: true",
				"exporting the private key: InvalidAccessError",
			}, res.Console)
		},
	},

	"crypto.js": {check: consoleIs(
		"sha256: 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
		"md5: XUFAKrxLKna5cZ2REBfFkg==",
		"sha1 in two parts: aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d",
		"hmac-sha256: 7130b7cdff68f3d4b3648eead065e41087dc5a6e1239a5db460063c7e319d95c",
		"random bytes: 16",
	)},
	"encoding.js": {check: consoleIs(
		"std: azYg4pmlIGJhc2U2ND8=",
		"rawurl: azYg4pmlIGJhc2U2ND8",
		"decoded: k6 ♥ base64?",
		"utf-8: 14 bytes, back: k6 ♥ base64?",
	)},
	// The thresholds on the custom metrics hold: exit code 0, not 99.
	"metrics.js": {check: consoleIs("order 1", "order 2", "order 3", "order 4")},
	"html.js": {check: consoleIs(
		"title: Shop",
		"products: tea=3, coffee=5, water=2",
		"on sale: coffee at 5",
		"form: lang=fr&password=s3cret&remember=on&user=ada",
		`as an object: {"user":"ada","password":"s3cret","remember":"on","lang":"fr"}`,
	)},
	"timers.js":  {check: consoleIs("timers set", "tick 1", "tick 2", "tick 3", "done after 3 ticks")},
	"csv_fs.js":  {check: consoleIs("3 rows, first: ada 90", "scores.csv: 36 bytes", "total score: 245")},
	"streams.js": {check: consoleIs("read 1", "read 2", "read 3", "read 4", "read 5", "sum 15, locked: true")},
	"secrets.js": {
		flags: func(*testing.T) []string {
			return []string{"--secret-source=mock=default,token=s3cr3t-t0ken", "--secret-source=mock=name=vault,password=hunter2"}
		},
		check: consoleIs(
			"token: ***SECRET_REDACTED***, 12 characters",
			"password: ***SECRET_REDACTED***, starts with hun",
			"missing: no value",
		),
	},
	"websockets.js": {routes: map[string]http.Handler{"/echo": echo}, check: consoleIs("open", "echo: hello", "closed")},
	"ws.js": {
		routes: map[string]http.Handler{"/echo": echo},
		check:  consoleIs("echo: ping from k6/ws", "closed", "status 101"),
	},
}

// TestExamples runs every script of this folder against a local target and
// checks what a user would see.
func TestExamples(t *testing.T) {
	scripts, err := filepath.Glob("*.js")
	require.NoError(t, err)
	require.NotEmpty(t, scripts)
	present := map[string]bool{}
	for _, script := range scripts {
		present[script] = true
		tc, ok := examples[script]
		if !ok {
			t.Errorf("examples/scripts/%s has no row in the examples table of examples_test.go: add one saying what it must print", script)
			continue
		}
		t.Run(script, func(t *testing.T) {
			t.Parallel()
			target := minik6test.NewUnstartedTarget()
			for pattern, h := range tc.routes {
				target.Handle(pattern, h)
			}
			target.Start()
			defer target.Close()
			var flags []string
			if tc.flags != nil {
				flags = tc.flags(t)
			}
			res := minik6test.Run(t, minik6test.RunOptions{
				Script: script,
				Flags:  flags,
				Env:    target.Env(),
			})
			require.Equal(t, tc.code, res.ExitCode, "exit code; stderr:\n%s\nconsole:\n%q", res.Stderr, res.Console)
			tc.check(t, res, target)
		})
	}
	for script := range examples {
		if !present[script] {
			t.Errorf("the examples table has a row for %s, but there is no such script", script)
		}
	}
}

// consoleIs checks that the script printed exactly want and exited with 0.
func consoleIs(want ...string) func(t *testing.T, res minik6test.Result, _ *minik6test.Target) {
	return func(t *testing.T, res minik6test.Result, _ *minik6test.Target) {
		assert.Equal(t, 0, res.ExitCode, res.Stderr)
		assert.Equal(t, want, res.Console)
	}
}

// echo is a WebSocket endpoint that sends every message back.
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	c, err := (&websocket.Upgrader{}).Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	for {
		kind, msg, err := c.ReadMessage()
		if err != nil || c.WriteMessage(kind, msg) != nil {
			return
		}
	}
})

// thresholdConfig writes a config file holding one threshold and returns the
// flags that load it.
func thresholdConfig(t *testing.T, metric, expr string) []string {
	t.Helper()
	data, err := json.Marshal(map[string]any{"thresholds": map[string][]string{metric: {expr}}})
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "config.json")
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return []string{"--config", path}
}

// msFrom returns the number the pattern's one group captures in msg.
func msFrom(t *testing.T, pattern, msg string) int {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(msg)
	require.NotNil(t, m, "console line %q does not match %s", msg, pattern)
	return atoi(t, m[1])
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}

// seq returns 0, 1, …, n-1.
func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
