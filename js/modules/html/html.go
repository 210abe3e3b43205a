// Package html is the k6/html module: parseHTML and jQuery-like Selections
// over the parsed document, with k6's Element objects, built on goquery.
package html

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/grafana/sobek"
	gohtml "golang.org/x/net/html"

	"github.com/minik6/minik6/js/modules"
)

func init() {
	modules.Register("k6/html", modules.ModuleFunc(New))
}

// Module is one VU's k6/html.
type Module struct {
	rt *sobek.Runtime
}

// New makes the module's instance for vu.
func New(vu modules.VU) modules.Instance { return &Module{rt: vu.Runtime()} }

// Exports is parseHTML.
func (m *Module) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{
		"parseHTML": func(src string) *sobek.Object { return ParseHTML(m.rt, src) },
	}}
}

// ParseHTML parses src into a Selection of the whole document (what
// parseHTML and an HTTP response's html() return).
func ParseHTML(rt *sobek.Runtime, src string) *sobek.Object {
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(src))
	if err != nil {
		panic(rt.NewGoError(err))
	}
	return newSelection(rt, doc.Selection)
}

// selection is a Selection's Go side.
type selection struct {
	rt  *sobek.Runtime
	sel *goquery.Selection
}

// newSelection makes the script's Selection object.
func newSelection(rt *sobek.Runtime, sel *goquery.Selection) *sobek.Object {
	s := &selection{rt: rt, sel: sel}
	obj := rt.NewObject()
	wrap := func(f func(*goquery.Selection) *goquery.Selection) func() *sobek.Object {
		return func() *sobek.Object { return newSelection(rt, f(s.sel)) }
	}
	withSelector := func(f func(*goquery.Selection, string) *goquery.Selection) func(sobek.Value) *sobek.Object {
		return func(v sobek.Value) *sobek.Object {
			if v == nil || sobek.IsUndefined(v) {
				return newSelection(rt, f(s.sel, "*"))
			}
			return newSelection(rt, f(s.sel, v.String()))
		}
	}
	methods := map[string]any{
		"find": func(v sobek.Value) *sobek.Object {
			return s.selector(v, s.sel.Find, s.sel.FindSelection, s.sel.FindNodes)
		},
		"add": func(v sobek.Value) *sobek.Object {
			return s.selector(v, s.sel.Add, s.sel.AddSelection, s.sel.AddNodes)
		},
		"end":      wrap((*goquery.Selection).End),
		"children": withSelector(func(g *goquery.Selection, q string) *goquery.Selection { return g.ChildrenFiltered(q) }),
		"contents": wrap((*goquery.Selection).Contents),
		"first":    wrap((*goquery.Selection).First),
		"last":     wrap((*goquery.Selection).Last),
		"parent":   withSelector(func(g *goquery.Selection, q string) *goquery.Selection { return g.ParentFiltered(q) }),
		"parents":  withSelector(func(g *goquery.Selection, q string) *goquery.Selection { return g.ParentsFiltered(q) }),
		"next":     withSelector(func(g *goquery.Selection, q string) *goquery.Selection { return g.NextFiltered(q) }),
		"nextAll":  withSelector(func(g *goquery.Selection, q string) *goquery.Selection { return g.NextAllFiltered(q) }),
		"prev":     withSelector(func(g *goquery.Selection, q string) *goquery.Selection { return g.PrevFiltered(q) }),
		"prevAll":  withSelector(func(g *goquery.Selection, q string) *goquery.Selection { return g.PrevAllFiltered(q) }),
		"siblings": withSelector(func(g *goquery.Selection, q string) *goquery.Selection { return g.SiblingsFiltered(q) }),
		"nextUntil": func(until, filter sobek.Value) *sobek.Object {
			return s.until(until, filter, s.sel.NextUntil, s.sel.NextUntilSelection, s.sel.NextFilteredUntil, s.sel.NextFilteredUntilSelection)
		},
		"prevUntil": func(until, filter sobek.Value) *sobek.Object {
			return s.until(until, filter, s.sel.PrevUntil, s.sel.PrevUntilSelection, s.sel.PrevFilteredUntil, s.sel.PrevFilteredUntilSelection)
		},
		"parentsUntil": func(until, filter sobek.Value) *sobek.Object {
			return s.until(until, filter, s.sel.ParentsUntil, s.sel.ParentsUntilSelection, s.sel.ParentsFilteredUntil,
				s.sel.ParentsFilteredUntilSelection)
		},
		"closest": func(v sobek.Value) *sobek.Object {
			return s.selector(v, s.sel.Closest, s.sel.ClosestSelection, s.sel.ClosestNodes)
		},
		"filter": s.filter,
		"not":    s.not,
		"has": func(v sobek.Value) *sobek.Object {
			return s.selector(v, s.sel.Has, s.sel.HasSelection, s.sel.HasNodes)
		},
		"is": s.is,
		"eq": func(i int) *sobek.Object { return newSelection(rt, s.sel.Eq(i)) },
		"slice": func(start int, end sobek.Value) *sobek.Object {
			if end == nil || sobek.IsUndefined(end) {
				return newSelection(rt, s.sel.Slice(start, s.sel.Length()))
			}
			return newSelection(rt, s.sel.Slice(start, int(end.ToInteger())))
		},
		"size":  func() int { return s.sel.Length() },
		"index": func() int { return s.sel.Index() },
		"text":  func() string { return s.sel.Text() },
		"html": func() sobek.Value {
			if s.sel.Length() == 0 {
				return sobek.Undefined()
			}
			h, err := s.sel.Html()
			if err != nil {
				panic(rt.NewGoError(err))
			}
			return rt.ToValue(h)
		},
		"attr": func(name string, def sobek.Value) sobek.Value {
			if v, ok := s.sel.Attr(name); ok {
				return rt.ToValue(v)
			}
			if def != nil {
				return def
			}
			return sobek.Undefined()
		},
		"data":    s.data,
		"val":     s.val,
		"each":    s.each,
		"map":     s.mapEach,
		"get":     s.get,
		"toArray": s.toArray,

		"serializeArray":  s.serializeArray,
		"serializeObject": s.serializeObject,
		"serialize":       s.serialize,
	}
	for name, fn := range methods {
		_ = obj.Set(name, fn)
	}
	_ = obj.Set("length", s.sel.Length())
	_ = obj.DefineDataPropertySymbol(goValue, rt.ToValue(s), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_FALSE)
	return obj
}

