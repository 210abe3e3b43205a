package http

import (
	"net/http"
	"net/url"
	"sync"

	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
)

// vuModules are the VUs' k6/http instances, for the modules that share a
// VU's cookie jar (k6/ws, k6/websockets). An instance leaves when its VU
// closes it.
var vuModules sync.Map // modules.VU → *Module

// jarView is a cookieJar as an http.CookieJar: it always uses the jar's
// current content, also after the jar is emptied for a new iteration.
type jarView struct{ c *cookieJar }

func (v jarView) SetCookies(u *url.URL, cookies []*http.Cookie) { v.c.set(u, cookies) }
func (v jarView) Cookies(u *url.URL) []*http.Cookie             { return v.c.cookies(u) }

// CookieJarOf returns the jar of a CookieJar object (http.cookieJar() or
// new http.CookieJar()); false when v is not one.
func CookieJarOf(v sobek.Value) (http.CookieJar, bool) {
	if v == nil {
		return nil, false
	}
	c, ok := v.Export().(*cookieJar)
	if !ok {
		return nil, false
	}
	return jarView{c}, true
}

// VUCookieJar returns vu's own cookie jar as k6/http has it for the current
// iteration (emptied when an iteration begins, unless noCookiesReset); nil
// when the VU has not imported k6/http. Call it on the VU's goroutine, in an
// iteration (or setup, teardown).
func VUCookieJar(vu modules.VU) http.CookieJar {
	v, ok := vuModules.Load(vu)
	if !ok || vu.State() == nil {
		return nil
	}
	m := v.(*Module)
	m.startIteration()
	return jarView{m.jar}
}
