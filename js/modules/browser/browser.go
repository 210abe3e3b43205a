// Package browser is the k6/browser module as far as minik6 goes: scripts
// that import it (to share code with browser tests, say) load and run, and
// every use of the browser is refused with one clear message, since minik6
// drives no browser.
package browser

import (
	"errors"

	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
)

func init() {
	modules.Register("k6/browser", modules.ModuleFunc(New))
}

// errNoBrowser is what every browser call rejects or throws with.
var errNoBrowser = errors.New("k6/browser: minik6 does not drive browsers; run browser tests with k6")

// Module is one VU's k6/browser.
type Module struct {
	rt *sobek.Runtime
}

// New makes the module's instance for vu.
func New(vu modules.VU) modules.Instance { return &Module{rt: vu.Runtime()} }

// Exports is the browser object, whose methods all refuse.
func (m *Module) Exports() modules.Exports {
	rejected := func() *sobek.Promise {
		p, _, reject := m.rt.NewPromise()
		_ = reject(m.rt.NewGoError(errNoBrowser))
		return p
	}
	thrown := func() { panic(m.rt.NewGoError(errNoBrowser)) }
	browser := map[string]any{
		"newPage":      rejected,
		"newContext":   rejected,
		"closeContext": rejected,
		"context":      thrown,
		"isConnected":  func() bool { return false },
		"version":      thrown,
	}
	return modules.Exports{Named: map[string]any{"browser": browser, "devices": map[string]any{}}}
}
