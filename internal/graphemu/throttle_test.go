package graphemu

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

func TestRequestCost(t *testing.T) {
	t.Parallel()
	q := func(s string) url.Values {
		v, err := url.ParseQuery(s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		e     Endpoint
		query string
		want  int
	}{
		{EndpointListFirst, "", 2},
		{EndpointListFirst, "$select=id", 1},
		{EndpointListFirst, "$top=999", 2},
		{EndpointListFirst, "$select=id&$top=999", 1},
		{EndpointListFirst, "$top=19", 1},
		{EndpointListFirst, "$top=20", 2},
		{EndpointListFirst, "$select=id&$top=5", 1}, // never below 1
		{EndpointListNext, "$select=id&$top=999&$skiptoken=x", 1},
		{EndpointListFirst, "select=id", 1}, // without "$" too
		{EndpointListFirst, "$SELECT=id", 1},
		{EndpointListFirst, "$expand=manager", 3},
		{EndpointGet, "", 1},
		{EndpointGet, "$select=id", 1},
		{EndpointCount, "", 1},
		{EndpointAuthMethods, "", 1},
		{EndpointDelta, "", 1},
		{EndpointGetByIDs, "", 3},
		{EndpointBatch, "", 0},
		{EndpointRegistrationDetails, "$select=id&$top=5", 0}, // the reports service counts requests
	}
	for _, tt := range tests {
		if got := requestCost(tt.e, q(tt.query)); got != tt.want {
			t.Errorf("%v ?%s: cost %d, want %d", tt.e, tt.query, got, tt.want)
		}
	}
}

func TestTenantBudget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		budget, users, want int
	}{
		{0, 0, 3500}, {0, 49, 3500}, {0, 50, 5000}, {0, 500, 5000}, {0, 501, 8000}, {0, 1_000_000, 8000},
		{100, 10, 100},
	}
	for _, tt := range tests {
		if got := (Profile{TenantBudget: tt.budget}).tenantBudget(tt.users); got != tt.want {
			t.Errorf("budget %d, %d users: %d, want %d", tt.budget, tt.users, got, tt.want)
		}
	}
}

func TestRenderRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2024, 1, 10, 8, 0, 0, 300_000_000, time.UTC)
	tests := []struct {
		style RetryAfterStyle
		d     time.Duration
		want  string
	}{
		{RetryAfterSeconds, 2128 * time.Millisecond, "3"},
		{RetryAfterSeconds, 1 * time.Millisecond, "1"},
		{RetryAfterSeconds, 4 * time.Second, "4"},
		{RetryAfterFractional, 2128 * time.Millisecond, "2.128"},
		{RetryAfterFractional, 500 * time.Millisecond, "0.5"},
		{RetryAfterFractional, 2127100 * time.Microsecond, "2.128"}, // rounded up, never early
		{RetryAfterFractional, 3 * time.Second, "3"},
		{RetryAfterHTTPDate, 2 * time.Second, "Wed, 10 Jan 2024 08:00:03 GMT"}, // 08:00:02.3 rounded up
		{RetryAfterHTTPDate, 700 * time.Millisecond, "Wed, 10 Jan 2024 08:00:01 GMT"},
		{RetryAfterNone, time.Second, ""},
	}
	for _, tt := range tests {
		if got := renderRetryAfter(tt.style, tt.d, now); got != tt.want {
			t.Errorf("%v %v: %q, want %q", tt.style, tt.d, got, tt.want)
		}
	}
}

func TestLimitPercentage(t *testing.T) {
	t.Parallel()
	for usage, want := range map[float64]string{0.5: "", 0.79: "", 0.8: "0.8", 0.857: "0.85", 1: "1", 1.25: "1.25", 2: "1.8"} {
		if got := limitPercentage(usage); got != want {
			t.Errorf("usage %v: %q, want %q", usage, got, want)
		}
	}
}

