package archive

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"maps"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/minik6/minik6/exitcode"
)

const (
	sampleScript  = "import { helper } from './lib/helper.js';\nexport default function () { helper(); }\n"
	sampleHelper  = "export function helper() {}\n"
	sampleUsers   = `[{"name":"a"}]`
	sampleUtils   = "export function uuidv4() {}\n"
	sampleMod     = "module.exports = {};\n"
	sampleOptions = `{
		"vus": null,
		"scenarios": {"default": {"executor": "shared-iterations", "iterations": 1}},
		"thresholds": {"http_req_duration": ["p(95)<500"]},
		"cloud": {"name": "demo", "projectID": 123, "token": "secret-token"},
		"ext": {"loadimpact": {"name": "demo", "projectID": 123, "token": "secret-token"}},
		"systemTags": ["check", "url"],
		"summaryTrendStats": ["avg", "p(95)"]
	}`
	sampleOptionsNoToken = `{
		"vus": null,
		"scenarios": {"default": {"executor": "shared-iterations", "iterations": 1}},
		"thresholds": {"http_req_duration": ["p(95)<500"]},
		"cloud": {"name": "demo", "projectID": 123},
		"ext": {"loadimpact": {"name": "demo", "projectID": 123}},
		"systemTags": ["check", "url"],
		"summaryTrendStats": ["avg", "p(95)"]
	}`
)

// sample returns an archive with local files, remote modules, -e variables and a
// cloud token, as a run on /home/alice/t would make it.
func sample() *Archive {
	return &Archive{
		Type:      "js",
		Options:   json.RawMessage(sampleOptions),
		Filename:  "file:///home/alice/t/script.js",
		Pwd:       "file:///home/alice/t",
		Env:       map[string]string{"MY_VAR": "abc", "BASE_URL": "http://127.0.0.1:8080/?a=<b>&c"},
		K6Version: "1.7.0",
		Goos:      "linux",
		Data:      []byte(sampleScript),
		Files: map[string][]byte{
			"/home/alice/t/lib/helper.js":   []byte(sampleHelper),
			"/home/alice/t/data/users.json": []byte(sampleUsers),
			"/home/alice/t/script.js":       []byte(sampleScript),
		},
		Remote: map[string][]byte{
			"https://jslib.k6.io/k6-utils/1.4.0/index.js": []byte(sampleUtils),
			"http://example.com/mod.js":                   []byte(sampleMod),
		},
	}
}

// clone returns a deep copy of a.
func clone(a *Archive) *Archive {
	c := *a
	c.Options = bytes.Clone(a.Options)
	c.Data = bytes.Clone(a.Data)
	c.Env = maps.Clone(a.Env)
	c.Files = maps.Clone(a.Files)
	for k, v := range c.Files {
		c.Files[k] = bytes.Clone(v)
	}
	c.Remote = maps.Clone(a.Remote)
	for k, v := range c.Remote {
		c.Remote[k] = bytes.Clone(v)
	}
	return &c
}

func write(t testing.TB, a *Archive) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, a.Write(&buf))
	return buf.Bytes()
}

// tarEntry is an entry of a tar built or read by a test.
type tarEntry struct {
	name     string
	typ      byte
	mode     int64
	linkname string
	body     string
}

// makeTar builds a tar of entries; a zero typ is a regular file and a zero mode 0644.
func makeTar(t testing.TB, entries ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Linkname: e.linkname, Size: int64(len(e.body))}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			hdr = &tar.Header{Typeflag: tar.TypeXGlobalHeader, PAXRecords: map[string]string{"comment": "made by a test"}}
		}
		if hdr.Typeflag == 0 {
			hdr.Typeflag = tar.TypeReg
		}
		if hdr.Mode == 0 && hdr.Typeflag != tar.TypeXGlobalHeader {
			hdr.Mode = 0o644
		}
		require.NoError(t, tw.WriteHeader(hdr))
		_, err := tw.Write([]byte(e.body))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	return buf.Bytes()
}

