package graph

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// mutatingAt runs change once, right after Graph answered the nth list page
// (first pages and next pages alike), while the read is under way.
func mutatingAt(n int64, change func()) func(http.Handler) http.Handler {
	var pages atomic.Int64
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			if strings.HasSuffix(r.URL.Path, "/users") && r.URL.Query().Get("$top") == "999" && pages.Add(1) == n {
				change()
			}
		})
	}
}

// liveUsers is the tenant's users as they stand: id -> userPrincipalName.
func liveUsers(tn *tenant.Tenant) map[string]string {
	m := map[string]string{}
	for u := range tn.Users() {
		m[strings.ToLower(u.ID)] = u.UserPrincipalName
	}
	return m
}

// checkCurrent fails unless the read delivered each of the tenant's users
// once, under its current name, and nobody else.
func checkCurrent(t *testing.T, sink *collector, tn *tenant.Tenant) {
	t.Helper()
	checkExactly(t, sink.ids(), emutest.IDs(tn, nil))
	want := liveUsers(tn)
	stale := 0
	for i := range sink.users {
		u := &sink.users[i]
		if name, ok := want[strings.ToLower(u.ID)]; ok && name != u.UserPrincipalName {
			stale++
			if stale <= 3 {
				t.Errorf("user %s delivered as %q, now named %q", u.ID, u.UserPrincipalName, name)
			}
		}
	}
}

// users returns the tenant's users in UPN order.
func usersOf(tn *tenant.Tenant) []tenant.User {
	return slices.Collect(tn.Users())
}

// A user renamed from a range not listed yet into one listed already is
// met by no chain, and no count notices; the change log taken before the
// listing does.
func TestRenameIntoListedRangeIsReconciled(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 31, Users: 3000})
	srv := emutest.Start(t, tn)
	all := usersOf(tn)
	last, lastButOne := all[len(all)-1], all[len(all)-2]
	change := func() {
		// One chain walks the names up; after its second page, the last
		// user moves to the very front (passed already), and the one
		// before it is deleted before the chain reaches it.
		if err := tn.Update(last.ID, func(u *tenant.User) { u.UserPrincipalName = "0000.renamed@" + tn.Domain() }); err != nil {
			t.Error(err)
		}
		if err := tn.SoftDelete(lastButOne.ID); err != nil {
			t.Error(err)
		}
	}
	c := proxied(t, srv, mutatingAt(2, change)).WithConcurrency(1)
	var sink collector
	if err := c.Users(t.Context(), directory.Query{Select: listColumns()}, &sink); err != nil {
		t.Fatalf("Users: %v", err)
	}
	checkCurrent(t, &sink, tn)
	if sink.replaces == 0 {
		t.Error("the read made no reconciliation: the test proves less than it says")
	}
}

// Users created, deleted and renamed anywhere in the name space while many
// chains list (into ranges already listed, not listed yet, or empty when the
// plan was made) are each delivered once, as they stand at the end.
func TestChangesDuringPartitionedListing(t *testing.T) {
	t.Parallel()
	for _, order := range []string{"upn", "id"} {
		t.Run("order="+order, func(t *testing.T) {
			t.Parallel()
			tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 32, Users: 12000, SharedPrefixShare: 0.3})
			if order == "id" {
				tn.SetDefaultOrder(tenant.OrderID)
			}
			srv := emutest.Start(t, tn)
			rng := rand.New(rand.NewPCG(32, 1)) //nolint:gosec // test data
			var mu sync.Mutex
			round := func() {
				mu.Lock()
				defer mu.Unlock()
				mutateRandomly(t, tn, rng, 40)
			}
			c := proxied(t, srv, func(next http.Handler) http.Handler {
				return mutatingAt(3, round)(mutatingAt(9, round)(mutatingAt(15, round)(next)))
			})
			var sink collector
			if err := c.Users(t.Context(), directory.Query{Select: listColumns()}, &sink); err != nil {
				t.Fatalf("Users: %v", err)
			}
			checkCurrent(t, &sink, tn)
		})
	}
}

