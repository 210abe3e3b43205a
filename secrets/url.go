package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"
	"github.com/tidwall/gjson"
)

// urlEnvPrefix starts the url source's environment variables:
// K6_SECRET_SOURCE_URL_URL_TEMPLATE, …_HEADER_<NAME>.
const urlEnvPrefix = "K6_SECRET_SOURCE_URL_"

// maxSecretSize bounds a url source's response, as in k6.
const maxSecretSize = 24 * 1024

// urlConfig is a layer of the url source's settings; nil is "not set".
// The names are k6's, in JSON, inline (name=value) and, in upper snake
// case, the environment variables.
type urlConfig struct {
	URLTemplate            string            `json:"urlTemplate"`
	Headers                map[string]string `json:"headers"`
	Method                 *string           `json:"method"`
	ResponsePath           *string           `json:"responsePath"`
	Timeout                *duration         `json:"timeout"`
	RequestsPerMinuteLimit *int64            `json:"requestsPerMinuteLimit"`
	RequestsBurst          *int64            `json:"requestsBurst"`
	MaxRetries             *int64            `json:"maxRetries"`
	RetryBackoff           *duration         `json:"retryBackoff"`
}

// duration is a JSON duration: "30s", or a number of milliseconds.
type duration time.Duration

// UnmarshalJSON reads "1m30s" or 90000.
func (d *duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		*d = duration(v)
		return err
	}
	var ms float64
	if err := json.Unmarshal(b, &ms); err != nil {
		return fmt.Errorf("a duration is a string like \"30s\" or a number of milliseconds, not %s", b)
	}
	*d = duration(ms * float64(time.Millisecond))
	return nil
}

func ptr[T any](v T) *T { return &v }

// urlDefaults are k6's defaults.
var urlDefaults = urlConfig{
	Method: ptr(http.MethodGet), ResponsePath: ptr(""), Timeout: ptr(duration(30 * time.Second)),
	RequestsPerMinuteLimit: ptr[int64](300), RequestsBurst: ptr[int64](10),
	MaxRetries: ptr[int64](3), RetryBackoff: ptr(duration(time.Second)),
}

// over returns c with what o sets replacing c's (headers as a whole).
func (c urlConfig) over(o urlConfig) urlConfig {
	if o.URLTemplate != "" {
		c.URLTemplate = o.URLTemplate
	}
	if o.Headers != nil {
		c.Headers = o.Headers
	}
	set := func(dst **int64, src *int64) {
		if src != nil {
			*dst = src
		}
	}
	set(&c.RequestsPerMinuteLimit, o.RequestsPerMinuteLimit)
	set(&c.RequestsBurst, o.RequestsBurst)
	set(&c.MaxRetries, o.MaxRetries)
	if o.Method != nil {
		c.Method = o.Method
	}
	if o.ResponsePath != nil {
		c.ResponsePath = o.ResponsePath
	}
	if o.Timeout != nil {
		c.Timeout = o.Timeout
	}
	if o.RetryBackoff != nil {
		c.RetryBackoff = o.RetryBackoff
	}
	return c
}

// set sets the setting named key (k6's camel-case name, or headers.NAME)
// from its text.
func (c *urlConfig) set(key, value string) error {
	integer := func(dst **int64) error {
		n, err := strconv.ParseInt(value, 10, 64)
		if err != nil {
			return fmt.Errorf("invalid %s: %w", key, err)
		}
		*dst = &n
		return nil
	}
	dur := func(dst **duration) error {
		d, err := time.ParseDuration(value)
		if err != nil {
			return fmt.Errorf("invalid %s: %w", key, err)
		}
		*dst = ptr(duration(d))
		return nil
	}
	switch key {
	case "urlTemplate":
		c.URLTemplate = value
	case "method":
		c.Method = &value
	case "responsePath":
		c.ResponsePath = &value
	case "timeout":
		return dur(&c.Timeout)
	case "retryBackoff":
		return dur(&c.RetryBackoff)
	case "requestsPerMinuteLimit":
		return integer(&c.RequestsPerMinuteLimit)
	case "requestsBurst":
		return integer(&c.RequestsBurst)
	case "maxRetries":
		return integer(&c.MaxRetries)
	default:
		name, ok := strings.CutPrefix(key, "headers.")
		if !ok {
			return fmt.Errorf("unknown configuration key: %q", key)
		}
		if c.Headers == nil {
			c.Headers = map[string]string{}
		}
		c.Headers[name] = value
	}
	return nil
}

