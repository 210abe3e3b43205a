package http

import (
	"context"
	"net/http/httptrace"
	"sync/atomic"
	"time"
)

// reqContext gives each request its context: traced by the request's tracer,
// ended by the request's timeout. exchange calls begin before a request (a
// redirect hop included) and end after it.
type reqContext interface {
	// begin returns the context for a request with the given timeout.
	begin(timeout time.Duration) context.Context
	// end reports whether the timeout ended the request.
	end() (timedOut bool)
	// tracer is the request's tracer.
	tracer() *tracer
}

// onceContext is the context of a batched or async request: its own tracer,
// its own deadline.
type onceContext struct {
	parent context.Context
	tr     *tracer
	cancel context.CancelFunc
	ctx    context.Context
}

func newOnceContext(parent context.Context) *onceContext {
	return &onceContext{parent: parent, tr: newTracer()}
}

func (o *onceContext) tracer() *tracer { return o.tr }

func (o *onceContext) begin(timeout time.Duration) context.Context {
	if o.ctx == nil {
		o.ctx = httptrace.WithClientTrace(o.parent, &o.tr.trace)
		if timeout > 0 {
			o.ctx, o.cancel = context.WithTimeout(o.ctx, timeout)
		}
	}
	return o.ctx
}

func (o *onceContext) end() bool {
	if o.ctx == nil {
		return false
	}
	return o.ctx.Err() == context.DeadlineExceeded
}

func (o *onceContext) release() {
	if o.cancel != nil {
		o.cancel()
	}
}

// vuContext is the context of a VU's sequential requests. Making a traced,
// timed context per request costs a dozen allocations; this one is made once
// per iteration and reused: its timer is re-armed for each request, and a
// timer that fires cancels only its own generation, which is then replaced.
type vuContext struct {
	parent   context.Context
	tr       *tracer
	gen      *ctxGen
	deadline time.Time // of the request in flight, for the fast path
}

// ctxGen is one generation of a vuContext: a context and the timer that
// cancels it.
type ctxGen struct {
	ctx    context.Context
	cancel context.CancelFunc
	timer  *time.Timer
	fired  atomic.Bool
	armed  bool
}

func (v *vuContext) tracer() *tracer { return v.tr }

// use points the context at the iteration's context; a new one (or a tracer
// replaced after an error) starts a new generation.
func (v *vuContext) use(parent context.Context) {
	if v.parent != parent && v.gen != nil {
		v.retire()
	}
	v.parent = parent
}

func (v *vuContext) retire() {
	g := v.gen
	v.gen = nil
	g.timer.Stop()
	g.cancel()
}

func (v *vuContext) begin(timeout time.Duration) context.Context {
	if v.gen == nil {
		g := &ctxGen{}
		traced := httptrace.WithClientTrace(v.parent, &v.tr.trace)
		g.ctx, g.cancel = context.WithCancel(traced)
		cancel := g.cancel
		g.timer = time.AfterFunc(time.Hour, func() {
			g.fired.Store(true)
			cancel()
		})
		g.timer.Stop()
		v.gen = g
	}
	g := v.gen
	v.deadline = time.Time{}
	if timeout > 0 {
		g.timer.Reset(timeout)
		g.armed = true
		v.deadline = time.Now().Add(timeout)
	}
	return g.ctx
}

func (v *vuContext) end() bool {
	g := v.gen
	if g == nil {
		return false
	}
	if g.armed {
		g.armed = false
		if !g.timer.Stop() {
			// fired, or firing: this generation is spent
			timedOut := true
			v.retire()
			return timedOut
		}
	}
	if g.ctx.Err() != nil {
		v.retire()
	}
	return false
}

// fresh replaces the tracer after a failed request (a dial may outlive the
// request and report to it) and starts a new generation.
func (v *vuContext) fresh() {
	v.tr = newTracer()
	if v.gen != nil {
		v.retire()
	}
}
