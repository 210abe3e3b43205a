// Package options holds every k6 test option and the rules that turn the
// options from several sources into the one set a test runs with.
//
// # Sources and precedence
//
// Options come from five places; later ones win:
//
//	defaults < --config file < script `options` < K6_* environment < CLI flags
//
// [Parse] reads the JSON of a config file or of the script's exported
// `options` (as produced by JSON.stringify), [FromEnv] reads K6_* variables,
// and the CLI builds its layer with helpers such as [ParseStages],
// [ParseTags] and [ParseDuration]. [Consolidate] applies the layers in order
// ([Options.Apply]), fills the defaults ([Options.WithDefaults]) and turns the
// shortcut options vus/duration/iterations/stages into scenarios
// ([Options.DeriveScenarios]). [Options.Validate] then lists every problem;
// the runner reports them with [ConfigError] and exits with code 104.
//
// # Null values
//
// Every option distinguishes "not set" from its zero value: scalars are
// null.Int, null.Bool, null.String (gopkg.in/guregu/null.v3) or [NullDuration],
// and lists and maps are nil when unset. Unset options marshal as JSON null,
// and accessor methods (GetVUs, GetGracefulStop, GetSetupTimeout, …) return
// k6's documented default for an unset value.
//
// # JSON shapes
//
// [Options.MarshalJSON] writes every option, shortcuts included, and reads
// back through [Parse]. [Options.ScriptJSON] writes what a script sees as
// exec.test.options: the shortcut keys are absent, because after
// consolidation they live on as scenarios. Durations are written in Go's
// form ("30m0s", "1.5s") and read from strings ("1m30s", "500ms", "1d2h",
// a bare "250" meaning milliseconds) or JSON numbers (milliseconds).
package options
