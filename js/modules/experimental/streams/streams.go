// Package streams is the k6/experimental/streams module: the Streams API's
// ReadableStream for default (not byte) streams, as k6 ships it — the
// constructor with an underlying source (start, pull, cancel) and a queuing
// strategy, getReader() and its ReadableStreamDefaultReader (read,
// releaseLock, cancel, closed), the controller (enqueue, close, error,
// desiredSize) and CountQueuingStrategy. It follows the WHATWG Streams
// Standard's algorithms; every promise settles through the VU's promise
// jobs, so the source may produce from timers or other modules' callbacks.
package streams

import (
	"math"

	"github.com/grafana/sobek"

	"github.com/minik6/minik6/js/modules"
)

func init() {
	modules.Register("k6/experimental/streams", modules.ModuleFunc(New))
}

// Module is one VU's k6/experimental/streams.
type Module struct {
	rt *sobek.Runtime
}

// New makes the module's instance for vu.
func New(vu modules.VU) modules.Instance { return &Module{rt: vu.Runtime()} }

// Exports are the constructors k6 exports.
func (m *Module) Exports() modules.Exports {
	return modules.Exports{Named: map[string]any{
		"ReadableStream":              m.newStream,
		"ReadableStreamDefaultReader": m.newReader,
		"CountQueuingStrategy":        m.newCountStrategy,
	}}
}

// goValue keys the Go side of a stream object, so that a stream passed back
// (to the reader's constructor) is found.
var goValue = sobek.NewSymbol("k6/experimental/streams")

// The states of a stream.
const (
	readable = iota
	closed
	errored
)

// stream is a ReadableStream.
type stream struct {
	m         *Module
	state     int
	storedErr sobek.Value
	reader    *reader // nil when unlocked
	ctrl      *controller
}

// controller is a ReadableStreamDefaultController: the queue and the
// underlying source's algorithms.
type controller struct {
	s                   *stream
	obj                 *sobek.Object
	queue               []chunk
	queueTotal          float64
	hwm                 float64
	size                sobek.Callable // nil: every chunk counts 1
	source              sobek.Value
	pull, cancel        sobek.Callable // nil when absent or cleared
	started, closeAsked bool
	pulling, pullAgain  bool
}

type chunk struct {
	value sobek.Value
	size  float64
}

// reader is a ReadableStreamDefaultReader.
type reader struct {
	s            *stream // nil once released
	closed       *sobek.Promise
	settleClosed func(err sobek.Value) // resolves (nil) or rejects closed
	requests     []readRequest
}

type readRequest struct {
	resolve, reject func(any) error
}

// throw raises a JavaScript error made by ctor ("TypeError", "RangeError").
func (m *Module) throw(ctor, msg string) {
	panic(m.jsError(ctor, msg))
}

// jsError makes an error of the global constructor ctor.
func (m *Module) jsError(ctor, msg string) *sobek.Object {
	c, _ := sobek.AssertConstructor(m.rt.Get(ctor))
	obj, err := c(nil, m.rt.ToValue(msg))
	if err != nil {
		panic(err)
	}
	return obj
}

// exception is the value a Go error from a JavaScript call stands for.
func exception(rt *sobek.Runtime, err error) sobek.Value {
	if ex, ok := err.(*sobek.Exception); ok {
		return ex.Value()
	}
	return rt.NewGoError(err)
}

// settled returns a promise resolved with v (adopting v if it is a
// thenable), or rejected with err's value.
func (m *Module) settled(v sobek.Value, err error) *sobek.Promise {
	p, resolve, reject := m.rt.NewPromise()
	if err != nil {
		_ = reject(exception(m.rt, err))
	} else {
		_ = resolve(v)
	}
	return p
}

// rejected returns a promise rejected with e.
func (m *Module) rejected(e sobek.Value) *sobek.Promise {
	p, _, reject := m.rt.NewPromise()
	_ = reject(e)
	return p
}

// upon runs onOK or onErr when p settles (as promise jobs).
func (m *Module) upon(p *sobek.Promise, onOK, onErr func(sobek.Value)) {
	then, _ := sobek.AssertFunction(m.rt.ToValue(p).ToObject(m.rt).Get("then"))
	wrap := func(f func(sobek.Value)) sobek.Value {
		return m.rt.ToValue(func(call sobek.FunctionCall) sobek.Value {
			f(call.Argument(0))
			return sobek.Undefined()
		})
	}
	if _, err := then(m.rt.ToValue(p), wrap(onOK), wrap(onErr)); err != nil {
		panic(err)
	}
}

