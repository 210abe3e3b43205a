package api

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/minik6/minik6/collector"
	"github.com/minik6/minik6/exitcode"
)

// postAbort is minik6's POST /v1/abort, which k6 does not have: the
// collector (`minik6 collect`) stops the test through it when a threshold
// with abortOnFail fails over all instances, and the run ends as a threshold
// abort of its own would: exit code 99, teardown still run.
func (s *Server) postAbort(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxStatusBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, "Couldn't read request", err.Error())
		return
	}
	var req collector.AbortRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, "Invalid data", err.Error())
		return
	}
	reason := req.Data.Attributes.Reason
	if reason == "" {
		writeError(w, http.StatusBadRequest, "Invalid data", "an abort needs a reason")
		return
	}
	s.run.Stop(exitcode.Errorf(exitcode.ThresholdsFailed, "%s", reason))
	writeData(w, statusResource(s.run.Status()))
}
