package js

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/grafana/sobek"
	"github.com/grafana/sobek/ast"
	"github.com/grafana/sobek/file"
	"github.com/grafana/sobek/parser"
	"github.com/grafana/sobek/token"
)

// Merging: Sobek evaluates every ES module of a VU as an async function, with
// promises, its own environment and a Go getter for each imported binding, at
// some 100 allocations and several microseconds per module and VU. When a
// script's local (and remote) modules only use each other in ways that one
// module scope expresses exactly, the bundle compiles them instead as one
// module: their texts one after the other in evaluation order, with the
// import declarations between them and the `export` keywords of the
// dependencies blanked out, so that every binding is the one it was. A source
// map takes every position back to its own file, line and column.
//
// The merge is all or nothing, and only where it changes nothing a script can
// see (but for a quirk of Sobek's: the source text of a dependency's exported
// function declaration, as toString gives it, loses the `export` keyword, as
// the standard has it): every dependency is an ES module without top-level await or
// import.meta, that exports its own bindings by their names (no default, no
// renaming, no re-exports) and is imported by name (no default or namespace
// import, no alias) by modules that never assign to what they import; no two
// modules declare the same top-level name, nor does one use a name another
// declares without importing it; no module calls require or eval (which could
// reach a module or a name by a path the merge can't see); no module is
// TypeScript or brings a source map of its own. Otherwise the modules stay
// apart, as Sobek links them.

// mergeable is one module of a graph being merged.
type mergeable struct {
	rec   *sobek.SourceTextModuleRecord
	path  string
	src   []byte // blanked in place where the merge drops text
	entry bool

	declared map[string]bool // top-level names it declares
	used     map[string]bool // every name it mentions (over-approximated)
	assigned map[string]bool // names it assigns to (over-approximated)
	meta     bool            // reads import.meta
	// imported are the names it imports from merged modules, with the
	// module that declares each.
	imported map[string]*mergeable
	// builtins are its imports of Go modules, which the merged module makes
	// once each.
	builtins []builtinImport
	// positions are the byte offsets of its syntax tree's nodes.
	positions []int
}

// builtinImport is the binding local of an import of name (a name, "default"
// or "*") from a Go module.
type builtinImport struct {
	specifier, name, local string
}

// merge returns the graph of the entry module compiled as one module, or nil
// when the graph has nothing to merge or can't be merged without a change of
// meaning.
func (b *Bundle) merge() *sobek.SourceTextModuleRecord {
	order, ok := b.evaluationOrder()
	if !ok || len(order) < 2 {
		return nil
	}
	byRec := map[*sobek.SourceTextModuleRecord]*mergeable{}
	for _, m := range order {
		byRec[m.rec] = m
	}
	for _, m := range order {
		if !m.analyse(b, byRec) {
			return nil
		}
	}
	if !mergeSafe(order) {
		return nil
	}
	src := mergedSource(order)
	rec, err := sobek.ParseModule(locationURL(b.entry), src, b.resolve)
	if err != nil || rec.Link() != nil {
		return nil
	}
	b.mu.Lock()
	b.paths[rec] = b.entry
	b.mu.Unlock()
	return rec
}

// evaluationOrder lists the ES modules of the entry's graph in the order
// Sobek evaluates them (depth first, each after what it imports); false when
// the graph holds modules other than ES modules and Go modules.
func (b *Bundle) evaluationOrder() ([]*mergeable, bool) {
	var order []*mergeable
	seen := map[sobek.ModuleRecord]bool{}
	var visit func(rec *sobek.SourceTextModuleRecord) bool
	visit = func(rec *sobek.SourceTextModuleRecord) bool {
		seen[rec] = true
		for _, spec := range rec.RequestedModules() {
			dep, err := b.resolve(rec, spec)
			if err != nil {
				return false
			}
			switch d := dep.(type) {
			case *sobek.SourceTextModuleRecord:
				if !seen[d] && !visit(d) {
					return false
				}
			case *objectRecord:
				if !isBuiltin(d.name) {
					return false // a CommonJS file: its code runs in its own order
				}
			default:
				return false
			}
		}
		b.mu.Lock()
		p := b.paths[rec]
		src := b.files[p]
		b.mu.Unlock()
		order = append(order, &mergeable{rec: rec, path: p, src: bytes.Clone(src)})
		return true
	}
	root, ok := b.entryRec.(*sobek.SourceTextModuleRecord)
	if !ok || !visit(root) {
		return nil, false
	}
	order[len(order)-1].entry = true
	return order, true
}

