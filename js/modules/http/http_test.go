package http_test

import (
	"bytes"

	"fmt"
	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/minik6test"
)

// script makes a one-iteration test from options and the default function's
// body.
func script(options, body string) string {
	if options == "" {
		options = "{}"
	}
	return fmt.Sprintf(`import http from 'k6/http';
const B = '$BASE';
// S is JSON.stringify with sorted keys: objects made from Go maps have no fixed order
const S = (v) => JSON.stringify(v, (k, x) => (x && typeof x === 'object' && !Array.isArray(x))
	? Object.keys(x).sort().reduce((o, key) => { o[key] = x[key]; return o; }, {}) : x);
export const options = Object.assign({ iterations: 1 }, %s);
export default function () {
%s
}`, options, body)
}

func TestRequestsAndResponses(t *testing.T) {
	t.Parallel()
	bin := minik6test.NewHTTPBin(t, map[string]http.HandlerFunc{"/encoded/{enc}": encoded})
	for _, tc := range []struct {
		name, options, body string
		want                []string
	}{
		{"verbs", "", `
			for (const [m, f] of [['GET', () => http.get(B + '/anything')], ['POST', () => http.post(B + '/anything', 'x')],
				['PUT', () => http.put(B + '/anything', 'x')], ['PATCH', () => http.patch(B + '/anything', 'x')],
				['DELETE', () => http.del(B + '/anything')], ['OPTIONS', () => http.options(B + '/anything')],
				['HEAD', () => http.head(B + '/anything')], ['PURGE', () => http.request('PURGE', B + '/anything')]]) {
				const r = f();
				console.log(m + ' ' + r.status + ' ' + r.request.method + ' ' + (m === 'HEAD' ? r.body : m === 'OPTIONS' ? 'x' : r.json('method')));
			}`,
			[]string{"GET 200 GET GET", "POST 200 POST POST", "PUT 200 PUT PUT", "PATCH 200 PATCH PATCH", "DELETE 200 DELETE DELETE", "OPTIONS 200 OPTIONS x", "HEAD 200 HEAD ", "PURGE 200 PURGE PURGE"}},
		{"object body is form-encoded", "", `
			const r = http.post(B + '/post', { a: '1', b: 'x y&z' });
			console.log(r.json('headers.Content-Type.0') + ' ' + S(r.json('form')));`,
			[]string{`application/x-www-form-urlencoded {"a":["1"],"b":["x y&z"]}`}},
		{"ArrayBuffer body", "", `
			const r = http.post(B + '/post', new Uint8Array([104, 105]).buffer, { headers: { 'Content-Type': 'text/plain' } });
			console.log(r.json('data'));`,
			[]string{"hi"}},
		{"multipart with http.file", "", `
			const f = http.file('file content', 'a.txt', 'text/plain');
			console.log(f.data + ' ' + f.filename + ' ' + f.content_type);
			const r = http.post(B + '/post', { field: 'v', upload: http.file('file content', 'a.txt', 'text/plain') });
			console.log(r.json('headers.Content-Type.0').split(';')[0] + ' ' + S(r.json('form')) + ' ' + r.json('files.upload.0'));`,
			[]string{"file content a.txt text/plain", `multipart/form-data {"field":["v"]} file content`}},
		{"headers, tags and canonical response headers", "", `
			const r = http.get(B + '/response-headers?x-custom-thing=1', { headers: { 'x-sent': 'yes' }, tags: { k: 'v' } });
			console.log(r.headers['X-Custom-Thing'] + ' ' + r.request.headers['X-Sent']);`,
			[]string{"1 yes"}},
		{"json selectors", "", `
			const r = http.post(B + '/post', JSON.stringify({ items: [1, 2, 3], o: { k: 'v' } }), { headers: { 'Content-Type': 'application/json' } });
			console.log(r.json('json.items.#') + ' ' + r.json('json.items.1') + ' ' + r.json('json.o.k') + ' ' + r.json('nope') + ' ' + typeof r.json());`,
			[]string{"3 2 v undefined object"}},
		{"responseType", "", `
			const t = http.get(B + '/bytes/4', { responseType: 'binary' });
			const n = http.get(B + '/get', { responseType: 'none' });
			console.log((t.body instanceof ArrayBuffer) + ' ' + t.body.byteLength + ' ' + n.body);`,
			[]string{"true 4 null"}},
		{"decoding gzip, deflate, br and zstd", "", `
			for (const e of ['gzip', 'deflate']) console.log(e + ' ' + http.get(B + '/' + e).json(e === 'gzip' ? 'gzipped' : 'deflated'));
			for (const e of ['br', 'zstd']) { const r = http.get(B + '/encoded/' + e); console.log(e + ' ' + r.body + ' ' + r.headers['Content-Encoding']); }`,
			[]string{"gzip true", "deflate true", "br plain text br", "zstd plain text zstd"}},
		{"compressed request body", "", `
			const r = http.post(B + '/post', 'x'.repeat(100), { compression: 'gzip' });
			console.log(r.json('headers.Content-Encoding.0'));`,
			[]string{"gzip"}},
		{"redirects followed, or not", "", `
			const r = http.get(B + '/redirect/3');
			const n = http.get(B + '/redirect/3', { redirects: 0 });
			console.log(r.status + ' ' + r.url.replace(B, '') + ' ' + n.status);`,
			[]string{"200 /get 302"}},
		{"basic and digest auth", "", `
			const hp = B.replace('http://', '');
			console.log(http.get('http://u:p@' + hp + '/basic-auth/u/p').status + ' ' + http.get(B + '/basic-auth/u/p').status);
			console.log(http.get('http://u:p@' + hp + '/digest-auth/auth/u/p', { auth: 'digest' }).status);`,
			[]string{"200 401", "200"}},
		{"cookies: jar, params, response", "", `
			const r = http.get(B + '/cookies/set?a=1');
			console.log(S(http.get(B + '/cookies').json('cookies')));
			console.log(S(http.get(B + '/cookies', { cookies: { b: '2' } }).json('cookies')));
			console.log(S(http.get(B + '/cookies', { cookies: { a: { value: '9', replace: true } } }).json('cookies')));
			const jar = http.cookieJar();
			jar.set(B, 'c', '3');
			const cs = jar.cookiesForURL(B + '/');
			console.log(S(cs));
			jar.delete(B, 'c');
			console.log(S(jar.cookiesForURL(B + '/')));
			jar.clear(B);
			console.log(S(http.get(B + '/cookies').json('cookies')));
			const own = new http.CookieJar();
			own.set(B, 'own', 'x');
			console.log(S(http.get(B + '/cookies', { jar: own }).json('cookies')));
			const sc = http.get(B + '/response-headers?Set-Cookie=s%3Dv%3B%20HttpOnly', { jar: null });
			console.log(sc.cookies.s[0].value + ' ' + sc.cookies.s[0].http_only);`,
			[]string{`{"a":"1"}`, `{"a":"1","b":"2"}`, `{"a":"9"}`, `{"a":["1"],"c":["3"]}`, `{"a":["1"]}`, `{}`, `{"own":"x"}`, "v true"}},
		{"http.url names the request by its template", "", "const r = http.get(http.url`${B}/anything/${1}`); console.log(r.status);", []string{"200"}},
		{"expectedStatuses and setResponseCallback", "", `
			http.setResponseCallback(http.expectedStatuses(404, { min: 200, max: 204 }));
			console.log(http.get(B + '/status/404').status);
			try { http.expectedStatuses('x'); } catch (e) { console.log('threw'); }`,
			[]string{"404", "threw"}},
		{"response fields", "", `
			const r = http.get(B + '/get');
			console.log([r.status, r.status_text, r.proto, r.remote_ip, typeof r.remote_port, r.tls_version, r.error, r.error_code, r.ocsp.status, r.request.method].join('|'));
			console.log(Object.keys(r.timings).sort().join(','));
			r.extra = 1; console.log(r.extra + ' ' + Object.keys(r).includes('status'));`,
			[]string{"200|200 OK|HTTP/1.1|127.0.0.1|number||" + "|0||GET", "blocked,connecting,duration,looking_up,receiving,sending,tls_handshaking,waiting", "1 true"}},
		{"asyncRequest", "", `
			http.asyncRequest('GET', B + '/get').then((r) => console.log('async ' + r.status));`,
			[]string{"async 200"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := run(t, script(tc.options, tc.body), bin.URL())
			require.NoError(t, o.Result.Err, o.LogText())
			assert.Equal(t, tc.want, o.Console, o.LogText())
		})
	}
}