// mutateRandomly makes n changes: renames to names anywhere (before, after
// and between existing ones, other scripts), creations and deletions.
func mutateRandomly(t *testing.T, tn *tenant.Tenant, rng *rand.Rand, n int) {
	t.Helper()
	all := usersOf(tn)
	prefixes := []string{"0", "aaa", "james.zz", "jim.", "zzz", "_x", "élodie.", "иван.", "~", "m"}
	for i := range n {
		name := fmt.Sprintf("%s%d.%d@%s", prefixes[rng.IntN(len(prefixes))], i, rng.IntN(1e6), tn.Domain())
		var err error
		switch rng.IntN(3) {
		case 0:
			victim := all[rng.IntN(len(all))]
			err = tn.Update(victim.ID, func(u *tenant.User) { u.UserPrincipalName = name })
		case 1:
			err = tn.Add(tenant.User{UserPrincipalName: name, DisplayName: "New " + name, AccountEnabled: new(bool)})
		default:
			err = tn.SoftDelete(all[rng.IntN(len(all))].ID)
		}
		if err != nil && !strings.Contains(err.Error(), "not found") {
			t.Errorf("mutating the tenant: %v", err)
		}
	}
}

// When Graph refuses the change log, the read still lists everyone (of a
// directory that holds still) and says so in the log rather than failing.
func TestChangeLogRefused(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 33, Users: 2500})
	srv := emutest.Start(t, tn)
	srv.Inject(graphemu.Fault{Endpoint: graphemu.EndpointDelta, Times: graphemu.Unlimited,
		Status: http.StatusBadRequest, Code: "Request_UnsupportedQuery", Message: "Unsupported query."})
	c := newEmuClient(t, srv)
	listsEveryone(t, c, tn)
}

// The change log costs two requests on a directory that holds still: the
// link before the listing, and following it after.
func TestChangeLogCost(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 34, Users: 2500})
	srv := emutest.Start(t, tn)
	c := newEmuClient(t, srv)
	sink := listsEveryone(t, c, tn)
	if n := srv.Counters().Total(graphemu.EndpointDelta); n != 2 {
		t.Errorf("%d change log requests, want 2", n)
	}
	if sink.replaces != 0 {
		t.Errorf("%d reconciliations of a directory that held still", sink.replaces)
	}
}

// A user renamed from a partition listed already into one listed later is
// met by both: it is delivered once (the read keeps one table of delivered
// users, not one per partition).
func TestRenamedAcrossPartitionsIsDeliveredOnce(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 35, Users: 3000})
	srv := emutest.Start(t, tn)
	c := newEmuClient(t, srv)
	var sink collector
	l := testLister(t, c, baseQuery(directory.Query{Select: listColumns()}), sink.Users)
	root := &partition{}
	a := root.with(kindPrefix, startsWithUPN("a"))
	z := root.with(kindPrefix, startsWithUPN("z"))
	if err := l.listPartition(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	if len(sink.users) == 0 {
		t.Fatal("no user's name begins with a: the test proves nothing")
	}
	moved := sink.users[0]
	if err := tn.Update(moved.ID, func(u *tenant.User) { u.UserPrincipalName = "zz.moved@" + tn.Domain() }); err != nil {
		t.Fatal(err)
	}
	if err := l.listPartition(t.Context(), z); err != nil {
		t.Fatal(err)
	}
	if dup := duplicates(sink.ids()); len(dup) > 0 {
		t.Errorf("users delivered twice: %v", dup)
	}
}

// A partition's count that lags the listing (a user deleted a moment ago is
// still counted) is counted again with growing waits until it agrees: the
// read neither fails as incomplete nor gives up.
func TestLaggingCountIsCountedAgain(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 36, Users: 2500})
	srv := emutest.Start(t, tn)
	var counts atomic.Int64
	c := proxied(t, srv, rewriting(isCount, func(body []byte) []byte {
		if counts.Add(1) > 4 {
			return body
		}
		return countOneMore(body)
	})).WithConcurrency(1)
	listsEveryone(t, c, tn)
	if counts.Load() < 5 {
		t.Errorf("%d counts: the lag was not waited out", counts.Load())
	}
}