// analyse parses the module again for its syntax tree, learns what it
// declares, uses and imports, and blanks out the text the merge drops; false
// when the module can't be merged.
func (m *mergeable) analyse(b *Bundle, byRec map[*sobek.SourceTextModuleRecord]*mergeable) bool {
	if isTypeScript(m.path) || bytes.Contains(m.src, []byte("sourceMappingURL")) {
		return false
	}
	prg, err := parser.ParseFile(nil, locationURL(m.path), string(m.src), 0, parser.IsModule)
	if err != nil || (!m.entry && prg.HasTLA) {
		return false
	}
	m.declared, m.used, m.assigned = map[string]bool{}, map[string]bool{}, map[string]bool{}
	m.imported = map[string]*mergeable{}
	if bytes.HasPrefix(m.src, []byte("#!")) {
		end := len(m.src)
		if starts := lineStarts(m.src); len(starts) > 1 {
			end = starts[1]
		}
		m.blank(0, end) // a hashbang line
	}
	for i, st := range prg.Body {
		next := len(m.src) // where the next statement starts, at the latest
		if i+1 < len(prg.Body) {
			next = int(prg.Body[i+1].Idx0()) - 1
		}
		switch st := st.(type) {
		case *ast.ImportDeclaration:
			if !m.importDecl(b, byRec, st, next) {
				return false
			}
		case *ast.ExportDeclaration:
			if !m.exportDecl(b, byRec, st, next) {
				return false
			}
		default:
			m.declare(st)
		}
	}
	for _, d := range prg.DeclarationList {
		m.declare(d)
	}
	m.scan(reflect.ValueOf(prg.Body), false)
	return !m.meta || m.entry
}

// importDecl notes an import declaration, which the merge blanks out up to
// its module specifier (the statement after it starts at next at the latest):
// an import of merged modules, by name, or of a Go module, which the merged
// module makes once.
func (m *mergeable) importDecl(b *Bundle, byRec map[*sobek.SourceTextModuleRecord]*mergeable, d *ast.ImportDeclaration, next int) bool {
	spec := string(d.ModuleSpecifier)
	if d.FromClause != nil {
		spec = string(d.FromClause.ModuleSpecifier)
	}
	dep, err := b.resolve(m.rec, spec)
	if err != nil || !m.blankThrough(int(d.Idx)-1, next, "'"+spec+"'", `"`+spec+`"`) {
		return false
	}
	clause := d.ImportClause
	if r, ok := dep.(*sobek.SourceTextModuleRecord); ok {
		if clause == nil {
			return true
		}
		if clause.ImportedDefaultBinding != nil || clause.NameSpaceImport != nil {
			return false
		}
		for _, s := range clause.NamedImports.ImportsList {
			name := string(s.IdentifierName)
			if s.Alias != "" && string(s.Alias) != name {
				return false
			}
			binding, ambiguous := r.ResolveExport(name)
			if binding == nil || ambiguous || binding.BindingName != name {
				return false
			}
			owner, ok := binding.Module.(*sobek.SourceTextModuleRecord)
			if !ok || byRec[owner] == nil {
				return false
			}
			m.imported[name] = byRec[owner]
		}
		return true
	}
	if clause == nil {
		m.builtins = append(m.builtins, builtinImport{specifier: spec})
		return true
	}
	if def := clause.ImportedDefaultBinding; def != nil {
		m.builtins = append(m.builtins, builtinImport{spec, "default", string(def.Name)})
	}
	if ns := clause.NameSpaceImport; ns != nil {
		m.builtins = append(m.builtins, builtinImport{spec, "*", string(ns.ImportedBinding)})
	}
	if clause.NamedImports != nil {
		for _, s := range clause.NamedImports.ImportsList {
			local := s.Alias
			if local == "" {
				local = s.IdentifierName
			}
			m.builtins = append(m.builtins, builtinImport{spec, string(s.IdentifierName), string(local)})
		}
	}
	return true
}

