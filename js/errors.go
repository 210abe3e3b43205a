package js

import (
	"errors"
	"fmt"
	"strings"

	"github.com/grafana/sobek"
	"github.com/grafana/sobek/parser"
)

// syntaxError formats a parse error as "SyntaxError: path:line:col message".
func syntaxError(err error) error {
	var list parser.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		first := list[0]
		return fmt.Errorf("SyntaxError: %s:%d:%d %s", strings.TrimPrefix(first.Position.Filename, "file://"),
			first.Position.Line, first.Position.Column, first.Message)
	}
	var cse *sobek.CompilerSyntaxError
	if errors.As(err, &cse) && cse.File != nil {
		pos := cse.File.Position(cse.Offset)
		return fmt.Errorf("SyntaxError: %s:%d:%d %s", strings.TrimPrefix(cse.File.Name(), "file://"),
			pos.Line, pos.Column, cse.Message)
	}
	return err
}