func TestMetricsAndTags(t *testing.T) {
	t.Parallel()
	bin := minik6test.NewHTTPBin(t, nil)
	hp := strings.TrimPrefix(bin.URL(), "http://")
	o := run(t, script("", `
		http.get(B + '/status/201', { tags: { mine: 'yes' } });
		http.get('http://user:secret@`+hp+`/basic-auth/user/secret');
		http.get(http.url`+"`${B}/anything/${42}`"+`);
		http.get(B + '/redirect/1');
		http.get(B + '/status/503', { responseCallback: null });`), bin.URL())
	require.NoError(t, o.Result.Err)
	reqs := o.Of("http_reqs")
	require.Len(t, reqs, 6, "a redirect hop is a request of its own")
	tag := func(i int, k string) string { v, _ := reqs[i].Tags.Get(k); return v }
	assert.Equal(t, "201", tag(0, "status"))
	assert.Equal(t, "yes", tag(0, "mine"))
	assert.Equal(t, "true", tag(0, "expected_response"))
	assert.Equal(t, "GET", tag(0, "method"))
	assert.Equal(t, "HTTP/1.1", tag(0, "proto"))
	assert.Equal(t, "default", tag(0, "scenario"))
	assert.Equal(t, "http://****:****@"+hp+"/basic-auth/user/secret", tag(1, "url"))
	assert.Equal(t, "http://****:****@"+hp+"/basic-auth/user/secret", tag(1, "name"))
	assert.Equal(t, "${}/anything/${}", tag(2, "name"))
	assert.Equal(t, "302", tag(3, "status"))
	assert.Equal(t, bin.URL()+"/get", tag(4, "url"))
	assert.Equal(t, "1503", tag(5, "error_code"))
	_, has := reqs[5].Tags.Get("expected_response")
	assert.False(t, has, "no expected_response without a response callback")
	assert.Len(t, o.Of("http_req_failed"), 5)
	for _, s := range o.Samples {
		s.Tags.Range(func(_, v string) bool {
			assert.NotContains(t, v, "user:secret", "credentials never reach a tag")
			return true
		})
	}
	// every sample of one request shares one tag set
	for _, name := range []string{"http_req_duration", "http_req_blocked", "http_req_connecting", "http_req_tls_handshaking", "http_req_sending", "http_req_waiting", "http_req_receiving", "http_req_failed"} {
		assert.Same(t, reqs[0].Tags, o.Of(name)[0].Tags, name)
	}
	sent, recv := o.Of("data_sent"), o.Of("data_received")
	require.Len(t, sent, 1)
	assert.Greater(t, sent[0].Value, 500.0)
	assert.Greater(t, recv[0].Value, 1000.0)
}

