package graphemu

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// Prefer: odata.maxpagesize sizes delta pages, and Graph says so.
func TestDeltaMaxPageSize(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{})
	for _, tt := range []struct {
		prefer, applied string
		items           int
	}{
		{"odata.maxpagesize=2", "odata.maxpagesize=2", 2},
		{"return=minimal, odata.maxpagesize=3", "odata.maxpagesize=3", 3},
		{"odata.maxpagesize=1000", "odata.maxpagesize=200", 5},
		{"odata.maxpagesize=none", "", 5},
		{"", "", 5},
	} {
		r := ts.graph("GET", "/v1.0/users/delta?$select=id", map[string]string{"Prefer": tt.prefer}, "")
		var p struct {
			Value []map[string]any `json:"value"`
		}
		mustUnmarshal(t, r.body, &p)
		if r.status != 200 || len(p.Value) != tt.items || r.header.Get("Preference-Applied") != tt.applied {
			t.Errorf("Prefer %q: %d items, Preference-Applied %q", tt.prefer, len(p.Value), r.header.Get("Preference-Applied"))
		}
	}
}

// Delta pages cost one resource unit each, are throttled like the other
// identity GETs, and answer faults (which cost nothing); a next page
// retried after a fault continues the round.
func TestDeltaPagesThroughThePipeline(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{Profile: Profile{Throttle: true, TenantBudget: 3}})
	ts.Inject(Fault{Endpoint: EndpointDelta, Nth: 2, Status: http.StatusServiceUnavailable})
	prefer := map[string]string{"Prefer": "odata.maxpagesize=2"}
	first := ts.graph("GET", "/v1.0/users/delta?$select=id", prefer, "")
	next := linkPath(t, first.body, "@odata.nextLink")
	if r := ts.graph("GET", next, prefer, ""); r.status != 503 {
		t.Fatalf("fault: %s", r)
	}
	r := ts.graph("GET", next, prefer, "")
	if r.status != 200 || r.header.Get("x-ms-resource-unit") != "1" || !strings.Contains(string(r.body), "@odata.nextLink") {
		t.Fatalf("retried next page: %s %v", r, r.header)
	}
	last := ts.graph("GET", linkPath(t, r.body, "@odata.nextLink"), prefer, "")
	if last.status != 200 {
		t.Fatalf("last page: %s", last)
	}
	if r := ts.graph("GET", linkPath(t, last.body, "@odata.deltaLink"), prefer, ""); r.status != 429 {
		t.Errorf("fourth unit of a budget of three: %s", r)
	}
	c := ts.Counters()
	if c.ResourceUnits != 3 || c.Requests[EndpointDelta][503] != 1 || c.Requests[EndpointDelta][429] != 1 {
		t.Errorf("counters %+v", c)
	}
}

// A delta link older than its lifetime answers 400 syncStateNotFound over
// HTTP: Graph's code for directory objects.
func TestDeltaTokenTooOld(t *testing.T) {
	t.Parallel()
	ten := newTestTenant(t)
	now := epoch()
	ten.SetClock(func() time.Time { return now })
	ts := newServer(t, Config{Tenant: ten})
	link := linkPath(t, ts.graph("GET", "/v1.0/users/delta", nil, "").body, "@odata.deltaLink")
	now = now.Add(8 * 24 * time.Hour)
	r := ts.graph("GET", link, nil, "")
	if e := checkEnvelope(t, r); r.status != 400 || e.Code != "syncStateNotFound" ||
		e.Message != "The sync state generation is not found. The delta token is expired and data must be synchronized again." {
		t.Errorf("%s", r)
	}
}
