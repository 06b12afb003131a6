package graphemu

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestProfileLatency(t *testing.T) {
	t.Parallel()
	p := RealisticProfile(1).withDefaults()
	half := RealisticProfile(0.5).withDefaults()
	tests := []struct {
		p     Profile
		e     Endpoint
		items int
		want  time.Duration
	}{
		{p, EndpointListFirst, 999, 1099 * time.Millisecond},
		{p, EndpointListNext, 0, 100 * time.Millisecond},
		{p, EndpointGet, 1, 50 * time.Millisecond},
		{p, EndpointAuthMethods, 3, 50 * time.Millisecond},
		{p, EndpointBatch, 0, 100 * time.Millisecond},
		{half, EndpointListFirst, 100, 100 * time.Millisecond},
		{ZeroProfile().withDefaults(), EndpointListFirst, 999, 0},
	}
	for _, tt := range tests {
		if got := tt.p.latency(tt.e, tt.items); got != tt.want {
			t.Errorf("%s %v %d items: %v, want %v", tt.p.Name, tt.e, tt.items, got, tt.want)
		}
	}
}

// TestLatencyApplied reads the sleeps the fake clock recorded: a list page
// pays per user, a $batch pays its base after its inner requests (which run
// in parallel, each paying its own), a 429 pays nothing.
func TestLatencyApplied(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{Profile: RealisticProfile(1)})
	tok := ts.tokenFor(ts.App()) // 100 ms at the token endpoint
	h := map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
	ts.handle("GET", "/v1.0/users?$top=3", h, "")
	ts.handle("POST", "/v1.0/$batch", h, batchOf(
		get("1", "/users/"+testUsers()[0].ID+"/authentication/methods"),
		get("2", "/users/"+testUsers()[1].ID),
	))
	want := []time.Duration{100 * time.Millisecond, 103 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond}
	if got := ts.clock.Slept(); !slices.Equal(got, want) {
		t.Errorf("slept %v, want %v", got, want)
	}
}

// TestConcurrency holds requests in the latency sleep and checks they are
// all in progress at once, then releases them.
func TestConcurrency(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{Profile: Profile{Latency: map[Endpoint]Latency{EndpointListFirst: {Base: time.Second}}}})
	h := map[string]string{"Authorization": "Bearer " + ts.tokenFor(ts.App())}
	ts.clock.mu.Lock()
	ts.clock.gate = make(chan struct{})
	ts.clock.mu.Unlock()
	const n = 6
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range n {
		wg.Go(func() { statuses[i] = ts.handle("GET", "/v1.0/users", h, "").status })
	}
	for ts.clock.asleep.Load() < n {
		time.Sleep(time.Millisecond)
	}
	if c := ts.Counters(); c.MaxConcurrency != n {
		t.Errorf("max concurrency %d, want %d", c.MaxConcurrency, n)
	}
	close(ts.clock.gate)
	wg.Wait()
	for i, s := range statuses {
		if s != 200 {
			t.Errorf("request %d: %d", i, s)
		}
	}
}

// TestClientGone: a client that leaves during the latency gets nothing and
// is counted as aborted.
func TestClientGone(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{Profile: Profile{Latency: map[Endpoint]Latency{EndpointListFirst: {Base: time.Second}}}})
	tok := ts.tokenFor(ts.App())
	ts.clock.mu.Lock()
	ts.clock.gate = make(chan struct{}) // never opened: only the context ends the sleep
	ts.clock.mu.Unlock()
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequestWithContext(ctx, "GET", "http://graph.test/v1.0/users", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { ts.Handler().ServeHTTP(rec, req); close(done) }()
	for ts.clock.asleep.Load() < 1 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	if rec.Body.Len() != 0 || rec.Header().Get("request-id") != "" {
		t.Errorf("wrote %d %q", rec.Code, rec.Body.String())
	}
	if c := ts.Counters(); c.Requests[EndpointListFirst][StatusAborted] != 1 {
		t.Errorf("counters %+v", c)
	}
}

func TestCounters(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{})
	h := map[string]string{"Content-Type": "application/json"}
	ts.graph("GET", "/v1.0/users?$top=2", h, "")
	ts.graph("GET", "/v1.0/users/"+testUsers()[0].ID, h, "")
	ts.graph("GET", "/v1.0/users/nobody", h, "")
	ts.handle("GET", "/v1.0/users", nil, "")
	ts.graph("POST", "/v1.0/$batch", h, batchOf(get("1", "/users?$top=3"), get("2", "/users/"+testUsers()[1].ID+"/authentication/methods")))
	c := ts.Counters()
	checks := []struct {
		name      string
		got, want int
	}{
		{"list 200", c.Requests[EndpointListFirst][200], 1},
		{"list 401", c.Requests[EndpointListFirst][401], 1},
		{"get 200", c.Requests[EndpointGet][200], 1},
		{"get 404", c.Requests[EndpointGet][404], 1},
		{"batch 200", c.Requests[EndpointBatch][200], 1},
		{"inner list", c.Inner[EndpointListFirst][200], 1},
		{"inner auth", c.Inner[EndpointAuthMethods][200], 1},
		{"tokens", c.TokensIssued, 4},
		{"token requests", c.Total(EndpointToken), 4},
		{"resource units", int(c.ResourceUnits), 5}, // each costs 1: $top under 20 takes one off the list's 2
		{"users returned", int(c.UsersReturned), 2 + 1 + 3},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s: %d, want %d", ch.name, ch.got, ch.want)
		}
	}
	ts.ResetCounters()
	if c := ts.Counters(); c.Total(EndpointListFirst) != 0 || c.ResourceUnits != 0 || c.TokensIssued != 0 || c.UsersReturned != 0 {
		t.Errorf("after reset: %+v", c)
	}
}

func TestServerLifecycle(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{Clock: wallClock{}}, false)
	if err := ts.Start("127.0.0.1:0", false); err == nil {
		t.Error("a second Start succeeded")
	}
	r, err := ts.do(context.Background(), "GET", "/v1.0/users", nil, "")
	if err != nil || r.status != http.StatusUnauthorized {
		t.Fatalf("%v %s", err, r)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ts.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := ts.do(context.Background(), "GET", "/v1.0/users", nil, ""); err == nil {
		t.Error("still serving after Shutdown")
	}
	if _, err := New(Config{}); err == nil {
		t.Error("New without a tenant succeeded")
	}
	if _, err := New(Config{Tenant: newTestTenant(t), Apps: []App{{ClientID: "x"}}}); err == nil {
		t.Error("an app without credentials was accepted")
	}
	if _, err := New(Config{Tenant: newTestTenant(t), ManagedIdentity: "nobody"}); err == nil {
		t.Error("a managed identity that is not an app was accepted")
	}
}

// TestRealisticProfileNamesItsBudget: the realistic profile states its
// budget and window outright (the benchmark computes its floor from them),
// the ones the emulator would apply anyway.
func TestRealisticProfileNamesItsBudget(t *testing.T) {
	t.Parallel()
	p := RealisticProfile(0.5)
	if p.TenantBudget != 8000 || p.Window != 10*time.Second || p.withDefaults().Window != p.Window {
		t.Errorf("budget %d per %v", p.TenantBudget, p.Window)
	}
}
