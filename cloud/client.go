package cloud

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
)

const (
	// RetryInterval is the fixed wait between two attempts of a request.
	RetryInterval = 500 * time.Millisecond
	// MaxRetries is the number of attempts of a request, the first included.
	MaxRetries = 3
)

// IdempotencyKeyHeader carries a random key that is the same on every attempt
// of a request, so the cloud can tell a retry from a new request.
const IdempotencyKeyHeader = "K6-Idempotency-Key"

// Client is a client of the k6 Cloud legacy REST API. It is safe for
// concurrent use.
type Client struct {
	httpClient *http.Client
	logger     logrus.FieldLogger
	token      string
	baseURL    string
	userAgent  string
	stackID    atomic.Int64
	// retryInterval is the wait between attempts; RetryInterval except in tests.
	retryInterval time.Duration
}

// NewClient returns a client of the API at host (e.g. "https://ingest.k6.io";
// the API lives under host/v1). token authenticates the requests when it is
// not empty; version goes into the User-Agent ("k6cloud/<version>"); timeout
// bounds each attempt of a request. logger must not be nil: the client prints
// the cloud's messages for the user through it.
func NewClient(logger logrus.FieldLogger, token, host, version string, timeout time.Duration) *Client {
	return &Client{
		httpClient:    &http.Client{Timeout: timeout},
		logger:        logger,
		token:         token,
		baseURL:       host + "/v1",
		userAgent:     "k6cloud/" + version,
		retryInterval: RetryInterval,
	}
}

// BaseURL returns the URL of the API: the host followed by "/v1".
func (c *Client) BaseURL() string {
	return c.baseURL
}

// SetStackID sets the stack sent in the X-Stack-Id header; 0 sends none.
func (c *Client) SetStackID(stackID int64) {
	c.stackID.Store(stackID)
}

// NewRequest returns a request like http.NewRequest does, with data, when it
// is not nil, encoded as compact JSON for the body. The body can be replayed
// (GetBody is set), so Do can retry the request.
func (c *Client) NewRequest(method, url string, data any) (*http.Request, error) {
	var body io.Reader
	if data != nil {
		encoded, err := json.Marshal(data)
		if err != nil {
			return nil, fmt.Errorf("cannot encode the body of the request to %s: %w", url, err)
		}
		body = bytes.NewReader(encoded)
	}
	return http.NewRequest(method, url, body)
}

// Do sends req and decodes a successful (2xx) JSON answer into v when v is
// not nil; an empty body leaves v as it is. An answer with another status
// gives the error of CheckResponse.
//
// Do first sets k6's headers on req: Content-Type application/json (unless req
// has one), the User-Agent, Authorization "Token <token>" when the client has
// a token, X-Stack-Id when a stack is set and, for methods other than GET,
// HEAD, OPTIONS and TRACE, a random K6-Idempotency-Key (unless req has one).
// It then makes up to MaxRetries attempts, RetryInterval apart, as long as
// the answer is a transport error, a 5xx or a 429, sending the same body and
// headers each time; the error or answer of the last attempt counts. The
// request's context cancels the attempts and the waits between them.
func (c *Client) Do(req *http.Request, v any) error {
	return c.do(req, v, true)
}

// do is Do; withAuth false leaves the Authorization header out.
func (c *Client) do(req *http.Request, v any, withAuth bool) error {
	if err := replayable(req); err != nil {
		return err
	}
	c.setHeaders(req, withAuth)
	resp, err := c.send(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if err := CheckResponse(resp); err != nil {
		return err
	}
	if v == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("cannot decode the answer of %s: %w", req.URL.Redacted(), err)
	}
	return nil
}

// replayable makes sure req's body can be sent again: a body without GetBody
// is read into memory.
func replayable(req *http.Request) error {
	if req.Body == nil || req.Body == http.NoBody || req.GetBody != nil {
		return nil
	}
	data, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return fmt.Errorf("cannot read the body of the request to %s: %w", req.URL.Redacted(), err)
	}
	req.GetBody = func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}
	req.Body, _ = req.GetBody()
	return nil
}

// setHeaders sets k6's headers on req.
func (c *Client) setHeaders(req *http.Request, withAuth bool) {
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	if req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", c.userAgent)
	if withAuth && c.token != "" {
		req.Header.Set("Authorization", "Token "+c.token)
	}
	if stackID := c.stackID.Load(); stackID != 0 {
		req.Header.Set("X-Stack-Id", strconv.FormatInt(stackID, 10))
	}
	if changesState(req.Method) && req.Header.Get(IdempotencyKeyHeader) == "" {
		req.Header.Set(IdempotencyKeyHeader, NewIdempotencyKey())
	}
}

// changesState reports whether a request with this method gets an idempotency key.
func changesState(method string) bool {
	switch method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	return true
}

// NewIdempotencyKey returns 16 lowercase hex digits from 8 random bytes.
func NewIdempotencyKey() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it crashes the program instead)
	return hex.EncodeToString(b[:])
}

// send makes the attempts of req and returns the last one's result.
func (c *Client) send(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	for attempt := 1; ; attempt++ {
		attemptReq := req
		if attempt > 1 {
			var err error
			if attemptReq, err = rewound(req); err != nil {
				return nil, err
			}
		}
		resp, err := c.httpClient.Do(attemptReq)
		if attempt == MaxRetries || ctx.Err() != nil || !retryable(resp, err) {
			return resp, err
		}
		c.logRetry(req, attempt, resp, err)
		if resp != nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
		}
		if err := c.pause(ctx); err != nil {
			return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Redacted(), err)
		}
	}
}

// rewound returns a copy of req for another attempt, with a fresh copy of the body.
func rewound(req *http.Request) (*http.Request, error) {
	again := req.Clone(req.Context())
	if req.GetBody == nil {
		return again, nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil, fmt.Errorf("cannot replay the body of the request to %s: %w", req.URL.Redacted(), err)
	}
	again.Body = body
	return again, nil
}

// retryable reports whether an attempt's result calls for another attempt.
func retryable(resp *http.Response, err error) bool {
	return err != nil || resp.StatusCode >= http.StatusInternalServerError ||
		resp.StatusCode == http.StatusTooManyRequests
}

// logRetry logs, at debug level, that an attempt failed and another follows.
func (c *Client) logRetry(req *http.Request, attempt int, resp *http.Response, err error) {
	entry := c.logger.WithFields(logrus.Fields{
		"method":  req.Method,
		"url":     req.URL.Redacted(),
		"attempt": attempt,
	})
	if err != nil {
		entry = entry.WithError(err)
	} else {
		entry = entry.WithField("status", resp.StatusCode)
	}
	entry.Debug("The k6 Cloud request failed; retrying")
}

// pause waits the retry interval, or until ctx is done.
func (c *Client) pause(ctx context.Context) error {
	timer := time.NewTimer(c.retryInterval)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