// urlEnvKeys maps the environment variables (after the prefix) to the
// settings.
var urlEnvKeys = map[string]string{
	"URL_TEMPLATE": "urlTemplate", "METHOD": "method", "RESPONSE_PATH": "responsePath",
	"TIMEOUT": "timeout", "MAX_RETRIES": "maxRetries", "RETRY_BACKOFF": "retryBackoff",
	"REQUESTS_PER_MINUTE_LIMIT": "requestsPerMinuteLimit", "REQUESTS_BURST": "requestsBurst",
}

// urlSettings layers the defaults, the K6_SECRET_SOURCE_URL_* variables, the
// config=FILE JSON and the inline key=value entries, and validates the
// result.
func urlSettings(config string, env map[string]string) (urlConfig, error) {
	var fromEnv urlConfig
	for k, v := range env {
		rest, ok := strings.CutPrefix(k, urlEnvPrefix)
		if !ok || v == "" {
			continue
		}
		if header, ok := strings.CutPrefix(rest, "HEADER_"); ok {
			rest = "headers." + header
		} else if rest = urlEnvKeys[rest]; rest == "" {
			continue
		}
		if err := fromEnv.set(rest, v); err != nil {
			return urlConfig{}, err
		}
	}
	var fromFile, inline urlConfig
	if config != "" {
		for _, kv := range strings.Split(config, ",") {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return urlConfig{}, fmt.Errorf("invalid config format %q, expected key=value", kv)
			}
			if k != "config" {
				if err := inline.set(k, v); err != nil {
					return urlConfig{}, err
				}
				continue
			}
			data, err := os.ReadFile(v)
			if err != nil {
				return urlConfig{}, fmt.Errorf("failed to open config file: %w", err)
			}
			if err := json.Unmarshal(data, &fromFile); err != nil {
				return urlConfig{}, fmt.Errorf("failed to parse JSON config: %w", err)
			}
		}
	}
	c := urlDefaults.over(fromEnv).over(fromFile).over(inline)
	return c, c.validate()
}

// validate checks the settings, with k6's messages.
func (c urlConfig) validate() error {
	switch {
	case c.URLTemplate == "":
		return errors.New("urlTemplate is required")
	case !strings.Contains(c.URLTemplate, "{key}"):
		return errors.New("urlTemplate must contain {key} placeholder")
	}
	u, err := url.Parse(strings.ReplaceAll(c.URLTemplate, "{key}", "test"))
	switch {
	case err != nil:
		return fmt.Errorf("urlTemplate is not a valid URL: %w", err)
	case u.Scheme == "":
		return errors.New("urlTemplate must be an absolute URL with a scheme (e.g., https://...)")
	case *c.Timeout <= 0:
		return errors.New("timeout must be greater than 0")
	case *c.RequestsPerMinuteLimit <= 0:
		return errors.New("requestsPerMinuteLimit must be greater than 0")
	case *c.RequestsBurst <= 0:
		return errors.New("requestsBurst must be greater than 0")
	case *c.MaxRetries < 0:
		return errors.New("maxRetries must be non-negative")
	case *c.RetryBackoff <= 0:
		return errors.New("retryBackoff must be greater than 0")
	}
	return nil
}

// urlSource fetches each secret from an HTTP endpoint: the URL template
// with {key} replaced, answered 200 with the secret as the body or at
// responsePath of a JSON body. Requests are rate limited; network errors,
// 429 and 5xx answers are retried with an exponential backoff.
type urlSource struct {
	cfg    urlConfig
	client *http.Client
	limit  *limiter
	logger logrus.FieldLogger
}

