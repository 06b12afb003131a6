package tenant

import (
	"maps"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// testClock is a clock a test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newTestClock(tn *Tenant) *testClock {
	c := &testClock{now: time.Date(2024, 1, 10, 8, 0, 0, 0, time.UTC)}
	tn.SetClock(c.Now)
	return c
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// listed maps the lower-cased id of every user a full listing returns to
// its UPN, failing on a user listed twice.
func listed(tb testing.TB, tn *Tenant, q url.Values, eventual bool) map[string]string {
	tb.Helper()
	q.Set("$select", "id,userPrincipalName")
	items, _ := listAll(tb, tn, q, eventual)
	out := map[string]string{}
	for _, it := range items {
		id, _ := it["id"].(string)
		upn, _ := it["userPrincipalName"].(string)
		if _, dup := out[strings.ToLower(id)]; dup {
			tb.Fatalf("user %s listed twice", id)
		}
		out[strings.ToLower(id)] = upn
	}
	return out
}

func countEventual(tb testing.TB, tn *Tenant, filter string) int {
	tb.Helper()
	q := values()
	if filter != "" {
		q.Set("$filter", filter)
	}
	n, err := tn.CountUsers(q, true)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func TestConsistencyLag(t *testing.T) {
	t.Parallel()
	tn := generated(t, 600, 0.3)
	clock := newTestClock(tn)
	const lag = 10 * time.Second
	tn.SetConsistencyLag(lag)
	before := tn.Snapshot()
	victim := expected(t, tn, "", "")[42]
	mustDo(t, tn.Update(victim, func(u *User) { u.UserPrincipalName = "zz.renamed@contoso.onmicrosoft.com" }))
	mustDo(t, tn.Add(User{UserPrincipalName: "aaa.new@contoso.onmicrosoft.com"}))
	mustDo(t, tn.SoftDelete(expected(t, tn, "", "")[7]))
	after := tn.Snapshot()

	if _, err := tn.GetUser("zz.renamed@contoso.onmicrosoft.com", nil); err != nil {
		t.Fatalf("a standard request does not see the change at once: %v", err)
	}
	if got := listed(t, tn, values("$top", "97"), false); !maps.Equal(got, after) {
		t.Fatal("a standard list does not see the changes at once")
	}
	for _, wait := range []time.Duration{0, lag - time.Nanosecond} {
		clock.Advance(wait)
		if got := listed(t, tn, values("$top", "97"), true); !maps.Equal(got, before) {
			t.Fatalf("after %v an eventual list sees changes made less than %v ago", wait, lag)
		}
		pg, err := tn.ListUsers(values("$count", "true", "$filter", "startsWith(userPrincipalName,'zz')"), true)
		if err != nil || pg.Count != 0 || pg.Items != 0 {
			t.Fatalf("eventual advanced query sees the rename early: %v %+v", err, pg)
		}
		if n := countEventual(t, tn, ""); n != len(before) {
			t.Fatalf("$count %d, want %d", n, len(before))
		}
	}
	clock.Advance(time.Nanosecond)
	if got := listed(t, tn, values("$top", "97"), true); !maps.Equal(got, after) {
		t.Fatal("an eventual list does not see the changes once they are old enough")
	}
	if n := countEventual(t, tn, "startsWith(userPrincipalName,'zz')"); n != 1 {
		t.Fatalf("$count of the renamed range %d", n)
	}
	tn.mu.RLock()
	pending := len(tn.lag.pending)
	tn.mu.RUnlock()
	if pending != 0 {
		t.Fatalf("%d changes still queued once applied", pending)
	}
}

// TestPageTokensAcrossViews follows a listing's pages alternately with and
// without ConsistencyLevel: eventual, as a client may when it retries.
func TestPageTokensAcrossViews(t *testing.T) {
	t.Parallel()
	tn := generated(t, 500, 0)
	newTestClock(tn)
	tn.SetConsistencyLag(5 * time.Second)
	mustDo(t, tn.HardDelete(expected(t, tn, "", "")[3]))
	want := tn.Snapshot()
	q := values("$top", "37", "$select", "id,userPrincipalName")
	got := map[string]bool{}
	for page := 0; q != nil; page++ {
		pg, err := tn.ListUsers(q, page%2 == 0)
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		for _, id := range column(decode(t, pg.Value), "id") {
			if got[strings.ToLower(id)] {
				t.Fatalf("page %d repeats %s", page, id)
			}
			got[strings.ToLower(id)] = true
		}
		q = pg.Next
	}
	for id := range want {
		if !got[id] {
			t.Fatalf("%s is missing", id)
		}
	}
}

func TestSetConsistencyLag(t *testing.T) {
	t.Parallel()
	tn := fixture(t)
	clock := newTestClock(tn)
	for _, c := range []struct{ set, want time.Duration }{
		{time.Hour, MaxConsistencyLag}, {-time.Second, 0}, {2 * time.Second, 2 * time.Second},
	} {
		tn.SetConsistencyLag(c.set)
		if got := tn.ConsistencyLag(); got != c.want {
			t.Errorf("SetConsistencyLag(%v): %v, want %v", c.set, got, c.want)
		}
	}
	mustDo(t, tn.SoftDelete(guid(1)))
	tn.SetConsistencyLag(time.Second)
	if n := countEventual(t, tn, ""); n != 12 {
		t.Fatalf("shortening the lag applied a change that is not yet a second old: %d users", n)
	}
	clock.Advance(time.Second)
	if n := countEventual(t, tn, ""); n != 11 {
		t.Fatalf("%d users a second after the delete", n)
	}
	mustDo(t, tn.SoftDelete(guid(2)))
	tn.SetConsistencyLag(0)
	if n := countEventual(t, tn, ""); n != 10 {
		t.Fatalf("without a lag eventual requests see %d users, want 10", n)
	}
}