func TestErrors(t *testing.T) {
	t.Parallel()
	bin := minik6test.NewHTTPBin(t, nil)
	closed := closedURL(t)
	for _, tc := range []struct {
		name, options, body string
		want                []string
		warn                string // in the Request Failed warning
		fails               bool
	}{
		{"refused", "", `const r = http.get('` + closed + `'); console.log(r.status + ' ' + r.error + ' ' + r.error_code + ' ' + r.body);`,
			[]string{"0 dial: connection refused 1212 null"}, "connection refused", false},
		{"timeout", "", `const r = http.get(B + '/delay/2', { timeout: '100ms' }); console.log(r.error + ' ' + r.error_code);`,
			[]string{"request timeout 1050"}, "", false},
		{"malformed URL", "", `const r = http.get('http://[::1'); console.log(r.status + ' ' + r.error_code);`,
			[]string{"0 1020"}, "", false},
		{"unsupported scheme", "", `const r = http.get('ftp://127.0.0.1/x'); console.log(r.error + ' ' + r.error_code);`,
			[]string{`unsupported protocol scheme "ftp" 1000`}, "", false},
		{"blacklisted IP", "{ blacklistIPs: ['127.0.0.0/8'] }", `const r = http.get(B + '/get'); console.log(r.error_code);`,
			[]string{"1110"}, "blacklisted", false},
		{"blocked hostname", "{ blockHostnames: ['*.blocked.test'], hosts: { 'api.blocked.test': '127.0.0.1' } }", `const r = http.get('http://api.blocked.test/get'); console.log(r.error_code);`,
			[]string{"1111"}, "blocked", false},
		{"throw", "{ throw: true }", `try { http.get('` + closed + `'); } catch (e) { console.log('threw ' + /refused/.test(String(e))); }`,
			[]string{"threw true"}, "", false},
		{"throw in batch", "{ throw: true }", `try { http.batch(['` + closed + `']); } catch (e) { console.log('threw'); }`,
			[]string{"threw"}, "", false},
		{"malformed batch entries", "", `
			const rs = http.batch([{ method: 'GET' }, [], ['GET'], B + '/get']);
			console.log(rs.map((r) => r.status + ':' + r.error_code).join(' '));`,
			[]string{"0:1000 0:1000 0:1000 200:0"}, "invalid http.batch() request", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := run(t, script(tc.options, tc.body), bin.URL())
			require.NoError(t, o.Result.Err, o.LogText())
			assert.Equal(t, tc.want, o.Console, o.LogText())
			if tc.warn != "" {
				require.NotEmpty(t, o.Warnings())
				assert.Contains(t, o.Warnings()[0], "Request Failed")
				assert.Contains(t, o.Warnings()[0], tc.warn)
			}
			if strings.Contains(tc.options, "throw") {
				assert.Empty(t, o.Warnings(), "no warning when throw is on")
			}
		})
	}
}

