package graph

// What one user's final inner response comes to: a result, a per-user
// error, or the end of the read (with the gate, batch_gate.go).

import (
	"net/http"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// malformedStepError is what finish returns for a 2xx inner body it could not
// use (cut short, or not what the request returns): the batcher retries the
// item as do retries a malformed direct response.
type malformedStepError struct{ err error }

func (m *malformedStepError) Error() string { return m.err.Error() }
func (m *malformedStepError) Unwrap() error { return m.err }

// stepOutcome sorts the final inner response of a step that concerns one
// user. A 2xx body goes to decode, which returns a malformedStepError for a
// body it cannot use. A rejected token (401) ends the read. Anything else
// is a per-user error with Graph's status, code, message and request-id,
// for the caller to name the user and the operation in; a 403 or a server
// failure (5xx) is one only as far as the gate allows: it may end the read
// instead (see stepGate).
func stepOutcome(op string, r *innerResponse, g *stepGate, decode func(body []byte) error) (*directory.UserError, error) {
	switch {
	case r.Status >= 200 && r.Status < 300:
		if err := decode(r.Body); err != nil {
			return nil, err
		}
		g.serve()
		return nil, nil
	case r.Status == http.StatusUnauthorized:
		return nil, r.graphError(op)
	}
	e := r.graphError(op)
	if !gated(e.Status) {
		g.serve()
		return userError(e), nil
	}
	return userError(e), g.fail(e)
}
