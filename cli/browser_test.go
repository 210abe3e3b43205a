package cli_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// chromium finds headless Chromium; without it the browser tests are skipped,
// unless MINIK6_REQUIRE_BROWSER is set (CI sets it: .ci/run installs it).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("MINIK6_REQUIRE_BROWSER") != "" {
		t.Fatal("no Chromium, and MINIK6_REQUIRE_BROWSER is set")
	}
	t.Skip("no Chromium on this machine")
	return ""
}

// browse loads url in headless Chromium and returns the DOM once it has
// loaded, then saves a screenshot. budget > 0 lets the page's scripts run
// for that much virtual time first (for pages that make no long requests: a
// page with an open event stream would wait for the stream's end).
func browse(t *testing.T, browser, url string, budget time.Duration, screenshot string) string {
	t.Helper()
	args := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
		"--user-data-dir=" + t.TempDir(), "--window-size=1200,3000", "--timeout=20000"}
	if budget > 0 {
		args = append(args, "--virtual-time-budget="+strconv.Itoa(int(budget.Milliseconds())))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	dom, err := exec.CommandContext(ctx, browser, append(args, "--dump-dom", url)...).Output()
	require.NoError(t, err)
	out, err := exec.CommandContext(ctx, browser, append(args, "--user-data-dir="+t.TempDir(), "--screenshot="+screenshot, url)...).CombinedOutput()
	require.NoError(t, err, string(out))
	info, err := os.Stat(screenshot)
	require.NoError(t, err, "screenshot of %s", url)
	assert.Greater(t, info.Size(), int64(10_000), "the screenshot of %s shows something", url)
	return string(dom)
}

// events reads the dashboard's event stream to its end and returns the
// events' names.
func events(t *testing.T, url string) []string {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	var names []string
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		if name, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
			names = append(names, name)
		}
	}
	return names
}

var (
	figureRE = regexp.MustCompile(`(?s)<figure class="chart" data-title="([^"]*)">(.*?)</figure>`)
	cardRE   = regexp.MustCompile(`(?s)data-metric="([^"]+)" data-stat="([^"]+)">.*?<div class="value">([^<]*)</div>`)
)

// assertChartsHaveData: every chart of the page drew a line.
func assertChartsHaveData(t *testing.T, dom string) {
	t.Helper()
	figures := figureRE.FindAllStringSubmatch(dom, -1)
	require.GreaterOrEqual(t, len(figures), 5, "the charts")
	for _, f := range figures {
		assert.Contains(t, f[2], "<polyline", "chart %q has data", f[1])
		assert.NotContains(t, f[2], "no data", "chart %q", f[1])
	}
}

// cards returns the key numbers the page shows, by "metric stat".
func cards(dom string) map[string]string {
	out := map[string]string{}
	for _, m := range cardRE.FindAllStringSubmatch(dom, -1) {
		out[m[1]+" "+m[2]] = m[3]
	}
	return out
}

// TestDashboardAndReportInABrowser runs a test with the web dashboard on,
// opens the live page in headless Chromium while it runs and the exported
// report and `minik6 report`'s after it: every chart has data and the
// numbers are the end-of-test summary's.
func TestDashboardAndReportInABrowser(t *testing.T) {
	t.Parallel()
	browser := chromium(t)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Millisecond)
		if strings.HasSuffix(r.URL.Path, "/bad") {
			w.WriteHeader(http.StatusInternalServerError)
		}
		_, _ = w.Write([]byte("hello"))
	}))
	defer target.Close()
	dir := t.TempDir()
	script := filepath.Join(dir, "test.js")
	require.NoError(t, os.WriteFile(script, []byte(`import http from 'k6/http';
import { check, sleep } from 'k6';
export const options = { scenarios: {
  browse: { executor: 'constant-vus', vus: 3, duration: '5s' },
  spike: { executor: 'ramping-arrival-rate', startRate: 2, timeUnit: '1s', stages: [{ target: 20, duration: '5s' }], preAllocatedVUs: 4, exec: 'spike' },
}, thresholds: { http_req_duration: ['p(95)<1000'], checks: ['rate>0.5'] } };
export default function () {
  check(http.get(__ENV.BASE + '/ok'), { 'status is 200': (r) => r.status === 200 });
  sleep(0.05);
}
export function spike() { http.get(__ENV.BASE + (__ITER % 10 === 0 ? '/bad' : '/ok')); }
`), 0o600))
	addr := freeAddr(t)
	_, port, _ := strings.Cut(addr, ":")
	export, reportFile := filepath.Join(dir, "export.json"), filepath.Join(dir, "report.html")
	run := startCommand(t, map[string]string{
		"K6_WEB_DASHBOARD": "true", "K6_WEB_DASHBOARD_PORT": port, "K6_WEB_DASHBOARD_PERIOD": "1s",
		"K6_WEB_DASHBOARD_EXPORT": reportFile,
	}, "run", "-q", "-e", "BASE="+target.URL, "--summary-export", export, "--out", "json="+filepath.Join(dir, "run.json"), script)
	waitListening(t, addr)
	stream := make(chan []string, 1)
	go func() { stream <- events(t, "http://"+addr+"/events") }()
	time.Sleep(1500 * time.Millisecond)
	live := browse(t, browser, "http://"+addr+"/", 0, filepath.Join(dir, "dashboard.png"))
	assert.Contains(t, live, `id="live-status"`)
	assert.Contains(t, live, `data-metric="iterations"`)
	assert.Contains(t, live, "<polyline")
	require.Equal(t, 0, run.exitCode(t), run.stderr.String())
	names := <-stream
	require.NotEmpty(t, names)
	assert.GreaterOrEqual(t, strings.Count(strings.Join(names, " "), "update"), 3, "updates while the test ran: %v", names)
	assert.Equal(t, "done", names[len(names)-1], "the stream ends with the test")

	summary := readJSON(t, export)["metrics"].(map[string]any)
	stat := func(metric, name string) float64 { return summary[metric].(map[string]any)[name].(float64) }
	want := map[string]string{
		"iterations count": fmt.Sprint(stat("iterations", "count")),
		"http_reqs count":  fmt.Sprint(stat("http_reqs", "count")),
	}
	exported := browse(t, browser, "file://"+reportFile, 0, filepath.Join(dir, "report.png"))
	assertChartsHaveData(t, exported)
	got := cards(exported)
	for k, v := range want {
		assert.Equal(t, v, got[k], k)
	}
	assert.Equal(t, fmt.Sprintf("%.2f %%", stat("http_req_failed", "value")*100), got["http_req_failed rate"])
	assert.Contains(t, exported, `<td><code>p(95)&lt;1000</code></td>`)

	replayed := filepath.Join(dir, "replayed.html")
	code, _, stderr := command(t, dir, nil, "report", "-o", replayed, filepath.Join(dir, "run.json"))
	require.Equal(t, 0, code, stderr)
	dom := browse(t, browser, "file://"+replayed, 0, filepath.Join(dir, "replayed.png"))
	assertChartsHaveData(t, dom)
	for k, v := range want {
		assert.Equal(t, v, cards(dom)[k], "minik6 report: %s", k)
	}
}
