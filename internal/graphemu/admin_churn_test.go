package graphemu

import (
	"encoding/json"
	"maps"
	"net/http"
	"testing"
)

// postBurst asks the emulator for a burst and decodes its answer.
func postBurst(t *testing.T, ts *testServer, query string) ChurnBurst {
	t.Helper()
	r := ts.handle("POST", ChurnPath+query, nil, "")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("POST %s%s: %v", ChurnPath, query, r)
	}
	var b ChurnBurst
	if err := json.Unmarshal(r.body, &b); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestChurnBurst makes bursts on identical directories: the same seed
// makes the same directory, another seed another one, and the answer
// counts what was made.
func TestChurnBurst(t *testing.T) {
	t.Parallel()
	const users, events = 400, 42
	a, b, other := generatedTenant(t, users), generatedTenant(t, users), generatedTenant(t, users)
	before := a.Snapshot()
	ta := newServer(t, Config{Tenant: a, CountersEndpoint: true})
	tb := newServer(t, Config{Tenant: b, CountersEndpoint: true, Seed: 9})
	to := newServer(t, Config{Tenant: other, CountersEndpoint: true})

	got := postBurst(t, ta, "?events=42&seed=9")
	if again := postBurst(t, tb, "?events=42"); !equalBursts(got, again) {
		t.Errorf("the emulator's own seed made %+v, the same seed given %+v", again, got)
	}
	postBurst(t, to, "?events=42&seed=10")
	if !maps.Equal(a.Snapshot(), b.Snapshot()) {
		t.Error("the same burst on the same directory made different directories")
	}
	if maps.Equal(a.Snapshot(), other.Snapshot()) || maps.Equal(a.Snapshot(), before) {
		t.Error("another seed, or none, made the same directory: the burst is not what changed it")
	}
	// 42 = 10 creates, 10 deletes (soft or hard), 10 renames, 12 updates.
	deletes := got.Kinds["soft-deleted"] + got.Kinds["hard-deleted"]
	if got.Events != events || got.Kinds["created"] != 10 || deletes != 10 || got.Kinds["renamed"] != 10 || got.Kinds["updated"] != 12 {
		t.Errorf("burst %+v, want 42 changes: 10 created, 10 deleted, 10 renamed, 12 updated", got)
	}
	if got.Seed != 9 || got.Users != a.Len() || got.Users != users || got.ChangedUsers < 30 || got.ChangedUsers > events {
		t.Errorf("burst %+v: want seed 9, %d users after, 30 to %d users changed", got, users, events)
	}
	if n := ta.Counters().Total(EndpointOther); n != 0 {
		t.Errorf("the burst was counted as %d requests", n)
	}
}

func equalBursts(a, b ChurnBurst) bool {
	return a.Seed == b.Seed && a.Events == b.Events && maps.Equal(a.Kinds, b.Kinds) && a.ChangedUsers == b.ChangedUsers && a.Users == b.Users
}

// TestChurnBurstRefuses: other methods, bad counts and seeds, and the
// endpoint off without the option.
func TestChurnBurstRefuses(t *testing.T) {
	t.Parallel()
	on := newServer(t, Config{CountersEndpoint: true})
	off := newServer(t, Config{})
	before := on.cfg.Tenant.Snapshot()
	for _, tc := range []struct {
		ts             *testServer
		method, target string
		status         int
	}{
		{on, "GET", ChurnPath + "?events=1", http.StatusMethodNotAllowed},
		{on, "POST", ChurnPath, http.StatusBadRequest},
		{on, "POST", ChurnPath + "?events=0", http.StatusBadRequest},
		{on, "POST", ChurnPath + "?events=-3", http.StatusBadRequest},
		{on, "POST", ChurnPath + "?events=x", http.StatusBadRequest},
		{on, "POST", ChurnPath + "?events=1000001", http.StatusBadRequest},
		{on, "POST", ChurnPath + "?events=5&seed=x", http.StatusBadRequest},
		{off, "POST", ChurnPath + "?events=5", http.StatusNotFound},
	} {
		if r := tc.ts.handle(tc.method, tc.target, nil, ""); r.status != tc.status {
			t.Errorf("%s %s: %v, want %d", tc.method, tc.target, r, tc.status)
		}
	}
	if !maps.Equal(before, on.cfg.Tenant.Snapshot()) {
		t.Error("a refused burst changed the directory")
	}
}
