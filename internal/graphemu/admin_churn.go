package graphemu

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// A harness that measures what a snapshot costs after a known amount of
// change (an incremental export, its changes report) needs the directory
// served by another process to change by exactly that much, at once,
// between two exports: ChurnPath makes a burst of changes now. The same
// seed on the same directory makes the same changes, so two emulators
// started alike and given the same burst serve the same directory.

// MaxBurstEvents bounds one burst: its changes are made one after the
// other under the tenant's lock while the request waits.
const MaxBurstEvents = 1_000_000

// ChurnBurst is what ChurnPath answers: the changes made.
type ChurnBurst struct {
	Seed   int64          `json:"seed"`
	Events int            `json:"events"` // changes made (a change with no candidate is left out)
	Kinds  map[string]int `json:"kinds"`  // changes by kind, named as tenant.EventKind names them
	// ChangedUsers is how many distinct users the changes touched.
	ChangedUsers int `json:"changedUsers"`
	// Users is the number of live users after the burst.
	Users int `json:"users"`
}

// burstOptions split n changes evenly between creates, deletes (soft and
// hard, as a churn round makes them), renames and updates, the remainder
// going to updates: a directory's everyday mix, with as many users leaving
// as arriving.
func burstOptions(n int, seed int64) tenant.ChurnOptions {
	q := n / 4
	return tenant.ChurnOptions{Creates: q, Deletes: q, Renames: q, Updates: n - 3*q, Seed: seed}
}

// Burst makes n changes to tn at once, drawn from seed (one round of a
// tenant.Churn with burstOptions), and says what it made. The changes are
// not in the log EventsPath serves, which is the served churn's.
func Burst(ctx context.Context, tn *tenant.Tenant, n int, seed int64) (ChurnBurst, error) {
	if n < 1 || n > MaxBurstEvents {
		return ChurnBurst{}, fmt.Errorf("graphemu: a burst of %d changes: want 1 to %d", n, MaxBurstEvents)
	}
	if err := ctx.Err(); err != nil {
		return ChurnBurst{}, fmt.Errorf("graphemu: burst: %w", err)
	}
	c := tenant.StartChurn(ctx, tn, burstOptions(n, seed))
	err := c.Step()
	events := c.Stop()
	if err != nil {
		return ChurnBurst{}, fmt.Errorf("graphemu: burst: %w", err)
	}
	out := ChurnBurst{Seed: seed, Events: len(events), Kinds: map[string]int{}, Users: tn.Len()}
	touched := make(map[string]bool, len(events))
	for _, e := range events {
		out.Kinds[e.Kind.String()]++
		touched[strings.ToLower(e.ID)] = true
	}
	out.ChangedUsers = len(touched)
	return out, nil
}

// serveChurnBurst answers POST on ChurnPath?events=N[&seed=S]: N changes
// made now, drawn from S (default: the emulator's seed).
func (s *Server) serveChurnBurst(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		http.Error(w, "method not allowed: POST makes the changes", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	n, err := strconv.Atoi(q.Get("events"))
	if err != nil || n < 1 || n > MaxBurstEvents {
		http.Error(w, fmt.Sprintf(`"events" is the number of changes to make, 1 to %d`, MaxBurstEvents), http.StatusBadRequest)
		return
	}
	seed := s.cfg.Seed
	if v := q.Get("seed"); v != "" {
		if seed, err = strconv.ParseInt(v, 10, 64); err != nil {
			http.Error(w, `"seed" is an integer: `+err.Error(), http.StatusBadRequest)
			return
		}
	}
	burst, err := Burst(r.Context(), s.cfg.Tenant, n, seed)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeAdminJSON(w, "the burst", burst)
}
