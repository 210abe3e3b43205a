package dashboard

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestConfig(t *testing.T) {
	cfg, err := parseConfig("", nil)
	require.NoError(t, err)
	assert.Equal(t, Config{Host: "127.0.0.1", Port: 5665, Period: 10 * time.Second}, cfg)

	env := map[string]string{
		"K6_WEB_DASHBOARD_HOST": "0.0.0.0", "K6_WEB_DASHBOARD_PORT": "-1", "K6_WEB_DASHBOARD_PERIOD": "2s",
		"K6_WEB_DASHBOARD_OPEN": "false", "K6_WEB_DASHBOARD_EXPORT": "r.html",
	}
	cfg, err = parseConfig("", env)
	require.NoError(t, err)
	assert.Equal(t, Config{Host: "0.0.0.0", Port: -1, Period: 2 * time.Second, Export: "r.html"}, cfg)

	cfg, err = parseConfig("port=6000&export=x.html", env)
	require.NoError(t, err)
	assert.Equal(t, 6000, cfg.Port, "the argument wins")
	assert.Equal(t, "x.html", cfg.Export)

	for arg, want := range map[string]string{
		"port=abc":    `port "abc"`,
		"period=-1s":  `period "-1s"`,
		"open=maybe":  `open "maybe"`,
		"colour=blue": `unknown setting "colour"`,
	} {
		_, err := parseConfig(arg, nil)
		assert.ErrorContains(t, err, want, arg)
	}
	_, err = parseConfig("", map[string]string{"K6_WEB_DASHBOARD_PORT": "99999"})
	assert.ErrorContains(t, err, "K6_WEB_DASHBOARD_PORT")
}
