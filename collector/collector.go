// Package collector merges the live results of the instances of a distributed
// test, which k6 cannot do: runners push their mergeable end-of-test state
// ([metrics.State]) every few seconds (the collector output,
// --out collector=URL); the [Collector] keeps the latest of each instance,
// merges them, evaluates the thresholds over the union and, when an
// abortOnFail threshold is crossed, stops every runner — through its REST API
// when it told where that listens, and in the reply to its next push
// otherwise — so that each ends with exit code 99, as a single run would.
package collector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/minik6/minik6/metrics"
)

// PushPath is where runners push their state; AbortPath is the runner REST
// API's endpoint the collector stops them through.
const (
	PushPath  = "/v1/push"
	AbortPath = "/v1/abort"
)

// maxPush bounds a push's body: a state of hundreds of metrics with their
// histograms is well under it.
const maxPush = 64 << 20

// Push is what a runner sends: who it is, where its REST API listens (""
// when it has none), whether the test is over, and its state so far.
type Push struct {
	Instance string         `json:"instance"`
	API      string         `json:"api,omitempty"`
	Final    bool           `json:"final,omitempty"`
	State    *metrics.State `json:"state"`
}

// Reply answers a push: Abort is set once the collector has stopped the test,
// with the reason the runner stops with.
type Reply struct {
	Abort string `json:"abort,omitempty"`
}

// AbortRequest is the body of the runner REST API's POST /v1/abort, in its
// JSON:API form.
type AbortRequest struct {
	Data struct {
		Type       string `json:"type"`
		Attributes struct {
			Reason string `json:"reason"`
		} `json:"attributes"`
	} `json:"data"`
}

// Collector keeps the latest state of every instance. It is an
// http.Handler; call Evaluate periodically to merge and check thresholds.
type Collector struct {
	logger logrus.FieldLogger
	client *http.Client

	mu        sync.Mutex
	instances map[string]*instance
	order     []string // instance names, first push first
	changed   bool     // a push arrived since the last merge
	merged    *metrics.Engine
	abort     string // the abort reason, once decided
	finalized chan struct{}
	want      int // instances to wait for; 0: no limit
	closed    bool
}

type instance struct {
	api   string // the REST API's host:port, "" when none
	final bool
	state *metrics.State
}

// New returns a collector that, when want > 0, reports through Finalized
// once want instances have sent their final state.
func New(want int, logger logrus.FieldLogger) *Collector {
	return &Collector{
		logger: logger, client: &http.Client{Timeout: 10 * time.Second},
		instances: make(map[string]*instance), finalized: make(chan struct{}), want: want,
	}
}

// ServeHTTP takes pushes (POST /v1/push) and shows the merged text summary
// (GET /v1/summary).
func (c *Collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == PushPath && r.Method == http.MethodPost:
		c.push(w, r)
	case r.URL.Path == "/v1/summary" && r.Method == http.MethodGet:
		e, err := c.Merged()
		if err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if e == nil {
			_, _ = io.WriteString(w, "no instance has pushed yet\n")
			return
		}
		_ = e.WriteTextSummary(w, metrics.SummaryOptions{})
	case r.URL.Path == PushPath || r.URL.Path == "/v1/summary":
		http.Error(w, r.Method+" is not allowed here", http.StatusMethodNotAllowed)
	default:
		http.NotFound(w, r)
	}
}

func (c *Collector) push(w http.ResponseWriter, r *http.Request) {
	var p Push
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxPush)).Decode(&p); err != nil {
		http.Error(w, "not a push: "+err.Error(), http.StatusBadRequest)
		return
	}
	if p.Instance == "" || p.State == nil {
		http.Error(w, "a push needs an instance and a state", http.StatusBadRequest)
		return
	}
	if p.State.Format != metrics.StateFormat || p.State.Version < 1 || p.State.Version > metrics.StateVersion {
		http.Error(w, fmt.Sprintf("state format %q version %d: this collector reads %q 1 to %d",
			p.State.Format, p.State.Version, metrics.StateFormat, metrics.StateVersion), http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	in := c.instances[p.Instance]
	if in == nil {
		in = &instance{}
		c.instances[p.Instance] = in
		c.order = append(c.order, p.Instance)
		c.logger.Infof("instance %s joined", p.Instance)
	}
	in.api, in.state, in.final = reachable(p.API, r.RemoteAddr), p.State, p.Final
	c.changed = true
	if c.want > 0 && !c.closed && c.finalCountLocked() >= c.want {
		c.closed = true
		close(c.finalized)
	}
	reply := Reply{Abort: c.abort}
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(reply)
}

// reachable makes a runner's advertised API address one the collector can
// dial: an unspecified host (":6565", "0.0.0.0:6565") becomes the address the
// push came from.
func reachable(api, remote string) string {
	host, port, err := net.SplitHostPort(api)
	if api == "" || err != nil {
		return ""
	}
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		if rh, _, err := net.SplitHostPort(remote); err == nil {
			host = rh
		}
	}
	return net.JoinHostPort(host, port)
}

