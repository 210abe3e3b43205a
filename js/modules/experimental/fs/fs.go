// Package fs is the k6/experimental/fs module: open a file in the init
// context (read once per run, carried by archives) and read it in iterations
// through a File with its own position, as k6 offers it.
package fs

import (
	"errors"
	"fmt"
	"io"
	"path"

	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
)

func init() {
	modules.Register("k6/experimental/fs", modules.ModuleFunc(New))
}

// Module is one VU's k6/experimental/fs.
type Module struct {
	vu modules.VU
}

// New makes the module's instance for vu.
func New(vu modules.VU) modules.Instance { return &Module{vu: vu} }

// Exports are open and SeekMode.
func (m *Module) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{
		"open":     m.open,
		"SeekMode": map[string]int{"Start": io.SeekStart, "Current": io.SeekCurrent, "End": io.SeekEnd},
	}}
}

// File is an opened file: its name and its data, read through an offset of
// its own. Scripts see it as an object with path, stat(), read() and seek();
// it is a dynamic object so that other modules get the File back with
// Export().
type File struct {
	// Path is the file's name as opened.
	Path string

	rt      *sobek.Runtime
	data    []byte
	offset  int64
	methods map[string]sobek.Value
}

var _ sobek.DynamicObject = (*File)(nil)

// Get returns path and the methods.
func (f *File) Get(key string) sobek.Value {
	if key == "path" {
		return f.rt.ToValue(f.Path)
	}
	if v, ok := f.methods[key]; ok {
		return v
	}
	var fn any
	switch key {
	case "stat":
		fn = f.stat
	case "read":
		fn = f.read
	case "seek":
		fn = f.seek
	default:
		return nil
	}
	if f.methods == nil {
		f.methods = map[string]sobek.Value{}
	}
	v := f.rt.ToValue(fn)
	f.methods[key] = v
	return v
}

// Set refuses changes: a File is read-only.
func (f *File) Set(string, sobek.Value) bool { return false }

// Has reports the File's properties.
func (f *File) Has(key string) bool {
	switch key {
	case "path", "stat", "read", "seek":
		return true
	}
	return false
}

// Delete refuses: a File is read-only.
func (f *File) Delete(string) bool { return false }

// Keys lists the File's data property.
func (f *File) Keys() []string { return []string{"path"} }

// Data is the file's whole content (for modules that parse files, such as
// k6/experimental/csv); it must not be changed.
func (f *File) Data() []byte { return f.data }

// open opens a file; only the init context may.
func (m *Module) open(name string) *sobek.Promise {
	rt := m.vu.Runtime()
	p, resolve, reject := rt.NewPromise()
	if m.vu.State() != nil {
		_ = reject(rt.NewGoError(errors.New("open() failed; reason: opening a file is only available in the init stage")))
		return p
	}
	data, err := m.vu.InitEnv().ReadFile(name)
	if err != nil {
		_ = reject(rt.NewGoError(fmt.Errorf("open() failed; reason: %s: %v", name, err)))
		return p
	}
	_ = resolve(rt.NewDynamicObject(&File{Path: name, rt: rt, data: data}))
	return p
}

// stat resolves to the file's name and size.
func (f *File) stat() *sobek.Promise {
	p, resolve, _ := f.rt.NewPromise()
	_ = resolve(map[string]any{"name": path.Base(f.Path), "size": len(f.data)})
	return p
}

// read reads into buffer (a Uint8Array) from the file's offset and resolves
// to the number of bytes read, or null at the end of the file.
func (f *File) read(buffer sobek.Value) *sobek.Promise {
	p, resolve, reject := f.rt.NewPromise()
	var dst []byte
	if err := f.rt.ExportTo(buffer, &dst); err != nil || buffer == nil || sobek.IsUndefined(buffer) {
		_ = reject(f.rt.NewTypeError("read() needs a Uint8Array to read into"))
		return p
	}
	if f.offset >= int64(len(f.data)) {
		_ = resolve(sobek.Null())
		return p
	}
	n := copy(dst, f.data[f.offset:])
	f.offset += int64(n)
	_ = resolve(n)
	return p
}

// seek moves the file's offset (whence: SeekMode.Start, Current or End) and
// resolves to the new one.
func (f *File) seek(offset int64, whence int) *sobek.Promise {
	p, resolve, reject := f.rt.NewPromise()
	var base int64
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		base = f.offset
	case io.SeekEnd:
		base = int64(len(f.data))
	default:
		_ = reject(f.rt.NewTypeError(fmt.Sprintf("seek(): invalid whence %d (want SeekMode.Start, Current or End)", whence)))
		return p
	}
	if base+offset < 0 {
		_ = reject(f.rt.NewTypeError("seek(): the offset would be before the start of the file"))
		return p
	}
	f.offset = base + offset
	_ = resolve(f.offset)
	return p
}
