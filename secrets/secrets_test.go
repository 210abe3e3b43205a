package secrets_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/secrets"
)

var ctx = context.Background()

func TestNewNoSpecs(t *testing.T) {
	t.Parallel()
	m, err := secrets.New(nil, nil, nil)
	require.NoError(t, err)
	assert.Nil(t, m)
	_, err = m.Get(ctx, secrets.DefaultName, "x")
	assert.EqualError(t, err, "no secret sources are configured")
}

func TestOnlySourceIsDefault(t *testing.T) {
	t.Parallel()
	m, err := secrets.New([]string{"mock=cool=some,else=source"}, nil, nil)
	require.NoError(t, err)
	v, err := m.Get(ctx, secrets.DefaultName, "cool")
	require.NoError(t, err)
	assert.Equal(t, "some", v)
	v, err = m.Get(ctx, "", "else") // an unnamed source's name is empty, as in k6
	require.NoError(t, err)
	assert.Equal(t, "source", v)
	_, err = m.Get(ctx, secrets.DefaultName, "nope")
	assert.EqualError(t, err, "no value")
	_, err = m.Get(ctx, "other", "cool")
	assert.EqualError(t, err, `no secret source with name "other" is configured`)
}

func TestNamedSourcesAndDefault(t *testing.T) {
	t.Parallel()
	m, err := secrets.New([]string{"mock=default,cool=cool secret", "mock=name=another,cool=not cool secret"}, nil, nil)
	require.NoError(t, err)
	for source, want := range map[string]string{secrets.DefaultName: "cool secret", "": "cool secret", "another": "not cool secret"} {
		v, err := m.Get(ctx, source, "cool")
		require.NoError(t, err, source)
		assert.Equal(t, want, v, source)
	}

	// Two sources, none marked default: there is no default one.
	m, err = secrets.New([]string{"mock=name=a,k=1", "mock=name=b,k=2"}, nil, nil)
	require.NoError(t, err)
	_, err = m.Get(ctx, secrets.DefaultName, "k")
	assert.EqualError(t, err, `no secret source with name "default" is configured`)
	v, err := m.Get(ctx, "b", "k")
	require.NoError(t, err)
	assert.Equal(t, "2", v)
}

func TestBadSpecs(t *testing.T) {
	t.Parallel()
	for spec, want := range map[string][]string{
		"nothing":        {"mock"},
		"unknown type":   {"vault=x=y"},
		"mock without =": {"mock=abc"},
		"two defaults":   {"mock=default,a=1", "mock=name=x,default,b=2"},
		"same name":      {"mock=name=x,a=1", "mock=name=x,b=2"},
		"bare url":       {"url"},
		"file missing":   {"file=/nonexistent/secrets.file"},
		"file key":       {"file=path=x"},
	} {
		_, err := secrets.New(want, nil, nil)
		assert.Error(t, err, spec)
	}
	errOf := func(specs ...string) string {
		_, err := secrets.New(specs, nil, nil)
		require.Error(t, err)
		return err.Error()
	}
	assert.Equal(t, `couldn't parse secret source configuration "mock"`, errOf("mock"))
	assert.Equal(t, `no secret source for type "vault" for configuration "vault=x=y"`, errOf("vault=x=y"))
	assert.Equal(t, `parsing "abc", needs =`, errOf("mock=abc"))
	assert.Equal(t, `can't have two secret sources that are default ones, second one was "mock=name=x,default,b=2"`,
		errOf("mock=default,a=1", "mock=name=x,default,b=2"))
	assert.Equal(t, `secret source for name "x" already registered before configuration "mock=name=x,b=2"`,
		errOf("mock=name=x,a=1", "mock=name=x,b=2"))
	assert.Equal(t, "missing or invalid config: urlTemplate is required", errOf("url"))
	assert.Equal(t, `unknown configuration key for file secret source "path"`, errOf("file=path=x"))
}

func TestFileSource(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "secrets.file")
	require.NoError(t, os.WriteFile(path, []byte("secret=very secret\nsomeotherkey=another=secret\n"), 0o600))
	for _, spec := range []string{"file=" + path, "file=filename=" + path, "file=name=f,default,filename=" + path} {
		m, err := secrets.New([]string{spec}, nil, nil)
		require.NoError(t, err, spec)
		v, err := m.Get(ctx, secrets.DefaultName, "secret")
		require.NoError(t, err)
		assert.Equal(t, "very secret", v)
		v, err = m.Get(ctx, secrets.DefaultName, "someotherkey")
		require.NoError(t, err)
		assert.Equal(t, "another=secret", v)
	}

	bad := filepath.Join(dir, "bad.file")
	require.NoError(t, os.WriteFile(bad, []byte("a=1\nnot a pair\n"), 0o600))
	_, err := secrets.New([]string{"file=" + bad}, nil, nil)
	assert.EqualError(t, err, "reading secret file "+bad+`: parsing "not a pair", needs =`)
}

func TestRedaction(t *testing.T) {
	t.Parallel()
	m, err := secrets.New([]string{"mock=short=abc,long=abcdef,empty=,other=zzz"}, nil, nil)
	require.NoError(t, err)
	// The test hook comes after the Manager: hooks fire in the order added.
	logger := logrus.New()
	logger.SetOutput(io.Discard)
	logger.AddHook(m)
	logs := logtest.NewLocal(logger)
	assert.Same(t, m, secrets.Of(logger))
	assert.Same(t, m, secrets.Of(logger.WithField("a", 1)))
	assert.Nil(t, secrets.Of(logrus.New()))

	logger.Info("abcdef before any get")
	assert.Equal(t, "abcdef before any get", logs.LastEntry().Message, "only fetched secrets are redacted")

	for _, key := range []string{"short", "long", "empty"} {
		_, err := m.Get(ctx, secrets.DefaultName, key)
		require.NoError(t, err)
	}
	logger.WithFields(logrus.Fields{"abc": "xabcx", "n": 3, "err": os.ErrNotExist, "e2": &os.PathError{Op: "open", Path: "abcdef", Err: os.ErrNotExist}}).
		Warn("abcdef and abc, zzz")
	e := logs.LastEntry()
	assert.Equal(t, "***SECRET_REDACTED*** and ***SECRET_REDACTED***, zzz", e.Message, "the longer secret is hidden whole; zzz was never fetched")
	assert.Equal(t, logrus.Fields{
		"***SECRET_REDACTED***": "x***SECRET_REDACTED***x", "n": 3, "err": os.ErrNotExist,
		"e2": "open ***SECRET_REDACTED***: file does not exist",
	}, e.Data)
	logger.Debug("abc")
	logger.SetLevel(logrus.DebugLevel)
	logger.Debug("debug abc")
	assert.Equal(t, "debug ***SECRET_REDACTED***", logs.LastEntry().Message)
}
