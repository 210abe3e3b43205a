package load_test

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"

	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/guregu/null.v3"

	"github.com/minik6/minik6/archive"
	"github.com/minik6/minik6/exitcode"
	_ "github.com/minik6/minik6/js/modules/k6"
	"github.com/minik6/minik6/load"
	"github.com/minik6/minik6/options"
)

const script = `import { greet } from './lib/greet.js';
const users = JSON.parse(open('../data/users.json'));
export const options = { vus: 2, iterations: 4, tags: { team: 'a' } };
export default function () { console.log(greet(users[0]) + ' ' + __ENV.WHO); }
`

func files() fstest.MapFS {
	return fstest.MapFS{
		"home/alice/t/script.js":     {Data: []byte(script)},
		"home/alice/t/lib/greet.js":  {Data: []byte(`export function greet(n) { return 'hi ' + n; }`)},
		"home/alice/data/users.json": {Data: []byte(`["bob"]`)},
		"home/alice/t/unused.js":     {Data: []byte(`nope`)},
	}
}

func config(fsys fstest.MapFS) load.Config {
	logger, _ := logtest.NewNullLogger()
	return load.Config{
		FS: fsys, Pwd: "/home/alice/t", Logger: logger,
		RuntimeEnv: map[string]string{"WHO": "cli"}, SystemEnv: map[string]string{"HOME": "/home/alice", "WHO": "system"},
	}
}

func TestLoadScript(t *testing.T) {
	t.Parallel()
	test, err := load.Load("script.js", config(files()))
	require.NoError(t, err)
	assert.Equal(t, "/home/alice/t/script.js", test.Entry)
	assert.Equal(t, "/home/alice/t", test.Pwd)
	assert.Nil(t, test.FromArchive)
	assert.Equal(t, map[string][]byte{
		"/home/alice/t/script.js":     []byte(script),
		"/home/alice/t/lib/greet.js":  []byte(`export function greet(n) { return 'hi ' + n; }`),
		"/home/alice/data/users.json": []byte(`["bob"]`),
	}, test.Files(), "every file read, and only those")
	assert.Equal(t, null.IntFrom(2), test.Layers.Script.VUs)
	assert.Equal(t, map[string]string{"WHO": "cli"}, test.RuntimeEnv)
	assert.Equal(t, map[string]string{"HOME": "/home/alice", "WHO": "cli"}, test.Env, "-e wins over the system")
	require.Contains(t, test.Options.Scenarios, "default")
	assert.Equal(t, "shared-iterations", test.Options.Scenarios["default"].Type())
}

func TestLayersPrecedence(t *testing.T) {
	t.Parallel()
	cfg := config(files())
	cfg.ConfigFile = options.Options{UserAgent: null.StringFrom("file"), Throw: null.BoolFrom(true)}
	cfg.Env = options.Options{UserAgent: null.StringFrom("env")}
	cfg.CLI = options.Options{VUs: null.IntFrom(1), Iterations: null.IntFrom(3)}
	test, err := load.Load("/home/alice/t/script.js", cfg)
	require.NoError(t, err)
	assert.Equal(t, "env", test.Options.UserAgent.String)
	assert.True(t, test.Options.Throw.Bool)
	assert.Equal(t, int64(1), test.Options.VUs.Int64)
	assert.Equal(t, int64(3), test.Options.Iterations.Int64)
}

