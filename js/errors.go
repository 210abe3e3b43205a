package js

import (
	"errors"
	"fmt"

	"github.com/grafana/sobek"
	"github.com/grafana/sobek/parser"
)

// reparse parses src again to get the parse error with its position, which
// Sobek's compile functions flatten into a message; it returns err when the
// second parse finds nothing.
func reparse(p string, src []byte, err error, opts ...parser.Option) error {
	if _, perr := parser.ParseFile(nil, locationURL(p), string(src), 0, opts...); perr != nil {
		return perr
	}
	return err
}

// syntaxError formats a parse error as "SyntaxError: path:line:col message".
func syntaxError(err error) error {
	var list parser.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		first := list[0]
		return fmt.Errorf("SyntaxError: %s:%d:%d %s", first.Position.Filename,
			first.Position.Line, first.Position.Column, first.Message)
	}
	var cse *sobek.CompilerSyntaxError
	if errors.As(err, &cse) && cse.File != nil {
		pos := cse.File.Position(cse.Offset)
		return fmt.Errorf("SyntaxError: %s:%d:%d %s", cse.File.Name(),
			pos.Line, pos.Column, cse.Message)
	}
	return err
}
