package js

import (
	"errors"
	"fmt"

	"github.com/grafana/sobek"
)

// syntaxError formats a parse error as file:line:col and its message.
func syntaxError(err error) error {
	var cse *sobek.CompilerSyntaxError
	if errors.As(err, &cse) && cse.File != nil {
		pos := cse.File.Position(cse.Offset)
		return fmt.Errorf("SyntaxError: %s:%d:%d %s", cse.File.Name(), pos.Line, pos.Column, cse.Message)
	}
	return err
}