func TestLoadErrorsCarryExitCodes(t *testing.T) {
	t.Parallel()
	fsys := files()
	fsys["home/alice/t/lib/x.js"] = &fstest.MapFile{Data: []byte(`export default function () {}`)}
	fsys["home/alice/t/bad.js"] = &fstest.MapFile{Data: []byte(`export const options = { vus: -1 }; export default function () {}`)}
	fsys["home/alice/t/broken.tar"] = &fstest.MapFile{Data: append(make([]byte, 257), []byte("ustar\x0000")...)}
	for name, want := range map[string]exitcode.Code{
		"missing.js": exitcode.GenericEngineError,
		"lib":        exitcode.GenericEngineError, // a directory
		"bad.js":     exitcode.InvalidConfig,
		"broken.tar": exitcode.InvalidConfig,
	} {
		_, err := load.Load(name, config(fsys))
		require.Error(t, err, name)
		assert.Equal(t, want, exitcode.Of(err), "%s: %v", name, err)
	}
	cfg := config(files())
	cfg.NoThresholds = true
	fsys = files()
	fsys["home/alice/t/th.js"] = &fstest.MapFile{Data: []byte(`export const options = { thresholds: { checks: ['rate>1'] } }; export default function () {}`)}
	cfg.FS = fsys
	test, err := load.Load("th.js", cfg)
	require.NoError(t, err)
	assert.Empty(t, test.Options.Thresholds, "--no-thresholds drops them")
}

// roundTrip packs a loaded test into an archive's bytes and reads it back.
func roundTrip(t *testing.T, test *load.Test) *archive.Archive {
	t.Helper()
	arc, err := test.Archive("9.9.9")
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, arc.Write(&buf))
	back, err := archive.Read(&buf)
	require.NoError(t, err)
	return back
}

// A test loaded from its archive is the test loaded from the script: same
// options, environment and files, read from the archive alone (under the
// anonymised home).
func TestArchiveGivesTheSameTest(t *testing.T) {
	t.Parallel()
	test, err := load.Load("script.js", config(files()))
	require.NoError(t, err)
	arc := roundTrip(t, test)
	assert.Equal(t, "file:///home/nobody/t/script.js", arc.Filename)
	assert.Equal(t, "9.9.9", arc.K6Version)
	assert.Equal(t, map[string]string{"WHO": "cli"}, arc.Env, "only the -e variables, never the system's")

	cfg := config(fstest.MapFS{}) // nothing on "disk": everything comes from the archive
	cfg.RuntimeEnv = nil
	again, err := load.FromArchive(arc, cfg)
	require.NoError(t, err)
	assert.Equal(t, "/home/nobody/t/script.js", again.Entry)
	assert.Equal(t, "/home/nobody/t", again.Pwd)
	assert.Same(t, arc, again.FromArchive)
	assert.Equal(t, map[string]string{"WHO": "cli"}, again.RuntimeEnv)

	want, err := json.Marshal(test.Options)
	require.NoError(t, err)
	got, err := json.Marshal(again.Options)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(got))

	renamed := map[string][]byte{}
	for p, data := range test.Files() {
		renamed[strings.Replace(p, "/home/alice/", "/home/nobody/", 1)] = data
	}
	assert.Equal(t, renamed, again.Files())
}

// Flags given to `run` override an archive's options, shortcuts included, and
// its -e variables.
func TestFlagsOverrideTheArchive(t *testing.T) {
	t.Parallel()
	test, err := load.Load("script.js", config(files()))
	require.NoError(t, err)
	arc := roundTrip(t, test)

	cfg := config(fstest.MapFS{})
	cfg.CLI = options.Options{VUs: null.IntFrom(3), Duration: options.NullDurationFrom(2e9)}
	cfg.RuntimeEnv = map[string]string{"WHO": "again"}
	again, err := load.FromArchive(arc, cfg)
	require.NoError(t, err)
	sc := again.Options.Scenarios["default"]
	require.NotNil(t, sc)
	assert.Equal(t, "constant-vus", sc.Type(), "-d replaces the archived iterations")
	assert.Equal(t, int64(3), again.Options.VUs.Int64)
	assert.Equal(t, "again", again.Env["WHO"])
}

