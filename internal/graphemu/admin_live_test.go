package graphemu

import (
	"encoding/json"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

func generatedTenant(tb testing.TB, users int) *tenant.Tenant {
	tb.Helper()
	tn, err := tenant.Generate(tenant.GenerateOptions{Seed: 7, Users: users})
	if err != nil {
		tb.Fatal(err)
	}
	return tn
}

// getAdmin reads one of the emulator's own endpoints into v.
func getAdmin(t *testing.T, ts *testServer, target string, v any) {
	t.Helper()
	r := ts.handle("GET", target, nil, "")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET %s: %v", target, r)
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
}

// TestSnapshotAndEventsEndpoints reads the directory and its churn's log
// through the endpoints, between rounds, and checks they are the tenant's
// own and are not counted.
func TestSnapshotAndEventsEndpoints(t *testing.T) {
	t.Parallel()
	tn := generatedTenant(t, 300)
	ts := newServer(t, Config{Tenant: tn, CountersEndpoint: true})
	var snap Snapshot
	getAdmin(t, ts, SnapshotPath, &snap)
	if snap.Seq != 0 || !maps.Equal(snap.Users, tn.Snapshot()) {
		t.Fatalf("before any churn: seq %d, %d users, want 0 and the tenant's %d", snap.Seq, len(snap.Users), tn.Len())
	}
	var none ChurnEvents
	getAdmin(t, ts, EventsPath, &none)
	if none.Events == nil || len(none.Events) != 0 {
		t.Errorf("without churn: %+v, want an empty list", none)
	}

	c := tenant.StartChurn(t.Context(), tn, tenant.ChurnOptions{Creates: 2, Deletes: 2, Renames: 2, Updates: 1, Restores: 1, Seed: 3})
	t.Cleanup(func() { c.Stop() })
	ts.ServeChurn(c)
	step(t, c)
	snap = Snapshot{} // decoding into a map adds to it
	getAdmin(t, ts, SnapshotPath, &snap)
	if want := uint64(len(c.Events())); snap.Seq != want || want == 0 || !maps.Equal(snap.Users, tn.Snapshot()) {
		t.Fatalf("after a round: seq %d, want %d; the users must be the tenant's", snap.Seq, want)
	}
	step(t, c)
	var got ChurnEvents
	getAdmin(t, ts, EventsPath+"?after="+strconv.FormatUint(snap.Seq, 10), &got)
	events, err := got.TenantEvents()
	if err != nil {
		t.Fatal(err)
	}
	want := c.Events()[snap.Seq:]
	if len(events) == 0 || len(events) != len(want) {
		t.Fatalf("%d events after %d, want %d", len(events), snap.Seq, len(want))
	}
	for i := range want {
		if !events[i].At.Equal(want[i].At) {
			t.Errorf("event %d at %v, want %v", want[i].Seq, events[i].At, want[i].At)
		}
		events[i].At = want[i].At // the time zone's pointer differs once decoded
		if events[i] != want[i] {
			t.Errorf("event %+v, want %+v", events[i], want[i])
		}
	}
	if n := ts.Counters().Total(EndpointOther); n != 0 {
		t.Errorf("the endpoints counted %d requests", n)
	}
}

func step(t *testing.T, c *tenant.Churn) {
	t.Helper()
	if err := c.Step(); err != nil {
		t.Fatal(err)
	}
}

// TestAdminEndpointsRefuse: other methods, a bad "after", and the endpoints
// off without the option.
func TestAdminEndpointsRefuse(t *testing.T) {
	t.Parallel()
	on := newServer(t, Config{CountersEndpoint: true})
	off := newServer(t, Config{})
	for _, tc := range []struct {
		ts             *testServer
		method, target string
		status         int
		allow          string
	}{
		{on, "POST", SnapshotPath, http.StatusMethodNotAllowed, "GET"},
		{on, "DELETE", EventsPath, http.StatusMethodNotAllowed, "GET"},
		{on, "GET", EventsPath + "?after=-1", http.StatusBadRequest, ""},
		{on, "GET", EventsPath + "?after=x", http.StatusBadRequest, ""},
		{on, "GET", "/_emulator/other", http.StatusNotFound, ""},
		{off, "GET", SnapshotPath, http.StatusNotFound, ""},
		{off, "GET", EventsPath, http.StatusNotFound, ""},
	} {
		r := tc.ts.handle(tc.method, tc.target, nil, "")
		if r.status != tc.status || r.header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %v, Allow %q; want %d, Allow %q", tc.method, tc.target, r, r.header.Get("Allow"), tc.status, tc.allow)
		}
	}
}

// TestTakeSnapshotWhileChurning takes snapshots while rounds come every
// few milliseconds: replaying the events up to each snapshot's Seq onto
// the directory as it was must give the snapshot exactly.
func TestTakeSnapshotWhileChurning(t *testing.T) {
	t.Parallel()
	tn := generatedTenant(t, 500)
	start := tn.Snapshot()
	c := tenant.StartChurn(t.Context(), tn, tenant.ChurnOptions{Interval: 3 * time.Millisecond, Creates: 2, Deletes: 2,
		Renames: 3, Updates: 1, Restores: 1, Seed: 5})
	var snaps []Snapshot
	for range 20 {
		snap, err := TakeSnapshot(t.Context(), tn, c)
		if err != nil {
			t.Fatal(err)
		}
		snaps = append(snaps, snap)
		time.Sleep(2 * time.Millisecond)
	}
	events := c.Stop()
	if err := c.Err(); err != nil {
		t.Fatal(err)
	}
	if last := snaps[len(snaps)-1].Seq; last == 0 {
		t.Fatal("no round came during the snapshots: the test proves nothing")
	}
	for _, snap := range snaps {
		if want := replayed(start, events[:snap.Seq]); !maps.Equal(snap.Users, want) {
			t.Errorf("the snapshot at event %d differs from the directory the events up to it make (%d users, want %d)",
				snap.Seq, len(snap.Users), len(want))
		}
	}
}

// replayed applies events to a snapshot.
func replayed(snap map[string]string, events []tenant.Event) map[string]string {
	out := maps.Clone(snap)
	for _, e := range events {
		id := strings.ToLower(e.ID)
		switch e.Kind {
		case tenant.EventSoftDeleted, tenant.EventHardDeleted:
			delete(out, id)
		default:
			out[id] = e.NewUPN
		}
	}
	return out
}
