package archive

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/url"
	"path"
	"slices"
	"strings"
)

// Write writes a as a plain, uncompressed tar in k6's layout (ustar; a PAX header
// only for a path too long for ustar). It makes the paths
// anonymous (a user's home folder becomes .../nobody, "C:\x" becomes "/C/x") and
// leaves the cloud API token out of the options; a itself is not changed. The main
// script is always written from Data, as a hard link to the data entry, whatever
// Files holds at its path. The same archive always gives the same bytes.
func (a *Archive) Write(w io.Writer) error {
	entries, err := a.entries()
	if err != nil {
		return fmt.Errorf("cannot write the archive: %w", err)
	}
	tw := tar.NewWriter(w)
	for _, e := range entries {
		if err := tw.WriteHeader(e.hdr); err != nil {
			return fmt.Errorf("cannot write the archive entry %q: %w", e.hdr.Name, err)
		}
		if _, err := tw.Write(e.body); err != nil {
			return fmt.Errorf("cannot write the archive entry %q: %w", e.hdr.Name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return fmt.Errorf("cannot write the archive: %w", err)
	}
	return nil
}

// entry is one tar entry to write.
type entry struct {
	hdr  *tar.Header
	body []byte
}

// treeFile is a file to place in a folder of the archive: a regular file, or the main
// script as a hard link to data.
type treeFile struct {
	name string
	body []byte
	link bool
}

// entries checks a and lays out every entry of its archive, in order.
func (a *Archive) entries() ([]entry, error) {
	u, err := url.Parse(a.Filename)
	if err != nil || u.Scheme != "file" {
		return nil, fmt.Errorf("the main script %q is not a file:// URL", a.Filename)
	}
	mainPath := anonymisePath(u.Path)
	if !isCleanAbs(mainPath) {
		return nil, fmt.Errorf("the main script %q has no absolute path", a.Filename)
	}

	pwd, err := anonymousPwd(a.Pwd)
	if err != nil {
		return nil, err
	}
	options, err := withoutToken(a.Options)
	if err != nil {
		return nil, err
	}
	env := a.Env
	if env == nil {
		env = map[string]string{}
	}
	mode := a.CompatibilityMode
	if mode == "" {
		mode = "extended"
	}
	meta, err := encodeJSON(metadata{
		Type:              a.Type,
		Options:           options,
		Filename:          fileURL(mainPath),
		Pwd:               pwd,
		Env:               env,
		CompatibilityMode: mode,
		K6Version:         a.K6Version,
		Goos:              a.Goos,
	}, true)
	if err != nil {
		return nil, err
	}

	local := []treeFile{{name: fileFolder + mainPath, link: true}}
	for _, p := range slices.Sorted(maps.Keys(a.Files)) {
		anon := anonymisePath(p)
		if anon == mainPath {
			continue // the main script is the hard link to data
		}
		if !isCleanAbs(anon) {
			return nil, fmt.Errorf("the local file %q has no absolute path", p)
		}
		local = append(local, treeFile{name: fileFolder + anon, body: a.Files[p]})
	}
	remote := map[string][]treeFile{}
	for _, key := range slices.Sorted(maps.Keys(a.Remote)) {
		name, err := remoteEntryName(key)
		if err != nil {
			return nil, err
		}
		scheme, _, _ := strings.Cut(name, "/")
		remote[scheme] = append(remote[scheme], treeFile{name: name, body: a.Remote[key]})
	}

	entries := []entry{regular(metadataEntry, meta), regular(dataEntry, a.Data)}
	for _, files := range [][]treeFile{local, remote["http"], remote["https"]} {
		tree, err := folderTree(files)
		if err != nil {
			return nil, err
		}
		entries = append(entries, tree...)
	}
	return entries, nil
}

// folderTree returns the entries for files, which share a top-level folder: every
// parent folder once, sorted, then the files sorted by name.
func folderTree(files []treeFile) ([]entry, error) {
	slices.SortFunc(files, func(x, y treeFile) int { return strings.Compare(x.name, y.name) })
	dirs := map[string]bool{}
	for i, f := range files {
		if i > 0 && files[i-1].name == f.name {
			return nil, fmt.Errorf("two files would both be the archive entry %q", f.name)
		}
		for d := path.Dir(f.name); d != "."; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	var entries []entry
	for _, d := range slices.Sorted(maps.Keys(dirs)) {
		entries = append(entries, entry{hdr: &tar.Header{
			Typeflag: tar.TypeDir, Name: d, Mode: 0o755,
		}})
	}
	for _, f := range files {
		if dirs[f.name] {
			return nil, fmt.Errorf("the archive entry %q would be both a file and a folder", f.name)
		}
		if f.link {
			entries = append(entries, entry{hdr: &tar.Header{
				Typeflag: tar.TypeLink, Name: f.name, Linkname: dataEntry,
			}})
			continue
		}
		entries = append(entries, regular(f.name, f.body))
	}
	return entries, nil
}

// regular returns the entry of a regular file.
func regular(name string, body []byte) entry {
	return entry{
		hdr: &tar.Header{
			Typeflag: tar.TypeReg, Name: name, Mode: 0o644, Size: int64(len(body)),
		},
		body: body,
	}
}

// remoteEntryName returns the entry name of a remote module: "https/<host>/<path>"
// for "https://<host>/<path>".
func remoteEntryName(key string) (string, error) {
	u, err := url.Parse(key)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("the remote module %q is not an http:// or https:// URL", key)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", fmt.Errorf("the remote module %q has a query or fragment, which an archive cannot hold", key)
	}
	if !isCleanAbs(u.Path) {
		return "", fmt.Errorf("the remote module %q has no clean path", key)
	}
	return u.Scheme + "/" + u.Host + u.EscapedPath(), nil
}

// withoutToken returns options re-encoded without the key "token" (in any case) in
// options.cloud and options.ext.loadimpact; empty options become {}.
func withoutToken(options json.RawMessage) (json.RawMessage, error) {
	if len(bytes.TrimSpace(options)) == 0 {
		return json.RawMessage("{}"), nil
	}
	if !json.Valid(options) { // also refuses what follows a first value, unlike Decode
		return nil, fmt.Errorf("the options are not valid JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(options))
	dec.UseNumber() // keep numbers exactly as they were
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if opts, ok := v.(map[string]any); ok {
		deleteToken(opts["cloud"])
		if ext, ok := opts["ext"].(map[string]any); ok {
			deleteToken(ext["loadimpact"])
		}
	}
	return encodeJSON(v, false)
}

// deleteToken removes the key "token", in any case, from v if it is a JSON object;
// Go's JSON decoding matches keys regardless of case, so "Token" would be read too.
func deleteToken(v any) {
	obj, ok := v.(map[string]any)
	if !ok {
		return
	}
	for k := range obj {
		if strings.EqualFold(k, "token") {
			delete(obj, k)
		}
	}
}

// encodeJSON encodes v without HTML escaping, indented by two spaces if indent is set.
func encodeJSON(v any, indent bool) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// anonymousPwd returns the working directory URL pwd with an anonymous path; an
// empty pwd stays empty.
func anonymousPwd(pwd string) (string, error) {
	if pwd == "" {
		return "", nil
	}
	u, err := url.Parse(pwd)
	if err != nil || u.Scheme != "file" {
		return "", fmt.Errorf("the working directory %q is not a file:// URL", pwd)
	}
	return fileURL(anonymisePath(u.Path)), nil
}

// fileURL returns the file:// URL of an absolute slash path.
func fileURL(p string) string {
	return (&url.URL{Scheme: "file", Path: p}).String()
}

// anonymisePath turns a Windows path into a slash path ("C:\x\y" becomes "/C/x/y")
// and replaces the user name in /home/<user>, /Users/<user> and
// /Documents and Settings/<user>, on a drive or not, with "nobody".
func anonymisePath(p string) string {
	p = slashPath(p)
	parts := strings.Split(p, "/")
	if parts[0] != "" {
		return p // not absolute
	}
	i := 1
	if len(parts) > 2 && len(parts[1]) == 1 && isLetter(parts[1][0]) {
		i = 2 // a drive letter: /C/Users/<user>
	}
	if len(parts) > i+1 && parts[i+1] != "" &&
		(strings.EqualFold(parts[i], "home") ||
			strings.EqualFold(parts[i], "Users") ||
			strings.EqualFold(parts[i], "Documents and Settings")) {
		parts[i+1] = "nobody"
	}
	return strings.Join(parts, "/")
}

// slashPath turns a Windows path with a drive ("C:\x\y", "C:/x/y" or, from a file://
// URL, "/C:/x/y") into "/C/x/y"; other paths come back unchanged.
func slashPath(p string) string {
	rest := strings.TrimPrefix(p, "/")
	if len(rest) < 2 || !isLetter(rest[0]) || rest[1] != ':' {
		return p
	}
	if len(rest) > 2 && rest[2] != '\\' && rest[2] != '/' {
		return p // "C:x" is relative to the drive's current folder
	}
	return "/" + rest[:1] + strings.ReplaceAll(rest[2:], `\`, "/")
}

func isLetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

// isCleanAbs reports whether p is a clean absolute slash path other than "/".
func isCleanAbs(p string) bool {
	return strings.HasPrefix(p, "/") && p != "/" && path.Clean(p) == p
}