func newURL(p Params) (Source, error) {
	cfg, err := urlSettings(p.Config, p.Env)
	if err != nil {
		return nil, fmt.Errorf("missing or invalid config: %w", err)
	}
	logger := p.Logger
	if logger == nil {
		logger = logrus.StandardLogger()
	}
	return &urlSource{
		cfg:    cfg,
		client: &http.Client{Timeout: time.Duration(*cfg.Timeout)},
		limit:  newLimiter(*cfg.RequestsPerMinuteLimit, *cfg.RequestsBurst),
		logger: logger,
	}, nil
}

// errFailedToGetSecret is wrapped in the error of a non-200 answer.
var errFailedToGetSecret = errors.New("failed to get secret")

// Get fetches the secret key.
func (s *urlSource) Get(ctx context.Context, key string) (string, error) {
	if err := s.limit.wait(ctx); err != nil {
		return "", fmt.Errorf("rate limiter error: %w", err)
	}
	attempts := int(*s.cfg.MaxRetries) + 1
	backoff := time.Duration(*s.cfg.RetryBackoff)
	var lastErr error
	for i := range attempts {
		if i > 0 {
			wait := backoff<<(i-1) + rand.N(backoff/2+1)
			s.logger.WithFields(logrus.Fields{"attempt": i + 1, "max": attempts, "wait": wait, "error": lastErr}).
				Debug("Retrying secret fetch after error")
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(wait):
			}
		}
		secret, retry, err := s.fetch(ctx, key)
		if err == nil {
			return secret, nil
		}
		lastErr = err
		if !retry {
			return "", err
		}
	}
	return "", lastErr
}

// fetch makes one request, and tells whether its error is worth a retry.
func (s *urlSource) fetch(ctx context.Context, key string) (secret string, retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, *s.cfg.Method, strings.ReplaceAll(s.cfg.URLTemplate, "{key}", key), nil)
	if err != nil {
		return "", false, fmt.Errorf("failed to create request: %w", err)
	}
	for k, v := range s.cfg.Headers {
		req.Header.Set(k, v)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return "", ctx.Err() == nil, fmt.Errorf("failed to get secret: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		retry = resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
		return "", retry, fmt.Errorf("status code %d: %w", resp.StatusCode, errFailedToGetSecret)
	}
	if secret, err = extractSecret(resp.Body, *s.cfg.ResponsePath); err != nil {
		return "", false, fmt.Errorf("failed to extract secret: %w", err)
	}
	return secret, false, nil
}

// extractSecret reads a response body: the secret itself, or a JSON
// document holding it as a string at path (gjson's dot notation).
func extractSecret(body io.Reader, path string) (string, error) {
	data, err := io.ReadAll(io.LimitReader(body, maxSecretSize+1))
	if err != nil {
		return "", fmt.Errorf("failed to read response body: %w", err)
	}
	if len(data) > maxSecretSize {
		return "", fmt.Errorf("secret response exceeds maximum size of %d bytes", maxSecretSize)
	}
	if path == "" {
		return string(data), nil
	}
	v := gjson.GetBytes(data, path)
	switch {
	case !v.Exists():
		return "", fmt.Errorf("path %q not found in response", path)
	case v.Type != gjson.String:
		return "", fmt.Errorf("secret value at path %q is not a string (got %s)", path, v.Type)
	}
	return v.String(), nil
}

// limiter is a token bucket: burst requests at once, then perMinute a
// minute.
type limiter struct {
	mu       sync.Mutex
	interval time.Duration // between two tokens
	burst    float64
	tokens   float64
	last     time.Time
}

func newLimiter(perMinute, burst int64) *limiter {
	return &limiter{interval: time.Minute / time.Duration(perMinute), burst: float64(burst), tokens: float64(burst), last: time.Now()}
}

// wait takes a token, waiting for one when there is none.
func (l *limiter) wait(ctx context.Context) error {
	l.mu.Lock()
	now := time.Now()
	l.tokens = min(l.burst, l.tokens+float64(now.Sub(l.last))/float64(l.interval))
	l.last = now
	l.tokens--
	short := l.tokens
	l.mu.Unlock()
	if short >= 0 {
		return nil
	}
	t := time.NewTimer(time.Duration(-short * float64(l.interval)))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