// exportDecl notes an export declaration. The entry keeps its exports; a
// dependency may only export its own declarations and bindings by their
// names, and loses the `export` keyword or the export list.
func (m *mergeable) exportDecl(b *Bundle, byRec map[*sobek.SourceTextModuleRecord]*mergeable, d *ast.ExportDeclaration, next int) bool {
	if d.FromClause != nil {
		dep, err := b.resolve(m.rec, string(d.FromClause.ModuleSpecifier))
		if _, merged := dep.(*sobek.SourceTextModuleRecord); err != nil || merged || !m.entry {
			return false
		}
		return true
	}
	switch {
	case d.Variable != nil:
		m.declare(d.Variable)
	case d.LexicalDeclaration != nil:
		m.declare(d.LexicalDeclaration)
	case d.ClassDeclaration != nil:
		m.declare(d.ClassDeclaration)
	case d.HoistableDeclaration != nil:
		m.declare(d.HoistableDeclaration.FunctionDeclaration)
	}
	if m.entry {
		return true
	}
	if d.IsDefault {
		return false
	}
	if d.NamedExports != nil {
		for _, s := range d.NamedExports.ExportsList {
			if s.Alias != "" && s.Alias != s.IdentifierName {
				return false
			}
		}
		return m.blankThrough(int(d.Idx)-1, next, "}")
	}
	start := int(d.Idx) - 1
	m.drop(start, start+len(token.EXPORT.String()))
	return true
}

// declare notes the names a top-level declaration declares.
func (m *mergeable) declare(n ast.Node) {
	switch d := n.(type) {
	case *ast.VariableStatement:
		for _, bd := range d.List {
			names(reflect.ValueOf(bd.Target), m.declared)
		}
	case *ast.VariableDeclaration:
		for _, bd := range d.List {
			names(reflect.ValueOf(bd.Target), m.declared)
		}
	case *ast.LexicalDeclaration:
		for _, bd := range d.List {
			names(reflect.ValueOf(bd.Target), m.declared)
		}
	case *ast.FunctionDeclaration:
		if d.Function.Name != nil {
			m.declared[string(d.Function.Name.Name)] = true
		}
	case *ast.ClassDeclaration:
		if d.Class.Name != nil {
			m.declared[string(d.Class.Name.Name)] = true
		}
	}
}

// blankThrough drops the text from start through the first of ends found
// before next; false when there is none (the text is not as expected: an
// escape in a module specifier, say).
func (m *mergeable) blankThrough(start, next int, ends ...string) bool {
	first := -1
	if next < start {
		return false
	}
	for _, e := range ends {
		if i := bytes.Index(m.src[start:next], []byte(e)); i >= 0 && (first < 0 || start+i+len(e) < first) {
			first = start + i + len(e)
		}
	}
	if first < 0 {
		return false
	}
	m.drop(start, first)
	return true
}

// drop blanks out the text from start to end, the start of a declaration,
// and puts a semicolon in its place: a statement before it that relied on
// the declaration for its end (automatic semicolon insertion) still ends
// there.
func (m *mergeable) drop(start, end int) {
	m.blank(start, end)
	m.src[start] = ';'
}

// blank replaces the text from start to end with spaces, keeping its line
// breaks, so that every position after it stays where it was.
func (m *mergeable) blank(start, end int) {
	end = min(end, len(m.src))
	for i := max(start, 0); i < end; i++ {
		switch c := m.src[i]; {
		case c == '\n' || c == '\r':
		case c == 0xe2 && i+2 < end && m.src[i+1] == 0x80 && (m.src[i+2] == 0xa8 || m.src[i+2] == 0xa9):
			i += 2 // U+2028, U+2029
		default:
			m.src[i] = ' '
		}
	}
}

var (
	identifierType = reflect.TypeOf(ast.Identifier{})
	idxType        = reflect.TypeOf(file.Idx(0))
	astPkg         = identifierType.PkgPath()
)