// TestThrottleBucket checks the token-bucket arithmetic on a driven clock:
// a budget of 10 units per 10 s refills at one unit per second.
func TestThrottleBucket(t *testing.T) {
	t.Parallel()
	th := newThrottler(Profile{Throttle: true, TenantBudget: 10}.withDefaults(), 10, "tid")
	now := epoch()
	for i := range 10 {
		v := th.take("app", 1, now)
		if v.refused() {
			t.Fatalf("request %d refused", i+1)
		}
		if wantUsage := float64(i+1) / 10; v.usage != wantUsage {
			t.Errorf("request %d: usage %v, want %v", i+1, v.usage, wantUsage)
		}
	}
	v := th.take("app", 1, now)
	if !v.refused() || v.wait != time.Second || v.scope != "Tenant_Application/ReadWrite/app/tid" || v.info != "ResourceUnitLimitExceeded" {
		t.Fatalf("11th: %+v", v)
	}
	if v := th.take("other-app", 1, now); v.refused() {
		t.Errorf("another app shares the budget: %+v", v)
	}
	now = now.Add(1500 * time.Millisecond) // 1.5 units back
	if v := th.take("app", 3, now); !v.refused() || v.wait != 1500*time.Millisecond {
		t.Errorf("3 units with 1.5 available: %+v", v)
	}
	if v := th.take("app", 1, now); v.refused() {
		t.Errorf("1 unit with 1.5 available: %+v", v)
	}
	now = now.Add(time.Hour)
	if v := th.take("app", 10, now); v.refused() || v.usage != 1 {
		t.Errorf("full again after an hour: %+v", v)
	}
}

func TestThrottleRequestLimit(t *testing.T) {
	t.Parallel()
	th := newThrottler(Profile{Throttle: true, TenantBudget: 1000, AppRequestLimit: 2, Window: time.Second}.withDefaults(), 10, "tid")
	th.take("app", 1, epoch())
	th.take("app", 1, epoch())
	v := th.take("app", 1, epoch())
	if !v.refused() || v.wait != 500*time.Millisecond || v.info != "RequestLimitExceeded" || v.scope != "Application/ReadWrite/app/tid" {
		t.Errorf("%+v", v)
	}
}

func TestThrottleTimeScale(t *testing.T) {
	t.Parallel()
	// A tenth of the time: the 10 s window lasts 1 s, so a missing unit of a
	// 10-unit budget comes back in 0.1 s.
	th := newThrottler(Profile{Throttle: true, TenantBudget: 10, TimeScale: 0.1}.withDefaults(), 10, "tid")
	th.take("app", 10, epoch())
	if v := th.take("app", 1, epoch()); v.wait != 100*time.Millisecond {
		t.Errorf("%+v", v)
	}
}

// TestThrottledResponse checks a 429 end to end: body, Retry-After in each
// style, the throttle headers, and the counters.
func TestThrottledResponse(t *testing.T) {
	t.Parallel()
	for _, style := range []RetryAfterStyle{RetryAfterSeconds, RetryAfterFractional, RetryAfterHTTPDate} {
		t.Run(style.String(), func(t *testing.T) {
			t.Parallel()
			ts := newServer(t, Config{Profile: Profile{Throttle: true, TenantBudget: 5, RetryAfter: style}})
			h := map[string]string{"Authorization": "Bearer " + ts.tokenFor(ts.App())}
			for i := range 5 { // 5 units of 1 (auth methods)
				r := ts.handle("GET", "/v1.0/users/"+testUsers()[0].ID+"/authentication/methods", h, "")
				if r.status != 200 || r.header.Get("x-ms-resource-unit") != "1" {
					t.Fatalf("request %d: %s %v", i+1, r, r.header)
				}
				if got, want := r.header.Get("x-ms-throttle-limit-percentage"), map[int]string{3: "0.8", 4: "1"}[i]; got != want {
					t.Errorf("request %d: x-ms-throttle-limit-percentage %q, want %q", i+1, got, want)
				}
			}
			ts.clock.Advance(1200 * time.Millisecond) // 0.6 units back at 0.5/s: 0.4 missing = 0.8 s
			r := ts.handle("GET", "/v1.0/users/"+testUsers()[0].ID+"/authentication/methods", h, "")
			e := checkEnvelope(t, r)
			if r.status != http.StatusTooManyRequests || e.Code != "TooManyRequests" || e.Message != "Please retry again later." {
				t.Fatalf("%s", r)
			}
			want := map[RetryAfterStyle]string{RetryAfterSeconds: "1", RetryAfterFractional: "0.8", RetryAfterHTTPDate: "Wed, 10 Jan 2024 08:00:02 GMT"}[style]
			if got := r.header.Get("Retry-After"); got != want {
				t.Errorf("Retry-After %q, want %q", got, want)
			}
			if r.header.Get("x-ms-throttle-scope") != "Tenant_Application/ReadWrite/"+DefaultClientID+"/"+ts.TenantID() ||
				r.header.Get("x-ms-throttle-information") != "ResourceUnitLimitExceeded" || r.header.Get("x-ms-resource-unit") != "1" {
				t.Errorf("headers %v", r.header)
			}
			c := ts.Counters()
			if c.Throttled != 1 || c.ResourceUnits != 5 || c.Requests[EndpointAuthMethods][429] != 1 {
				t.Errorf("counters %+v", c)
			}
		})
	}
}