// readTar lists the entries of a tar.
func readTar(t *testing.T, b []byte) []tarEntry {
	t.Helper()
	var entries []tarEntry
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return entries
		}
		require.NoError(t, err)
		body, err := io.ReadAll(tr)
		require.NoError(t, err)
		entries = append(entries, tarEntry{name: hdr.Name, typ: hdr.Typeflag, mode: hdr.Mode, linkname: hdr.Linkname, body: string(body)})
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      *Archive
		want    *Archive
		options string
	}{
		{
			name: "full",
			in:   sample(),
			want: &Archive{
				Type:              "js",
				Filename:          "file:///home/nobody/t/script.js",
				Pwd:               "file:///home/nobody/t",
				Env:               map[string]string{"MY_VAR": "abc", "BASE_URL": "http://127.0.0.1:8080/?a=<b>&c"},
				CompatibilityMode: "extended",
				K6Version:         "1.7.0",
				Goos:              "linux",
				Data:              []byte(sampleScript),
				Files: map[string][]byte{
					"/home/nobody/t/lib/helper.js":   []byte(sampleHelper),
					"/home/nobody/t/data/users.json": []byte(sampleUsers),
					"/home/nobody/t/script.js":       []byte(sampleScript),
				},
				Remote: map[string][]byte{
					"https://jslib.k6.io/k6-utils/1.4.0/index.js": []byte(sampleUtils),
					"http://example.com/mod.js":                   []byte(sampleMod),
				},
			},
			options: sampleOptionsNoToken,
		},
		{
			name: "minimal: no options, env, files or remote modules",
			in:   &Archive{Filename: "file:///srv/s.js", Data: []byte("export default function () {}\n")},
			want: &Archive{
				Filename:          "file:///srv/s.js",
				Env:               map[string]string{},
				CompatibilityMode: "extended",
				Data:              []byte("export default function () {}\n"),
				Files:             map[string][]byte{"/srv/s.js": []byte("export default function () {}\n")},
				Remote:            map[string][]byte{},
			},
			options: `{}`,
		},
		{
			name: "main script not in Files, compatibility mode kept",
			in: &Archive{
				Type: "js", Options: json.RawMessage(`{"vus":2}`), Filename: "file:///Users/bob/s.js",
				CompatibilityMode: "base", Data: []byte("x"),
				Files: map[string][]byte{"/Users/bob/d.txt": []byte("d")},
			},
			want: &Archive{
				Type: "js", Filename: "file:///Users/nobody/s.js", Env: map[string]string{},
				CompatibilityMode: "base", Data: []byte("x"),
				Files:  map[string][]byte{"/Users/nobody/s.js": []byte("x"), "/Users/nobody/d.txt": []byte("d")},
				Remote: map[string][]byte{},
			},
			options: `{"vus":2}`,
		},
		{
			name: "empty main script",
			in:   &Archive{Filename: "file:///srv/s.js", Data: nil},
			want: &Archive{
				Filename: "file:///srv/s.js", Env: map[string]string{}, CompatibilityMode: "extended",
				Data: []byte{}, Files: map[string][]byte{"/srv/s.js": {}}, Remote: map[string][]byte{},
			},
			options: `{}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Read(bytes.NewReader(write(t, tt.in)))
			require.NoError(t, err)
			assert.JSONEq(t, tt.options, string(got.Options))
			got.Options = nil
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestWriteLayout(t *testing.T) {
	t.Parallel()
	b := write(t, sample())
	require.Zero(t, len(b)%512, "a tar is made of 512-byte blocks")
	assert.Equal(t, "ustar\x0000", string(b[257:265]), "the first header is plain ustar")

	entries := readTar(t, b)
	for i := range entries {
		if entries[i].name != "metadata.json" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(entries[i].body), &m))
		entries[i].body = "" // checked in TestWriteMetadata
	}
	reg := func(name, body string) tarEntry {
		return tarEntry{name: name, typ: tar.TypeReg, mode: 0o644, body: body}
	}
	dir := func(name string) tarEntry { return tarEntry{name: name, typ: tar.TypeDir, mode: 0o755} }
	assert.Equal(t, []tarEntry{
		reg("metadata.json", ""),
		reg("data", sampleScript),
		dir("file"),
		dir("file/home"),
		dir("file/home/nobody"),
		dir("file/home/nobody/t"),
		dir("file/home/nobody/t/data"),
		dir("file/home/nobody/t/lib"),
		reg("file/home/nobody/t/data/users.json", sampleUsers),
		reg("file/home/nobody/t/lib/helper.js", sampleHelper),
		{name: "file/home/nobody/t/script.js", typ: tar.TypeLink, mode: 0, linkname: "data"},
		dir("http"),
		dir("http/example.com"),
		reg("http/example.com/mod.js", sampleMod),
		dir("https"),
		dir("https/jslib.k6.io"),
		dir("https/jslib.k6.io/k6-utils"),
		dir("https/jslib.k6.io/k6-utils/1.4.0"),
		reg("https/jslib.k6.io/k6-utils/1.4.0/index.js", sampleUtils),
	}, entries)
}

func TestWriteMetadata(t *testing.T) {
	t.Parallel()
	a := &Archive{
		Type:      "js",
		Options:   json.RawMessage(`{"vus":null,"thresholds":{"checks":["rate>0.9 && rate<=1"]}}`),
		Filename:  "file:///home/alice/s.js",
		Pwd:       "file:///home/alice",
		K6Version: "1.7.0",
		Goos:      "linux",
		Data:      []byte("export default function () {}\n"),
	}
	entries := readTar(t, write(t, a))
	require.Equal(t, "metadata.json", entries[0].name)
	assert.Equal(t, `{
  "type": "js",
  "options": {
    "thresholds": {
      "checks": [
        "rate>0.9 && rate<=1"
      ]
    },
    "vus": null
  },
  "filename": "file:///home/nobody/s.js",
  "pwd": "file:///home/nobody",
  "env": {},
  "compatibilityMode": "extended",
  "k6version": "1.7.0",
  "goos": "linux"
}
`, entries[0].body)
}

func TestAnonymisePath(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"/home/alice/t/a.js", "/home/nobody/t/a.js"},
		{"/home/alice", "/home/nobody"},
		{"/home", "/home"},
		{"/home/", "/home/"},
		{"/Users/Bob/x.js", "/Users/nobody/x.js"},
		{"/root/x.js", "/root/x.js"},
		{"/srv/home/alice/x.js", "/srv/home/alice/x.js"},
		{`C:\x\y`, "/C/x/y"},
		{`C:\Users\bob\t\s.js`, "/C/Users/nobody/t/s.js"},
		{`c:\Documents and Settings\bob\s.js`, "/c/Documents and Settings/nobody/s.js"},
		{"C:/Users/bob/s.js", "/C/Users/nobody/s.js"},
		{"/C:/Users/bob/s.js", "/C/Users/nobody/s.js"},
		{"C:x.js", "C:x.js"},
		{"lib.js", "lib.js"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, anonymisePath(tt.in), tt.in)
	}
}

func TestWriteAnonymises(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		in        *Archive
		filename  string
		pwd       string
		files     []string
		entries   []string
		forbidden string
	}{
		{
			name:      "home folder",
			in:        sample(),
			filename:  "file:///home/nobody/t/script.js",
			pwd:       "file:///home/nobody/t",
			files:     []string{"/home/nobody/t/data/users.json", "/home/nobody/t/lib/helper.js", "/home/nobody/t/script.js"},
			entries:   []string{"file/home/nobody/t/lib/helper.js", "file/home/nobody/t/script.js"},
			forbidden: "alice",
		},
		{
			name: "Windows paths",
			in: &Archive{
				Filename: "file:///C:/Users/bob/t/s.js",
				Pwd:      "file:///C:/Users/bob/t",
				Data:     []byte("x"),
				Files:    map[string][]byte{`C:\Users\bob\t\lib.js`: []byte("l"), `D:\shared\data.csv`: []byte("d")},
			},
			filename:  "file:///C/Users/nobody/t/s.js",
			pwd:       "file:///C/Users/nobody/t",
			files:     []string{"/C/Users/nobody/t/lib.js", "/C/Users/nobody/t/s.js", "/D/shared/data.csv"},
			entries:   []string{"file/C/Users/nobody/t/lib.js", "file/C/Users/nobody/t/s.js", "file/D/shared/data.csv"},
			forbidden: "bob",
		},
		{
			name: "Documents and Settings",
			in: &Archive{
				Filename: "file:///C:/Documents%20and%20Settings/carol/s.js",
				Data:     []byte("x"),
			},
			filename:  "file:///C/Documents%20and%20Settings/nobody/s.js",
			files:     []string{"/C/Documents and Settings/nobody/s.js"},
			entries:   []string{"file/C/Documents and Settings/nobody/s.js"},
			forbidden: "carol",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			before := clone(tt.in)
			b := write(t, tt.in)
			assert.Equal(t, before, tt.in, "Write must not change the archive")
			assert.NotContains(t, string(b), tt.forbidden)

			var names []string
			for _, e := range readTar(t, b) {
				names = append(names, e.name)
			}
			assert.Subset(t, names, tt.entries)

			got, err := Read(bytes.NewReader(b))
			require.NoError(t, err)
			assert.Equal(t, tt.filename, got.Filename)
			assert.Equal(t, tt.pwd, got.Pwd)
			assert.ElementsMatch(t, tt.files, keys(got.Files))
		})
	}
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestWriteRemovesToken(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"cloud and ext.loadimpact", sampleOptions, sampleOptionsNoToken},
		{"any case", `{"cloud":{"Token":"s","TOKEN":"s","name":"n"}}`, `{"cloud":{"name":"n"}}`},
		{"only the token keys", `{"token":"kept","cloud":{"projectID":1,"tokenish":"kept"},"ext":{"other":{"token":"kept"}}}`,
			`{"token":"kept","cloud":{"projectID":1,"tokenish":"kept"},"ext":{"other":{"token":"kept"}}}`},
		{"null cloud and ext", `{"cloud":null,"ext":null}`, `{"cloud":null,"ext":null}`},
		{"null options", `null`, `null`},
		{"big numbers kept exactly", `{"cloud":{"token":"s","projectID":12345678901234567890}}`, `{"cloud":{"projectID":12345678901234567890}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := &Archive{Options: json.RawMessage(tt.in), Filename: "file:///srv/s.js"}
			b := write(t, a)
			assert.Equal(t, tt.in, string(a.Options), "Write must not change the archive")
			got, err := Read(bytes.NewReader(b))
			require.NoError(t, err)
			assert.JSONEq(t, tt.want, string(got.Options))
			if strings.Contains(tt.want, "12345678901234567890") {
				assert.Contains(t, string(got.Options), "12345678901234567890")
			}
			assert.NotContains(t, string(b), "secret-token")
		})
	}
}

