package tenant

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// replay applies events to a snapshot, as the directory applied them.
func replay(tb testing.TB, before map[string]string, events []Event) map[string]string {
	tb.Helper()
	m := maps.Clone(before)
	for _, ev := range events {
		id := strings.ToLower(ev.ID)
		_, live := m[id]
		switch ev.Kind {
		case EventCreated, EventRestored:
			if live {
				tb.Fatalf("event %d: %s of a live user %s", ev.Seq, ev.Kind, id)
			}
			m[id] = ev.NewUPN
		case EventSoftDeleted, EventHardDeleted:
			if !live || m[id] != ev.OldUPN {
				tb.Fatalf("event %d: %s of %s (%s), which is not live under that name", ev.Seq, ev.Kind, id, ev.OldUPN)
			}
			delete(m, id)
		case EventRenamed, EventUpdated:
			if !live || m[id] != ev.OldUPN {
				tb.Fatalf("event %d: %s of %s (%s), which is not live under that name", ev.Seq, ev.Kind, id, ev.OldUPN)
			}
			m[id] = ev.NewUPN
		}
	}
	return m
}

func kindCounts(events []Event) map[EventKind]int {
	n := map[EventKind]int{}
	for _, ev := range events {
		n[ev.Kind]++
	}
	return n
}

func manualChurn(t *testing.T, tn *Tenant, opts ChurnOptions) *Churn {
	t.Helper()
	c := StartChurn(context.Background(), tn, opts)
	t.Cleanup(func() { c.Stop() })
	return c
}

func TestChurnRateAndMix(t *testing.T) {
	t.Parallel()
	tn := generated(t, 2000, 0.3)
	for _, upn := range expected(t, tn, "", "")[:10] {
		mustDo(t, tn.SoftDelete(upn))
	}
	opts := ChurnOptions{Creates: 5, Deletes: 4, Renames: 6, Updates: 3, Restores: 2, Seed: 7}
	c := manualChurn(t, tn, opts)
	seen := 0
	total := map[EventKind]int{}
	for round := range 25 {
		n := tn.Len()
		mustDo(t, c.Step())
		events := c.Events()
		got := kindCounts(events[seen:])
		seen = len(events)
		if got[EventCreated] != 5 || got[EventSoftDeleted]+got[EventHardDeleted] != 4 || got[EventRenamed] != 6 ||
			got[EventUpdated] != 3 || got[EventRestored] != 2 {
			t.Fatalf("round %d: %v", round, got)
		}
		if tn.Len() != n+5-4+2 {
			t.Fatalf("round %d: %d users, want %d", round, tn.Len(), n+3)
		}
		for k, v := range got {
			total[k] += v
		}
	}
	if total[EventSoftDeleted] == 0 || total[EventHardDeleted] == 0 {
		t.Fatalf("deletes are not a mix of soft and hard: %v", total)
	}
	for i, ev := range c.Events() {
		if ev.Seq != uint64(i)+1 || ev.ID == "" || ev.At.IsZero() {
			t.Fatalf("event %d: %+v", i, ev)
		}
	}
}

func TestChurnIsDeterministic(t *testing.T) {
	t.Parallel()
	run := func(seed int64) []Event {
		tn := generated(t, 1500, 0.2)
		c := manualChurn(t, tn, ChurnOptions{Creates: 3, Deletes: 3, Renames: 5, Updates: 4, Restores: 1, Seed: seed})
		for range 10 {
			mustDo(t, c.Step())
		}
		events := c.Stop()
		for i := range events {
			events[i].At = time.Time{}
		}
		return events
	}
	a, b, other := run(3), run(3), run(4)
	if len(a) == 0 || !slices.Equal(a, b) {
		t.Fatal("the same seed gave other events")
	}
	if slices.Equal(a, other) {
		t.Fatal("another seed gave the same events")
	}
}

