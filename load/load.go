// Package load turns what the user names on the command line — a script or an
// archive — into a loaded test: the file system it reads through, its entry
// point, every file it read (once), its option layers and the consolidated
// options, and its environment. Loading a script and loading the archive made
// from it give the same value; `run`, `archive`, `inspect` and every later
// caller start from it.
package load

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/minik6/minik6/archive"
	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/js"
	"github.com/minik6/minik6/metrics"
	"github.com/minik6/minik6/options"
)

// Layers are the option sources besides defaults, lowest precedence first.
type Layers struct {
	// ConfigFile is the --config file's options.
	ConfigFile options.Options
	// Script is the script's exported options, or an archive's options.
	Script options.Options
	// Env is the K6_* environment variables' options.
	Env options.Options
	// CLI is the command-line flags' options.
	CLI options.Options
}

// Config is what loading needs besides the path.
type Config struct {
	// ConfigFile, Env and CLI are the option layers the caller read; the script
	// layer comes from the test itself.
	ConfigFile, Env, CLI options.Options
	// Collectors are the config file's "collectors" (settings by output name).
	Collectors map[string]json.RawMessage
	// NoThresholds drops every threshold (--no-thresholds).
	NoThresholds bool
	// RuntimeEnv are the -e variables; they reach __ENV and an archive.
	RuntimeEnv map[string]string
	// SystemEnv is the system environment that __ENV holds below the -e
	// variables; nil when --include-system-env-vars is off.
	SystemEnv map[string]string
	// Pwd is the working directory, an absolute path; the process's when empty.
	Pwd string
	// FS reads scripts (absolute slash paths without the leading slash);
	// os.DirFS("/") when nil. An archive's files come from the archive.
	FS fs.FS
	// Stdin is where the script named "-" (StdinName) is read from.
	Stdin io.Reader
	// Logger logs warnings and script errors; Console gets console.* output.
	Logger, Console logrus.FieldLogger
}

// Test is a loaded test.
type Test struct {
	// FS is what the script reads through: the disk, or the archive's files.
	FS fs.FS
	// Entry is the main script's absolute slash path.
	Entry string
	// Pwd is the working directory, an absolute slash path.
	Pwd string
	// Bundle is the parsed script, shared by every VU of a run.
	Bundle *js.Bundle
	// Registry holds the metrics, the script's custom metrics among them;
	// Builtins are the built-in ones.
	Registry *metrics.Registry
	Builtins *metrics.Builtins
	// Layers are the option sources; Options the consolidated, derived and
	// validated result.
	Layers  Layers
	Options options.Options
	// RuntimeEnv are the -e variables (an archive's, then the command line's);
	// Env is what __ENV holds.
	RuntimeEnv map[string]string
	Env        map[string]string
	// Collectors are the config file's settings by output name.
	Collectors map[string]json.RawMessage
	// FromArchive is the archive the test was loaded from, nil for a script.
	FromArchive *archive.Archive
}

// Load reads the test at p: an archive when the file is a tar, a script
// otherwise; "-" reads either from cfg.Stdin, as if it were a file of that
// name in the working directory (so relative imports resolve from there). A
// missing script, or a directory, is exit code 255, as in k6. Errors carry k6's exit codes: 107 for a script that can't be read
// or run its init context, 104 for invalid options or a bad archive.
func Load(p string, cfg Config) (*Test, error) {
	if cfg.Logger == nil {
		cfg.Logger = logrus.StandardLogger()
	}
	if cfg.Pwd == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, exitcode.Errorf(exitcode.InvalidConfig, "the working directory: %v", err)
		}
		cfg.Pwd = wd
	}
	abs := p
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(cfg.Pwd, p)
	}
	abs = filepath.ToSlash(abs)
	if cfg.FS == nil {
		cfg.FS = os.DirFS("/")
	}
	name := strings.TrimPrefix(abs, "/")
	if p == StdinName {
		data, err := readStdin(cfg.Stdin)
		if err != nil {
			return nil, exitcode.Errorf(exitcode.ScriptException, "reading the script from standard input: %v", err)
		}
		cfg.FS = overlayFS{base: cfg.FS, name: name, data: data}
	}
	if p != StdinName {
		info, err := fs.Stat(cfg.FS, name)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, exitcode.Errorf(exitcode.GenericEngineError, "the script %s can't be found: there is no such file", p)
		case err == nil && info.IsDir():
			return nil, exitcode.Errorf(exitcode.GenericEngineError, "%s is a directory, not a script", p)
		}
	}
	if isArchive(cfg.FS, name) {
		f, err := cfg.FS.Open(name)
		if err != nil {
			return nil, exitcode.Errorf(exitcode.InvalidConfig, "the archive %s could not be read: %v", p, err)
		}
		defer f.Close()
		arc, err := archive.Read(f)
		if err != nil {
			return nil, err
		}
		return FromArchive(arc, cfg)
	}
	return newTest(cfg, abs, filepath.ToSlash(cfg.Pwd), cfg.FS, cfg.RuntimeEnv, nil)
}

