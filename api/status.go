package api

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/minik6/minik6/exitcode"
	"github.com/minik6/minik6/testrun"
)

// maxStatusBody is the most a PATCH /v1/status body may hold.
const maxStatusBody = 1 << 20

// statusAttributes are a status resource's attributes, as k6 names them.
type statusAttributes struct {
	Status  int   `json:"status"`
	Paused  bool  `json:"paused"`
	VUs     int64 `json:"vus"`
	VUsMax  int64 `json:"vus-max"`
	Stopped bool  `json:"stopped"`
	Running bool  `json:"running"`
	Tainted bool  `json:"tainted"`
}

// statusPatch is what a PATCH /v1/status may change; absent fields change
// nothing. status, running and tainted are read-only and ignored.
type statusPatch struct {
	Data struct {
		Attributes struct {
			Paused  *bool  `json:"paused"`
			VUs     *int64 `json:"vus"`
			VUsMax  *int64 `json:"vus-max"`
			Stopped *bool  `json:"stopped"`
		} `json:"attributes"`
	} `json:"data"`
}

// ErrStoppedViaREST is the cause a REST stop ends the run with (exit code 103).
var ErrStoppedViaREST = exitcode.Errorf(exitcode.StoppedViaREST, "test run stopped from REST API")

// errNoExternalExecutor is k6's answer to a change of vus or vus-max: only
// its externally-controlled executor takes them, and minik6 has none.
const errNoExternalExecutor = "an externally-controlled executor needs to be configured for live configuration updates"

func statusResource(st testrun.Status) resource {
	return resource{Type: "status", ID: "default", Attributes: statusAttributes{
		Status: int(st.Status), Paused: st.Paused, VUs: st.VUs, VUsMax: st.VUsMax,
		Stopped: st.Stopped, Running: st.Running, Tainted: st.Tainted,
	}}
}

func (s *Server) getStatus(w http.ResponseWriter, _ *http.Request) {
	writeData(w, statusResource(s.run.Status()))
}

func (s *Server) patchStatus(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxStatusBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, "Couldn't read request", err.Error())
		return
	}
	var patch statusPatch
	if err := json.Unmarshal(body, &patch); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid data", err.Error())
		return
	}
	attrs := patch.Data.Attributes
	if attrs.Stopped != nil && *attrs.Stopped {
		s.logger.Warn("stopping the test: the REST API was asked to")
		s.run.Stop(ErrStoppedViaREST)
		s.stopOnce.Do(func() { close(s.stopped) })
	}
	if attrs.Paused != nil {
		var err error
		if *attrs.Paused {
			err = s.run.Pause()
		} else {
			err = s.run.Resume()
		}
		if err != nil {
			writeError(w, http.StatusInternalServerError, "Pause error", err.Error())
			return
		}
	}
	if attrs.VUs != nil || attrs.VUsMax != nil {
		writeError(w, http.StatusInternalServerError, "Execution config error", errNoExternalExecutor)
		return
	}
	writeData(w, statusResource(s.run.Status()))
}
