package emutest

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// naiveExport lists every user by following nextLinks, calling between
// before each next page: what a client that trusts paging alone gets.
func naiveExport(t *testing.T, srv *graphemu.Server, eventual bool, between func()) []Exported {
	t.Helper()
	tok := Token(t, srv)
	next := srv.GraphURL() + "/users?$select=id,userPrincipalName&$top=50"
	var out []Exported
	for next != "" {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, next, http.NoBody)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		if eventual {
			req.Header.Set("ConsistencyLevel", "eventual")
		}
		var page struct {
			Value []struct {
				ID  string `json:"id"`
				UPN string `json:"userPrincipalName"`
			} `json:"value"`
			Next string `json:"@odata.nextLink"`
		}
		getJSON(t, srv.HTTPClient(), req, &page)
		for _, u := range page.Value {
			out = append(out, Exported{ID: u.ID, UPN: u.UPN})
		}
		next = page.Next
		between()
	}
	return out
}

// TestExportUnderChurn exports over HTTP while the directory churns
// between pages. In id order, where the page token is a cursor on a key
// that never changes, even a naive export keeps the promise; in UPN order a
// rename can carry a user across the cursor, and the checker must say so
// for renamed users and only for them.
func TestExportUnderChurn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		order    tenant.Order
		lag      time.Duration
		eventual bool
	}{
		{"id order", tenant.OrderID, 0, false},
		{"id order, lagging eventual reads", tenant.OrderID, 20 * time.Millisecond, true},
		{"upn order", tenant.OrderUPN, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tn := Generate(t, tenant.GenerateOptions{Seed: 3, Users: 1500, SharedPrefixShare: 0.4})
			tn.SetDefaultOrder(tc.order)
			tn.SetConsistencyLag(tc.lag)
			srv := Start(t, tn)
			c := Churn(t, tn, tenant.ChurnOptions{Creates: 3, Deletes: 3, Renames: 8, Updates: 2, Restores: 1, Seed: 4})
			before := tn.Snapshot()
			rows := naiveExport(t, srv, tc.eventual, func() {
				if err := c.Step(); err != nil {
					t.Fatal(err)
				}
			})
			events := c.Stop()
			violations := CheckLive(before, events, rows)
			if tc.order == tenant.OrderID {
				if len(violations) > 0 {
					t.Fatalf("%d violations:\n%s", len(violations), strings.Join(violations, "\n"))
				}
				return
			}
			if len(violations) == 0 {
				t.Fatal("no rename crossed the cursor: the churn does not test paging in UPN order")
			}
			renamed := map[string]bool{}
			for _, ev := range events {
				if ev.Kind == tenant.EventRenamed {
					renamed[strings.ToLower(ev.ID)] = true
				}
			}
			for _, v := range violations {
				explained := false
				for id := range renamed {
					explained = explained || strings.Contains(v, id)
				}
				if !explained {
					t.Errorf("a violation that no rename explains: %s", v)
				}
			}
		})
	}
}

// TestCheckLiveCatchesABrokenExport drops and repeats rows of a good
// export.
func TestCheckLiveCatchesABrokenExport(t *testing.T) {
	t.Parallel()
	tn := Generate(t, tenant.GenerateOptions{Seed: 5, Users: 300})
	tn.SetDefaultOrder(tenant.OrderID)
	srv := Start(t, tn)
	before := tn.Snapshot()
	rows := naiveExport(t, srv, false, func() {})
	if v := CheckLive(before, nil, rows); len(v) != 0 {
		t.Fatalf("a still directory: %v", v)
	}
	broken := append(slices.Clone(rows[1:]), rows[7])
	if v := CheckLive(before, nil, broken); len(v) != 2 {
		t.Fatalf("a missing and a repeated user, yet:\n%s", strings.Join(v, "\n"))
	}
}
