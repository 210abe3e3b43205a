package webcrypto

import (
	"errors"
	"fmt"

	"github.com/grafana/sobek"
)

// The names of the errors the Web Crypto API rejects with: DOMException
// names, and TypeError for an argument of the wrong type.
const (
	errNotSupported  = "NotSupportedError"
	errSyntax        = "SyntaxError"
	errInvalidAccess = "InvalidAccessError"
	errData          = "DataError"
	errOperation     = "OperationError"
	errType          = "TypeError"
)

// webError is a failure the script sees as an error with a DOMException's
// name (or a TypeError).
type webError struct {
	name, message string
}

func (e *webError) Error() string { return e.name + ": " + e.message }

// fail returns a webError named name.
func fail(name, format string, args ...any) *webError {
	return &webError{name: name, message: fmt.Sprintf(format, args...)}
}

// jsError makes err a JavaScript error: a TypeError for errType, otherwise an
// Error named as the DOMException would be. Other errors than webErrors are
// OperationErrors. The name and the message are enumerable own properties,
// so that JSON.stringify shows them as it does in k6.
func (c *webCrypto) jsError(err error) *sobek.Object {
	var we *webError
	if !errors.As(err, &we) {
		we = &webError{name: errOperation, message: err.Error()}
	}
	obj := c.rt.NewTypeError(we.message)
	if we.name != errType {
		_ = obj.SetPrototype(c.errorProto)
	}
	_ = obj.Delete("message") // to come after name
	for _, p := range [][2]string{{"name", we.name}, {"message", we.message}} {
		_ = obj.DefineDataProperty(p[0], c.rt.ToValue(p[1]), sobek.FLAG_TRUE, sobek.FLAG_TRUE, sobek.FLAG_TRUE)
	}
	return obj
}
