package api

import (
	"math"
	"net/http"

	"github.com/minik6/minik6/metrics"
)

// metricAttributes are a metric resource's attributes, as k6 names them.
type metricAttributes struct {
	Type     string `json:"type"`
	Contains string `json:"contains"`
	// Tainted is null for a metric without thresholds, else whether one of
	// them failed.
	Tainted *bool              `json:"tainted"`
	Sample  map[string]float64 `json:"sample"`
}

// groupAttributes are a group resource's attributes.
type groupAttributes struct {
	Path   string       `json:"path"`
	Name   string       `json:"name"`
	Checks []checkAttrs `json:"checks"`
}

type checkAttrs struct {
	ID     string `json:"id"`
	Path   string `json:"path"`
	Name   string `json:"name"`
	Passes int64  `json:"passes"`
	Fails  int64  `json:"fails"`
}

// summary is a snapshot of the engine, with the test's trend stats.
func (s *Server) summary(w http.ResponseWriter) (*metrics.Summary, bool) {
	stats := s.run.Test().Options.SummaryTrendStats
	sum, err := s.run.Engine().Summary(metrics.SummaryOptions{TrendStats: stats})
	if err != nil {
		writeError(w, http.StatusInternalServerError, "Metrics error", err.Error())
		return nil, false
	}
	return sum, true
}

func metricResource(m *metrics.SummaryMetric) resource {
	attrs := metricAttributes{Type: m.Type.String(), Contains: m.Contains.String(), Sample: map[string]float64{}}
	for stat, v := range m.Values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) { // JSON has neither; a stat without samples is left out
			attrs.Sample[stat] = v
		}
	}
	if len(m.Thresholds) > 0 {
		tainted := false
		for _, th := range m.Thresholds {
			tainted = tainted || !th.OK
		}
		attrs.Tainted = &tainted
	}
	return resource{Type: "metrics", ID: m.Name, Attributes: attrs}
}

func (s *Server) getMetrics(w http.ResponseWriter, _ *http.Request) {
	sum, ok := s.summary(w)
	if !ok {
		return
	}
	list := make([]resource, 0, len(sum.Metrics))
	for _, m := range sum.Metrics {
		list = append(list, metricResource(m))
	}
	writeData(w, list)
}

func (s *Server) getMetric(w http.ResponseWriter, r *http.Request) {
	sum, ok := s.summary(w)
	if !ok {
		return
	}
	id := r.PathValue("id")
	for _, m := range sum.Metrics {
		if m.Name == id {
			writeData(w, metricResource(m))
			return
		}
	}
	writeError(w, http.StatusNotFound, "Not Found", "No metric with that ID was found")
}

// groupList flattens the group tree, parents first, with each group's parent.
func groupList(root *metrics.GroupResult) []resource {
	var out []resource
	var walk func(g, parent *metrics.GroupResult)
	walk = func(g, parent *metrics.GroupResult) {
		out = append(out, groupResource(g, parent))
		for _, c := range g.Groups {
			walk(c, g)
		}
	}
	if root != nil {
		walk(root, nil)
	}
	return out
}

func groupResource(g, parent *metrics.GroupResult) resource {
	attrs := groupAttributes{Path: g.Path, Name: g.Name, Checks: make([]checkAttrs, 0, len(g.Checks))}
	for _, c := range g.Checks {
		attrs.Checks = append(attrs.Checks, checkAttrs{ID: c.ID, Path: c.Path, Name: c.Name, Passes: c.Passes, Fails: c.Fails})
	}
	children := make([]identifier, 0, len(g.Groups))
	for _, c := range g.Groups {
		children = append(children, identifier{Type: "groups", ID: c.ID})
	}
	var p any // JSON null for the root group
	if parent != nil {
		p = identifier{Type: "groups", ID: parent.ID}
	}
	return resource{Type: "groups", ID: g.ID, Attributes: attrs, Relationships: map[string]relationship{
		"groups": {Data: children}, "parent": {Data: p},
	}}
}

func (s *Server) getGroups(w http.ResponseWriter, _ *http.Request) {
	sum, ok := s.summary(w)
	if !ok {
		return
	}
	writeData(w, groupList(sum.RootGroup))
}

func (s *Server) getGroup(w http.ResponseWriter, r *http.Request) {
	sum, ok := s.summary(w)
	if !ok {
		return
	}
	id := r.PathValue("id")
	for _, g := range groupList(sum.RootGroup) {
		if g.ID == id {
			writeData(w, g)
			return
		}
	}
	writeError(w, http.StatusNotFound, "Not Found", "No group with that ID was found")
}
