package graphemu

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// The emulator's own endpoints, for a harness that runs it in another
// process (Config.CountersEndpoint turns them on). Their paths begin with
// neither a Graph version nor a tenant, so no Graph or identity request can
// reach them, and they answer plain JSON, not Graph's envelope. They are
// neither counted nor throttled.
const (
	// CountersPath serves the counters: GET reads them, POST reads them
	// and sets them back to zero in one step.
	CountersPath = "/_emulator/counters"
	// SnapshotPath serves GET: the directory's Snapshot, with the number
	// of churn events it reflects (admin_live.go).
	SnapshotPath = "/_emulator/snapshot"
	// EventsPath serves GET: the churn's events, those after the sequence
	// number in the query's "after" (admin_live.go).
	EventsPath = "/_emulator/events"
	// ChurnPath serves POST: a burst of changes to the directory, made at
	// once and drawn from a seed (admin_churn.go).
	ChurnPath = "/_emulator/churn"
)

// serveAdmin answers a request for one of the emulator's own endpoints and
// reports whether it was one.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) bool {
	switch r.URL.Path {
	case CountersPath:
		s.serveCounters(w, r)
	case SnapshotPath:
		s.serveSnapshot(w, r)
	case EventsPath:
		s.serveEvents(w, r)
	case ChurnPath:
		s.serveChurnBurst(w, r)
	default:
		return false
	}
	return true
}

// serveCounters answers GET and POST on CountersPath with the counters as
// JSON (endpoints by name, statuses as strings: JSON object keys).
func (s *Server) serveCounters(w http.ResponseWriter, r *http.Request) {
	var c Counters
	switch r.Method {
	case http.MethodGet:
		c = s.counters.snapshot()
	case http.MethodPost:
		c = s.counters.reset()
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed: GET reads the counters, POST reads and resets them", http.StatusMethodNotAllowed)
		return
	}
	writeAdminJSON(w, "the counters", c)
}

// onlyGet refuses a request with another method than GET, and says so.
func onlyGet(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet {
		return true
	}
	w.Header().Set("Allow", "GET")
	http.Error(w, "method not allowed: GET only", http.StatusMethodNotAllowed)
	return false
}

// writeAdminJSON answers v as JSON; what names v in an error.
func writeAdminJSON(w http.ResponseWriter, what string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding "+what+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", itoa(len(body)))
	_, _ = w.Write(body) // a write error means the client went away
}

// MarshalText names the endpoint, so that Counters encode readably.
func (e Endpoint) MarshalText() ([]byte, error) {
	if e < EndpointAny || e > EndpointOther {
		return nil, fmt.Errorf("graphemu: no such endpoint %d", int(e))
	}
	return []byte(e.String()), nil
}

// UnmarshalText reads an endpoint by the name String gives it.
func (e *Endpoint) UnmarshalText(text []byte) error {
	for c := EndpointAny; c <= EndpointOther; c++ {
		if c.String() == string(text) {
			*e = c
			return nil
		}
	}
	return fmt.Errorf("graphemu: unknown endpoint %q", text)
}