// goValue keys the Go side of the script's Selection and Element objects
// (a *selection, an *element), so that they can be passed back as
// arguments.
var goValue = sobek.NewSymbol("k6/html")

// goSide returns the Go side of a Selection or an Element, nil for any
// other value.
func goSide(v sobek.Value) any {
	obj, ok := v.(*sobek.Object)
	if !ok {
		return nil
	}
	if g := obj.GetSymbol(goValue); g != nil {
		return g.Export()
	}
	return nil
}

// element is an Element's Go side.
type element struct{ node *gohtml.Node }

// selector calls the variant of a goquery method that takes what v is: a
// selector string, a Selection or an Element.
func (s *selection) selector(v sobek.Value, byString func(string) *goquery.Selection,
	bySelection func(*goquery.Selection) *goquery.Selection, byNodes func(...*gohtml.Node) *goquery.Selection,
) *sobek.Object {
	switch g := goSide(v).(type) {
	case *selection:
		return newSelection(s.rt, bySelection(g.sel))
	case *element:
		return newSelection(s.rt, byNodes(g.node))
	}
	if v == nil || sobek.IsUndefined(v) || sobek.IsNull(v) {
		panic(s.rt.NewTypeError(fmt.Sprintf("Invalid argument: Cannot use a %s as a selector", v)))
	}
	return newSelection(s.rt, byString(v.String()))
}

