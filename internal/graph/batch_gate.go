package graph

import (
	"context"
	"net/http"
	"sync"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// stepGate decides, for one read and one per-user operation (the
// authentication methods, or the lookups of named users), whether a step
// that failed with 403 or a server error (5xx, after its retries) is that
// user's error or the whole export's.
//
// Graph answers 403 for one user when the app may read most users but not
// that one (the methods of an administrator, say), and 403 for every user
// when a permission is missing; a server failure may hit one user's
// requests or all of them. Only the first kind concerns one user: once any
// step of the operation is served, such failures are per-user errors. Until
// then they are held back, and when a full $batch worth of steps has failed
// with none served, the read ends with the first failure (a 403 preferred,
// for its permission advice), so that a missing permission fails as fast
// as before instead of after a request per user. A read that ends with
// failures held and none served fails with that error too (close).
type stepGate struct {
	mu      sync.Mutex
	served  bool
	failed  int                   // gated failures while nothing was served
	first   *Error                // the failure a whole-export error reports
	pending []directory.UserError // gated per-user errors not yet reported; fewer than maxBatchSize
}

// gated reports whether a final step status is one the gate judges.
func gated(status int) bool {
	return status == http.StatusForbidden || status >= http.StatusInternalServerError
}

// serve records a step Graph served: a 2xx, or a refusal that concerns the
// user alone (404), which shows the app may use the operation.
func (g *stepGate) serve() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.served = true
}

// fail records a gated failure. It returns the error that ends the read
// when a full batch's worth of steps failed and none was served.
func (g *stepGate) fail(e *Error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.served {
		return nil
	}
	g.failed++
	if g.first == nil || (g.first.Status != http.StatusForbidden && e.Status == http.StatusForbidden) {
		g.first = e
	}
	if g.failed >= maxBatchSize {
		return g.first
	}
	return nil
}

// report hands a per-user error to sink, or holds it back while it is a
// gated one and nothing has been served; held errors go out with the first
// report after a step was served.
func (g *stepGate) report(ctx context.Context, sink directory.Sink, e directory.UserError) {
	g.mu.Lock()
	if gated(e.Status) && !g.served {
		g.pending = append(g.pending, e)
		g.mu.Unlock()
		return
	}
	held := g.release()
	g.mu.Unlock()
	for _, h := range held {
		sink.UserError(ctx, h)
	}
	sink.UserError(ctx, e)
}

// release takes the held errors once a step was served; g.mu is held.
func (g *stepGate) release() []directory.UserError {
	if !g.served {
		return nil
	}
	held := g.pending
	g.pending = nil
	return held
}

// close ends the operation for the read: the held errors become per-user
// errors if any step was served; otherwise a gated failure is the whole
// export's error.
func (g *stepGate) close(ctx context.Context, sink directory.Sink) error {
	g.mu.Lock()
	held := g.release()
	first, served := g.first, g.served
	g.mu.Unlock()
	for _, h := range held {
		sink.UserError(ctx, h)
	}
	if !served && first != nil {
		return first
	}
	return nil
}

// userError is the per-user error of a failed step, for the caller to name
// the user and the operation in.
func userError(e *Error) *directory.UserError {
	return &directory.UserError{Status: e.Status, Code: e.Code, Message: e.Message, RequestID: e.RequestID}
}
