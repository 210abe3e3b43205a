package http_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/minik6test"
)

const formsPage = `<html><body>
<a name="nolink">no href</a>
<a href="/anything/first?x=1">first</a>
<a class="rel" href="second#frag">second</a>
<form id="order" method="post" action="/anything/order">
  <input type="text" name="custname" value="anon">
  <input type="hidden" name="token" value="t0k">
  <input type="checkbox" name="topping" value="bacon" checked>
  <input type="checkbox" name="topping" value="cheese">
  <input type="checkbox" name="extra" checked>
  <input type="radio" name="size" value="small">
  <input type="radio" name="size" value="large" checked>
  <input type="text" name="off" value="x" disabled>
  <fieldset disabled><input name="fenced" value="y"></fieldset>
  <input type="file" name="upload">
  <select name="delivery"><option>now</option><option value="later" selected>Later on</option></select>
  <select name="sauce" multiple><option selected>red</option><option value="w" selected>white</option><option>none</option></select>
  <textarea name="comments">two
lines</textarea>
  <button type="button" name="nope" value="no">x</button>
  <input type="submit" name="go" value="Order">
</form>
<input form="order" name="outside" value="o">
<form id="search" action="/anything/search?old=1"><input name="q" value="k6"><input type="submit" value="Search"></form>
<form id="upload" method="POST" enctype="multipart/form-data" action="/anything/upload"><input name="a" value="1"></form>
</body></html>`

func TestClickLinkAndSubmitForm(t *testing.T) {
	t.Parallel()
	bin := minik6test.NewHTTPBin(t, map[string]http.HandlerFunc{
		"/pages/index": func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte(formsPage))
		},
	})
	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		{"clickLink follows the first a[href]", `
			const r = http.get(B + '/pages/index').clickLink();
			console.log(r.request.method + ' ' + r.url.replace(B, '') + ' ' + r.json('args.x.0'));`,
			[]string{"GET /anything/first?x=1 1"}},
		{"clickLink with a selector and params, resolved against the page", `
			const r = http.get(B + '/pages/index').clickLink({ selector: 'a.rel', params: { headers: { 'X-Clicked': 'yes' }, tags: { name: 'second' } } });
			console.log(r.status + ' ' + r.url.replace(B, '') + ' ' + r.request.headers['X-Clicked']);`,
			[]string{"404 /pages/second#frag yes"}},
		{"clickLink errors", `
			const page = http.get(B + '/pages/index');
			for (const s of ['a.none', 'a[name=nolink]']) {
				try { page.clickLink({ selector: s }); } catch (e) { console.log(String(e).replace(B, 'B')); }
			}`,
			[]string{"GoError: no element found for selector 'a.none' in response 'B/pages/index'",
				"GoError: no valid href attribute value found on element 'a[name=nolink]' in response 'B/pages/index'"}},
		{"submitForm sends the successful controls, fields and the submit button", `
			const r = http.get(B + '/pages/index').submitForm({ fields: { custname: 'test', added: 'new' } });
			console.log(r.request.method + ' ' + r.url.replace(B, '') + ' ' + r.json('headers.Content-Type.0'));
			console.log(S(r.json('form')));`,
			[]string{"POST /anything/order application/x-www-form-urlencoded",
				`{"added":["new"],"comments":["two\r\nlines"],"custname":["test"],"delivery":["later"],"extra":["on"],"go":["Order"],"outside":["o"],"sauce":["red","w"],"size":["large"],"token":["t0k"],"topping":["bacon"]}`}},
		{"submitForm by GET puts the data in the query", `
			const r = http.get(B + '/pages/index').submitForm({ formSelector: '#search', fields: { q: 'load test' }, params: { headers: { 'X-F': '1' } } });
			console.log(r.request.method + ' ' + r.url.replace(B, '') + ' ' + r.json('headers.X-F.0'));`,
			[]string{"GET /anything/search?q=load+test 1"}},
		{"submitForm multipart", `
			const r = http.get(B + '/pages/index').submitForm({ formSelector: '#upload', submitSelector: 'nothing' });
			console.log(r.json('headers.Content-Type.0').split(';')[0] + ' ' + S(r.json('form')));`,
			[]string{`multipart/form-data {"a":["1"]}`}},
		{"submitForm without a form", `
			try { http.get(B + '/get').submitForm(); } catch (e) { console.log(String(e).replace(B, 'B')); }`,
			[]string{"GoError: no form found for selector 'form' in response 'B/get'"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := run(t, script("", tc.body), bin.URL())
			require.NoError(t, o.Result.Err, o.LogText())
			assert.Equal(t, tc.want, o.Console, o.LogText())
		})
	}
}
