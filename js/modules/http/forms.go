package http

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/grafana/sobek"
)

// document parses the response's body as HTML, with goquery, the parser
// k6/html is built on.
func (r *response) document() *goquery.Document {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(r.res.body))
	if err != nil {
		r.m.throwErr(err)
	}
	return doc
}

// navigationArg reads the object argument of clickLink and submitForm: its
// string options (defaults when absent) and its params.
func navigationArg(arg sobek.Value, defaults map[string]string) (map[string]string, sobek.Value) {
	out, params := defaults, sobek.Undefined()
	o, ok := arg.(*sobek.Object)
	if !ok || sobek.IsNull(arg) {
		return out, params
	}
	for k := range defaults {
		if v := get(o, k); !sobek.IsUndefined(v) && !sobek.IsNull(v) {
			out[k] = v.String()
		}
	}
	return out, get(o, "params")
}

// clickLink is Response.clickLink([{selector, params}]): a GET of the href of
// the first element the selector finds (a[href] by default), resolved against
// the response's URL.
func (r *response) clickLink(arg sobek.Value) sobek.Value {
	opts, params := navigationArg(arg, map[string]string{"selector": "a[href]"})
	sel := r.document().Find(opts["selector"])
	if sel.Length() == 0 {
		r.m.throwErr(fmt.Errorf("no element found for selector '%s' in response '%s'", opts["selector"], r.res.url))
	}
	href, ok := sel.Attr("href")
	if !ok {
		r.m.throwErr(fmt.Errorf("no valid href attribute value found on element '%s' in response '%s'", opts["selector"], r.res.url))
	}
	target, err := r.resolve(href)
	if err != nil {
		r.m.throwErr(err)
	}
	return r.m.request(http.MethodGet, r.m.rt.ToValue(target), sobek.Undefined(), params)
}

// resolve resolves a link of the page against the response's URL.
func (r *response) resolve(ref string) (string, error) {
	base, err := url.Parse(r.res.url)
	if err != nil {
		return "", err
	}
	u, err := base.Parse(strings.TrimSpace(ref))
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// submitForm is Response.submitForm([{formSelector, fields, submitSelector,
// params}]): the form's successful controls, overridden by fields, plus the
// submit button's name and value, sent as a browser would: by the form's
// method (GET in the query) to its action (the response's URL by default),
// encoded as its enctype says.
func (r *response) submitForm(arg sobek.Value) sobek.Value {
	opts, params := navigationArg(arg, map[string]string{"formSelector": "form", "submitSelector": `[type="submit"]`})
	doc := r.document()
	form := doc.Find(opts["formSelector"]).First()
	if form.Length() == 0 {
		r.m.throwErr(fmt.Errorf("no form found for selector '%s' in response '%s'", opts["formSelector"], r.res.url))
	}
	values := formValues(doc, form)
	if o, ok := arg.(*sobek.Object); ok && !sobek.IsNull(arg) {
		if f, ok := get(o, "fields").(*sobek.Object); ok && !sobek.IsNull(f) {
			for _, k := range f.Keys() {
				values.set(k, f.Get(k).String())
			}
		}
	}
	if submit := form.Find(opts["submitSelector"]).First(); submit.Length() > 0 {
		if name, ok := submit.Attr("name"); ok && name != "" {
			v, _ := submit.Attr("value")
			values.set(name, v)
		}
	}
	method := strings.ToUpper(strings.TrimSpace(form.AttrOr("method", http.MethodGet)))
	if method == "" {
		method = http.MethodGet
	}
	target := r.res.url
	if action, ok := form.Attr("action"); ok && strings.TrimSpace(action) != "" {
		var err error
		if target, err = r.resolve(action); err != nil {
			r.m.throwErr(err)
		}
	}
	if method == http.MethodGet {
		u, err := url.Parse(target)
		if err != nil {
			r.m.throwErr(err)
		}
		u.RawQuery, u.Fragment = values.urlEncoded(), ""
		return r.m.request(method, r.m.rt.ToValue(u.String()), sobek.Undefined(), params)
	}
	enctype := strings.ToLower(strings.TrimSpace(form.AttrOr("enctype", "")))
	var body []byte
	var contentType string
	switch {
	case enctype == "multipart/form-data":
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for _, p := range values {
			if err := w.WriteField(p.name, p.value); err != nil {
				r.m.throwErr(err)
			}
		}
		if err := w.Close(); err != nil {
			r.m.throwErr(err)
		}
		body, contentType = buf.Bytes(), w.FormDataContentType()
	case enctype == "text/plain":
		var b strings.Builder
		for _, p := range values {
			b.WriteString(p.name + "=" + p.value + "\r\n")
		}
		body, contentType = []byte(b.String()), "text/plain"
	default:
		body, contentType = []byte(values.urlEncoded()), "application/x-www-form-urlencoded"
	}
	st := r.m.vu.State()
	if st == nil {
		r.m.throwErr(errInitContext)
	}
	r.m.startIteration()
	req := r.m.parse(method, r.m.rt.ToValue(target), r.m.rt.ToValue(string(body)), params)
	if req.err == nil && req.getHeader("Content-Type") == "" {
		req.setHeader("Content-Type", contentType)
	}
	return r.m.finish(req)
}

// formField is one name=value pair of a form's data set.
type formField struct{ name, value string }

// formData is a form's data set, in document order.
type formData []formField

// set replaces the values of name with v (appended when name is new).
func (d *formData) set(name, v string) {
	out := (*d)[:0]
	done := false
	for _, f := range *d {
		if f.name != name {
			out = append(out, f)
			continue
		}
		if !done {
			out = append(out, formField{name, v})
			done = true
		}
	}
	if !done {
		out = append(out, formField{name, v})
	}
	*d = out
}

func (d formData) urlEncoded() string {
	var b strings.Builder
	for i, f := range d {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(f.name) + "=" + url.QueryEscape(f.value))
	}
	return b.String()
}