// TestChurnSnapshotAndDelta replays the log on the snapshot taken before:
// it must give the snapshot after, the listing, and what delta reports.
func TestChurnSnapshotAndDelta(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		tn   *Tenant
	}{{"generated", generated(t, 1200, 0.4)}, {"explicit", fixture(t)}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tn := tc.tn
			// Every property a churn changes is selected: delta reports
			// only changes to what $select names.
			_, link, _ := deltaRound(t, tn, values("$select", "userPrincipalName,displayName,department,jobTitle,accountEnabled,mobilePhone"))
			before := tn.Snapshot()
			tracked := trackedValues(tn)
			c := manualChurn(t, tn, ChurnOptions{Creates: 4, Deletes: 3, Renames: 6, Updates: 4, Restores: 1, Seed: 11})
			for range 15 {
				mustDo(t, c.Step())
			}
			events := c.Stop()
			after := tn.Snapshot()
			if want := replay(t, before, events); !maps.Equal(after, want) {
				t.Fatalf("snapshot after has %d users, the replayed log %d", len(after), len(want))
			}
			listed := map[string]string{}
			for u := range tn.Users() {
				listed[strings.ToLower(u.ID)] = u.UserPrincipalName
			}
			if !maps.Equal(listed, after) {
				t.Fatal("the snapshot is not the listing")
			}
			items, _, _ := deltaRound(t, tn, link)
			reported, named := map[string]bool{}, map[string]bool{}
			for _, it := range items {
				id, _ := it["id"].(string)
				_, removed := it["@removed"]
				upn, live := after[strings.ToLower(id)]
				got, hasName := it["userPrincipalName"]
				if removed == live || (hasName && got != upn) {
					t.Errorf("delta reports %v, the directory has %q (live %v)", it, upn, live)
				}
				reported[strings.ToLower(id)], named[strings.ToLower(id)] = true, hasName
			}
			for _, ev := range events {
				id := strings.ToLower(ev.ID)
				_, live := after[id]
				switch {
				case !reported[id] && (ev.Kind != EventUpdated || trackedValues(tn)[id] != tracked[id]):
					t.Errorf("delta misses %s of %s", ev.Kind, ev.ID)
				case live && ev.Kind != EventUpdated && !named[id]:
					t.Errorf("delta reports %s of %s without its userPrincipalName", ev.Kind, ev.ID)
				}
			}
		})
	}
}

// trackedValues are, by lower-cased id, the properties a churn updates (an
// update may draw the value a user already has, which changes nothing).
func trackedValues(tn *Tenant) map[string]string {
	out := map[string]string{}
	for u := range tn.Users() {
		out[strings.ToLower(u.ID)] = fmt.Sprint(u.DisplayName, u.Department, u.JobTitle, u.AccountEnabled != nil && *u.AccountEnabled, u.MobilePhone)
	}
	return out
}

