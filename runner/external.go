package runner

import (
	"context"

	"github.com/minik6/minik6/exitcode"
)

// SetupData is the run's setup data as JSON: what setup() returned, or what
// SetSetupData set; nil when there is none.
func (r *Runner) SetupData() []byte {
	if p := r.setupData.Load(); p != nil {
		return *p
	}
	return nil
}

// SetSetupData sets the setup data as JSON (the REST API's PUT /v1/setup).
// The VUs get it when the scenarios start; data set later reaches teardown()
// only.
func (r *Runner) SetSetupData(data []byte) {
	r.setupData.Store(&data)
}

// RunSetup runs setup() on a VU of its own, outside the run's own flow (the
// REST API's POST /v1/setup, for runs with --no-setup), and keeps what it
// returns as the setup data. A script without setup() has nil data.
func (r *Runner) RunSetup(ctx context.Context) ([]byte, error) {
	if !r.cfg.Script.HasFunction("setup") {
		r.SetSetupData(nil)
		return nil, nil
	}
	v, err := r.setupVU(ctx)
	if err != nil {
		return nil, err
	}
	defer v.vu.Close()
	data, err := r.callWithTimeout(ctx, v, "setup", nil,
		r.cfg.Options.GetSetupTimeout(), exitcode.SetupTimeout, "setup()")
	if err != nil {
		return nil, err
	}
	r.SetSetupData(data)
	return data, nil
}

// RunTeardown runs teardown() with the setup data on a VU of its own (the
// REST API's POST /v1/teardown, for runs with --no-teardown).
func (r *Runner) RunTeardown(ctx context.Context) error {
	if !r.cfg.Script.HasFunction("teardown") {
		return nil
	}
	v, err := r.setupVU(ctx)
	if err != nil {
		return err
	}
	defer v.vu.Close()
	data := r.SetupData()
	v.state.setupData = data
	_, err = r.callWithTimeout(ctx, v, "teardown", data,
		r.cfg.Options.GetTeardownTimeout(), exitcode.TeardownTimeout, "teardown()")
	return err
}