func TestWriteIsDeterministic(t *testing.T) {
	t.Parallel()
	first := write(t, sample())
	for range 5 {
		assert.Equal(t, first, write(t, sample()))
	}

	// The same archive built with its maps filled in another order.
	a := sample()
	a.Files, a.Remote, a.Env = map[string][]byte{}, map[string][]byte{}, map[string]string{}
	s := sample()
	for _, k := range []string{"/home/alice/t/script.js", "/home/alice/t/data/users.json", "/home/alice/t/lib/helper.js"} {
		a.Files[k] = s.Files[k]
	}
	for _, k := range []string{"http://example.com/mod.js", "https://jslib.k6.io/k6-utils/1.4.0/index.js"} {
		a.Remote[k] = s.Remote[k]
	}
	for _, k := range []string{"MY_VAR", "BASE_URL"} {
		a.Env[k] = s.Env[k]
	}
	assert.Equal(t, first, write(t, a))
}

func TestWriteRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(a *Archive)
		want   string
	}{
		{"remote main script", func(a *Archive) { a.Filename = "https://example.com/s.js" }, `the main script "https://example.com/s.js" is not a file:// URL`},
		{"no main script", func(a *Archive) { a.Filename = "" }, `the main script "" is not a file:// URL`},
		{"main script without a path", func(a *Archive) { a.Filename = "file:///" }, `the main script "file:///" has no absolute path`},
		{"plain working directory", func(a *Archive) { a.Pwd = "/home/alice/t" }, `the working directory "/home/alice/t" is not a file:// URL`},
		{"relative local file", func(a *Archive) { a.Files["lib.js"] = nil }, `the local file "lib.js" has no absolute path`},
		{"unclean local file", func(a *Archive) { a.Files["/srv/../etc/passwd"] = nil }, `the local file "/srv/../etc/passwd" has no absolute path`},
		{"ftp module", func(a *Archive) { a.Remote["ftp://example.com/m.js"] = nil }, `the remote module "ftp://example.com/m.js" is not an http:// or https:// URL`},
		{"module with a query", func(a *Archive) { a.Remote["https://example.com/m.js?v=1"] = nil }, `the remote module "https://example.com/m.js?v=1" has a query or fragment`},
		{"module without a path", func(a *Archive) { a.Remote["https://example.com/"] = nil }, `the remote module "https://example.com/" has no clean path`},
		{"two users' files", func(a *Archive) { a.Files["/home/bob/t/lib/helper.js"] = nil }, `two files would both be the archive entry "file/home/nobody/t/lib/helper.js"`},
		{"file and folder", func(a *Archive) { a.Files["/home/alice/t/lib"] = nil }, `the archive entry "file/home/nobody/t/lib" would be both a file and a folder`},
		{"invalid options", func(a *Archive) { a.Options = json.RawMessage(`{"vus":`) }, `the options are not valid JSON`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := sample()
			tt.change(a)
			var buf bytes.Buffer
			err := a.Write(&buf)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "cannot write the archive: "+tt.want)
			assert.Zero(t, buf.Len(), "nothing is written when the archive is refused")
		})
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteReportsWriterErrors(t *testing.T) {
	t.Parallel()
	err := sample().Write(failingWriter{})
	assert.EqualError(t, err, `cannot write the archive entry "metadata.json": disk full`)
}

