package tenant

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// listingSetup is a default order, and in id order a way to scan UPN
// spans: walking the id index, or sorting the users of the spans (each
// is chosen by the size of the spans; the tests force each).
type listingSetup struct {
	name    string
	order   Order
	fewByID int
}

func listingSetups() []listingSetup {
	return []listingSetup{{"upn", OrderUPN, defaultFewByID}, {"id, walking", OrderID, 0}, {"id, sorting spans", OrderID, 1 << 30}}
}

// apply sets the tenant up before any request reads it.
func (ls listingSetup) apply(tn *Tenant) {
	tn.SetDefaultOrder(ls.order)
	tn.mu.Lock()
	defer tn.mu.Unlock()
	tn.settings.fewByID = ls.fewByID
}

func TestOrderIDListing(t *testing.T) {
	t.Parallel()
	mutated := generated(t, 1500, 0.3)
	for i, upn := range expected(t, mutated, "", "")[:40] {
		switch i % 3 {
		case 0:
			mustDo(t, mutated.Update(upn, func(u *User) { u.UserPrincipalName = "moved." + u.UserPrincipalName }))
		case 1:
			mustDo(t, mutated.SoftDelete(upn))
		default:
			mustDo(t, mutated.Add(User{UserPrincipalName: "new." + upn}))
		}
	}
	for _, tc := range []struct {
		name string
		tn   *Tenant
	}{{"generated", generated(t, 1500, 0.3)}, {"mutated", mutated}, {"explicit", fixture(t)}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tn := tc.tn
			tn.SetDefaultOrder(OrderID)
			items, _ := listAll(t, tn, values("$top", "61", "$select", "id,userPrincipalName"), false)
			ids := column(items, "id")
			for i := range ids {
				ids[i] = strings.ToLower(ids[i])
			}
			if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
				t.Fatal("not in strictly ascending id order")
			}
			if want := slices.Sorted(maps.Keys(tn.Snapshot())); !slices.Equal(ids, want) {
				t.Fatalf("%d users listed, want %d", len(ids), len(want))
			}
		})
	}
}

// TestQueriesInBothOrders runs filters, partitions, $search and $orderby
// under both default orders, with and without a lag: the same users, in id
// order without $orderby under OrderID, and in the asked order with it.
func TestQueriesInBothOrders(t *testing.T) {
	t.Parallel()
	cases := []struct {
		q              []string
		filter, search string
		eventual       bool
		byUPN, desc    bool
	}{
		{q: []string{"$top", "70"}},
		{q: []string{"$top", "7"}, filter: "startsWith(userPrincipalName,'user1')"},
		{q: []string{"$top", "999", "$count", "true"}, filter: "not(startsWith(userPrincipalName,'user'))", eventual: true},
		{q: []string{"$top", "90", "$count", "true"}, filter: "userPrincipalName le 'm' and not(startsWith(userPrincipalName,'a'))", eventual: true},
		{q: []string{"$top", "50"}, filter: "accountEnabled eq false"},
		{q: []string{"$top", "33"}, filter: "startsWith(userPrincipalName,'user2') and userType eq 'Member'"},
		{q: []string{"$top", "100", "$count", "true"}, search: `"displayName:a" OR "mail:user3"`, eventual: true},
		{q: []string{"$top", "64", "$orderby", "userPrincipalName"}, byUPN: true},
		{q: []string{"$top", "77", "$orderby", "userPrincipalName desc", "$count", "true"}, byUPN: true, desc: true, eventual: true,
			filter: "startsWith(userPrincipalName,'user1') or startsWith(userPrincipalName,'a') or userPrincipalName le '1'"},
	}
	for _, ls := range listingSetups() {
		for _, lag := range []time.Duration{0, time.Second} {
			tn := generated(t, 3000, 0.6)
			ls.apply(tn)
			tn.SetConsistencyLag(lag)
			order := ls.order
			for _, c := range cases {
				q := values(c.q...)
				q.Set("$select", "id,userPrincipalName")
				if c.filter != "" {
					q.Set("$filter", c.filter)
				}
				if c.search != "" {
					q.Set("$search", c.search)
				}
				t.Run(ls.name+"/"+lag.String()+"/"+q.Encode(), func(t *testing.T) {
					t.Parallel()
					items, _ := listAll(t, tn, q, c.eventual)
					want := expected(t, tn, c.filter, c.search)
					got := column(items, "userPrincipalName")
					if c.eventual {
						pg, err := tn.ListUsers(q, true)
						if err != nil || pg.Count != len(want) {
							t.Fatalf("@odata.count %d, want %d (%v)", pg.Count, len(want), err)
						}
					}
					switch {
					case c.byUPN && c.desc:
						slices.Reverse(want)
					case !c.byUPN && order == OrderID:
						ids := column(items, "id")
						if !slices.IsSortedFunc(ids, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) }) {
							t.Fatal("not in id order")
						}
						got, want = sortedCopy(got), sortedCopy(want)
					}
					if !slices.Equal(got, want) {
						t.Fatalf("%d users, want %d", len(got), len(want))
					}
				})
			}
		}
	}
}

func TestOrderIDToken(t *testing.T) {
	t.Parallel()
	tn := generated(t, 50, 0)
	tn.SetDefaultOrder(OrderID)
	pg, err := tn.ListUsers(values("$top", "10"), false)
	if err != nil || pg.Next == nil {
		t.Fatalf("%v %+v", err, pg)
	}
	pt, oerr := tn.openToken(pg.Next.Get("$skiptoken"))
	if oerr != nil || pt.view != vID || len(pt.key.id) != 36 || pt.key.upn != "" {
		t.Fatalf("token %+v: %v", pt, oerr)
	}
	tn.SetDefaultOrder(OrderUPN)
	_, err = tn.ListUsers(pg.Next, false)
	wantError(t, err, 400, CodeBadRequest, "Invalid Skip Token")
	for _, s := range []string{"upn", "id"} {
		if o, ok := ParseOrder(s); !ok || o.String() != s {
			t.Errorf("ParseOrder(%q) = %v, %v", s, o, ok)
		}
	}
	if _, ok := ParseOrder("displayName"); ok {
		t.Error("ParseOrder accepted displayName")
	}
}
