package load

import (
	"bytes"
	"io"
	"io/fs"
	"time"
)

// StdinName is the script path that reads the script from standard input,
// as in `minik6 run - < script.js`.
const StdinName = "-"

// overlayFS serves one file from memory (a script read from standard input)
// and every other one from base.
type overlayFS struct {
	base fs.FS
	name string // slash path without the leading slash
	data []byte
}

func (o overlayFS) ReadFile(name string) ([]byte, error) {
	if name == o.name {
		return bytes.Clone(o.data), nil
	}
	return fs.ReadFile(o.base, name)
}

func (o overlayFS) Open(name string) (fs.File, error) {
	if name == o.name {
		return &memFile{Reader: bytes.NewReader(o.data), name: name, size: int64(len(o.data))}, nil
	}
	return o.base.Open(name)
}

// memFile is the in-memory file of an overlayFS.
type memFile struct {
	*bytes.Reader
	name string
	size int64
}

func (f *memFile) Stat() (fs.FileInfo, error) { return memInfo{f}, nil }
func (f *memFile) Close() error               { return nil }

type memInfo struct{ f *memFile }

func (i memInfo) Name() string       { return i.f.name }
func (i memInfo) Size() int64        { return i.f.size }
func (i memInfo) Mode() fs.FileMode  { return 0o444 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }

// readStdin reads the whole script from r.
func readStdin(r io.Reader) ([]byte, error) {
	if r == nil {
		return nil, nil
	}
	return io.ReadAll(r)
}
