// Package csv is the k6/experimental/csv module: parse a file opened with
// k6/experimental/fs whole (parse), or a record at a time (Parser).
package csv

import (
	"bytes"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"io"

	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
	"github.com/minik6/minik6/js/modules/experimental/fs"
)

func init() {
	modules.Register("k6/experimental/csv", modules.ModuleFunc(New))
}

// Module is one VU's k6/experimental/csv.
type Module struct {
	rt *sobek.Runtime
}

// New makes the module's instance for vu.
func New(vu modules.VU) modules.Instance { return &Module{rt: vu.Runtime()} }

// Exports are parse and the Parser class.
func (m *Module) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{"parse": m.parse, "Parser": m.newParser}}
}

// options are the parse and Parser options k6 documents.
type options struct {
	delimiter     rune
	skipFirstLine bool
	fromLine      int64 // 0-based; -1 when unset
	toLine        int64 // inclusive; -1 when unset
	asObjects     bool
}

func (m *Module) options(v sobek.Value) options {
	o := options{delimiter: ',', fromLine: -1, toLine: -1}
	obj, ok := v.(*sobek.Object)
	if !ok {
		return o
	}
	if d := obj.Get("delimiter"); d != nil && !sobek.IsUndefined(d) {
		r := []rune(d.String())
		if len(r) != 1 {
			panic(m.rt.NewTypeError("the delimiter must be one character"))
		}
		o.delimiter = r[0]
	}
	flag := func(name string) bool { v := obj.Get(name); return v != nil && v.ToBoolean() }
	line := func(name string) int64 {
		if v := obj.Get(name); v != nil && !sobek.IsUndefined(v) {
			return v.ToInteger()
		}
		return -1
	}
	o.skipFirstLine, o.asObjects = flag("skipFirstLine"), flag("asObjects")
	o.fromLine, o.toLine = line("fromLine"), line("toLine")
	return o
}

// fileOf is the fs.File a script passes.
func (m *Module) fileOf(v sobek.Value) *fs.File {
	if v != nil {
		if f, ok := v.Export().(*fs.File); ok {
			return f
		}
	}
	panic(m.rt.NewTypeError("a file opened with open() of k6/experimental/fs is needed"))
}

// reader reads records with the options' delimiter and line range.
type reader struct {
	r    *stdcsv.Reader
	opts options
	line int64 // the index of the next record
}

func newReader(data []byte, o options) *reader {
	r := stdcsv.NewReader(bytes.NewReader(data))
	r.Comma = o.delimiter
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	return &reader{r: r, opts: o}
}

// next returns the next record in range, or io.EOF.
func (rd *reader) next() ([]string, error) {
	for {
		rec, err := rd.r.Read()
		if err != nil {
			return nil, err
		}
		i := rd.line
		rd.line++
		switch {
		case i == 0 && rd.opts.skipFirstLine:
			continue
		case rd.opts.fromLine >= 0 && i < rd.opts.fromLine:
			continue
		case rd.opts.toLine >= 0 && i > rd.opts.toLine:
			return nil, io.EOF
		}
		return rec, nil
	}
}

// parse parses the whole file into an array of records (arrays of strings).
func (m *Module) parse(file, opts sobek.Value) *sobek.Promise {
	p, resolve, reject := m.rt.NewPromise()
	rd := newReader(m.fileOf(file).Data(), m.options(opts))
	var rows []any
	for {
		rec, err := rd.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			_ = reject(m.rt.NewGoError(fmt.Errorf("parse(): %w", err)))
			return p
		}
		row := make([]any, len(rec))
		for i, f := range rec {
			row[i] = f
		}
		rows = append(rows, row)
	}
	_ = resolve(m.rt.NewArray(rows...))
	return p
}

// newParser is the Parser constructor: next() resolves to {done, value} with
// the next record, as an array, or as an object keyed by the header line when
// asObjects is set.
func (m *Module) newParser(call sobek.ConstructorCall) *sobek.Object {
	o := m.options(call.Argument(1))
	rd := newReader(m.fileOf(call.Argument(0)).Data(), o)
	var header []string
	if o.asObjects {
		h, err := rd.r.Read()
		if err != nil && !errors.Is(err, io.EOF) {
			panic(m.rt.NewGoError(fmt.Errorf("Parser: reading the header: %w", err)))
		}
		header = h
		rd.line++
		if rd.opts.skipFirstLine {
			rd.opts.skipFirstLine = false // the header was the first line
		}
	}
	obj := call.This
	_ = obj.Set("next", func() *sobek.Promise {
		p, resolve, reject := m.rt.NewPromise()
		result := m.rt.NewObject()
		rec, err := rd.next()
		switch {
		case errors.Is(err, io.EOF):
			_ = result.Set("done", true)
			_ = result.Set("value", sobek.Undefined())
		case err != nil:
			_ = reject(m.rt.NewGoError(fmt.Errorf("Parser.next(): %w", err)))
			return p
		case header != nil:
			row := m.rt.NewObject()
			for i, f := range rec {
				if i < len(header) {
					_ = row.Set(header[i], f)
				}
			}
			_ = result.Set("done", false)
			_ = result.Set("value", row)
		default:
			row := make([]any, len(rec))
			for i, f := range rec {
				row[i] = f
			}
			_ = result.Set("done", false)
			_ = result.Set("value", m.rt.NewArray(row...))
		}
		_ = resolve(result)
		return p
	})
	return nil
}