func TestThrottledGolden(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{Profile: Profile{Throttle: true, TenantBudget: 1}})
	h := map[string]string{"Authorization": "Bearer " + ts.tokenFor(ts.App()), "client-request-id": "c0ffee00-0000-4000-8000-000000000000"}
	ts.handle("GET", "/v1.0/users?$select=id", h, "")
	r := ts.handle("GET", "/v1.0/users?$select=id", h, "")
	if e := checkEnvelope(t, r); r.status != 429 || e.Code != codeTooManyRequests || e.Message != msgTooManyRequests {
		t.Fatalf("%s", r)
	}
	for _, k := range []string{"Retry-After", "x-ms-resource-unit", "x-ms-throttle-scope", "x-ms-throttle-information"} {
		if r.header.Get(k) == "" {
			t.Errorf("no %s header", k)
		}
	}
	checkGolden(t, "throttled_429.golden", render(r))
}

// TestRetryAfterMixed checks the mixed style uses all three forms,
// deterministically for a seed.
func TestRetryAfterMixed(t *testing.T) {
	t.Parallel()
	styles := func(seed int64) []RetryAfterStyle {
		ts := newServer(t, Config{Seed: seed})
		out := make([]RetryAfterStyle, 30)
		for i := range out {
			out[i] = ts.retryAfterStyle(RetryAfterMixed)
		}
		return out
	}
	a, b := styles(7), styles(7)
	seen := map[RetryAfterStyle]bool{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("seed 7 gives different styles: %v vs %v", a, b)
		}
		seen[a[i]] = true
	}
	if len(seen) != 3 || seen[RetryAfterMixed] || seen[RetryAfterNone] {
		t.Errorf("styles used: %v", seen)
	}
}

// TestZeroProfileCounts: without throttling nothing is refused, but the
// costs are still counted and announced.
func TestZeroProfileCounts(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{})
	for range 50 {
		if r := ts.graph("GET", "/v1.0/users?$top=5", nil, ""); r.status != 200 || r.header.Get("x-ms-resource-unit") != "1" {
			t.Fatalf("%s %v", r, r.header)
		}
	}
	if c := ts.Counters(); c.ResourceUnits != 50 || c.Throttled != 0 {
		t.Errorf("counters %+v", c)
	}
}

// TestTenantTier: without an explicit budget the tier follows the size of
// the tenant (here under 50 users: 3,500 units).
func TestTenantTier(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{Profile: Profile{Throttle: true}})
	if got := ts.throttle.ruBudget; got != 3500 {
		t.Errorf("budget %d", got)
	}
	big, err := tenant.Generate(tenant.GenerateOptions{Seed: 1, Users: 501, Domain: testDomain})
	if err != nil {
		t.Fatal(err)
	}
	ts = newServer(t, Config{Tenant: big, Profile: Profile{Throttle: true}})
	if got := ts.throttle.ruBudget; got != 8000 {
		t.Errorf("budget %d for 501 users", got)
	}
}