// method returns the function at name of an underlying source, nil when
// absent; anything else is a TypeError.
func (m *Module) method(obj *sobek.Object, name string) sobek.Callable {
	v := obj.Get(name)
	if v == nil || sobek.IsUndefined(v) {
		return nil
	}
	fn, ok := sobek.AssertFunction(v)
	if !ok {
		m.throw("TypeError", "underlyingSource."+name+" must be a function")
	}
	return fn
}

// newStream is new ReadableStream([underlyingSource[, strategy]]).
func (m *Module) newStream(call sobek.ConstructorCall) *sobek.Object {
	rt := m.rt
	hwm, size := m.strategy(call.Argument(1))
	s := &stream{m: m}
	c := &controller{s: s, hwm: hwm, size: size}
	s.ctrl = c
	var start sobek.Callable
	if src := call.Argument(0); !sobek.IsUndefined(src) && !sobek.IsNull(src) {
		obj, ok := src.(*sobek.Object)
		if !ok {
			m.throw("TypeError", "underlyingSource must be an object")
		}
		if t := obj.Get("type"); t != nil && !sobek.IsUndefined(t) {
			if t.String() == "bytes" {
				m.throw("TypeError", "'bytes' stream is not supported yet")
			}
			m.throw("TypeError", "underlyingSource.type must be undefined or 'bytes'")
		}
		c.source = obj
		start, c.pull, c.cancel = m.method(obj, "start"), m.method(obj, "pull"), m.method(obj, "cancel")
	}
	c.obj = m.controllerObject(c)
	obj := call.This
	_ = obj.DefineDataPropertySymbol(goValue, rt.ToValue(s), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_FALSE)
	_ = obj.DefineAccessorProperty("locked", rt.ToValue(func() bool { return s.reader != nil }), nil,
		sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	_ = obj.Set("getReader", func(opts sobek.Value) *sobek.Object {
		if obj, ok := opts.(*sobek.Object); ok {
			if mode := obj.Get("mode"); mode != nil && !sobek.IsUndefined(mode) {
				m.throw("TypeError", "the 'byob' reader mode is not supported")
			}
		}
		return m.readerFor(s, nil)
	})
	_ = obj.Set("cancel", func(reason sobek.Value) *sobek.Promise {
		if s.reader != nil {
			return m.rejected(m.jsError("TypeError", "cannot cancel a stream locked to a reader"))
		}
		return s.cancel(reason)
	})
	// The start algorithm: the source's start(controller), its result a
	// promise; then pull as needed.
	var started sobek.Value = sobek.Undefined()
	if start != nil {
		v, err := start(c.source, c.obj)
		if err != nil {
			panic(err)
		}
		started = v
	}
	m.upon(m.settled(started, nil), func(sobek.Value) {
		c.started = true
		c.pullIfNeeded()
	}, c.error)
	return nil
}

// strategy reads a queuing strategy: its highWaterMark (1 by default, a
// non-negative number) and size function.
func (m *Module) strategy(v sobek.Value) (float64, sobek.Callable) {
	if v == nil || sobek.IsUndefined(v) || sobek.IsNull(v) {
		return 1, nil
	}
	obj := v.ToObject(m.rt)
	hwm := 1.0
	if h := obj.Get("highWaterMark"); h != nil && !sobek.IsUndefined(h) {
		hwm = h.ToFloat()
		if math.IsNaN(hwm) || hwm < 0 {
			m.throw("RangeError", "highWaterMark must be a non-negative number")
		}
	}
	var size sobek.Callable
	if sz := obj.Get("size"); sz != nil && !sobek.IsUndefined(sz) {
		fn, ok := sobek.AssertFunction(sz)
		if !ok {
			m.throw("TypeError", "strategy.size must be a function")
		}
		size = fn
	}
	return hwm, size
}

// newCountStrategy is new CountQueuingStrategy({ highWaterMark }): every
// chunk counts 1.
func (m *Module) newCountStrategy(call sobek.ConstructorCall) *sobek.Object {
	init, ok := call.Argument(0).(*sobek.Object)
	var hwm sobek.Value
	if ok {
		hwm = init.Get("highWaterMark")
	}
	if hwm == nil || sobek.IsUndefined(hwm) {
		m.throw("TypeError", "CountQueuingStrategy needs an object with a highWaterMark")
	}
	_ = call.This.DefineDataProperty("highWaterMark", m.rt.ToValue(hwm.ToFloat()), sobek.FLAG_FALSE, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	_ = call.This.Set("size", func() int { return 1 })
	return nil
}

// controllerObject makes the script's ReadableStreamDefaultController.
func (m *Module) controllerObject(c *controller) *sobek.Object {
	obj := m.rt.NewObject()
	_ = obj.DefineAccessorProperty("desiredSize", m.rt.ToValue(func() sobek.Value {
		switch c.s.state {
		case errored:
			return sobek.Null()
		case closed:
			return m.rt.ToValue(0)
		}
		return m.rt.ToValue(c.hwm - c.queueTotal)
	}), nil, sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	_ = obj.Set("enqueue", func(v sobek.Value) {
		if !c.canCloseOrEnqueue() {
			m.throw("TypeError", "cannot enqueue a chunk into a readable stream that is closed or has been requested to be closed")
		}
		c.enqueue(v)
	})
	_ = obj.Set("close", func() {
		if !c.canCloseOrEnqueue() {
			m.throw("TypeError", "cannot close a readable stream that is closed or has been requested to be closed")
		}
		c.closeAsked = true
		if len(c.queue) == 0 {
			c.clearAlgorithms()
			c.s.close()
		}
	})
	_ = obj.Set("error", func(e sobek.Value) { c.error(e) })
	return obj
}

func (c *controller) canCloseOrEnqueue() bool { return !c.closeAsked && c.s.state == readable }

// enqueue hands the chunk to a waiting read, or queues it with its size.
func (c *controller) enqueue(v sobek.Value) {
	s, m := c.s, c.s.m
	if s.reader != nil && len(s.reader.requests) > 0 {
		s.reader.fulfill(v, false)
	} else {
		size := 1.0
		if c.size != nil {
			r, err := c.size(sobek.Undefined(), v)
			if err != nil {
				ex := exception(m.rt, err)
				c.error(ex)
				panic(ex)
			}
			size = r.ToFloat()
		}
		if math.IsNaN(size) || math.IsInf(size, 0) || size < 0 {
			e := m.jsError("RangeError", "the size of a chunk must be a finite, non-negative number")
			c.error(e)
			panic(e)
		}
		c.queue = append(c.queue, chunk{value: v, size: size})
		c.queueTotal += size
	}
	c.pullIfNeeded()
}

// error makes the stream errored with e, if it is still readable.
func (c *controller) error(e sobek.Value) {
	if c.s.state != readable {
		return
	}
	c.queue, c.queueTotal = nil, 0
	c.clearAlgorithms()
	c.s.fail(e)
}

func (c *controller) clearAlgorithms() { c.pull, c.cancel, c.size = nil, nil, nil }

// pullIfNeeded calls the source's pull when the stream wants chunks: a read
// waits, or the queue is below the high-water mark. One pull at a time;
// a pull asked for meanwhile follows it.
func (c *controller) pullIfNeeded() {
	s := c.s
	if !c.canCloseOrEnqueue() || !c.started {
		return
	}
	waiting := s.reader != nil && len(s.reader.requests) > 0
	if !waiting && c.hwm-c.queueTotal <= 0 {
		return
	}
	if c.pulling {
		c.pullAgain = true
		return
	}
	c.pulling = true
	var p *sobek.Promise
	if c.pull == nil {
		p = s.m.settled(sobek.Undefined(), nil)
	} else {
		p = s.m.settled(c.pull(c.source, c.obj))
	}
	s.m.upon(p, func(sobek.Value) {
		c.pulling = false
		if c.pullAgain {
			c.pullAgain = false
			c.pullIfNeeded()
		}
	}, c.error)
}

// close makes the stream closed: the reader's closed promise resolves, the
// waiting reads are done.
func (s *stream) close() {
	s.state = closed
	if r := s.reader; r != nil {
		r.settleClosed(nil)
		for len(r.requests) > 0 {
			r.fulfill(sobek.Undefined(), true)
		}
	}
}

// fail makes the stream errored: the reader's closed promise and the
// waiting reads reject with e.
func (s *stream) fail(e sobek.Value) {
	s.state, s.storedErr = errored, e
	if r := s.reader; r != nil {
		r.settleClosed(e)
		requests := r.requests
		r.requests = nil
		for _, req := range requests {
			_ = req.reject(e)
		}
	}
}

// cancel is ReadableStreamCancel: the stream closes, the queue is dropped
// and the source's cancel(reason) runs; the promise resolves with
// undefined when that is done.
func (s *stream) cancel(reason sobek.Value) *sobek.Promise {
	m := s.m
	switch s.state {
	case closed:
		return m.settled(sobek.Undefined(), nil)
	case errored:
		return m.rejected(s.storedErr)
	}
	s.close()
	c := s.ctrl
	c.queue, c.queueTotal = nil, 0
	var done *sobek.Promise
	if c.cancel == nil {
		done = m.settled(sobek.Undefined(), nil)
	} else {
		done = m.settled(c.cancel(c.source, reason))
	}
	c.clearAlgorithms()
	p, resolve, reject := m.rt.NewPromise()
	m.upon(done, func(sobek.Value) { _ = resolve(sobek.Undefined()) }, func(e sobek.Value) { _ = reject(e) })
	return p
}

// newReader is new ReadableStreamDefaultReader(stream).
func (m *Module) newReader(call sobek.ConstructorCall) *sobek.Object {
	var s *stream
	if obj, ok := call.Argument(0).(*sobek.Object); ok {
		if v := obj.GetSymbol(goValue); v != nil {
			s, _ = v.Export().(*stream)
		}
	}
	if s == nil {
		m.throw("TypeError", "ReadableStreamDefaultReader needs a ReadableStream")
	}
	m.readerFor(s, call.This)
	return nil
}

// readerFor locks s to a new reader, made on obj (a new object when nil).
func (m *Module) readerFor(s *stream, obj *sobek.Object) *sobek.Object {
	if s.reader != nil {
		m.throw("TypeError", "the stream is already locked to a reader")
	}
	rt := m.rt
	if obj == nil {
		obj = rt.NewObject()
	}
	r := &reader{s: s}
	s.reader = r
	r.resetClosed()
	switch s.state {
	case closed:
		r.settleClosed(nil)
	case errored:
		r.settleClosed(s.storedErr)
	}
	_ = obj.DefineAccessorProperty("closed", rt.ToValue(func() *sobek.Promise { return r.closed }), nil,
		sobek.FLAG_FALSE, sobek.FLAG_TRUE)
	_ = obj.Set("read", func() *sobek.Promise {
		if r.s == nil {
			return m.rejected(m.jsError("TypeError", "the reader has been released"))
		}
		p, resolve, reject := rt.NewPromise()
		r.read(readRequest{resolve: resolve, reject: reject})
		return p
	})
	_ = obj.Set("releaseLock", func() { r.release() })
	_ = obj.Set("cancel", func(reason sobek.Value) *sobek.Promise {
		if r.s == nil {
			return m.rejected(m.jsError("TypeError", "the reader has been released"))
		}
		return r.s.cancel(reason)
	})
	return obj
}

// resetClosed gives the reader a new pending closed promise.
func (r *reader) resetClosed() {
	p, resolve, reject := r.s.m.rt.NewPromise()
	r.closed = p
	settled := false
	r.settleClosed = func(err sobek.Value) {
		if settled {
			return
		}
		settled = true
		if err != nil {
			_ = reject(err)
			return
		}
		_ = resolve(sobek.Undefined())
	}
}

// read takes the next chunk: from the queue, or when the source enqueues it.
func (r *reader) read(req readRequest) {
	s := r.s
	switch s.state {
	case closed:
		_ = req.resolve(result(s.m.rt, sobek.Undefined(), true))
		return
	case errored:
		_ = req.reject(s.storedErr)
		return
	}
	c := s.ctrl
	if len(c.queue) == 0 {
		r.requests = append(r.requests, req)
		c.pullIfNeeded()
		return
	}
	next := c.queue[0]
	c.queue = c.queue[1:]
	c.queueTotal = math.Max(0, c.queueTotal-next.size)
	if c.closeAsked && len(c.queue) == 0 {
		c.clearAlgorithms()
		s.close()
	} else {
		c.pullIfNeeded()
	}
	_ = req.resolve(result(s.m.rt, next.value, false))
}

// fulfill settles the oldest waiting read.
func (r *reader) fulfill(v sobek.Value, done bool) {
	req := r.requests[0]
	r.requests = r.requests[1:]
	_ = req.resolve(result(r.s.m.rt, v, done))
}

// release unlocks the stream: the closed promise and the waiting reads
// reject with a TypeError.
func (r *reader) release() {
	s := r.s
	if s == nil {
		return
	}
	m := s.m
	released := m.jsError("TypeError", "the reader has been released")
	if s.state != readable {
		r.resetClosed()
	}
	r.settleClosed(released)
	s.reader, r.s = nil, nil
	requests := r.requests
	r.requests = nil
	for _, req := range requests {
		_ = req.reject(released)
	}
}

// result is a read's { value, done }.
func result(rt *sobek.Runtime, v sobek.Value, done bool) *sobek.Object {
	obj := rt.NewObject()
	_ = obj.Set("value", v)
	_ = obj.Set("done", done)
	return obj
}