// scan walks a syntax tree, noting the names it mentions (those it assigns
// to when target is set), whether it reads import.meta, and the position of
// every node. A property's name after a dot is no name the scope resolves.
func (m *mergeable) scan(v reflect.Value, target bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return
		}
		switch n := v.Interface().(type) {
		case *ast.DotExpression:
			m.scan(reflect.ValueOf(n.Left), false)
			m.position(n.Identifier.Idx)
			return
		case *ast.PrivateDotExpression:
			m.scan(reflect.ValueOf(n.Left), false)
			m.position(n.Identifier.Idx)
			return
		case *ast.BracketExpression:
			m.scan(reflect.ValueOf(n.Left), false)
			m.scan(reflect.ValueOf(n.Member), false)
			m.position(n.LeftBracket)
			m.position(n.RightBracket)
			return
		case *ast.AssignExpression:
			m.scan(reflect.ValueOf(n.Left), true)
			m.scan(reflect.ValueOf(n.Right), false)
			return
		case *ast.UnaryExpression:
			m.position(n.Idx)
			m.scan(reflect.ValueOf(n.Operand), n.Operator == token.INCREMENT || n.Operator == token.DECREMENT)
			return
		case *ast.ForInStatement:
			m.position(n.For)
			m.scan(reflect.ValueOf(n.Into), true)
			m.scan(reflect.ValueOf(n.Source), false)
			m.scan(reflect.ValueOf(n.Body), false)
			return
		case *ast.ForOfStatement:
			m.position(n.For)
			m.scan(reflect.ValueOf(n.Into), true)
			m.scan(reflect.ValueOf(n.Source), false)
			m.scan(reflect.ValueOf(n.Body), false)
			return
		case *ast.MetaProperty:
			m.meta = m.meta || (n.Meta != nil && n.Meta.Name == "import")
			m.position(n.Idx)
			return
		}
		m.scan(v.Elem(), target)
	case reflect.Slice:
		for i := range v.Len() {
			m.scan(v.Index(i), target)
		}
	case reflect.Struct:
		if v.Type() == identifierType {
			name := v.FieldByName("Name").String()
			m.used[name] = true
			if target {
				m.assigned[name] = true
			}
			m.position(file.Idx(v.FieldByName("Idx").Int()))
			return
		}
		if v.Type().PkgPath() != astPkg {
			return
		}
		for i := range v.NumField() {
			f := v.Field(i)
			switch sf := v.Type().Field(i); {
			case !sf.IsExported() || sf.Name == "DeclarationList": // the declarations are in the body
			case f.Type() == idxType:
				m.position(file.Idx(f.Int()))
			default:
				m.scan(f, target)
			}
		}
	}
}

// position notes the position of a node.
func (m *mergeable) position(idx file.Idx) {
	if idx > 0 {
		m.positions = append(m.positions, int(idx)-1)
	}
}

// names adds the names under a binding target to set (and, as scan does,
// any other name in it: its default values').
func names(v reflect.Value, set map[string]bool) {
	var m mergeable
	m.used, m.assigned = set, map[string]bool{}
	m.scan(v, false)
}

// mergeSafe reports whether the modules, analysed, can share one scope: no
// two declare the same name (but for the same import of a Go module), none
// mentions a name that another declares without importing it from there,
// none assigns to what it imports, and none calls require or eval.
func mergeSafe(order []*mergeable) bool {
	owner := map[string]any{} // a name's module, or its import of a Go module
	claim := func(name string, by any) bool {
		if o, ok := owner[name]; ok && o != by {
			return false
		}
		owner[name] = by
		return true
	}
	for _, m := range order {
		for name := range m.declared {
			if !claim(name, m) {
				return false
			}
		}
		for _, bi := range m.builtins {
			if bi.local != "" && !claim(bi.local, bi) {
				return false
			}
		}
	}
	for _, m := range order {
		if m.used["require"] || m.used["eval"] {
			return false
		}
		for name := range m.used {
			o, ok := owner[name]
			if !ok || o == m {
				continue
			}
			if bi, ok := o.(builtinImport); ok && slices.Contains(m.builtins, bi) {
				continue
			}
			if m.imported[name] != o {
				return false
			}
		}
		for name := range m.imported {
			if m.assigned[name] {
				return false
			}
		}
	}
	return true
}

