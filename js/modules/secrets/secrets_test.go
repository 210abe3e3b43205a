package secrets_test

import (
	"io"
	"testing"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	_ "github.com/minik6/minik6/js/modules/secrets"
	"github.com/minik6/minik6/minik6test"
	"github.com/minik6/minik6/secrets"
	"github.com/minik6/minik6/testrun"
)

// run runs source in this process with the secret sources specs, and
// returns the console's lines and the logger's messages as written, after
// every hook (the Manager first, as the CLI adds it).
func run(t *testing.T, source string, specs ...string) (console, logged []string, err error) {
	t.Helper()
	m, err := secrets.New(specs, nil, nil)
	require.NoError(t, err)
	newLogger := func() (*logrus.Logger, *logtest.Hook) {
		l := logrus.New()
		l.SetOutput(io.Discard)
		if m != nil {
			l.AddHook(m)
		}
		return l, logtest.NewLocal(l)
	}
	logger, logs := newLogger()
	consoleLogger, lines := newLogger()
	test, err := minik6test.LoadScript(source, logger, consoleLogger, nil)
	require.NoError(t, err)
	_, res := minik6test.RunTest(t, test, testrun.Config{Logger: logger})
	for _, e := range lines.AllEntries() {
		console = append(console, e.Message)
	}
	for _, e := range logs.AllEntries() {
		logged = append(logged, e.Message)
	}
	return console, logged, res.Err
}

func TestGetAndSource(t *testing.T) {
	t.Parallel()
	console, logged, err := run(t, `import secrets from 'k6/secrets';
		const early = await secrets.get('cool');
		export const options = { iterations: 1 };
		export default async function () {
			console.log('init: ' + early.length + ' chars, ' + (early === 'cool secret'));
			const mine = await secrets.get('cool');
			const other = await secrets.source('another').get('cool');
			console.log(mine, '|', other, '|', typeof secrets.get('cool').then);
			console.log('equal? ' + (mine === other) + '; ' + mine.toUpperCase());
			for (const [what, p] of [['missing key', secrets.get('nope')], ['unknown source', secrets.source('nowhere').get('cool')]]) {
				try { await p; } catch (e) { console.log(what + ': ' + e.message); }
			}
			throw new Error('failing with ' + other);
		}`, "mock=default,cool=cool secret", "mock=name=another,cool=not cool secret")
	require.NoError(t, err)
	assert.Equal(t, []string{
		"init: 11 chars, true",
		"***SECRET_REDACTED*** | ***SECRET_REDACTED*** | function",
		"equal? false; COOL SECRET",
		"missing key: no value",
		`unknown source: no secret source with name "nowhere" is configured`,
	}, console)
	require.Len(t, logged, 1)
	assert.Contains(t, logged[0], "Error: failing with ***SECRET_REDACTED***")
	assert.NotContains(t, logged[0], "not cool secret")
}

func TestNoSources(t *testing.T) {
	t.Parallel()
	console, _, err := run(t, `import secrets from 'k6/secrets';
		export const options = { iterations: 1 };
		export default async function () {
			try { await secrets.get('x'); } catch (e) { console.log(e.message); }
			try { await secrets.source('a').get('x'); } catch (e) { console.log(e.message); }
		}`)
	require.NoError(t, err)
	assert.Equal(t, []string{"no secret sources are configured", "no secret sources are configured"}, console)
}