// validMeta is a metadata.json for hand-built archives.
const validMeta = `{"type":"js","options":{},"filename":"file:///home/me/t/script.js","pwd":"file:///home/me/t","env":{}}`

func TestReadRefuses(t *testing.T) {
	t.Parallel()
	meta := tarEntry{name: "metadata.json", body: validMeta}
	data := tarEntry{name: "data", body: "export default function () {}\n"}
	valid := write(t, sample())
	withoutTrailer := write(t, &Archive{Filename: "file:///srv/s.js", Data: []byte("x")})
	withoutTrailer = withoutTrailer[:len(withoutTrailer)-1024]
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, err := zw.Write(valid)
	require.NoError(t, err)
	require.NoError(t, zw.Close())

	tests := []struct {
		name  string
		input []byte
		want  string
	}{
		{"dot-dot", makeTar(t, meta, data, tarEntry{name: "file/../../etc/passwd", body: "x"}),
			`the archive entry "file/../../etc/passwd" escapes its folder: its name has a ".." element`},
		{"dot-dot in a folder", makeTar(t, meta, data, tarEntry{name: "file/a/../../..", typ: tar.TypeDir, mode: 0o755}),
			`the archive entry "file/a/../../.." escapes its folder`},
		{"absolute", makeTar(t, meta, data, tarEntry{name: "/etc/passwd", body: "x"}),
			`the archive entry "/etc/passwd" escapes its folder: its name is absolute`},
		{"symlink", makeTar(t, meta, data, tarEntry{name: "file/home/me/t/lib.js", typ: tar.TypeSymlink, linkname: "/etc/passwd"}),
			`the archive entry "file/home/me/t/lib.js" is a symbolic link, which could point outside the archive`},
		{"hard link elsewhere", makeTar(t, meta, data, tarEntry{name: "file/home/me/t/lib.js", typ: tar.TypeLink, linkname: "metadata.json"}),
			`the archive entry "file/home/me/t/lib.js" is a hard link to "metadata.json": only links to data are allowed`},
		{"hard link out of the archive", makeTar(t, meta, data, tarEntry{name: "file/home/me/t/lib.js", typ: tar.TypeLink, linkname: "../data"}),
			`the archive entry "file/home/me/t/lib.js" is a hard link to "../data"`},
		{"device", makeTar(t, meta, data, tarEntry{name: "file/dev/null", typ: tar.TypeChar}),
			`the archive entry "file/dev/null" has the unsupported type '3'`},
		{"truncated in half", valid[:len(valid)/2], `the archive is truncated or corrupt in the entry "file/home/nobody/t/lib/helper.js": unexpected EOF`},
		{"truncated in a header", valid[:100], "the archive is truncated or corrupt: unexpected EOF"},
		{"truncated at a block boundary", withoutTrailer, "the archive is truncated or corrupt: it lacks the end-of-archive marker"},
		{"empty", nil, "the archive is truncated or corrupt: it lacks the end-of-archive marker"},
		{"not a tar", []byte(strings.Repeat("export default function () {}\n", 40)), "the archive is truncated or corrupt: archive/tar: invalid tar header"},
		{"gzip-compressed", gz.Bytes(), "the archive is gzip-compressed"},
		{"no metadata.json", makeTar(t, data),
			"the archive has no metadata.json: it was not made by minik6 archive or k6 archive"},
		{"bad JSON", makeTar(t, tarEntry{name: "metadata.json", body: `{"type":"js",`}, data),
			`the archive entry "metadata.json" is not valid: unexpected end of JSON input`},
		{"wrong JSON types", makeTar(t, tarEntry{name: "metadata.json", body: `{"filename":"file:///s.js","env":{"A":1}}`}, data),
			`the archive entry "metadata.json" is not valid: json: cannot unmarshal number`},
		{"no filename", makeTar(t, tarEntry{name: "metadata.json", body: `{"type":"js"}`}, data),
			`the archive entry "metadata.json" names no main script (its filename is empty)`},
		{"no data", makeTar(t, meta, tarEntry{name: "file/home/me/t/lib.js", body: "x"}),
			"the archive has no data entry: it should hold the main script's source"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, err := Read(bytes.NewReader(tt.input))
			require.Error(t, err)
			assert.Nil(t, a)
			assert.Contains(t, err.Error(), tt.want)
			assert.NotContains(t, err.Error(), "\n", "one message on one line")
			var e *exitcode.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, exitcode.InvalidConfig, e.Code)
		})
	}
}

