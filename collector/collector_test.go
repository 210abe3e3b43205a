package collector

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/stretchr/testify/assert"
)

func TestReachable(t *testing.T) {
	for _, tc := range []struct{ api, remote, want string }{
		{"", "10.0.0.5:4000", ""},
		{"127.0.0.1:6565", "10.0.0.5:4000", "127.0.0.1:6565"},
		{"0.0.0.0:6565", "10.0.0.5:4000", "10.0.0.5:6565"},
		{":6565", "10.0.0.5:4000", "10.0.0.5:6565"},
		{"[::]:6565", "[fd00::1]:4000", "[fd00::1]:6565"},
		{"runner-1.svc:6565", "10.0.0.5:4000", "runner-1.svc:6565"},
		{"no port", "10.0.0.5:4000", ""},
	} {
		assert.Equal(t, tc.want, reachable(tc.api, tc.remote), tc.api)
	}
}

func TestPushRefusesBadBodies(t *testing.T) {
	c := New(0, logrus.New())
	for body, want := range map[string]string{
		`{`:                        "not a push",
		`{"instance":"a"}`:         "needs an instance and a state",
		`{"state":{"format":"x"}}`: "needs an instance and a state",
		`{"instance":"a","state":{"format":"x","version":1}}`:                    `state format "x"`,
		`{"instance":"a","state":{"format":"minik6-summary-state","version":9}}`: "version 9",
	} {
		rec := httptest.NewRecorder()
		c.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, PushPath, strings.NewReader(body)))
		assert.Equal(t, http.StatusBadRequest, rec.Code, body)
		assert.Contains(t, rec.Body.String(), want, body)
	}
	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, PushPath, nil))
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	rec = httptest.NewRecorder()
	c.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/summary", nil))
	assert.Equal(t, "no instance has pushed yet\n", rec.Body.String())
	rec = httptest.NewRecorder()
	c.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/nope", nil))
	assert.Equal(t, http.StatusNotFound, rec.Code)
}
