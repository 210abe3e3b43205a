// Package minik6test holds helpers for tests that run scripts through the real
// minik6 binary: Binary and BuildBinary build it once per test process, Run runs a
// script and returns what a user would see (exit code, console lines, stdout,
// stderr), and Target is a local HTTP server on loopback for scripts to call.
//
// Only tests import this package.
package minik6test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// BinaryEnv names an environment variable that, when set, is the path of a
// prebuilt minik6 binary for Binary to return instead of building one.
const BinaryEnv = "MINIK6TEST_BINARY"

// mainPackage is the import path (relative to the module root) of minik6's CLI.
const mainPackage = "./cmd/minik6"

// builds caches one build per main package for the life of the test process.
var builds struct {
	sync.Mutex
	dir    string
	byPkg  map[string]*build
	dirErr error
}

// build is one main package built (or failed to build) once.
type build struct {
	once sync.Once
	path string
	err  error
}

// Binary returns the path of the minik6 binary, built from this module's
// ./cmd/minik6 the first time a test of the process asks (or taken from
// $MINIK6TEST_BINARY). A failed build fails t.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(BinaryEnv); p != "" {
		return p
	}
	return BuildBinary(t, mainPackage)
}

// BuildBinary builds the main package pkg (an import path, or a path relative to
// the module root such as "./examples/extension/cmd/minik6-kv") once per test
// process and returns the binary's path. A failed build fails t with the
// compiler's output.
func BuildBinary(t testing.TB, pkg string) string {
	t.Helper()
	b, dir, err := buildFor(pkg)
	if err != nil {
		t.Fatalf("minik6test: %v", err)
	}
	b.once.Do(func() {
		b.path, b.err = goBuild(dir, pkg)
	})
	if b.err != nil {
		t.Fatalf("minik6test: %v", b.err)
	}
	return b.path
}

// buildFor returns the cache entry for pkg and the directory binaries go to.
func buildFor(pkg string) (*build, string, error) {
	builds.Lock()
	defer builds.Unlock()
	if builds.dir == "" && builds.dirErr == nil {
		builds.dir, builds.dirErr = os.MkdirTemp("", "minik6test-bin-")
		builds.byPkg = map[string]*build{}
	}
	if builds.dirErr != nil {
		return nil, "", fmt.Errorf("making a directory for test binaries: %w", builds.dirErr)
	}
	b, ok := builds.byPkg[pkg]
	if !ok {
		b = &build{}
		builds.byPkg[pkg] = b
	}
	return b, builds.dir, nil
}

// goBuild runs `go build` for pkg from the module root into a fresh
// subdirectory of dir and returns the binary's path.
func goBuild(dir, pkg string) (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	out, err := os.MkdirTemp(dir, "pkg-")
	if err != nil {
		return "", fmt.Errorf("building %s: %w", pkg, err)
	}
	name := path.Base(strings.TrimRight(filepath.ToSlash(pkg), "/"))
	if name == "." || name == "" {
		name = "main"
	}
	bin := filepath.Join(out, name)
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Dir = root
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s: %w\n%s", pkg, err, output.String())
	}
	return bin, nil
}

// ModuleRoot returns the directory of the go.mod that holds the current working
// directory (a test runs in its package's directory).
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("finding the module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		} else if !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("finding the module root: %w", err)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("finding the module root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// Main runs a package's tests and then removes the binaries Binary and
// BuildBinary built. Call it from TestMain: `os.Exit(minik6test.Main(m))`.
// Without it the binaries stay in the system's temporary directory.
func Main(m *testing.M) int {
	code := m.Run()
	builds.Lock()
	defer builds.Unlock()
	if builds.dir != "" {
		_ = os.RemoveAll(builds.dir)
		builds.dir, builds.byPkg = "", nil
	}
	return code
}
