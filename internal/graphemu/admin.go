package graphemu

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// CountersPath is where an emulator with Config.CountersEndpoint serves its
// counters: GET reads them, POST reads them and sets them back to zero in
// one step. The path begins with neither a Graph version nor a tenant, so no
// Graph or identity request can reach it, and it answers plain JSON, not
// Graph's envelope: it is the emulator's interface to a harness.
const CountersPath = "/_emulator/counters"

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
	body, err := json.Marshal(c)
	if err != nil {
		http.Error(w, "encoding the counters: "+err.Error(), http.StatusInternalServerError)
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
