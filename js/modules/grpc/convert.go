package grpc

import (
	"errors"

	"github.com/grafana/sobek"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// jsonFuncs finds the runtime's JSON.stringify and JSON.parse, once: messages
// go between JavaScript and protobuf as JSON, the Protobuf JSON mapping.
func (m *Module) jsonFuncs() {
	if m.parse != nil {
		return
	}
	j := m.rt.GlobalObject().Get("JSON").ToObject(m.rt)
	m.stringify, _ = sobek.AssertFunction(j.Get("stringify"))
	m.parse, _ = sobek.AssertFunction(j.Get("parse"))
}

// toJSON is JSON.stringify(v).
func (m *Module) toJSON(v sobek.Value) (string, error) {
	m.jsonFuncs()
	s, err := m.stringify(sobek.Undefined(), v)
	if err != nil {
		return "", err
	}
	if nullish(s) {
		return "", errors.New("the value has no JSON form")
	}
	return s.String(), nil
}

// fromJSON is JSON.parse of data.
func (m *Module) fromJSON(data []byte) (sobek.Value, error) {
	m.jsonFuncs()
	return m.parse(sobek.Undefined(), m.rt.ToValue(string(data)))
}

// metadataObject is headers or trailers as k6 shows them: each key's values
// in an array.
func (m *Module) metadataObject(md metadata.MD) *sobek.Object {
	obj := m.rt.NewObject()
	for k, vs := range md {
		items := make([]any, len(vs))
		for i, v := range vs {
			items[i] = v
		}
		_ = obj.Set(k, m.rt.NewArray(items...))
	}
	return obj
}

// statusObject is a failed call's error as k6 shows it: the google.rpc.Status
// in its JSON form, {code, message, details}.
func (m *Module) statusObject(c *client, err error) sobek.Value {
	s := status.Convert(err)
	if data, err := c.fromProto.Marshal(s.Proto()); err == nil {
		if v, err := m.fromJSON(data); err == nil {
			return v
		}
	}
	obj := m.rt.NewObject()
	_ = obj.Set("code", int(s.Code()))
	_ = obj.Set("message", s.Message())
	_ = obj.Set("details", m.rt.NewArray())
	return obj
}
