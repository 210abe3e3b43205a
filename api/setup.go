package api

import (
	"encoding/json"
	"io"
	"net/http"
)

// maxSetupBody is the most setup data a PUT /v1/setup may send.
const maxSetupBody = 64 << 20

// setupAttributes hold the setup data as JSON, null when there is none.
type setupAttributes struct {
	Data json.RawMessage `json:"data"`
}

func (s *Server) writeSetupData(w http.ResponseWriter, data []byte) {
	if len(data) == 0 {
		data = []byte("null")
	}
	writeData(w, resource{Type: "setupData", ID: "default", Attributes: setupAttributes{Data: data}})
}

func (s *Server) getSetup(w http.ResponseWriter, _ *http.Request) {
	s.writeSetupData(w, s.run.Runner().SetupData())
}

// putSetup sets the setup data to the body, any JSON value; an empty body
// clears it.
func (s *Server) putSetup(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSetupBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, "Couldn't read request", err.Error())
		return
	}
	if len(body) > 0 && !json.Valid(body) {
		var v any
		err := json.Unmarshal(body, &v)
		writeError(w, http.StatusBadRequest, "Error parsing request body", err.Error())
		return
	}
	var data []byte
	if len(body) > 0 {
		data = body
	}
	s.setupMu.Lock()
	s.run.Runner().SetSetupData(data)
	s.setupMu.Unlock()
	s.writeSetupData(w, data)
}

// postSetup runs setup() and answers with what it returned.
func (s *Server) postSetup(w http.ResponseWriter, r *http.Request) {
	s.setupMu.Lock()
	defer s.setupMu.Unlock()
	data, err := s.run.Runner().RunSetup(r.Context())
	if err != nil {
		writeError(w, http.StatusInternalServerError, "Error executing setup", err.Error())
		return
	}
	s.writeSetupData(w, data)
}

// postTeardown runs teardown() with the setup data.
func (s *Server) postTeardown(w http.ResponseWriter, r *http.Request) {
	s.setupMu.Lock()
	defer s.setupMu.Unlock()
	if err := s.run.Runner().RunTeardown(r.Context()); err != nil {
		writeError(w, http.StatusInternalServerError, "Error executing teardown", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
}
