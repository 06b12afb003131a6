package emutest

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// Exported is one row of an export: the object id and userPrincipalName it
// holds.
type Exported struct{ ID, UPN string }

// CheckLive checks an export of a directory that changed while it ran:
// before is the tenant's Snapshot taken right before the export started,
// events the Churn events logged while it ran, exported its rows. It returns
// one human-readable line per violation, sorted; none means the export kept
// its promise:
//
//  1. a user that exists for the whole export appears exactly once;
//  2. a user renamed during the export appears exactly once, under any of
//     the names it held;
//  3. a user created or deleted (or restored) during the export appears at
//     most once;
//  4. no object id appears twice.
//
// It also flags rows of users that were never live during the export, rows
// under a name their user did not hold while the export ran, and rows
// without an id. Ids compare case-insensitively, and so do names, as Entra
// ID compares them.
func CheckLive(before map[string]string, events []tenant.Event, exported []Exported) []string {
	hist := replay(before, events)
	var out []string
	rows := map[string][]string{}
	for i, r := range exported {
		if strings.TrimSpace(r.ID) == "" {
			out = append(out, fmt.Sprintf("row %d (%q) has no object id", i+1, r.UPN))
			continue
		}
		id := strings.ToLower(r.ID)
		rows[id] = append(rows[id], r.UPN)
	}
	for _, id := range slices.Sorted(maps.Keys(rows)) {
		out = append(out, checkRows(id, hist[id], rows[id])...)
	}
	for _, id := range slices.Sorted(maps.Keys(hist)) {
		if h := hist[id]; h.atStart && !h.lifeChanged && len(rows[id]) == 0 {
			out = append(out, h.missing(id))
		}
	}
	slices.Sort(out)
	return out
}

// history is what the export may show of one user.
type history struct {
	atStart     bool     // live when the export started
	live        bool     // live after the events so far
	lifeChanged bool     // created, deleted or restored during the export
	renamed     bool     // renamed while the export ran
	names       []string // every name held while live during the export
}

func (h *history) addName(upn string) {
	if upn != "" && !slices.ContainsFunc(h.names, func(n string) bool { return strings.EqualFold(n, upn) }) {
		h.names = append(h.names, upn)
	}
}

// replay follows the events, in sequence order, from the snapshot.
func replay(before map[string]string, events []tenant.Event) map[string]*history {
	hist := make(map[string]*history, len(before))
	for id, upn := range before {
		h := &history{atStart: true, live: true}
		h.addName(upn)
		hist[strings.ToLower(id)] = h
	}
	events = slices.SortedStableFunc(slices.Values(events), func(a, b tenant.Event) int { return cmp.Compare(a.Seq, b.Seq) })
	for _, ev := range events {
		id := strings.ToLower(ev.ID)
		h := hist[id]
		if h == nil {
			h = &history{}
			hist[id] = h
		}
		wasLive := h.live
		switch ev.Kind {
		case tenant.EventCreated, tenant.EventRestored:
			h.live, h.lifeChanged = true, true
		case tenant.EventSoftDeleted, tenant.EventHardDeleted:
			// A hard delete of a user already in deleted items changes
			// nothing the export can see.
			h.lifeChanged = h.lifeChanged || wasLive
			h.live = false
		case tenant.EventRenamed:
			h.renamed = true
		}
		if wasLive {
			h.addName(ev.OldUPN)
		}
		if h.live {
			h.addName(ev.NewUPN)
		}
	}
	return hist
}

// checkRows checks the rows of one id.
func checkRows(id string, h *history, upns []string) []string {
	var out []string
	if len(upns) > 1 {
		out = append(out, fmt.Sprintf("object id %s appears %d times (as %s)", id, len(upns), strings.Join(upns, ", ")))
	}
	if h == nil || len(h.names) == 0 {
		return append(out, fmt.Sprintf("object id %s (%s) was not a live user at any time during the export", id, upns[0]))
	}
	for _, upn := range upns {
		if !slices.ContainsFunc(h.names, func(n string) bool { return strings.EqualFold(n, upn) }) {
			out = append(out, fmt.Sprintf("object id %s is exported as %q, a name it did not hold during the export (it held %s)",
				id, upn, strings.Join(h.names, ", ")))
		}
	}
	return out
}

func (h *history) missing(id string) string {
	if h.renamed {
		return fmt.Sprintf("user %s, renamed during the export (%s), is missing: it lived through the export", id, strings.Join(h.names, " -> "))
	}
	return fmt.Sprintf("user %s (%s) lived through the whole export but is missing", id, h.names[0])
}
