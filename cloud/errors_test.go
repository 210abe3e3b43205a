package cloud

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestResponseErrorMessages(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		want        string // "{URL}" stands for the server's URL
	}{
		{
			name: "code, message, errors, details and field errors", status: http.StatusBadRequest,
			contentType: "application/json",
			body: `{"error":{"code":13,"message":"Validation failed",` +
				`"errors":["Validation failed","Another general error"],` +
				`"details":{"vus":["Too many VUs."],"name":["This field is required."]},` +
				`"field_errors":{"name":["This field is required."],"duration":["Too long.","Way too long."]}}}`,
			want: "(400/E13) Validation failed\n Another general error\n name: This field is required.\nvus: Too many VUs.\n" +
				"duration: Too long., Way too long.",
		},
		{
			name: "the observed validation error", status: http.StatusBadRequest, contentType: "application/json",
			body: `{"error":{"code":13,"message":"Validation failed","errors":["Another general error"],` +
				`"details":{"name":["This field is required."],"vus":["Too many VUs."]}}}`,
			want: "(400/E13) Validation failed\n Another general error\n name: This field is required.\nvus: Too many VUs.",
		},
		{
			name: "field errors only", status: http.StatusBadRequest, contentType: "application/json",
			body: `{"error":{"code":2,"message":"Invalid credentials","field_errors":{"email":["Unknown email."]}}}`,
			want: "(400/E2) Invalid credentials\n email: Unknown email.",
		},
		{
			name: "message without code", status: http.StatusInternalServerError, contentType: "application/json",
			body: `{"error":{"message":"internal server error from recorder"}}`,
			want: "(500) internal server error from recorder",
		},
		{
			name: "code 4 on 403", status: http.StatusForbidden, contentType: "application/json",
			body: `{"error":{"code":4,"message":"test run is not accepting more metrics"}}`,
			want: "(403/E4) test run is not accepting more metrics",
		},
		{
			name: "401 with a JSON body", status: http.StatusUnauthorized, contentType: "application/json",
			body: `{"error":{"code":1,"message":"Invalid token"}}`,
			want: "(401/E1) Invalid token",
		},
		{
			name: "errors only", status: http.StatusConflict, contentType: "application/json",
			body: `{"error":{"errors":["first","second"]}}`,
			want: "(409) \n first\n second",
		},
		{name: "empty JSON object", status: http.StatusInternalServerError, contentType: "application/json", body: `{}`, want: "(500) "},
		{name: "JSON null", status: http.StatusBadRequest, contentType: "application/json", body: `null`, want: "(400) "},
		{
			name: "401 with HTML", status: http.StatusUnauthorized, contentType: "text/html",
			body: "<html>nope</html>", want: "failed to authenticate with k6 Cloud",
		},
		{
			name: "403 with HTML", status: http.StatusForbidden, contentType: "text/html",
			body: "<html>nope</html>", want: "not allowed to upload result to k6 Cloud",
		},
		{
			name: "422 with HTML", status: http.StatusUnprocessableEntity, contentType: "text/html",
			body: "<html>nope</html>", want: "unexpected HTTP error from {URL}/v1/tests: 422 Unprocessable Entity",
		},
		{
			name: "string code", status: http.StatusBadRequest, contentType: "application/json",
			body: `{"error":{"code":"E13","message":"x"}}`, want: "unexpected HTTP error from {URL}/v1/tests: 400 Bad Request",
		},
		{
			name: "string error", status: http.StatusUnauthorized, contentType: "application/json",
			body: `{"error":"bad token"}`, want: "failed to authenticate with k6 Cloud",
		},
		{
			name: "empty body", status: http.StatusNotFound,
			want: "unexpected HTTP error from {URL}/v1/tests: 404 Not Found",
		},
		{
			name: "text after retries", status: http.StatusBadGateway, contentType: "text/plain",
			body: "bad gateway", want: "unexpected HTTP error from {URL}/v1/tests: 502 Bad Gateway",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeCloud(t, answer(tt.status, tt.contentType, tt.body))
			c, _ := newTestClient(t, fc.URL, true)
			req, err := c.NewRequest(http.MethodPost, c.BaseURL()+"/tests", map[string]string{"name": "x"})
			require.NoError(t, err)

			err = c.Do(req, nil)

			assert.Equal(t, strings.ReplaceAll(tt.want, "{URL}", fc.URL), errText(t, err))
		})
	}
}

func TestResponseErrorFields(t *testing.T) {
	fc := newFakeCloud(t, answer(http.StatusForbidden, "application/json",
		`{"error":{"code":4,"message":"m","details":{"a":["b"]},"field_errors":{"c":["d"]},"errors":["e"]}}`))
	c, _ := newTestClient(t, fc.URL, true)
	req, err := c.NewRequest(http.MethodPost, c.BaseURL()+"/tests", nil)
	require.NoError(t, err)

	err = c.Do(req, nil)

	var respErr ResponseError
	require.ErrorAs(t, err, &respErr)
	require.NotNil(t, respErr.Response)
	assert.Equal(t, http.StatusForbidden, respErr.Response.StatusCode)
	assert.Equal(t, 4, respErr.Code)
	assert.Equal(t, "m", respErr.Message)
	assert.Equal(t, map[string][]string{"a": {"b"}}, respErr.Details)
	assert.Equal(t, map[string][]string{"c": {"d"}}, respErr.FieldErrors)
	assert.Equal(t, []string{"e"}, respErr.Errors)
}

func TestResponseErrorWithoutResponse(t *testing.T) {
	tests := []struct {
		err  ResponseError
		want string
	}{
		{ResponseError{Code: 13, Message: "m"}, "(E13) m"},
		{ResponseError{Message: "m"}, "m"},
		{ResponseError{Message: "m", Errors: []string{"m", "n"}}, "m\n n"},
		{ResponseError{Details: map[string][]string{"b": {"1"}, "a": {"2", "3"}}}, "\n a: 2, 3\nb: 1"},
		{ResponseError{FieldErrors: map[string][]string{"a": nil}}, "\n a: "},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.err.Error())
		})
	}
}

func TestCheckResponse(t *testing.T) {
	for _, status := range []int{200, 201, 202, 204, 299} {
		assert.NoError(t, CheckResponse(&http.Response{StatusCode: status}), status)
	}

	teapot := &http.Response{StatusCode: http.StatusTeapot, Body: io.NopCloser(strings.NewReader("short and stout"))}
	assert.EqualError(t, CheckResponse(teapot), "unexpected HTTP error: 418 I'm a teapot")

	noBody := &http.Response{StatusCode: http.StatusUnauthorized}
	assert.EqualError(t, CheckResponse(noBody), "failed to authenticate with k6 Cloud")

	unreadable := &http.Response{StatusCode: http.StatusBadRequest, Body: io.NopCloser(failingReader{})}
	assert.EqualError(t, CheckResponse(unreadable), "unexpected HTTP error: 400 Bad Request")
}