func TestReadK6Archive(t *testing.T) {
	t.Parallel()
	meta := `{
  "type": "js",
  "options": {
    "paused": null,
    "scenarios": {"default": {"executor": "per-vu-iterations", "vus": 1, "iterations": 1}},
    "cloud": {"name": "demo"}
  },
  "filename": "file:///home/nobody/tests/script.js",
  "pwd": "file:///home/nobody/tests",
  "env": {"MY_VAR": "abc"},
  "compatibilityMode": "extended",
  "k6version": "2.2.0",
  "goos": "linux",
  "dependencies": {"k6": "*"}
}
`
	dir := func(name string) tarEntry { return tarEntry{name: name, typ: tar.TypeDir, mode: 0o755} }
	b := makeTar(t,
		tarEntry{typ: tar.TypeXGlobalHeader},
		tarEntry{name: "./metadata.json", body: meta},
		tarEntry{name: "./data", body: sampleScript},
		dir("./file/"),
		dir("./file/home/"),
		dir("./file/home/nobody/"),
		dir("./file/home/nobody/tests/"),
		dir("./file/home/nobody/tests/lib/"),
		tarEntry{name: "./file/home/nobody/tests/lib/helper.js", body: sampleHelper},
		tarEntry{name: "./file/home/nobody/tests/script.js", typ: tar.TypeLink, linkname: "./data", mode: 0o600},
		tarEntry{name: "file/home/nobody/tests/users.json", body: sampleUsers}, // no "./", no folders
		tarEntry{name: "https/jslib.k6.io/k6-utils/1.4.0/index.js", body: sampleUtils},
		tarEntry{name: "extra/ignored.txt", body: "not part of the test"},
	)
	got, err := Read(bytes.NewReader(b))
	require.NoError(t, err)

	assert.JSONEq(t, `{
		"paused": null,
		"scenarios": {"default": {"executor": "per-vu-iterations", "vus": 1, "iterations": 1}},
		"cloud": {"name": "demo"}
	}`, string(got.Options))
	got.Options = nil
	assert.Equal(t, &Archive{
		Type:              "js",
		Filename:          "file:///home/nobody/tests/script.js",
		Pwd:               "file:///home/nobody/tests",
		Env:               map[string]string{"MY_VAR": "abc"},
		CompatibilityMode: "extended",
		K6Version:         "2.2.0",
		Goos:              "linux",
		Data:              []byte(sampleScript),
		Files: map[string][]byte{
			"/home/nobody/tests/lib/helper.js": []byte(sampleHelper),
			"/home/nobody/tests/script.js":     []byte(sampleScript),
			"/home/nobody/tests/users.json":    []byte(sampleUsers),
		},
		Remote: map[string][]byte{"https://jslib.k6.io/k6-utils/1.4.0/index.js": []byte(sampleUtils)},
	}, got)
	assert.Equal(t, "/home/nobody/tests/script.js", got.EntryPath())

	// Written back, it has minik6's layout and reads back the same.
	again, err := Read(bytes.NewReader(write(t, got)))
	require.NoError(t, err)
	again.Options = nil
	assert.Equal(t, got, again)
}

