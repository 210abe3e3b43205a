package js_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/minik6/minik6/js"
)

// modularScript returns a script that uses twelve functions and constants,
// with the files of the ten local modules and the two remote ones (by URL,
// as an archive holds them) that hold them; with inline, the script holds
// them itself and there are no other files.
func modularScript(inline bool) (script string, files map[string]string, remote map[string][]byte) {
	files, remote = map[string]string{}, map[string][]byte{}
	var src strings.Builder
	for i := range 12 {
		body := fmt.Sprintf("function f%d(x) { return x * %d + 1; }\nconst name%d = 'module %d';\n", i, i, i, i)
		module := "export " + strings.Replace(body, "\nconst", "\nexport const", 1)
		switch {
		case inline:
			src.WriteString(body)
			continue
		case i < 10:
			files[fmt.Sprintf("/test/m%d.js", i)] = module
			fmt.Fprintf(&src, "import { f%d, name%d } from './m%d.js';\n", i, i, i)
		default:
			remote[fmt.Sprintf("https://example.com/lib/r%d.js", i)] = []byte(module)
			fmt.Fprintf(&src, "import { f%d, name%d } from 'https://example.com/lib/r%d.js';\n", i, i, i)
		}
	}
	src.WriteString("export default function () { return f0(1) + f11(1) + name0.length + name11.length; }\n")
	return src.String(), files, remote
}

// benchmarkNewVU makes (and closes) a VU of the script b.N times.
func benchmarkNewVU(b *testing.B, inline bool) {
	script, files, remote := modularScript(inline)
	h := newHost(script, files)
	bundle, err := js.NewBundle(entry, js.Config{FS: h.files, Logger: h.logger, Console: h.console,
		Registry: h.registry, Remote: remote})
	if err != nil {
		b.Fatal(err)
	}
	st := h.state(b, 1)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		v, err := bundle.NewVU(ctx, st)
		if err != nil {
			b.Fatal(err)
		}
		v.Close()
	}
}

// BenchmarkNewVUTwelveModules is a VU whose script imports ten local modules
// and two remote ones.
func BenchmarkNewVUTwelveModules(b *testing.B) { benchmarkNewVU(b, false) }

// BenchmarkNewVUInline is the same script with the modules' code inline.
func BenchmarkNewVUInline(b *testing.B) { benchmarkNewVU(b, true) }
