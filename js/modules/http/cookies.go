package http

import (
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/grafana/sobek"
)

// cookieJar is a k6 CookieJar: the VU's own (http.cookieJar()), or one made by
// `new http.CookieJar()`. It is safe for the batch's goroutines.
type cookieJar struct {
	j    atomic.Pointer[cookiejar.Jar]
	used atomic.Bool // a cookie was set since the jar was made or emptied
}

func newCookieJar() *cookieJar {
	c := &cookieJar{}
	c.reset()
	return c
}

func (c *cookieJar) jar() *cookiejar.Jar { return c.j.Load() }

// set stores cookies from u.
func (c *cookieJar) set(u *url.URL, cookies []*http.Cookie) {
	c.used.Store(true)
	c.jar().SetCookies(u, cookies)
}

// cookies are the cookies to send to u.
func (c *cookieJar) cookies(u *url.URL) []*http.Cookie {
	if !c.used.Load() {
		return nil
	}
	return c.jar().Cookies(u)
}

// reset empties the jar (a jar never used stays as it is).
func (c *cookieJar) reset() {
	if c.jar() != nil && !c.used.Load() {
		return
	}
	j, _ := cookiejar.New(nil)
	c.j.Store(j)
	c.used.Store(false)
}

// CookiesForURL is jar.cookiesForURL(url): the cookies the jar would send to
// url, by name.
func (c *cookieJar) CookiesForURL(rawURL string) (map[string][]string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, ck := range c.cookies(u) {
		out[ck.Name] = append(out[ck.Name], ck.Value)
	}
	return out, nil
}

// Set is jar.set(url, name, value, [options]) with options domain, path,
// expires, max_age, secure and http_only.
func (c *cookieJar) Set(rawURL, name, value string, opts sobek.Value) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	if u.Host == "" {
		return errors.New("cookie jar: the URL needs a host")
	}
	ck := &http.Cookie{Name: name, Value: value}
	if o, ok := opts.(*sobek.Object); ok && !sobek.IsUndefined(opts) && !sobek.IsNull(opts) {
		for _, k := range o.Keys() {
			v := o.Get(k)
			switch k {
			case "domain":
				ck.Domain = v.String()
			case "path":
				ck.Path = v.String()
			case "expires":
				t, err := time.Parse(time.RFC1123, v.String())
				if err != nil {
					return errors.New("unable to parse \"expires\" date string \"" + v.String() + "\" with: " + err.Error())
				}
				ck.Expires = t
			case "max_age":
				ck.MaxAge = int(v.ToInteger())
			case "secure":
				ck.Secure = v.ToBoolean()
			case "http_only":
				ck.HttpOnly = v.ToBoolean()
			}
		}
	}
	c.set(u, []*http.Cookie{ck})
	return nil
}

// Clear is jar.clear(url): it removes the cookies the jar has for url.
func (c *cookieJar) Clear(rawURL string) error {
	return c.expire(rawURL, "")
}

// Delete is jar.delete(url, name).
func (c *cookieJar) Delete(rawURL, name string) error {
	return c.expire(rawURL, name)
}

func (c *cookieJar) expire(rawURL, name string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	j := c.jar()
	for _, ck := range j.Cookies(u) {
		if name != "" && ck.Name != name {
			continue
		}
		for _, path := range cookiePaths(u.Path) {
			j.SetCookies(u, []*http.Cookie{{Name: ck.Name, Value: "", Path: path, MaxAge: -1}})
		}
	}
	return nil
}

// cookiePaths lists the paths a cookie sent to path may have been set for.
func cookiePaths(p string) []string {
	out := []string{"/"}
	if p == "" {
		return out
	}
	parts := strings.Split(strings.Trim(p, "/"), "/")
	cur := ""
	for _, part := range parts {
		if part == "" {
			continue
		}
		cur += "/" + part
		out = append(out, cur)
	}
	return out
}

// cookieJarFn is http.cookieJar(): the VU's jar.
func (m *Module) cookieJarFn() *cookieJar { return m.jar }

// newCookieJarCtor is the http.CookieJar constructor.
func (m *Module) newCookieJarCtor() func(call sobek.ConstructorCall) *sobek.Object {
	return func(call sobek.ConstructorCall) *sobek.Object {
		return m.rt.ToValue(newCookieJar()).(*sobek.Object)
	}
}

// cookies is the Cookie header of r's request to u — the params' Cookie
// header, then the jar's cookies and the params' cookies — and the cookies
// sent; "" when there are none to add to the params' header.
func (m *Module) cookies(u *url.URL, r *request) (string, []*http.Cookie) {
	var sent []*http.Cookie
	if r.jar != nil {
		sent = r.jar.cookies(u)
	}
	if len(r.cookies) == 0 && len(sent) == 0 {
		return "", nil
	}
	for _, rc := range r.cookies {
		if rc.replace {
			kept := sent[:0]
			for _, ck := range sent {
				if ck.Name != rc.name {
					kept = append(kept, ck)
				}
			}
			sent = kept
		}
	}
	for _, rc := range r.cookies {
		sent = append(sent, &http.Cookie{Name: rc.name, Value: rc.value})
	}
	var b strings.Builder
	b.WriteString(r.getHeader("Cookie"))
	for _, ck := range sent {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(ck.Name + "=" + ck.Value)
	}
	return b.String(), sent
}