func TestFS(t *testing.T) {
	t.Parallel()
	a, err := Read(bytes.NewReader(write(t, sample())))
	require.NoError(t, err)
	a.Files["/home/nobody/t/script.js"] = []byte("stale copy") // FS serves the main script from Data
	fsys := a.FS()

	require.NoError(t, fstest.TestFS(fsys,
		"home/nobody/t/script.js", "home/nobody/t/lib/helper.js", "home/nobody/t/data/users.json"))

	t.Run("ReadFile", func(t *testing.T) {
		t.Parallel()
		tests := []struct{ name, want string }{
			{"home/nobody/t/lib/helper.js", sampleHelper},
			{"home/nobody/t/data/users.json", sampleUsers},
			{"home/nobody/t/script.js", sampleScript},
		}
		for _, tt := range tests {
			got, err := fs.ReadFile(fsys, tt.name)
			require.NoError(t, err, tt.name)
			assert.Equal(t, tt.want, string(got), tt.name)
		}
		got, err := fs.ReadFile(fsys, "home/nobody/t/lib/helper.js")
		require.NoError(t, err)
		got[0] = 'X'
		again, err := fs.ReadFile(fsys, "home/nobody/t/lib/helper.js")
		require.NoError(t, err)
		assert.Equal(t, sampleHelper, string(again), "ReadFile returns a copy")
	})

	t.Run("Stat", func(t *testing.T) {
		t.Parallel()
		info, err := fs.Stat(fsys, "home/nobody/t/lib/helper.js")
		require.NoError(t, err)
		assert.Equal(t, "helper.js", info.Name())
		assert.Equal(t, int64(len(sampleHelper)), info.Size())
		assert.False(t, info.IsDir())
		assert.True(t, info.Mode().IsRegular())

		for _, name := range []string{".", "home", "home/nobody/t", "home/nobody/t/lib"} {
			info, err := fs.Stat(fsys, name)
			require.NoError(t, err, name)
			assert.True(t, info.IsDir(), name)
		}
	})

	t.Run("ReadDir", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			dir  string
			want []string
		}{
			{".", []string{"home"}},
			{"home/nobody", []string{"t"}},
			{"home/nobody/t", []string{"data", "lib", "script.js"}},
			{"home/nobody/t/lib", []string{"helper.js"}},
		}
		for _, tt := range tests {
			entries, err := fs.ReadDir(fsys, tt.dir)
			require.NoError(t, err, tt.dir)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			assert.Equal(t, tt.want, names, tt.dir)
		}
	})

	t.Run("missing and invalid", func(t *testing.T) {
		t.Parallel()
		for _, name := range []string{"home/nobody/t/nope.js", "etc/passwd", "home/alice", "home/nobody/t/lib/helper.js/x"} {
			_, err := fs.ReadFile(fsys, name)
			assert.ErrorIs(t, err, fs.ErrNotExist, name)
			_, err = fs.Stat(fsys, name)
			assert.ErrorIs(t, err, fs.ErrNotExist, name)
			_, err = fsys.Open(name)
			assert.ErrorIs(t, err, fs.ErrNotExist, name)
		}
		for _, name := range []string{"/home/nobody/t/script.js", "home/nobody/../nobody/t/script.js", ""} {
			_, err := fs.ReadFile(fsys, name)
			assert.ErrorIs(t, err, fs.ErrInvalid, name)
		}
		_, err := fs.ReadFile(fsys, "home/nobody/t")
		assert.ErrorContains(t, err, "is a directory")
		dir, err := fsys.Open("home/nobody/t")
		require.NoError(t, err)
		_, err = dir.Read(make([]byte, 10))
		assert.ErrorContains(t, err, "read home/nobody/t: is a directory")
		require.NoError(t, dir.Close())
	})
}

