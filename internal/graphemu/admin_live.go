package graphemu

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// A harness that exports a churning directory from another process checks
// the export with the directory as it was right before (SnapshotPath) and
// the changes made since (EventsPath): the same inputs emutest.CheckLive
// takes in process.

// liveState is the churn whose log the emulator's own endpoints serve.
type liveState struct {
	churn atomic.Pointer[tenant.Churn]
}

// ServeChurn makes SnapshotPath and EventsPath serve c's event log (nil:
// none, as for a directory that holds still). c must change the tenant the
// emulator serves.
func (s *Server) ServeChurn(c *tenant.Churn) { s.live.churn.Store(c) }

// Snapshot is a directory at one instant and how far its churn had come.
type Snapshot struct {
	// Seq is the sequence number of the last churn event the snapshot
	// reflects (0: none): the events made after it have greater ones.
	Seq uint64 `json:"seq"`
	// Users maps the lower-cased object id of every live user to its
	// userPrincipalName (tenant.Tenant.Snapshot).
	Users map[string]string `json:"users"`
}

// snapshotTries bounds the attempts to take a snapshot between two events.
const snapshotTries = 8

// TakeSnapshot takes tn's Snapshot while c (nil: no churn) may be changing
// it, and says which of c's events it reflects. A round of churn holds the
// log's lock from its first event to its last, so when the log is as long
// after the snapshot as before it, no event was made meanwhile and Seq is
// exact. When rounds keep coming while a snapshot is taken (a huge tenant,
// a short interval), the last try's Seq is the last event before it began:
// the few events made meanwhile then count as made after it, which widens
// what a checker allows those users (as changed during the export) and
// never makes it flag a good export.
func TakeSnapshot(ctx context.Context, tn *tenant.Tenant, c *tenant.Churn) (Snapshot, error) {
	if c == nil {
		return Snapshot{Users: tn.Snapshot()}, nil
	}
	var snap Snapshot
	for range snapshotTries {
		if err := ctx.Err(); err != nil {
			return Snapshot{}, fmt.Errorf("snapshot: %w", err)
		}
		before := len(c.Events())
		snap = Snapshot{Seq: uint64(before), Users: tn.Snapshot()}
		if len(c.Events()) == before {
			break
		}
	}
	return snap, nil
}

// ChurnEvent is a tenant.Event as EventsPath writes it, its kind by name.
type ChurnEvent struct {
	Seq    uint64    `json:"seq"`
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	ID     string    `json:"id"`
	OldUPN string    `json:"oldUserPrincipalName,omitempty"`
	NewUPN string    `json:"newUserPrincipalName,omitempty"`
}

func churnEvent(e tenant.Event) ChurnEvent {
	return ChurnEvent{Seq: e.Seq, At: e.At, Kind: e.Kind.String(), ID: e.ID, OldUPN: e.OldUPN, NewUPN: e.NewUPN}
}

// Event is the tenant.Event e stands for.
func (e ChurnEvent) Event() (tenant.Event, error) {
	for k := tenant.EventCreated; k <= tenant.EventUpdated; k++ {
		if k.String() == e.Kind {
			return tenant.Event{Seq: e.Seq, At: e.At, Kind: k, ID: e.ID, OldUPN: e.OldUPN, NewUPN: e.NewUPN}, nil
		}
	}
	return tenant.Event{}, fmt.Errorf("graphemu: churn event %d: unknown kind %q", e.Seq, e.Kind)
}

// ChurnEvents is what EventsPath answers.
type ChurnEvents struct {
	Events []ChurnEvent `json:"events"`
}

// TenantEvents are the events as the tenant logged them.
func (ce ChurnEvents) TenantEvents() ([]tenant.Event, error) {
	out := make([]tenant.Event, len(ce.Events))
	for i, e := range ce.Events {
		var err error
		if out[i], err = e.Event(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// serveSnapshot answers GET on SnapshotPath.
func (s *Server) serveSnapshot(w http.ResponseWriter, r *http.Request) {
	if !onlyGet(w, r) {
		return
	}
	snap, err := TakeSnapshot(r.Context(), s.cfg.Tenant, s.live.churn.Load())
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	writeAdminJSON(w, "the snapshot", snap)
}

// serveEvents answers GET on EventsPath: the events with a sequence number
// greater than the query's "after" (default 0: all), in order.
func (s *Server) serveEvents(w http.ResponseWriter, r *http.Request) {
	if !onlyGet(w, r) {
		return
	}
	var after uint64
	if v := r.URL.Query().Get("after"); v != "" {
		var err error
		if after, err = strconv.ParseUint(v, 10, 64); err != nil {
			http.Error(w, `"after" is a sequence number: `+err.Error(), http.StatusBadRequest)
			return
		}
	}
	out := ChurnEvents{Events: []ChurnEvent{}}
	if c := s.live.churn.Load(); c != nil {
		for _, e := range c.Events() {
			if e.Seq > after {
				out.Events = append(out.Events, churnEvent(e))
			}
		}
	}
	writeAdminJSON(w, "the events", out)
}
