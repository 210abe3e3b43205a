package archive

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
	"time"
)

// FS returns a read-only file system of the local files, by path without the
// leading slash as os.DirFS("/") would name them ("home/nobody/t/lib.js"), with the
// main script at EntryPath() served from Data. Folders are implied by the files'
// paths. It implements fs.ReadFileFS and fs.StatFS, holds the files as they are at
// the call, and never reads the disk.
func (a *Archive) FS() fs.FS {
	m := &memFS{files: map[string][]byte{}, dirs: map[string]map[string]bool{".": {}}}
	for p, body := range a.Files {
		m.add(p, body)
	}
	m.add(a.EntryPath(), a.Data)
	return m
}

// memFS is an in-memory, read-only fs.FS.
type memFS struct {
	files map[string][]byte          // by fs path: "home/nobody/t/lib.js"
	dirs  map[string]map[string]bool // the names in each folder, "." the root
}

// add serves body at the absolute slash path p; other paths are skipped.
func (m *memFS) add(p string, body []byte) {
	name, ok := strings.CutPrefix(p, "/")
	if !ok || name == "." || !fs.ValidPath(name) {
		return
	}
	m.files[name] = body
	for child, dir := name, path.Dir(name); ; child, dir = dir, path.Dir(dir) {
		if m.dirs[dir] == nil {
			m.dirs[dir] = map[string]bool{}
		}
		m.dirs[dir][path.Base(child)] = true
		if dir == "." {
			return
		}
	}
}

// errIsDir is the error of reading a folder as a file.
var errIsDir = errors.New("is a directory")

// Open opens the file or folder name.
func (m *memFS) Open(name string) (fs.File, error) {
	info, err := m.stat("open", name)
	if err != nil {
		return nil, err
	}
	if !info.dir {
		return &openFile{Reader: bytes.NewReader(m.files[name]), info: info}, nil
	}
	var entries []fs.DirEntry
	for _, child := range slices.Sorted(maps.Keys(m.dirs[name])) {
		childInfo, _ := m.stat("open", path.Join(name, child))
		entries = append(entries, childInfo)
	}
	return &openDir{path: name, info: info, entries: entries}, nil
}

// ReadFile returns a copy of the content of the file name.
func (m *memFS) ReadFile(name string) ([]byte, error) {
	info, err := m.stat("read", name)
	if err != nil {
		return nil, err
	}
	if info.dir {
		return nil, &fs.PathError{Op: "read", Path: name, Err: errIsDir}
	}
	return bytes.Clone(m.files[name]), nil
}

// Stat describes the file or folder name.
func (m *memFS) Stat(name string) (fs.FileInfo, error) {
	return m.stat("stat", name)
}

// stat describes name, or returns an *fs.PathError for op.
func (m *memFS) stat(op, name string) (*fileInfo, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	if body, ok := m.files[name]; ok {
		return &fileInfo{name: path.Base(name), size: int64(len(body))}, nil
	}
	if _, ok := m.dirs[name]; ok {
		return &fileInfo{name: path.Base(name), dir: true}, nil
	}
	return nil, &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
}

// openFile is an open file; the embedded reader also makes it an io.Seeker and an
// io.ReaderAt.
type openFile struct {
	*bytes.Reader
	info *fileInfo
}

// Stat describes the file.
func (f *openFile) Stat() (fs.FileInfo, error) { return f.info, nil }

// Close does nothing: the file is in memory.
func (f *openFile) Close() error { return nil }

// openDir is an open folder, read by ReadDir.
type openDir struct {
	path    string
	info    *fileInfo
	entries []fs.DirEntry
	next    int
}

// Stat describes the folder.
func (d *openDir) Stat() (fs.FileInfo, error) { return d.info, nil }

// Close does nothing: the folder is in memory.
func (d *openDir) Close() error { return nil }

// Read fails: a folder is read with ReadDir.
func (d *openDir) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.path, Err: errIsDir}
}

// ReadDir returns the next n entries, or all the remaining ones if n <= 0, as
// fs.ReadDirFile specifies.
func (d *openDir) ReadDir(n int) ([]fs.DirEntry, error) {
	rest := d.entries[d.next:]
	if n <= 0 {
		d.next = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	n = min(n, len(rest))
	d.next += n
	return rest[:n], nil
}

// fileInfo describes a file or folder; it is both an fs.FileInfo and an fs.DirEntry.
// Files are read-only (0444), folders 0555, and neither has a modification time.
type fileInfo struct {
	name string
	size int64
	dir  bool
}

// The methods of fs.FileInfo and fs.DirEntry.

func (i *fileInfo) Name() string               { return i.name }
func (i *fileInfo) Size() int64                { return i.size }
func (i *fileInfo) ModTime() time.Time         { return time.Time{} }
func (i *fileInfo) IsDir() bool                { return i.dir }
func (i *fileInfo) Sys() any                   { return nil }
func (i *fileInfo) Type() fs.FileMode          { return i.Mode().Type() }
func (i *fileInfo) Info() (fs.FileInfo, error) { return i, nil }

// Mode is 0444 for a file and fs.ModeDir|0555 for a folder.
func (i *fileInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