func TestLoadArchiveFileAndStdin(t *testing.T) {
	t.Parallel()
	test, err := load.Load("script.js", config(files()))
	require.NoError(t, err)
	arc, err := test.Archive("1")
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, arc.Write(&buf))

	fsys := fstest.MapFS{"work/out.tar": {Data: buf.Bytes()}}
	cfg := config(fsys)
	cfg.Pwd = "/work"
	fromFile, err := load.Load("out.tar", cfg)
	require.NoError(t, err)
	require.NotNil(t, fromFile.FromArchive)
	assert.Equal(t, "/home/nobody/t/script.js", fromFile.Entry)

	cfg.Stdin = bytes.NewReader(buf.Bytes())
	fromStdin, err := load.Load(load.StdinName, cfg)
	require.NoError(t, err)
	require.NotNil(t, fromStdin.FromArchive, "an archive on standard input is an archive")

	cfg = config(files())
	cfg.Stdin = strings.NewReader(`import { greet } from './lib/greet.js'; export default function () { greet('x'); }`)
	script, err := load.Load(load.StdinName, cfg)
	require.NoError(t, err)
	assert.Equal(t, "/home/alice/t/-", script.Entry, "a script on standard input imports relative to the working directory")
	assert.Contains(t, script.Files(), "/home/alice/t/lib/greet.js")
}

// An archive as k6 v2.2 writes it (every option key, "options": null in the
// scenario, "dependencies", ./-less names, the main script as a hard link)
// loads and keeps its options.
func TestLoadArchiveMadeByK6(t *testing.T) {
	t.Parallel()
	meta, err := os.ReadFile("testdata/k6-v2.2-metadata.json")
	require.NoError(t, err)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	add := func(h *tar.Header, body string) {
		h.Size = int64(len(body))
		require.NoError(t, tw.WriteHeader(h))
		_, err := tw.Write([]byte(body))
		require.NoError(t, err)
	}
	add(&tar.Header{Name: "metadata.json", Mode: 0o644}, string(meta))
	add(&tar.Header{Name: "data", Mode: 0o644}, `const cfg = JSON.parse(open('./cfg.json'));
export const options = { vus: 1 };
export default function () { console.log(cfg.name + ' ' + __ENV.WHO); }`)
	for _, d := range []string{"file", "file/home", "file/home/nobody", "file/home/nobody/t"} {
		add(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: 0o755}, "")
	}
	add(&tar.Header{Name: "file/home/nobody/t/cfg.json", Mode: 0o644}, `{"name":"x"}`)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: "file/home/nobody/t/script.js", Typeflag: tar.TypeLink, Linkname: "data"}))
	require.NoError(t, tw.Close())

	arc, err := archive.Read(&buf)
	require.NoError(t, err)
	cfg := config(fstest.MapFS{})
	cfg.RuntimeEnv = nil
	test, err := load.FromArchive(arc, cfg)
	require.NoError(t, err)
	assert.Equal(t, "/home/nobody/t/script.js", test.Entry)
	assert.Equal(t, int64(4), test.Options.Iterations.Int64, "the archive's options, not the script's")
	assert.Equal(t, "shared-iterations", test.Options.Scenarios["default"].Type())
	assert.Equal(t, "k6", test.Env["WHO"], "the archive's -e variables")
}

// Remote modules go into the archive, and the archive runs without fetching
// them again.
func TestArchiveCarriesRemoteModules(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte("export const v = 'remote';"))
	}))
	fsys := fstest.MapFS{"home/alice/t/r.js": {Data: []byte(`import { v } from '` + srv.URL + `/lib/v.js';
export default function () {}`)}}
	test, err := load.Load("r.js", config(fsys))
	require.NoError(t, err)
	arc := roundTrip(t, test)
	assert.Equal(t, map[string][]byte{srv.URL + "/lib/v.js": []byte("export const v = 'remote';")}, arc.Remote)
	srv.Close()
	again, err := load.FromArchive(arc, config(fstest.MapFS{}))
	require.NoError(t, err)
	assert.EqualValues(t, 1, hits.Load())
	assert.Contains(t, again.Bundle.Remote(), srv.URL+"/lib/v.js")
}
