package cloud

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
)

// ResponseError is an error answer of the k6 Cloud API: the "error" object of
// its body, and the response it came in.
type ResponseError struct {
	// Response is the HTTP response; its body has been read.
	Response *http.Response `json:"-"`
	// Code is the cloud's error code, shown as E<code> when > 0.
	Code int `json:"code"`
	// Message is the main error message.
	Message string `json:"message"`
	// Details holds messages by field (older API).
	Details map[string][]string `json:"details"`
	// FieldErrors holds messages by field.
	FieldErrors map[string][]string `json:"field_errors"`
	// Errors holds further general messages.
	Errors []string `json:"errors"`
}

// Error returns the message as k6 shows it:
//
//	(<status>/E<code>) <message>[\n <other error>…][\n <key>: <v1>, <v2>[\n<key>: …]]
//
// The prefix is (<status>) when the code is 0, (E<code>) or nothing when there
// is no response. The per-field lines are sorted, those of Details first; a
// FieldErrors line equal to a Details line is left out.
func (e ResponseError) Error() string {
	var b strings.Builder
	b.WriteString(e.prefix())
	b.WriteString(e.Message)
	for _, other := range e.Errors {
		if other != e.Message {
			b.WriteString("\n ")
			b.WriteString(other)
		}
	}
	details := fieldLines(e.Details)
	for _, line := range fieldLines(e.FieldErrors) {
		if !slices.Contains(details, line) {
			details = append(details, line)
		}
	}
	if len(details) > 0 {
		b.WriteString("\n ")
		b.WriteString(strings.Join(details, "\n"))
	}
	return b.String()
}

// prefix returns "(<status>/E<code>) ", "(<status>) ", "(E<code>) " or "".
func (e ResponseError) prefix() string {
	switch {
	case e.Response != nil && e.Code > 0:
		return fmt.Sprintf("(%d/E%d) ", e.Response.StatusCode, e.Code)
	case e.Response != nil:
		return fmt.Sprintf("(%d) ", e.Response.StatusCode)
	case e.Code > 0:
		return fmt.Sprintf("(E%d) ", e.Code)
	default:
		return ""
	}
}

// fieldLines returns one "key: v1, v2" line per key, sorted.
func fieldLines(m map[string][]string) []string {
	lines := make([]string, 0, len(m))
	for key, values := range m {
		lines = append(lines, key+": "+strings.Join(values, ", "))
	}
	slices.Sort(lines)
	return lines
}

// errorBody is the shape of an error answer.
type errorBody struct {
	Error ResponseError `json:"error"`
}

// CheckResponse returns nil for a 2xx response. Otherwise it reads the body
// and returns a ResponseError when the body is JSON (any JSON object, even
// one without an "error" key), or else a message chosen by the status: 401 and
// 403 have fixed messages, others name the URL and the status.
func CheckResponse(r *http.Response) error {
	if r.StatusCode >= 200 && r.StatusCode < 300 {
		return nil
	}
	if respErr, ok := parseErrorBody(r); ok {
		return respErr
	}
	switch r.StatusCode {
	case http.StatusUnauthorized:
		return errors.New("failed to authenticate with k6 Cloud")
	case http.StatusForbidden:
		return errors.New("not allowed to upload result to k6 Cloud")
	}
	if r.Request == nil {
		return fmt.Errorf("unexpected HTTP error: %d %s", r.StatusCode, http.StatusText(r.StatusCode))
	}
	return fmt.Errorf("unexpected HTTP error from %s: %d %s", r.Request.URL.Redacted(), r.StatusCode, http.StatusText(r.StatusCode))
}

// parseErrorBody reads r's body as an error answer; ok is false when there is
// no body or it is not JSON of that shape (text, HTML, a string "error", …).
func parseErrorBody(r *http.Response) (ResponseError, bool) {
	if r.Body == nil {
		return ResponseError{}, false
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		return ResponseError{}, false
	}
	var body errorBody
	if err := json.Unmarshal(data, &body); err != nil {
		return ResponseError{}, false
	}
	body.Error.Response = r
	return body.Error, true
}
