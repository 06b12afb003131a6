package tenant

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestConsistencyLagTrailsChurn checks at every second of a churn that the
// eventual view is the directory as it was lag ago, for lists, partition
// filters and counts, in both default orders.
func TestConsistencyLagTrailsChurn(t *testing.T) {
	t.Parallel()
	for _, order := range []Order{OrderUPN, OrderID} {
		t.Run(order.String(), func(t *testing.T) {
			t.Parallel()
			tn := generated(t, 800, 0.5)
			tn.SetDefaultOrder(order)
			clock := newTestClock(tn)
			const lag = 3
			tn.SetConsistencyLag(lag * time.Second)
			snaps := []map[string]string{tn.Snapshot()}
			c := manualChurn(t, tn, ChurnOptions{Creates: 4, Deletes: 4, Renames: 8, Updates: 3, Restores: 1, Seed: 9})
			for sec := 1; sec <= 8; sec++ {
				clock.Advance(time.Second)
				mustDo(t, c.Step())
				snaps = append(snaps, tn.Snapshot())
				want := snaps[max(sec-lag, 0)]
				if got := listed(t, tn, values("$top", "150"), true); !maps.Equal(got, want) {
					t.Fatalf("second %d: the eventual list is not the directory %ds ago", sec, lag)
				}
				if got := listed(t, tn, values("$top", "150"), false); !maps.Equal(got, snaps[sec]) {
					t.Fatalf("second %d: the standard list is not the directory now", sec)
				}
				union := map[string]string{}
				for _, f := range []string{"startsWith(userPrincipalName,'user')", "not(startsWith(userPrincipalName,'user'))"} {
					part := listed(t, tn, values("$top", "99", "$count", "true", "$filter", f), true)
					if n := countEventual(t, tn, f); n != len(part) {
						t.Fatalf("second %d: $count %d, %d listed for %s", sec, n, len(part), f)
					}
					maps.Copy(union, part)
				}
				if !maps.Equal(union, want) || countEventual(t, tn, "") != len(want) {
					t.Fatalf("second %d: the eventual partitions are not the directory %ds ago", sec, lag)
				}
			}
		})
	}
}

// TestPagingUnderChurn changes the directory between every two pages: the
// page token is a cursor in the directory as it then is, so a user that
// lives through the listing unchanged comes exactly once, and in id order
// (where a rename does not move a user) no user comes twice.
func TestPagingUnderChurn(t *testing.T) {
	t.Parallel()
	for _, ls := range listingSetups() {
		for _, filter := range []string{"", "startsWith(userPrincipalName,'user')", "not(startsWith(userPrincipalName,'user'))"} {
			t.Run(ls.name+"/"+filter, func(t *testing.T) {
				t.Parallel()
				tn := generated(t, 2000, 0.4)
				ls.apply(tn)
				order := ls.order
				q := values("$top", "40", "$select", "id", "$count", "true")
				if filter != "" {
					q.Set("$filter", filter)
				}
				want := expected(t, tn, filter, "")
				before := tn.Snapshot()
				c := manualChurn(t, tn, ChurnOptions{Creates: 3, Deletes: 3, Renames: 6, Updates: 2, Restores: 1, Seed: 21})
				seen := map[string]int{}
				for page := 0; q != nil; page++ {
					pg, err := tn.ListUsers(q, true)
					if err != nil {
						t.Fatalf("page %d: %v", page, err)
					}
					for _, id := range column(decode(t, pg.Value), "id") {
						seen[strings.ToLower(id)]++
					}
					q = pg.Next
					mustDo(t, c.Step())
				}
				touched := map[string]bool{}
				for _, ev := range c.Events() {
					touched[strings.ToLower(ev.ID)] = true
				}
				unchanged := 0
				for id, upn := range before {
					if touched[id] || !slices.Contains(want, upn) {
						continue
					}
					unchanged++
					if seen[id] != 1 {
						t.Fatalf("%s (%s) lived through the listing unchanged but came %d times", id, upn, seen[id])
					}
				}
				for id, n := range seen {
					if n > 1 && (order == OrderID || !touched[id]) {
						t.Fatalf("%s came %d times", id, n)
					}
				}
				if unchanged < len(want)/2 || len(c.Events()) < 100 {
					t.Fatalf("only %d users unchanged, %d events: the churn does not test much", unchanged, len(c.Events()))
				}
			})
		}
	}
}
