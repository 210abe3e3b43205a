// Package secrets is the k6/secrets module: the run's secret sources
// (--secret-source) for the script. Its default export has get(key), a
// promise of the default source's secret, and source(name), an object whose
// get reads the named source; what they return is redacted from the logs
// from then on.
package secrets

import (
	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
	"github.com/minik6/minik6/secrets"
)

func init() {
	modules.Register("k6/secrets", modules.ModuleFunc(New))
}

// Module is one VU's k6/secrets.
type Module struct {
	vu      modules.VU
	manager *secrets.Manager
}

// New makes the module's instance for vu: the run's Manager is the one
// hooked into the VU's logger (nil without --secret-source).
func New(vu modules.VU) modules.Instance {
	return &Module{vu: vu, manager: secrets.Of(vu.InitEnv().Logger)}
}

// Exports is the default export only, as in k6.
func (m *Module) Exports() modules.Exports {
	obj := m.source(secrets.DefaultName)
	_ = obj.Set("source", m.source)
	return modules.Exports{Default: obj, Named: map[string]any{}}
}

// source is the script's object for the source named name: its get.
func (m *Module) source(name string) *sobek.Object {
	obj := m.vu.Runtime().NewObject()
	_ = obj.Set("get", func(key string) *sobek.Promise { return m.get(name, key) })
	return obj
}

// get fetches a secret off the VU's goroutine and settles the promise on it.
func (m *Module) get(source, key string) *sobek.Promise {
	rt := m.vu.Runtime()
	p, resolve, reject := rt.NewPromise()
	enqueue := m.vu.RegisterCallback()
	ctx := m.vu.Context()
	go func() {
		v, err := m.manager.Get(ctx, source, key)
		enqueue(func() error {
			if err != nil {
				return reject(rt.NewGoError(err))
			}
			return resolve(v)
		})
	}()
	return p
}