// Users whose change moves them into or out of a filtered selection are
// read again with the filter: Graph says who belongs.
func TestChangesToFilteredMembership(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 37, Users: 4000})
	srv := emutest.Start(t, tn)
	all := usersOf(tn)
	var in, out []string // users moved into and out of the selection
	change := func() {
		for i := range 40 {
			u := all[(i*97)%len(all)]
			dept := "Audit"
			if u.Department == "Audit" {
				dept = "Elsewhere"
				out = append(out, u.ID)
			} else {
				in = append(in, u.ID)
			}
			if err := tn.Update(u.ID, func(u *tenant.User) { u.Department = dept }); err != nil {
				t.Error(err)
			}
		}
	}
	seedAudit := func() {
		for i := range 300 {
			if err := tn.Update(all[(i*13+5)%len(all)].ID, func(u *tenant.User) { u.Department = "Audit" }); err != nil {
				t.Fatal(err)
			}
		}
	}
	seedAudit()
	all = usersOf(tn)
	c := proxied(t, srv, mutatingAt(1, change))
	var sink collector
	const filter = "department eq 'Audit'"
	if err := c.Users(t.Context(), directory.Query{Select: listColumns(), Filter: filter}, &sink); err != nil {
		t.Fatalf("Users: %v", err)
	}
	checkExactly(t, sink.ids(), emutest.IDs(tn, func(u tenant.User) bool { return u.Department == "Audit" }))
	if len(in) == 0 {
		t.Error("no user moved into the selection: the test proves less than it says")
	}
}

// Reconciled users get their authentication methods like listed ones.
func TestReconciledUsersHaveMethods(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 38, Users: 1500})
	srv := emutest.Start(t, tn)
	all := usersOf(tn)
	last := all[len(all)-1]
	c := proxied(t, srv, mutatingAt(1, func() {
		if err := tn.Update(last.ID, func(u *tenant.User) { u.UserPrincipalName = "0.first@" + tn.Domain() }); err != nil {
			t.Error(err)
		}
	})).WithConcurrency(1)
	var sink collector
	if err := c.Users(t.Context(), directory.Query{Select: listColumns(), AuthMethods: true}, &sink); err != nil {
		t.Fatalf("Users: %v", err)
	}
	checkCurrent(t, &sink, tn)
	for _, u := range sink.users {
		if u.Auth == nil {
			t.Fatalf("user %s has no methods read", u.ID)
		}
	}
}

// Graph's default order is not documented: listed in object-id order (as
// some tenants are), a partition's first chain is not in name order, so a
// second chain from the other end must not join it (where the two "meet"
// would say nothing, and the partition would come back short and be listed
// again). The partition is listed once, in about its own pages.
func TestTwoEndsUnderIDOrder(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 39, Users: 12000, SharedPrefixShare: 0.5})
	tn.SetDefaultOrder(tenant.OrderID)
	srv := emutest.Start(t, tn, func(c *graphemu.Config) { c.Profile = graphemu.RealisticProfile(0.05) })
	var pages atomic.Int64
	c := proxied(t, srv, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/users") && r.URL.Query().Get("$top") == "999" {
				pages.Add(1)
			}
			next.ServeHTTP(w, r)
		})
	})
	var sink collector
	l := testLister(t, c, baseQuery(directory.Query{Select: listColumns()}), sink.Users)
	done := make(chan error, 1)
	go func() { done <- l.listPartition(t.Context(), &partition{count: int64(tn.Len())}) }()
	for len(sink.ids()) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	if _, err := l.help(t.Context()); err != nil {
		t.Fatalf("help: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("listPartition: %v", err)
	}
	checkExactly(t, sink.ids(), emutest.IDs(tn, nil))
	if most := int64((tn.Len()+998)/999 + 2); pages.Load() > most {
		t.Errorf("%d pages listed, want at most %d: the ends stopped early and the partition was listed again", pages.Load(), most)
	}
}

// Counting what changed since a snapshot costs one request when nothing
// did, counts each changed user once, and stops at the limit.
func TestPendingChanges(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 40, Users: 3000})
	srv := emutest.Start(t, tn)
	c := newEmuClient(t, srv)
	link, err := c.UsersTracked(t.Context(), directory.Query{Select: listColumns()}, &discard{})
	if err != nil || link == "" {
		t.Fatalf("UsersTracked = %q, %v", link, err)
	}
	before := graphRequests(srv.Counters())
	n, more, err := c.PendingChanges(t.Context(), link, 1000)
	if err != nil || n != 0 || more {
		t.Fatalf("PendingChanges on a directory that held still = %d, %v, %v", n, more, err)
	}
	if cost := graphRequests(srv.Counters()) - before; cost != 1 {
		t.Errorf("counting no change cost %d requests, want 1", cost)
	}
	all := usersOf(tn)
	for i := range 250 {
		u := all[i]
		if err := tn.Update(u.ID, func(u *tenant.User) { u.JobTitle = "Changed twice" }); err != nil {
			t.Fatal(err)
		}
		if err := tn.Update(u.ID, func(u *tenant.User) { u.Department = "Changed" }); err != nil {
			t.Fatal(err)
		}
	}
	if n, more, err := c.PendingChanges(t.Context(), link, 1000); err != nil || n != 250 || more {
		t.Errorf("PendingChanges = %d, %v, %v; want 250 users", n, more, err)
	}
	if n, more, err := c.PendingChanges(t.Context(), link, 100); err != nil || n != 100 || !more {
		t.Errorf("PendingChanges with a limit of 100 = %d, %v, %v", n, more, err)
	}
	// The link did not move: the changes are still pending.
	if n, _, err := c.PendingChanges(t.Context(), link, 1000); err != nil || n != 250 {
		t.Errorf("PendingChanges again = %d, %v", n, err)
	}
}

