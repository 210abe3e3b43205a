package js_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/js"
)

// moduleServer serves modules on 127.0.0.1 and counts the requests.
func moduleServer(t *testing.T, files map[string]string) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		src, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(src))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestRemoteModules(t *testing.T) {
	t.Parallel()
	srv, hits := moduleServer(t, map[string]string{
		"/lib/index.js": "import { twice } from './twice.js';\nexport function quad(n) { return twice(twice(n)); }\n",
		"/lib/twice.js": "export function twice(n) { return n * 2; }\n",
		"/cjs/util.js":  "module.exports = { hello: (n) => 'hi ' + n };\n",
	})
	h := newHost(`import { quad } from '`+srv.URL+`/lib/index.js';
		const util = require('`+srv.URL+`/cjs/util.js');
		export default function () {}
		export function probe() { return { quad: quad(3), hello: util.hello('x') }; }`, nil)
	b := h.mustBundle(t)
	assert.EqualValues(t, 3, hits.Load(), "each module is fetched once")
	remote := b.Remote()
	assert.Len(t, remote, 3)
	assert.Contains(t, remote, srv.URL+"/lib/twice.js", "relative imports resolve against the module's URL")
	assert.NotContains(t, b.Files(), srv.URL+"/lib/twice.js", "Files holds local files only")

	v, err := b.NewVU(t.Context(), h.state(t, 1))
	require.NoError(t, err)
	defer v.Close()
	assert.JSONEq(t, `{"quad":12,"hello":"hi x"}`, call(t, v, "probe"))
	assert.EqualValues(t, 3, hits.Load(), "VUs use the bundle's copies")
}

func TestRemoteModuleFailures(t *testing.T) {
	t.Parallel()
	srv, _ := moduleServer(t, nil)
	h := newHost(`import x from '`+srv.URL+`/missing.js';
		export default function () {}`, nil)
	_, err := h.bundle()
	require.Error(t, err)
	assert.Equal(t, exitcode.ScriptException, exitcode.Of(err))
	assert.Contains(t, err.Error(), srv.URL+"/missing.js")
	assert.Contains(t, err.Error(), "404 Not Found")
}

// A bundle given the remote modules (an archive's) does not fetch them.
func TestRemoteModulesAtHand(t *testing.T) {
	t.Parallel()
	h := newHost(`import { v } from 'https://jslib.example/lib.js';
		export default function () {}
		export function probe() { return v; }`, nil)
	b, err := js.NewBundle("/test/script.js", js.Config{FS: h.files, Logger: h.logger, Registry: h.registry,
		Remote: map[string][]byte{"https://jslib.example/lib.js": []byte("export const v = 'from the archive';")}})
	require.NoError(t, err)
	v, err := b.NewVU(t.Context(), h.state(t, 1))
	require.NoError(t, err)
	defer v.Close()
	assert.Equal(t, `"from the archive"`, call(t, v, "probe"))
}