// TestChurnNamesReachEverywhere checks that new names land in every part
// of the name space a partitioning client splits.
func TestChurnNamesReachEverywhere(t *testing.T) {
	t.Parallel()
	tn := generated(t, 3000, 0.4)
	before := slices.Sorted(maps.Values(tn.Snapshot()))
	for i := range before {
		before[i] = strings.ToLower(before[i])
	}
	firstTwo := map[string]bool{}
	for _, u := range before {
		firstTwo[string([]rune(u)[:2])] = true
	}
	c := manualChurn(t, tn, ChurnOptions{Renames: 100, Creates: 100, Seed: 5})
	mustDo(t, c.Step())
	reached := map[string]int{}
	for _, ev := range c.Events() {
		upn := strings.ToLower(ev.NewUPN)
		r, _ := utf8.DecodeRuneInString(upn)
		switch {
		case strings.HasPrefix(upn, "user"):
			reached["shared prefix"]++
		case r >= utf8.RuneSelf && !strings.ContainsFunc(upn[:strings.IndexByte(upn, '@')], func(r rune) bool { return r >= 'a' && r <= 'z' }):
			reached["other script"]++
		case !firstTwo[string([]rune(upn)[:2])]:
			reached["empty range"]++
		case strings.ContainsRune("0123456789_-'!#^~", r):
			reached["unusual first character"]++
		}
		i, _ := slices.BinarySearch(before, upn)
		if i > 0 && i < len(before) && commonPrefix(before[i-1], upn) >= 2 && commonPrefix(upn, before[i]) >= 2 {
			reached["gap in a cluster"]++
		}
	}
	for _, want := range []string{"shared prefix", "other script", "empty range", "unusual first character", "gap in a cluster"} {
		if reached[want] < 5 {
			t.Errorf("%d of 200 new names in the %s", reached[want], want)
		}
	}
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

func TestBetween(t *testing.T) {
	t.Parallel()
	cases := []struct {
		a, b string
		ok   bool
	}{
		{"james.smith@", "john.brown@", true},
		{"anna.muller12@", "anna.muller13@", true},
		{"juan@", "kate@", true},
		{"zoe@", "", true},
		{"user10@", "user1@", true},
		{"ab@", "aba@", true},
		{"ab@", "ab_@", false},
		{"ab@", "ab^@", false},
		{"x_fabrikam.com#ext#@", "x_fabrikam.com#ext#1@", false},
	}
	r := rng{s: 1}
	for _, c := range cases {
		s, ok := between(c.a, c.b, "tail7", &r)
		if ok != c.ok {
			t.Errorf("between(%q, %q) = %q, %v; want ok %v", c.a, c.b, s, ok, c.ok)
			continue
		}
		if ok && (s+"@" <= c.a || (c.b != "" && s+"@" >= c.b) || !utf8.ValidString(s)) {
			t.Errorf("between(%q, %q) = %q: not strictly between", c.a, c.b, s)
		}
	}
}

func FuzzBetween(f *testing.F) {
	f.Add("james.smith", "john.brown", uint64(1))
	f.Add("anna1", "anna2", uint64(2))
	f.Add("élodie", "иван", uint64(3))
	f.Fuzz(func(t *testing.T, a, b string, seed uint64) {
		if strings.Contains(a, "@") || strings.Contains(b, "@") || !utf8.ValidString(a) || !utf8.ValidString(b) {
			return
		}
		a, b = a+"@", b+"@"
		if a >= b {
			a, b = b, a
		}
		if a == b {
			return
		}
		r := rng{s: seed}
		s, ok := between(a, b, "tail", &r)
		if ok && (s+"@" <= a || s+"@" >= b || strings.Contains(s, "@") || !utf8.ValidString(s)) {
			t.Fatalf("between(%q, %q) = %q", a, b, s)
		}
	})
}

func TestChurnLoop(t *testing.T) {
	t.Parallel()
	tn := generated(t, 500, 0)
	ctx, cancel := context.WithCancel(context.Background())
	c := StartChurn(ctx, tn, ChurnOptions{Interval: time.Millisecond, Creates: 1, Renames: 1, Seed: 1})
	deadline := time.Now().Add(20 * time.Second)
	for len(c.Events()) < 10 {
		if time.Now().After(deadline) {
			t.Fatal("the loop made no rounds")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	events := c.Stop()
	if again := c.Stop(); !slices.Equal(events, again) {
		t.Fatal("the log changed after Stop")
	}
	if err := c.Step(); !errors.Is(err, ErrChurnStopped) {
		t.Fatalf("Step after Stop: %v", err)
	}
	if c.Err() != nil {
		t.Fatal(c.Err())
	}
}

func TestChurnOnEmptyTenant(t *testing.T) {
	t.Parallel()
	tn, err := New("", nil)
	if err != nil {
		t.Fatal(err)
	}
	c := manualChurn(t, tn, ChurnOptions{Deletes: 2, Renames: 2, Updates: 2, Restores: 2, Seed: 1})
	mustDo(t, c.Step())
	if tn.Len() != 0 || len(c.Events()) != 0 {
		t.Fatalf("changes without users: %v", c.Events())
	}
	c = manualChurn(t, tn, ChurnOptions{Creates: 3, Seed: 1})
	mustDo(t, c.Step())
	if tn.Len() != 3 || len(c.Events()) != 3 {
		t.Fatalf("%d users after 3 creates: %v", tn.Len(), c.Events())
	}
}

func TestEventKindString(t *testing.T) {
	t.Parallel()
	want := []string{"created", "soft-deleted", "hard-deleted", "restored", "renamed", "updated", "EventKind(6)"}
	for k := range EventKind(7) {
		if got := k.String(); got != want[k] {
			t.Errorf("%d: %q, want %q", int(k), got, want[k])
		}
	}
}

// TestChurnWhileReading runs the churn loop against concurrent readers of
// every kind, on the wall clock with a lag (for the race detector), and
// checks the log still replays to the directory.
func TestChurnWhileReading(t *testing.T) {
	t.Parallel()
	tn := generated(t, 1000, 0.3)
	tn.SetConsistencyLag(2 * time.Millisecond)
	tn.SetDefaultOrder(OrderID)
	before := tn.Snapshot()
	c := StartChurn(context.Background(), tn, ChurnOptions{Interval: time.Millisecond, Creates: 2, Deletes: 2, Renames: 3, Updates: 2, Restores: 1, Seed: 2})
	var wg sync.WaitGroup
	for r := range 4 {
		wg.Go(func() {
			for range 5 {
				q := values("$top", "200", "$select", "id,userPrincipalName", "$count", "true")
				if r%2 == 1 {
					q.Set("$filter", "startsWith(userPrincipalName,'user')")
				}
				seen := map[string]bool{}
				for q != nil {
					pg, err := tn.ListUsers(q, r < 2)
					if err != nil {
						t.Error(err)
						return
					}
					var items []item
					if err := json.Unmarshal(pg.Value, &items); err != nil {
						t.Error(err)
						return
					}
					for _, id := range column(items, "id") {
						if seen[id] {
							t.Errorf("%s listed twice in id order", id)
						}
						seen[id] = true
					}
					q = pg.Next
				}
				if _, err := tn.CountUsers(values(), true); err != nil {
					t.Error(err)
				}
				_ = tn.Snapshot()
			}
		})
	}
	_, link, _ := deltaRound(t, tn, values())
	deltaRound(t, tn, link)
	wg.Wait()
	events := c.Stop()
	if err := c.Err(); err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(replay(t, before, events), tn.Snapshot()) {
		t.Fatal("the log does not replay to the directory")
	}
}
