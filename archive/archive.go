// Package archive reads and writes test archives: the tar that `k6 archive` writes
// and `k6 run`/`k6 cloud` read.
//
// An archive holds, in this order: metadata.json (how the test was run), data (the
// main script's source), the local files under file/<absolute path> (the main script
// there as a hard link to data) and the remote modules under https/<host>/<path> or
// http/<host>/<path>.
package archive

import (
	"encoding/json"
	"net/url"
)

// Archive is a test packed as k6 packs it.
type Archive struct {
	// Type is the kind of test; always "js".
	Type string
	// Options are the consolidated options as JSON (all keys, nulls included),
	// written pretty-printed, without the cloud API token.
	Options json.RawMessage
	// Filename is the main script as a URL: "file:///abs/path/script.js".
	Filename string
	// Pwd is the working directory as a URL: "file:///abs/dir".
	Pwd string
	// Env holds only the -e variables, never the system environment.
	Env map[string]string
	// CompatibilityMode is the JavaScript compatibility mode; Write writes
	// "extended" when it is empty.
	CompatibilityMode string
	// K6Version is the version of the program that wrote the archive.
	K6Version string
	// Goos is the operating system the archive was written on.
	Goos string
	// Data is the main script's source.
	Data []byte
	// Files holds every local file (modules, open()ed files) by absolute slash
	// path, e.g. "/home/me/t/lib.js". It may include the main script; Read always
	// includes it.
	Files map[string][]byte
	// Remote holds the remote modules by URL, e.g.
	// "https://jslib.k6.io/k6-utils/1.4.0/index.js".
	Remote map[string][]byte
}

// metadata is the content of metadata.json, keys in the order k6 writes them.
type metadata struct {
	Type              string            `json:"type"`
	Options           json.RawMessage   `json:"options"`
	Filename          string            `json:"filename"`
	Pwd               string            `json:"pwd"`
	Env               map[string]string `json:"env"`
	CompatibilityMode string            `json:"compatibilityMode"`
	K6Version         string            `json:"k6version"`
	Goos              string            `json:"goos"`
}

// The top-level entries and folders of an archive.
const (
	metadataEntry = "metadata.json"
	dataEntry     = "data"
	fileFolder    = "file"
)

// EntryPath returns the main script's absolute slash path: the path of Filename,
// e.g. "/home/nobody/t/script.js"; empty if Filename does not parse as a URL.
func (a *Archive) EntryPath() string {
	u, err := url.Parse(a.Filename)
	if err != nil {
		return ""
	}
	return u.Path
}