func TestInitContextRequestFails(t *testing.T) {
	t.Parallel()
	logger, _ := logtestLogger()
	_, err := minik6test.LoadScript(`import http from 'k6/http'; http.get('http://127.0.0.1:1/'); export default function () {}`, logger, logger, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Making http requests in the init context is not supported")
}

// closedURL is a URL of 127.0.0.1 where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	// a port that was just freed: nothing listens there any more
	l := mustListen(t)
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr + "/x"
}

// encoded answers "plain text" compressed with /encoded/{br,zstd}.
func encoded(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	var enc io.WriteCloser
	switch r.PathValue("enc") {
	case "br":
		enc = brotli.NewWriter(&buf)
	case "zstd":
		enc, _ = zstd.NewWriter(&buf)
	}
	_, _ = io.WriteString(enc, "plain text")
	_ = enc.Close()
	w.Header().Set("Content-Encoding", r.PathValue("enc"))
	_, _ = w.Write(buf.Bytes())
}

func TestResponseHTML(t *testing.T) {
	t.Parallel()
	srv := minik6test.NewHTTPBin(t, map[string]http.HandlerFunc{
		"/page": func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`<html><body><h1 id="t">Title</h1><a href="/x">x</a></body></html>`))
		},
	})
	out := minik6test.RunSource(t, `import http from 'k6/http';
		export const options = { iterations: 1 };
		export default function () {
			const res = http.get('`+srv.URL()+`/page');
			console.log(res.html().find('#t').text() + ' ' + res.html('a').attr('href'));
		}`, nil)
	require.NoError(t, out.Err)
	assert.Equal(t, []string{"Title /x"}, out.Console)
}

// The default export, the named exports and the namespace are the same
// values, made when first read.
func TestExports(t *testing.T) {
	t.Parallel()
	o := run(t, `import http, { get, OCSP_STATUS_GOOD, TLS_1_3 } from 'k6/http';
import * as ns from 'k6/http';
export const options = { iterations: 1 };
export default function () {
	console.log(http.get === get, ns.get === get, ns.default === http, OCSP_STATUS_GOOD, TLS_1_3, http.OCSP_REASON_AA_COMPROMISE);
	console.log(Object.keys(http).length, Object.keys(http).includes('batch'), typeof ns.submitForm, typeof http.nope, 'post' in http);
	http.extra = 1;
	delete http.del;
	console.log(http.extra, Object.keys(http).includes('extra'), 'del' in http, Object.keys(http).includes('del'));
}`, "")
	require.NoError(t, o.Result.Err, o.LogText())
	assert.Equal(t, []string{"true true true good tls1.3 aa_compromise", "34 true undefined undefined true", "1 true false false"}, o.Console)
}