// formValues is the form's successful controls as jQuery's serializeArray
// (and k6/html's) finds them: named input, select and textarea elements that
// are not disabled, not buttons or file inputs, and checked when checkable;
// the controls outside the form that name it with a form attribute too.
func formValues(doc *goquery.Document, form *goquery.Selection) formData {
	controls := form.Find("input, select, textarea")
	if id, ok := form.Attr("id"); ok && id != "" {
		controls = controls.AddSelection(doc.Find("input, select, textarea").FilterFunction(func(_ int, s *goquery.Selection) bool {
			return s.AttrOr("form", "") == id
		}))
	}
	var out formData
	controls.Each(func(_ int, c *goquery.Selection) {
		name, ok := c.Attr("name")
		if !ok || name == "" || disabled(c) {
			return
		}
		switch goquery.NodeName(c) {
		case "input":
			typ := strings.ToLower(c.AttrOr("type", "text"))
			switch typ {
			case "submit", "button", "image", "reset", "file":
				return
			case "checkbox", "radio":
				if _, checked := c.Attr("checked"); !checked {
					return
				}
				out = append(out, formField{name, c.AttrOr("value", "on")})
				return
			}
			out = append(out, formField{name, c.AttrOr("value", "")})
		case "textarea":
			out = append(out, formField{name, strings.ReplaceAll(strings.ReplaceAll(c.Text(), "\r\n", "\n"), "\n", "\r\n")})
		case "select":
			selected := c.Find("option[selected]")
			_, multiple := c.Attr("multiple")
			if selected.Length() == 0 && !multiple {
				selected = c.Find("option").First()
			}
			if !multiple {
				selected = selected.Last()
			}
			selected.Each(func(_ int, o *goquery.Selection) {
				if disabled(o) {
					return
				}
				v, ok := o.Attr("value")
				if !ok {
					v = strings.Join(strings.Fields(o.Text()), " ")
				}
				out = append(out, formField{name, v})
			})
		}
	})
	return out
}

// disabled reports whether a control is disabled, by its own attribute or a
// disabled fieldset (or optgroup) around it.
func disabled(c *goquery.Selection) bool {
	if _, ok := c.Attr("disabled"); ok {
		return true
	}
	return c.ParentsFiltered("fieldset[disabled], optgroup[disabled]").Length() > 0
}
