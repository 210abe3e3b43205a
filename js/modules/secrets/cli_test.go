package secrets_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/minik6test"
)

func TestMain(m *testing.M) { os.Exit(minik6test.Main(m)) }

// The binary's console file, stdout and stderr never show a secret the
// script fetched, whatever logged it.
func TestRunRedactsEverywhere(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"value":"url-` + strings.TrimPrefix(r.URL.Path, "/") + `-s3cr3t"}`))
	}))
	defer srv.Close()
	require.True(t, strings.HasPrefix(srv.URL, "http://127.0.0.1:"))
	file := filepath.Join(t.TempDir(), "secrets.file")
	require.NoError(t, os.WriteFile(file, []byte("cool=file-s3cr3t\nelse=other\n"), 0o600))

	res := minik6test.Run(t, minik6test.RunOptions{
		Source: `import secrets from 'k6/secrets';
			export const options = { iterations: 1 };
			export default async function () {
				const a = await secrets.get('cool');
				const b = await secrets.source('remote').get('db');
				const m = await secrets.source('cli').get('token');
				console.log('file:', a, 'url:', b, 'mock:', m, 'lengths:', a.length, b.length, m.length);
				console.warn('a literal file-s3cr3t is redacted too, other is not: ' + 'other');
				throw new Error('boom ' + b);
			}`,
		Flags: []string{
			"--secret-source=file=name=disk,default," + file,
			"--secret-source=url=name=remote,responsePath=value",
			"--secret-source", "mock=name=cli,token=mock-s3cr3t",
			"--log-format=json",
		},
		Env: map[string]string{"K6_SECRET_SOURCE_URL_URL_TEMPLATE": srv.URL + "/{key}"},
	})
	assert.Equal(t, 0, res.ExitCode, res.Stderr)
	assert.Equal(t, []string{
		"file: ***SECRET_REDACTED*** url: ***SECRET_REDACTED*** mock: ***SECRET_REDACTED*** lengths: 11 13 11",
		"a literal ***SECRET_REDACTED*** is redacted too, other is not: other",
	}, res.Console)
	assert.Contains(t, res.Stderr, `boom ***SECRET_REDACTED***`)
	for _, s := range []string{"file-s3cr3t", "url-db-s3cr3t", "mock-s3cr3t"} {
		assert.NotContains(t, res.Stdout+res.Stderr+strings.Join(res.Console, "\n"), s)
	}
}

// A bad --secret-source ends the run before it starts, with one message and
// k6's exit code (255).
func TestRunBadSecretSource(t *testing.T) {
	t.Parallel()
	for flag, msg := range map[string]string{
		"--secret-source=mock":                       `couldn't parse secret source configuration \"mock\"`,
		"--secret-source=vault=x":                    `no secret source for type \"vault\" for configuration \"vault=x\"`,
		"--secret-source=url=urlTemplate=http://x/y": "missing or invalid config: urlTemplate must contain {key} placeholder",
	} {
		res := minik6test.Run(t, minik6test.RunOptions{
			Source: `export default function () {}`,
			Flags:  []string{flag, "--log-format=json"},
		})
		assert.Equal(t, 255, res.ExitCode, flag)
		assert.Equal(t, 1, strings.Count(res.Stderr, msg), "%s: %s", flag, res.Stderr)
		assert.Equal(t, 1, strings.Count(strings.TrimSpace(res.Stderr), "\n")+1, "one line: %s", res.Stderr)
	}
}
