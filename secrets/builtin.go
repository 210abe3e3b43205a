package secrets

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
)

func init() {
	Register("mock", newMock)
	Register("file", newFile)
	Register("url", newURL)
}

// errNoValue is a fixed source's error for a key it does not hold, k6's.
var errNoValue = errors.New("no value")

// fixed is a source of secrets known from the start: mock's and file's.
type fixed map[string]string

// Get returns the secret stored under key.
func (f fixed) Get(_ context.Context, key string) (string, error) {
	v, ok := f[key]
	if !ok {
		return "", errNoValue
	}
	return v, nil
}

// newMock is the mock source: the secrets are the configuration,
// "key=value,key2=value2". For tests, as in k6: the values are on the
// command line.
func newMock(p Params) (Source, error) {
	f := fixed{}
	for _, kv := range strings.Split(p.Config, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("parsing %q, needs =", kv)
		}
		f[k] = v
	}
	return f, nil
}

// newFile is the file source: "PATH" or "filename=PATH", a file of
// key=value lines (relative to the working directory), read at once.
func newFile(p Params) (Source, error) {
	path := ""
	for _, kv := range strings.Split(p.Config, ",") {
		k, v, ok := strings.Cut(kv, "=")
		switch {
		case !ok:
			path = kv
		case k == "filename":
			path = v
		default:
			return nil, fmt.Errorf("unknown configuration key for file secret source %q", k)
		}
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	f := fixed{}
	lines := bufio.NewScanner(fh)
	lines.Buffer(nil, 1<<20)
	for lines.Scan() {
		k, v, ok := strings.Cut(lines.Text(), "=")
		if !ok {
			return nil, fmt.Errorf("reading secret file %s: parsing %q, needs =", path, lines.Text())
		}
		f[k] = v
	}
	if err := lines.Err(); err != nil {
		return nil, fmt.Errorf("reading secret file %s: %w", path, err)
	}
	return f, nil
}
