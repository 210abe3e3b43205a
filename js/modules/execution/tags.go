package execution

import (
	"fmt"

	"github.com/grafana/sobek"
)

// tagValue converts a tag or metadata value to its stored string. Strings, numbers
// and booleans are accepted; anything else is refused: a TypeError with the throw
// option, a warning otherwise (the value is dropped either way).
func (m *Module) tagValue(kind, key string, v sobek.Value) (string, bool) {
	if v != nil && !sobek.IsUndefined(v) && !sobek.IsNull(v) {
		switch v.(type) {
		case *sobek.Object, *sobek.Symbol:
		default:
			return v.String(), true
		}
	}
	var msg string
	if kind == "tag" {
		msg = fmt.Sprintf("invalid value for metric tag '%s': only String, Boolean and Number types are accepted as a metric tag values", key)
	} else {
		msg = fmt.Sprintf("invalid value for metric metadata '%s': only String, Boolean and Number types are accepted as a metric metadata value", key)
	}
	st := m.vu.State()
	if st.Options != nil && st.Options.Throw.Bool {
		panic(m.rt.NewTypeError(msg))
	}
	st.Logger.Warn(msg)
	return "", false
}

// tagsObject is exec.vu.metrics.tags (and exec.vu.tags): a live view of the VU's
// tags.
type tagsObject struct{ m *Module }

func (t *tagsObject) Get(key string) sobek.Value {
	if v, ok := t.m.state().Tags.Get(key); ok {
		return t.m.rt.ToValue(v)
	}
	return nil
}

func (t *tagsObject) Set(key string, val sobek.Value) bool {
	st := t.m.state()
	if s, ok := t.m.tagValue("tag", key, val); ok {
		st.Tags.Set(key, s)
	}
	return true
}

func (t *tagsObject) Has(key string) bool { _, ok := t.m.state().Tags.Get(key); return ok }

func (t *tagsObject) Delete(key string) bool { t.m.state().Tags.Delete(key); return true }

func (t *tagsObject) Keys() []string { return t.m.state().Tags.Keys() }

// metadataObject is exec.vu.metrics.metadata: a live view of the VU's metadata.
type metadataObject struct{ m *Module }

func (d *metadataObject) Get(key string) sobek.Value {
	if v, ok := d.m.state().Metadata.Get(key); ok {
		return d.m.rt.ToValue(v)
	}
	return nil
}

func (d *metadataObject) Set(key string, val sobek.Value) bool {
	st := d.m.state()
	if s, ok := d.m.tagValue("metadata", key, val); ok {
		st.Metadata.Set(key, s)
	}
	return true
}

func (d *metadataObject) Has(key string) bool { _, ok := d.m.state().Metadata.Get(key); return ok }

func (d *metadataObject) Delete(key string) bool { d.m.state().Metadata.Delete(key); return true }

func (d *metadataObject) Keys() []string { return d.m.state().Metadata.Keys() }