// FromArchive loads the test an archive holds. It reads nothing but the
// archive: modules and open()ed files come from it. The archive's options are
// the script layer, its -e variables lie below cfg.RuntimeEnv.
func FromArchive(arc *archive.Archive, cfg Config) (*Test, error) {
	if cfg.Logger == nil {
		cfg.Logger = logrus.StandardLogger()
	}
	env := maps.Clone(arc.Env)
	if env == nil {
		env = map[string]string{}
	}
	maps.Copy(env, cfg.RuntimeEnv)
	pwd := urlPath(arc.Pwd)
	if pwd == "" {
		pwd = path.Dir(arc.EntryPath())
	}
	return newTest(cfg, arc.EntryPath(), pwd, arc.FS(), env, arc)
}

func newTest(cfg Config, entry, pwd string, fsys fs.FS, runtimeEnv map[string]string, arc *archive.Archive) (*Test, error) {
	t := &Test{
		FS: fsys, Entry: path.Clean(entry), Pwd: pwd, RuntimeEnv: runtimeEnv, FromArchive: arc, Collectors: cfg.Collectors,
		Layers: Layers{ConfigFile: cfg.ConfigFile, Env: cfg.Env, CLI: cfg.CLI},
	}
	if t.RuntimeEnv == nil {
		t.RuntimeEnv = map[string]string{}
	}
	t.Env = maps.Clone(cfg.SystemEnv)
	if t.Env == nil {
		t.Env = map[string]string{}
	}
	maps.Copy(t.Env, t.RuntimeEnv)

	t.Registry = metrics.NewRegistry()
	t.Builtins = metrics.RegisterBuiltins(t.Registry)
	var remote map[string][]byte
	if arc != nil {
		remote = arc.Remote
	}
	b, err := js.NewBundle(t.Entry, js.Config{
		FS: fsys, Env: t.Env, Logger: cfg.Logger, Console: cfg.Console, Registry: t.Registry, Remote: remote,
	})
	if err != nil {
		return nil, err
	}
	t.Bundle = b

	if arc != nil {
		t.Layers.Script, err = archiveOptions(arc.Options)
		if err != nil {
			return nil, exitcode.Errorf(exitcode.InvalidConfig, "the archive's options: %v", err)
		}
	} else if t.Layers.Script, err = options.Parse(b.OptionsJSON()); err != nil {
		return nil, exitcode.Errorf(exitcode.InvalidConfig, "the script's options: %v", err)
	}
	t.Options, err = t.consolidate(cfg.Logger, cfg.NoThresholds)
	if err != nil {
		return nil, err
	}
	return t, nil
}

// consolidate merges the layers in k6's order, derives the scenarios and
// validates the result.
func (t *Test) consolidate(logger logrus.FieldLogger, noThresholds bool) (options.Options, error) {
	l := t.Layers
	o, warnings, err := options.Consolidate(l.ConfigFile, l.Script, l.Env, l.CLI)
	for _, w := range warnings {
		logger.Warn(w)
	}
	if err != nil {
		return options.Options{}, exitcode.Wrap(exitcode.InvalidConfig, err)
	}
	if noThresholds {
		o.Thresholds = nil
	}
	if err := options.NewConfigError(o.Validate()); err != nil {
		return options.Options{}, exitcode.Wrap(exitcode.InvalidConfig, err)
	}
	return o, nil
}

// archiveOptions parses an archive's options. An archive holds consolidated
// options: scenarios derived from shortcuts sit beside those shortcuts, so the
// scenarios are dropped and derived again, which lets a flag of `run`
// (-u, -d…) override the archived shortcut as it would the script's.
func archiveOptions(raw json.RawMessage) (options.Options, error) {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return options.Options{}, nil
	}
	o, err := options.Parse(raw)
	if err != nil {
		return o, err
	}
	if o.Scenarios != nil && (o.Duration.Valid || o.Iterations.Valid || o.Stages != nil) {
		o.Scenarios = nil
	}
	return o, nil
}

// Files returns every local file the test read, by absolute slash path: the
// main script, its modules and the files it open()ed. (Remote modules are in
// the bundle's Remote.)
func (t *Test) Files() map[string][]byte { return t.Bundle.Files() }

// Archive packs the test as `k6 archive` does: the consolidated options, the
// -e variables, the main script and every file it read. version is the
// k6version written in the metadata.
func (t *Test) Archive(version string) (*archive.Archive, error) {
	opts, err := json.Marshal(t.Options)
	if err != nil {
		return nil, fmt.Errorf("packing the options: %w", err)
	}
	files := t.Files()
	data, ok := files[t.Entry]
	if !ok {
		return nil, errors.New("the main script was not read")
	}
	return &archive.Archive{
		Type: "js", Options: opts, Filename: fileURL(t.Entry), Pwd: fileURL(t.Pwd),
		Env: maps.Clone(t.RuntimeEnv), CompatibilityMode: "extended", K6Version: version, Goos: runtime.GOOS,
		Data: data, Files: files, Remote: t.Bundle.Remote(),
	}, nil
}

// isArchive reports whether the file name in fsys is a tar (the "ustar"
// magic of its first header).
func isArchive(fsys fs.FS, name string) bool {
	f, err := fsys.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	var head [262]byte
	if _, err := io.ReadFull(f, head[:]); err != nil {
		return false
	}
	return string(head[257:262]) == "ustar"
}

// fileURL is the file: URL of an absolute slash path, as archives name files.
func fileURL(p string) string { return (&url.URL{Scheme: "file", Path: p}).String() }

// urlPath is the path of a file: URL ("" when it is not one).
func urlPath(u string) string {
	parsed, err := url.Parse(u)
	if err != nil || parsed.Scheme != "file" {
		return ""
	}
	return parsed.Path
}