// until is nextUntil, prevUntil and parentsUntil: the elements up to (not
// including) the first that matches until (a selector, a Selection, or
// nothing for all of them), kept when they match filter, if given.
func (s *selection) until(until, filter sobek.Value, bySelector func(string) *goquery.Selection,
	bySelection func(*goquery.Selection) *goquery.Selection,
	filteredBySelector func(string, string) *goquery.Selection,
	filteredBySelection func(string, *goquery.Selection) *goquery.Selection,
) *sobek.Object {
	filtered := filter != nil && !sobek.IsUndefined(filter) && !sobek.IsNull(filter)
	if g, ok := goSide(until).(*selection); ok {
		if filtered {
			return newSelection(s.rt, filteredBySelection(filter.String(), g.sel))
		}
		return newSelection(s.rt, bySelection(g.sel))
	}
	stop := ""
	if until != nil && !sobek.IsUndefined(until) && !sobek.IsNull(until) {
		stop = until.String()
	}
	if filtered {
		return newSelection(s.rt, filteredBySelector(filter.String(), stop))
	}
	return newSelection(s.rt, bySelector(stop))
}

// matcher turns fn(index, element) into a goquery predicate.
func (s *selection) matcher(fn sobek.Callable) func(int, *goquery.Selection) bool {
	return func(i int, one *goquery.Selection) bool {
		r, err := fn(sobek.Undefined(), s.rt.ToValue(i), newElement(s.rt, one.Nodes[0]))
		if err != nil {
			panic(err)
		}
		return r.ToBoolean()
	}
}

// not drops the elements matching a selector, a Selection, an Element, or
// for which fn(i, el) is true.
func (s *selection) not(v sobek.Value) *sobek.Object {
	if fn, ok := sobek.AssertFunction(v); ok {
		return newSelection(s.rt, s.sel.NotFunction(s.matcher(fn)))
	}
	return s.selector(v, s.sel.Not, s.sel.NotSelection, s.sel.NotNodes)
}

// is tells whether an element matches a selector, a Selection, an Element
// or fn(i, el).
func (s *selection) is(v sobek.Value) bool {
	if fn, ok := sobek.AssertFunction(v); ok {
		return s.sel.IsFunction(s.matcher(fn))
	}
	return s.selector(v, s.sel.Filter, s.sel.FilterSelection, s.sel.FilterNodes).Get("length").ToInteger() > 0
}

// filter keeps the elements matching a selector, or for which fn(i, el) is
// true.
func (s *selection) filter(v sobek.Value) *sobek.Object {
	if fn, ok := sobek.AssertFunction(v); ok {
		return newSelection(s.rt, s.sel.FilterFunction(s.matcher(fn)))
	}
	return s.selector(v, s.sel.Filter, s.sel.FilterSelection, s.sel.FilterNodes)
}

// data is a data-* attribute (data("n") reads data-n), a number when it
// looks like one, or all of them as an object without an argument.
func (s *selection) data(key sobek.Value) sobek.Value {
	if key == nil || sobek.IsUndefined(key) {
		all := s.rt.NewObject()
		if s.sel.Length() > 0 {
			for _, a := range s.sel.Nodes[0].Attr {
				if name, ok := strings.CutPrefix(a.Key, "data-"); ok {
					_ = all.Set(camel(name), dataValue(s.rt, a.Val))
				}
			}
		}
		return all
	}
	v, ok := s.sel.Attr("data-" + key.String())
	if !ok {
		return sobek.Undefined()
	}
	return dataValue(s.rt, v)
}

// dataValue is a data attribute's value: a number, true, false or null when
// it reads as one, as jQuery (and k6) give it; the string otherwise.
func dataValue(rt *sobek.Runtime, v string) sobek.Value {
	switch v {
	case "true":
		return rt.ToValue(true)
	case "false":
		return rt.ToValue(false)
	case "null":
		return sobek.Null()
	}
	if n := rt.ToValue(v).ToNumber(); v != "" && strings.TrimSpace(v) == v && n.String() == v {
		return n
	}
	return rt.ToValue(v)
}