// mergedSource is the text of the merged module: the modules' blanked texts
// in evaluation order, each from the start of a line and ended by a line
// with a semicolon, the imports of Go modules, once each, and the source
// map.
func mergedSource(order []*mergeable) string {
	var out strings.Builder
	var sm sourceMap
	line := 0 // the generated line, from 0
	for i, m := range order {
		sm.sources = append(sm.sources, locationURL(m.path))
		starts := lineStarts(m.src)
		slices.Sort(m.positions)
		p := 0
		for l, start := range starts {
			end := len(m.src)
			if l+1 < len(starts) {
				end = starts[l+1]
			}
			// Sobek asks for 1-based columns and reports what the map
			// says: columns are mapped as col+1 to col+1.
			cols := []int{1}
			for ; p < len(m.positions) && m.positions[p] < end; p++ {
				if c := m.positions[p] - start + 1; c != cols[len(cols)-1] && m.positions[p] >= start {
					cols = append(cols, c)
				}
			}
			for _, c := range cols {
				sm.add(line+l, c, i, l, c)
			}
		}
		out.Write(m.src)
		if bytes.HasSuffix(m.src, []byte{'\r'}) {
			out.WriteByte('\n') // with the '\r', one line break
		}
		// A line of its own ends the module's last statement, whatever
		// the next module starts with.
		out.WriteString("\n;\n")
		line += len(starts) + 1
	}
	seen := map[builtinImport]bool{}
	for _, m := range order {
		for _, bi := range m.builtins {
			if seen[bi] {
				continue
			}
			seen[bi] = true
			spec := strconv.Quote(bi.specifier)
			switch bi.name {
			case "":
				out.WriteString("import " + spec + "; ")
			case "*":
				out.WriteString("import * as " + bi.local + " from " + spec + "; ")
			default:
				out.WriteString("import { " + bi.name + " as " + bi.local + " } from " + spec + "; ")
			}
		}
	}
	data, _ := json.Marshal(map[string]any{
		"version": 3, "sources": sm.sources, "names": []string{}, "mappings": sm.mappings.String(),
	})
	out.WriteString("\n//# sourceMappingURL=data:application/json;base64,")
	out.WriteString(base64.StdEncoding.EncodeToString(data))
	out.WriteByte('\n')
	return out.String()
}

// lineStarts returns the offsets where the lines of src start, breaking
// lines where Sobek does (\n, \r, \r\n, U+2028, U+2029).
func lineStarts(src []byte) []int {
	starts := []int{0}
	for i := 0; i < len(src); i++ {
		switch src[i] {
		case '\r':
			if i+1 < len(src) && src[i+1] == '\n' {
				i++
			}
			starts = append(starts, i+1)
		case '\n':
			starts = append(starts, i+1)
		case 0xe2:
			if i+2 < len(src) && src[i+1] == 0x80 && (src[i+2] == 0xa8 || src[i+2] == 0xa9) {
				i += 2
				starts = append(starts, i+1)
			}
		}
	}
	return starts
}

// sourceMap builds a source map (version 3) segment by segment, in the
// generated text's order.
type sourceMap struct {
	sources  []string
	mappings strings.Builder
	// the previous segment's fields, which the next one is relative to
	line, col, src, srcLine, srcCol int
	started                         bool // the current line has a segment
}

// add maps the generated line and column to the source's line and column
// (lines from 0).
func (s *sourceMap) add(line, col, src, srcLine, srcCol int) {
	for ; s.line < line; s.line++ {
		s.mappings.WriteByte(';')
		s.col, s.started = 0, false
	}
	if s.started {
		s.mappings.WriteByte(',')
	}
	s.started = true
	s.vlq(col - s.col)
	s.vlq(src - s.src)
	s.vlq(srcLine - s.srcLine)
	s.vlq(srcCol - s.srcCol)
	s.col, s.src, s.srcLine, s.srcCol = col, src, srcLine, srcCol
}

const base64Digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// vlq writes n as a Base64 VLQ: sign in the lowest bit, five bits a digit,
// the lowest first, 32 set on all but the last.
func (s *sourceMap) vlq(n int) {
	v := n << 1
	if n < 0 {
		v = -n<<1 | 1
	}
	for {
		digit := v & 31
		v >>= 5
		if v > 0 {
			digit |= 32
		}
		s.mappings.WriteByte(base64Digits[digit])
		if v == 0 {
			return
		}
	}
}