// graphRequests counts the requests Graph served, tokens aside.
func graphRequests(c graphemu.Counters) int {
	n := 0
	for e := range c.Requests {
		if e != graphemu.EndpointToken && e != graphemu.EndpointDiscovery {
			n += c.Total(e)
		}
	}
	return n
}

// A user the listing missed (renamed into a range listed already) who
// changes again while the change log is read moves past where that round of
// the log is read: the next round brings it.
func TestChangedAgainWhileReconciling(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 44, Users: 3000})
	srv := emutest.Start(t, tn)
	all := usersOf(tn)
	moved := all[len(all)-1]
	listing := func() {
		// The rename comes last, so the log's round reports it on a later
		// page than the first.
		for i := range 450 {
			mustUpdate(t, tn, all[i].ID, func(u *tenant.User) { u.JobTitle = "Changed" })
		}
		mustUpdate(t, tn, moved.ID, func(u *tenant.User) { u.UserPrincipalName = "0000.moved@" + tn.Domain() })
		// A user listed already goes: the count falls by one, so the
		// listing, one short of the directory, still matches it.
		if err := tn.SoftDelete(all[0].ID); err != nil {
			t.Error(err)
		}
	}
	var deltas atomic.Int64
	again := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			// The second request is the first page of the reconciling round.
			if strings.HasSuffix(r.URL.Path, "/users/delta") && deltas.Add(1) == 2 {
				mustUpdate(t, tn, moved.ID, func(u *tenant.User) { u.Department = "Moved Again" })
			}
		})
	}
	c := proxied(t, srv, func(next http.Handler) http.Handler { return again(mutatingAt(2, listing)(next)) }).WithConcurrency(1)
	var sink collector
	if err := c.Users(t.Context(), directory.Query{Select: listColumns()}, &sink); err != nil {
		t.Fatalf("Users: %v", err)
	}
	checkCurrent(t, &sink, tn)
}

func mustUpdate(t *testing.T, tn *tenant.Tenant, id string, change func(*tenant.User)) {
	t.Helper()
	if err := tn.Update(id, change); err != nil {
		t.Error(err)
	}
}

// On a directory that never stands still every round of the change log
// brings a change; a round read in one page still ends the reconciliation,
// since no user can move past a single answer of the log. Here each request
// for the log changes a user: waiting for a quiet round would follow
// maxRounds of them.
func TestChurnEndsReconcilingAtOnePageRound(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 45, Users: 2000})
	srv := emutest.Start(t, tn)
	all := usersOf(tn)
	var deltas atomic.Int64
	churn := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r)
			if strings.HasSuffix(r.URL.Path, "/users/delta") {
				i := deltas.Add(1)
				mustUpdate(t, tn, all[i].ID, func(u *tenant.User) { u.JobTitle = fmt.Sprint("Round ", i) })
			}
		})
	}
	c := proxied(t, srv, churn)
	var sink collector
	start := time.Now()
	if err := c.Users(t.Context(), directory.Query{Select: listColumns()}, &sink); err != nil {
		t.Fatalf("Users: %v", err)
	}
	took := time.Since(start)
	checkCurrent(t, &sink, tn)
	// The link, the rounds while the listing ran (one a second), one round
	// after it: each of these rounds is one page.
	if n, most := deltas.Load(), 2+int64(took/liveRoundEvery); n > most {
		t.Errorf("%d requests for the change log in %v, want at most %d", n, took, most)
	}
}
