package cloud

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLogin(t *testing.T) {
	fc := newFakeCloud(t, answer(http.StatusOK, "application/json", `{"token":"new-token"}`))
	c, _ := newTestClient(t, fc.URL, true)
	c.SetStackID(3)

	got, err := c.Login("me@example.com", "pass\n")

	require.NoError(t, err)
	assert.Equal(t, &LoginResponse{Token: "new-token"}, got)
	reqs := fc.received()
	require.Len(t, reqs, 1)
	assert.Equal(t, http.MethodPost, reqs[0].Method)
	assert.Equal(t, "/v1/login", reqs[0].Path)
	assert.Equal(t, `{"email":"me@example.com","password":"pass\n"}`, string(reqs[0].Body))
	assert.NotContains(t, reqs[0].Header, "Authorization", "login is sent without a token")
	assert.Equal(t, "application/json", reqs[0].Header.Get("Content-Type"))
	assert.Equal(t, "k6cloud/1.7.0", reqs[0].Header.Get("User-Agent"))
	assert.Regexp(t, idempotencyKeyPattern, reqs[0].Header.Get("K6-Idempotency-Key"))
}

func TestLoginError(t *testing.T) {
	fc := newFakeCloud(t, answer(http.StatusBadRequest, "application/json",
		`{"error":{"code":2,"message":"Invalid credentials","field_errors":{"email":["Unknown email."]}}}`))
	c, _ := newTestClient(t, fc.URL, false)

	got, err := c.Login("me@example.com", "pass")

	assert.Nil(t, got)
	assert.Equal(t, "(400/E2) Invalid credentials\n email: Unknown email.", errText(t, err))
}

func TestValidateToken(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   *ValidateTokenResponse
		err    string
	}{
		{
			name: "valid", status: http.StatusOK, body: `{"is_valid":true,"message":"","token-info":"info"}`,
			want: &ValidateTokenResponse{IsValid: true, Token: "info"},
		},
		{
			name: "invalid", status: http.StatusOK, body: `{"is_valid":false,"message":"Token is invalid"}`,
			want: &ValidateTokenResponse{Message: "Token is invalid"},
		},
		{name: "refused", status: http.StatusUnauthorized, body: "<html>", err: "failed to authenticate with k6 Cloud"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := newFakeCloud(t, answer(tt.status, "application/json", tt.body))
			c, _ := newTestClient(t, fc.URL, true)

			got, err := c.ValidateToken()

			if tt.err != "" {
				assert.Equal(t, tt.err, errText(t, err))
				assert.Nil(t, got)
			} else {
				require.NoError(t, err)
				assert.Equal(t, tt.want, got)
			}
			reqs := fc.received()
			require.Len(t, reqs, 1)
			assert.Equal(t, http.MethodPost, reqs[0].Method)
			assert.Equal(t, "/v1/validate-token", reqs[0].Path)
			assert.Equal(t, `{"token":"`+secretToken+`"}`, string(reqs[0].Body))
			assert.Equal(t, "Token "+secretToken, reqs[0].Header.Get("Authorization"))
		})
	}
}

func TestAccountBadHost(t *testing.T) {
	c, _ := newTestClient(t, "http://bad host", true)
	_, err := c.Login("a", "b")
	errText(t, err)
	_, err = c.ValidateToken()
	errText(t, err)
}