func (c *Collector) finalCountLocked() int {
	n := 0
	for _, in := range c.instances {
		if in.final {
			n++
		}
	}
	return n
}

// Finalized is closed when the number of instances New was given have all
// sent their final state.
func (c *Collector) Finalized() <-chan struct{} { return c.finalized }

// Merged returns the engine of the instances' merged states (nil before the
// first push), merging again only when a push arrived since.
func (c *Collector) Merged() (*metrics.Engine, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mergedLocked()
}

func (c *Collector) mergedLocked() (*metrics.Engine, error) {
	if !c.changed {
		return c.merged, nil
	}
	states := make([]*metrics.State, 0, len(c.order))
	for _, name := range c.order {
		states = append(states, c.instances[name].state)
	}
	e, err := metrics.MergeStates(states...)
	if err != nil {
		return nil, fmt.Errorf("the instances' states do not merge: %w", err)
	}
	c.merged, c.changed = e, false
	return e, nil
}

// Status is what Evaluate found.
type Status struct {
	Instances, Final int
	Engine           *metrics.Engine // the merged results; nil before the first push
	Crossed          []string        // (sub-)metrics whose thresholds fail now
	Abort            string          // why the test was stopped, once it was
}

// Evaluate merges the instances' latest states and evaluates the thresholds
// over the union, as a run does during the test. When an abortOnFail
// threshold fails, it stops every runner (once).
func (c *Collector) Evaluate(ctx context.Context) (Status, error) {
	c.mu.Lock()
	e, err := c.mergedLocked()
	st := Status{Instances: len(c.instances), Final: c.finalCountLocked(), Engine: e, Abort: c.abort}
	c.mu.Unlock()
	if err != nil || e == nil {
		return st, err
	}
	_, abort := e.EvaluateThresholds(e.TestRunDuration())
	st.Crossed = e.CrossedThresholds()
	if abort != nil {
		st.Abort = c.stopAll(ctx, "thresholds on metrics '"+strings.Join(abort.Crossed, ", ")+
			"' were crossed over all instances; at least one has abortOnFail enabled, stopping the test prematurely")
	}
	return st, nil
}

// stopAll decides the abort (once) and asks every runner with a REST API to
// stop; the others learn it from the reply to their next push.
func (c *Collector) stopAll(ctx context.Context, reason string) string {
	c.mu.Lock()
	if c.abort != "" {
		defer c.mu.Unlock()
		return c.abort
	}
	c.abort = reason
	var apis []string
	for _, name := range c.order {
		if in := c.instances[name]; in.api != "" && !in.final {
			apis = append(apis, in.api)
		}
	}
	c.mu.Unlock()
	sort.Strings(apis)
	var wg sync.WaitGroup
	for _, api := range apis {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.abortRunner(ctx, api, reason); err != nil {
				c.logger.WithError(err).Warnf("could not stop the runner at %s through its REST API; it stops at its next push", api)
			}
		}()
	}
	wg.Wait()
	return reason
}

func (c *Collector) abortRunner(ctx context.Context, api, reason string) error {
	var body AbortRequest
	body.Data.Type = "abort"
	body.Data.Attributes.Reason = reason
	doc, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+api+AbortPath, bytes.NewReader(doc))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return errors.New(resp.Status + ": " + strings.TrimSpace(string(msg)))
	}
	return nil
}

// States returns the instances' latest states, first pushed first.
func (c *Collector) States() []*metrics.State {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]*metrics.State, 0, len(c.order))
	for _, name := range c.order {
		out = append(out, c.instances[name].state)
	}
	return out
}