func TestFSBeforeWrite(t *testing.T) {
	t.Parallel()
	a := &Archive{
		Filename: "file:///srv/t/s.js",
		Data:     []byte("main"),
		Files:    map[string][]byte{"/srv/t/lib.js": []byte("lib"), `C:\x.js`: []byte("not a slash path")},
	}
	fsys := a.FS()
	require.NoError(t, fstest.TestFS(fsys, "srv/t/s.js", "srv/t/lib.js"))
	entries, err := fs.ReadDir(fsys, ".")
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "srv", entries[0].Name())

	empty := (&Archive{}).FS()
	entries, err = fs.ReadDir(empty, ".")
	require.NoError(t, err)
	assert.Empty(t, entries)
}

func FuzzRead(f *testing.F) {
	f.Add(write(f, sample()))
	f.Add(write(f, &Archive{Filename: "file:///srv/s.js", Data: []byte("x")}))
	f.Add(makeTar(f, tarEntry{name: "./metadata.json", body: validMeta}, tarEntry{name: "./data", body: "x"},
		tarEntry{name: "./file/home/me/t/script.js", typ: tar.TypeLink, linkname: "data"}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Read(bytes.NewReader(b))
		if err != nil {
			var e *exitcode.Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, exitcode.InvalidConfig, e.Code)
			return
		}
		for name := range a.Files {
			require.True(t, strings.HasPrefix(name, "/"), name)
			require.NotContains(t, strings.Split(name, "/"), "..", name)
		}
		_, _ = fs.ReadDir(a.FS(), ".")
		_ = a.Write(io.Discard)
	})
}

// A path too long for ustar falls back to a PAX header, as Go's tar writer
// does for k6, instead of failing.
func TestWriteLongPath(t *testing.T) {
	long := "/tmp/" + strings.Repeat("d", 120) + "/" + strings.Repeat("e", 120) + "/lib.js"
	a := &Archive{Type: "js", Filename: "file:///tmp/s.js", Pwd: "file:///tmp", Data: []byte("x"),
		Files: map[string][]byte{long: []byte("lib")}}
	var buf bytes.Buffer
	require.NoError(t, a.Write(&buf))
	back, err := Read(&buf)
	require.NoError(t, err)
	assert.Equal(t, []byte("lib"), back.Files[long])
}
