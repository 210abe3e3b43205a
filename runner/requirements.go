package runner

import (
	"fmt"
	"sort"
	"time"

	"github.com/minik6/minik6/options"
	"github.com/minik6/minik6/segment"
)

// Requirements are what a test needs of the instance that runs the tuple's
// segment of it: what k6-operator reads from `inspect --execution-requirements`.
type Requirements struct {
	// MaxVUs is the most VUs the scenarios can need at once (arrival-rate
	// scenarios counted at their maxVUs).
	MaxVUs int64
	// TotalDuration is the latest end of any scenario, graceful stops included.
	TotalDuration time.Duration
}

// ExecutionRequirements computes the requirements of consolidated options
// (scenarios derived) for the segment of t (the whole test when t is nil).
func ExecutionRequirements(o options.Options, t *segment.Tuple) (Requirements, error) {
	if t == nil {
		var err error
		if t, err = segment.NewTuple(nil, nil); err != nil {
			return Requirements{}, err
		}
	}
	var spans []vuSpan
	var req Requirements
	for name, sc := range o.Scenarios {
		ex, err := newExecutor(sc, t)
		if err != nil {
			return Requirements{}, fmt.Errorf("scenario %q: %w", name, err)
		}
		n := ex.initialVUs()
		if a, ok := ex.(interface{ mostVUs() int64 }); ok {
			n = a.mostVUs()
		}
		from := sc.GetStartTime()
		to := from + ex.maxDuration() + sc.GetGracefulStop()
		spans = append(spans, vuSpan{from, to, n})
		req.TotalDuration = max(req.TotalDuration, to)
	}
	req.MaxVUs = peakVUs(spans)
	return req, nil
}

// vuSpan is a number of VUs held from one offset of the test to another.
type vuSpan struct {
	from, to time.Duration
	vus      int64
}

// peakVUs is the most VUs that overlapping spans hold at the same time.
func peakVUs(spans []vuSpan) int64 {
	type edge struct {
		at    time.Duration
		delta int64
	}
	edges := make([]edge, 0, 2*len(spans))
	for _, s := range spans {
		edges = append(edges, edge{s.from, s.vus}, edge{s.to, -s.vus})
	}
	sort.Slice(edges, func(i, j int) bool {
		if edges[i].at != edges[j].at {
			return edges[i].at < edges[j].at
		}
		return edges[i].delta < edges[j].delta
	})
	var cur, peak int64
	for _, e := range edges {
		cur += e.delta
		peak = max(peak, cur)
	}
	return peak
}