// camel turns data-attribute names into their keys: foo-bar → fooBar.
func camel(s string) string {
	parts := strings.Split(s, "-")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// val is a form element's value: an input's value, a textarea's text, a
// select's selected option (the selected ones' values for a multiple select).
func (s *selection) val() sobek.Value {
	if s.sel.Length() == 0 {
		return sobek.Undefined()
	}
	first := s.sel.First()
	switch goquery.NodeName(first) {
	case "input":
		v, ok := first.Attr("value")
		if t := strings.ToLower(first.AttrOr("type", "")); !ok && (t == "checkbox" || t == "radio") {
			v = "on" // what a browser submits for a checked box without a value
		}
		return s.rt.ToValue(v)
	case "button":
		v, _ := first.Attr("value")
		return s.rt.ToValue(v)
	case "textarea":
		return s.rt.ToValue(first.Text())
	case "select":
		selected := first.Find("option[selected]")
		if _, multiple := first.Attr("multiple"); multiple {
			var vals []any
			selected.Each(func(_ int, o *goquery.Selection) { vals = append(vals, optionValue(o)) })
			return s.rt.ToValue(vals)
		}
		if selected.Length() == 0 {
			selected = first.Find("option").First()
		}
		if selected.Length() == 0 {
			return sobek.Undefined()
		}
		return s.rt.ToValue(optionValue(selected.First()))
	case "option":
		return s.rt.ToValue(optionValue(first))
	}
	return sobek.Undefined()
}

func optionValue(o *goquery.Selection) string {
	if v, ok := o.Attr("value"); ok {
		return v
	}
	return o.Text()
}

// each calls fn(index, element) for each element.
func (s *selection) each(fn sobek.Callable) *sobek.Object {
	for i, n := range s.sel.Nodes {
		if _, err := fn(sobek.Undefined(), s.rt.ToValue(i), newElement(s.rt, n)); err != nil {
			panic(err)
		}
	}
	return newSelection(s.rt, s.sel)
}

// mapEach returns fn(index, element) of each element, as an array.
func (s *selection) mapEach(fn sobek.Callable) []any {
	out := make([]any, 0, len(s.sel.Nodes))
	for i, n := range s.sel.Nodes {
		v, err := fn(sobek.Undefined(), s.rt.ToValue(i), newElement(s.rt, n))
		if err != nil {
			panic(err)
		}
		if v != nil && !sobek.IsUndefined(v) && !sobek.IsNull(v) {
			out = append(out, v)
		}
	}
	return out
}

// get returns the element at index (negative from the end), or all of them.
func (s *selection) get(index sobek.Value) sobek.Value {
	if index == nil || sobek.IsUndefined(index) {
		return s.rt.ToValue(s.elements())
	}
	i := int(index.ToInteger())
	if i < 0 {
		i += len(s.sel.Nodes)
	}
	if i < 0 || i >= len(s.sel.Nodes) {
		return sobek.Undefined()
	}
	return newElement(s.rt, s.sel.Nodes[i])
}

// toArray returns each element as a Selection of its own.
func (s *selection) toArray() []any {
	out := make([]any, len(s.sel.Nodes))
	for i := range s.sel.Nodes {
		out[i] = newSelection(s.rt, s.sel.Eq(i))
	}
	return out
}

func (s *selection) elements() []any {
	out := make([]any, len(s.sel.Nodes))
	for i, n := range s.sel.Nodes {
		out[i] = newElement(s.rt, n)
	}
	return out
}

// newElement makes k6's Element object for a node.
func newElement(rt *sobek.Runtime, n *gohtml.Node) *sobek.Object {
	sel := goquery.NewDocumentFromNode(n).Selection
	obj := rt.NewObject()
	attr := func(name string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == name {
				return a.Val, true
			}
		}
		return "", false
	}
	methods := map[string]any{
		"nodeName":    func() string { return strings.ToLower(goquery.NodeName(sel)) },
		"nodeType":    func() int { return nodeType(n) },
		"nodeValue":   func() sobek.Value { return nodeValue(rt, n) },
		"textContent": func() string { return sel.Text() },
		"innerHTML": func() string {
			h, _ := sel.Html()
			return h
		},
		"id":        func() string { v, _ := attr("id"); return v },
		"className": func() string { v, _ := attr("class"); return v },
		"classList": func() []string { v, _ := attr("class"); return strings.Fields(v) },
		"getAttribute": func(name string) sobek.Value {
			if v, ok := attr(name); ok {
				return rt.ToValue(v)
			}
			return sobek.Undefined()
		},
		"hasAttribute":  func(name string) bool { _, ok := attr(name); return ok },
		"hasAttributes": func() bool { return len(n.Attr) > 0 },
		"attributes": func() map[string]any {
			out := map[string]any{}
			for _, a := range n.Attr {
				out[a.Key] = map[string]any{"name": a.Key, "value": a.Val}
			}
			return out
		},
		"children": func() []any {
			var out []any
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == gohtml.ElementNode {
					out = append(out, newElement(rt, c))
				}
			}
			return out
		},
		"parentElement": func() sobek.Value {
			if n.Parent == nil || n.Parent.Type != gohtml.ElementNode {
				return sobek.Null()
			}
			return newElement(rt, n.Parent)
		},
		"selection": func() *sobek.Object { return newSelection(rt, sel) },
	}
	for name, fn := range methods {
		_ = obj.Set(name, fn)
	}
	_ = obj.DefineDataPropertySymbol(goValue, rt.ToValue(&element{node: n}), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_FALSE)
	return obj
}

