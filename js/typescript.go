package js

import (
	"errors"
	"fmt"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// TypeScript: a .ts (or .mts, .cts) script or module is turned into
// JavaScript with esbuild, the well-kept transpiler k6 uses too, before it is
// parsed: types are stripped, enums and the like become JavaScript, and an
// inline source map keeps stack traces and messages on the TypeScript's own
// lines.

// isTypeScript reports whether a module location names a TypeScript file.
func isTypeScript(location string) bool {
	for _, ext := range []string{".ts", ".mts", ".cts"} {
		if strings.HasSuffix(location, ext) {
			return true
		}
	}
	return false
}

// transpile turns TypeScript source into JavaScript; an error reads
// file:line:col as a SyntaxError does.
func transpile(location string, src []byte) ([]byte, error) {
	res := api.Transform(string(src), api.TransformOptions{
		Loader:     api.LoaderTS,
		Sourcefile: locationURL(location),
		Sourcemap:  api.SourceMapInline,
		Target:     api.ES2022,
		Format:     api.FormatDefault,
		Charset:    api.CharsetUTF8,
	})
	if len(res.Errors) > 0 {
		var msgs []string
		for _, e := range res.Errors {
			if e.Location != nil {
				msgs = append(msgs, fmt.Sprintf("%s:%d:%d %s", locationURL(location), e.Location.Line, e.Location.Column+1, e.Text))
			} else {
				msgs = append(msgs, e.Text)
			}
		}
		return nil, errors.New("SyntaxError: " + strings.Join(msgs, "\n"))
	}
	return res.Code, nil
}
