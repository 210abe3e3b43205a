// Package secrets is k6's secret sources: the --secret-source values turned
// into named sources (mock, file and url are built in), the Manager through
// which k6/secrets reads them, and the redaction of every value the Manager
// handed out from the log lines: the Manager is a logrus hook, added to the
// run's loggers, that writes ***SECRET_REDACTED*** in its place.
//
// A module finds the Manager of its run among the hooks of the logger it was
// given (Of): a run's secrets and the loggers that hide them go together.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/sirupsen/logrus"
)

// DefaultName is the name under which a run's default source is known: the
// one marked "default", or the only one.
const DefaultName = "default"

// Source gives secrets by key.
type Source interface {
	// Get returns the secret stored under key, or an error (for a key the
	// source does not have, too).
	Get(ctx context.Context, key string) (string, error)
}

// Params are what a source is made from.
type Params struct {
	// Config is the source's part of the --secret-source value: what follows
	// "TYPE=", less the name=NAME and default entries.
	Config string
	// Env is minik6's environment (the url source reads its K6_* variables).
	Env map[string]string
	// Logger logs on behalf of the source.
	Logger logrus.FieldLogger
}

// Constructor makes a source of one type from its Params.
type Constructor func(Params) (Source, error)

var (
	typesMu sync.RWMutex
	types   = map[string]Constructor{}
)

// Register makes a source type available to --secret-source as kind. The
// built-in ones (mock, file, url) call it from an init function; so may a
// custom binary's. An empty or duplicate kind, or a nil constructor, is a
// programming error: Register panics.
func Register(kind string, c Constructor) {
	if kind == "" || strings.ContainsAny(kind, "=,") || c == nil {
		panic(fmt.Sprintf("secrets.Register: %q needs a name without '=' or ',' and a constructor", kind))
	}
	typesMu.Lock()
	defer typesMu.Unlock()
	if _, dup := types[kind]; dup {
		panic(fmt.Sprintf("secrets.Register: secret source type %q is already registered", kind))
	}
	types[kind] = c
}

// Manager holds a run's secret sources by name, remembers what they gave and
// redacts it from log entries (it is a logrus.Hook).
type Manager struct {
	// sources are by name; the default one is there twice, sharing its cache.
	sources map[string]*source

	mu sync.Mutex
	// values are the secrets handed out; replacer hides them, nil until the
	// first one.
	values   []string
	replacer *strings.Replacer
}

// New makes the Manager of the --secret-source values specs, each
// "TYPE=CONFIG" (or a bare "url", configured by its environment variables).
// CONFIG's entries name=NAME and default name the source and make it the
// default; the rest is the type's own. With no specs New returns nil: no
// sources, nothing to redact. The errors are k6's.
func New(specs []string, env map[string]string, logger logrus.FieldLogger) (*Manager, error) {
	if len(specs) == 0 {
		return nil, nil
	}
	sources := map[string]*source{}
	for _, spec := range specs {
		kind, config, ok := strings.Cut(spec, "=")
		if !ok && spec != "url" {
			return nil, fmt.Errorf("couldn't parse secret source configuration %q", spec)
		}
		typesMu.RLock()
		c, known := types[kind]
		typesMu.RUnlock()
		if !known {
			return nil, fmt.Errorf("no secret source for type %q for configuration %q", kind, spec)
		}
		name, isDefault, config := nameAndDefault(config)
		src, err := c(Params{Config: config, Env: env, Logger: logger})
		if err != nil {
			return nil, err
		}
		if _, dup := sources[name]; dup {
			return nil, fmt.Errorf("secret source for name %q already registered before configuration %q", name, spec)
		}
		sources[name] = &source{Source: src, cache: map[string]string{}}
		if isDefault {
			if _, dup := sources[DefaultName]; dup {
				return nil, fmt.Errorf("can't have two secret sources that are default ones, second one was %q", spec)
			}
			sources[DefaultName] = sources[name]
		}
	}
	if len(sources) == 1 {
		for _, only := range sources {
			sources[DefaultName] = only
		}
	}
	return &Manager{sources: sources}, nil
}

// source is a named source and what it gave, by key.
type source struct {
	Source
	cache map[string]string // under Manager.mu
}

// nameAndDefault takes the name=NAME and default entries out of a source's
// configuration.
func nameAndDefault(config string) (name string, isDefault bool, rest string) {
	var kept []string
	for _, kv := range strings.Split(config, ",") {
		if kv == "default" {
			isDefault = true
			continue
		}
		if v, ok := strings.CutPrefix(kv, "name="); ok {
			name = v
			continue
		}
		kept = append(kept, kv)
	}
	return name, isDefault, strings.Join(kept, ",")
}

// ErrNoSources is Get's error when no source is configured.
var ErrNoSources = errors.New("no secret sources are configured")

// Get returns the secret key of the source named source (DefaultName for the
// default one) and from then on redacts it from the log. A source is asked
// once per key. A nil Manager has no sources.
func (m *Manager) Get(ctx context.Context, source, key string) (string, error) {
	if m == nil {
		return "", ErrNoSources
	}
	src, ok := m.sources[source]
	if !ok {
		return "", fmt.Errorf("no secret source with name %q is configured", source)
	}
	m.mu.Lock()
	v, cached := src.cache[key]
	m.mu.Unlock()
	if cached {
		return v, nil
	}
	v, err := src.Get(ctx, key)
	if err != nil {
		return "", err
	}
	m.remember(src, key, v)
	return v, nil
}

// remember caches a source's value and starts redacting it.
func (m *Manager) remember(src *source, key, v string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	src.cache[key] = v
	if v == "" {
		return // an empty secret would redact between every character
	}
	for _, known := range m.values {
		if known == v {
			return
		}
	}
	m.values = append(m.values, v)
	// The longest first: a secret that holds another is hidden whole.
	sort.SliceStable(m.values, func(i, j int) bool { return len(m.values[i]) > len(m.values[j]) })
	pairs := make([]string, 0, 2*len(m.values))
	for _, s := range m.values {
		pairs = append(pairs, s, Redacted)
	}
	m.replacer = strings.NewReplacer(pairs...)
}

// Of returns the Manager hooked into logger (a *logrus.Logger, or an entry
// of one), nil when there is none.
func Of(logger logrus.FieldLogger) *Manager {
	var l *logrus.Logger
	switch v := logger.(type) {
	case *logrus.Logger:
		l = v
	case *logrus.Entry:
		l = v.Logger
	}
	if l == nil {
		return nil
	}
	for _, h := range l.Hooks[logrus.ErrorLevel] {
		if m, ok := h.(*Manager); ok {
			return m
		}
	}
	return nil
}