// nodeType is the DOM's node type number.
func nodeType(n *gohtml.Node) int {
	switch n.Type {
	case gohtml.ElementNode:
		return 1
	case gohtml.TextNode:
		return 3
	case gohtml.CommentNode:
		return 8
	case gohtml.DocumentNode:
		return 9
	case gohtml.DoctypeNode:
		return 10
	}
	return 0
}

func nodeValue(rt *sobek.Runtime, n *gohtml.Node) sobek.Value {
	if n.Type == gohtml.TextNode || n.Type == gohtml.CommentNode {
		return rt.ToValue(n.Data)
	}
	return sobek.Null()
}

// formField is one entry of serializeArray: a field's name and value.
type formField struct {
	Name  string `js:"name"`
	Value any    `js:"value"`
}

// serializeArray is a form's (or these fields') submittable fields, as
// k6 and jQuery give them: named, not disabled, not buttons or files, and
// check boxes and radio buttons only when checked; the value is val()'s (an
// array for a multiple select).
func (s *selection) serializeArray() []formField {
	const submittable = "input,select,textarea,keygen"
	fields := s.sel.Filter(submittable)
	if s.sel.Is("form") {
		fields = s.sel.Find(submittable)
	}
	var out []formField
	fields.Each(func(_ int, f *goquery.Selection) {
		name := f.AttrOr("name", "")
		_, disabled := f.Attr("disabled")
		_, checked := f.Attr("checked")
		switch strings.ToLower(f.AttrOr("type", "")) {
		case "submit", "button", "reset", "image", "file":
			return
		case "checkbox", "radio":
			if !checked {
				return
			}
		}
		if name == "" || disabled {
			return
		}
		out = append(out, formField{Name: name, Value: (&selection{rt: s.rt, sel: f}).val().Export()})
	})
	return out
}

// serializeObject maps each field's name to its value, in the fields'
// order (the last one of a name wins).
func (s *selection) serializeObject() *sobek.Object {
	out := s.rt.NewObject()
	for _, f := range s.serializeArray() {
		_ = out.Set(f.Name, f.Value)
	}
	return out
}

// serialize is the fields URL-encoded as a form submits them (a multiple
// select's values each), sorted by name as k6 sorts them.
func (s *selection) serialize() string {
	values := url.Values{}
	for _, f := range s.serializeArray() {
		switch v := f.Value.(type) {
		case string:
			values.Set(f.Name, v)
		case []any:
			values.Del(f.Name)
			for _, one := range v {
				values.Add(f.Name, fmt.Sprint(one))
			}
		}
	}
	return values.Encode()
}
