package graphemu

import "time"

// Latency is the service time of one request: Base plus PerItem for every
// object (user, method) the response carries.
type Latency struct {
	Base    time.Duration
	PerItem time.Duration
}

// Profile is the service model: how long requests take and how the throttle
// behaves.
type Profile struct {
	Name string

	// TimeScale compresses (or stretches) the emulator's clock: latencies,
	// the throttle window and therefore Retry-After values are multiplied
	// by it, so a realistic profile can run ten times faster than Graph
	// with 0.1 and keep every ratio. Zero means 1.
	TimeScale float64

	// Latency per endpoint; endpoints not listed answer at once. An inner
	// $batch request takes its own endpoint's latency; the $batch takes
	// its own plus its slowest inner request, as they run in parallel.
	Latency map[Endpoint]Latency

	// Throttle turns the token buckets on. Costs are counted (and the
	// x-ms-resource-unit header sent) either way.
	Throttle bool
	// TenantBudget is the resource units per Window for one app in the
	// tenant; zero picks Graph's tier by tenant size (3,500 under 50 users,
	// 5,000 up to 500, 8,000 above).
	TenantBudget int
	// AppRequestLimit is the requests per Window one app may send across
	// tenants; zero means Graph's 130,000.
	AppRequestLimit int
	// ReportRequestLimit is the requests per Window one app may send to the
	// identity and access reports (the registration report), which Graph
	// throttles apart from the directory; zero means Graph's 5.
	ReportRequestLimit int
	// Window is the throttle's period before TimeScale; zero means 10 s.
	Window time.Duration
	// RetryAfter is how 429 responses render Retry-After.
	RetryAfter RetryAfterStyle
}

// ZeroProfile answers at once and never throttles: it measures the client.
func ZeroProfile() Profile { return Profile{Name: "zero"} }

// RealisticProfile models Graph as the benchmarks assume it: a list page
// costs 100 ms plus 1 ms per user, a single GET 50 ms, a $batch 100 ms plus
// its slowest inner request, a page of the registration report 300 ms plus
// 1 ms per row (the reports service is slower; an assumption), and one app
// may spend 8,000 resource units per 10 s (Window names it, for programs
// that compute with the budget) and send 5 report requests per 10 s.
// timeScale compresses the clock (see Profile.TimeScale).
func RealisticProfile(timeScale float64) Profile {
	page := Latency{Base: 100 * time.Millisecond, PerItem: time.Millisecond}
	single := Latency{Base: 50 * time.Millisecond}
	report := Latency{Base: 300 * time.Millisecond, PerItem: time.Millisecond}
	return Profile{
		Name:      "realistic",
		TimeScale: timeScale,
		Latency: map[Endpoint]Latency{
			EndpointToken:               {Base: 100 * time.Millisecond},
			EndpointDiscovery:           {Base: 20 * time.Millisecond},
			EndpointListFirst:           page,
			EndpointListNext:            page,
			EndpointDelta:               page,
			EndpointRegistrationDetails: report,
			EndpointGetByIDs:            page,
			EndpointCount:               {Base: 100 * time.Millisecond},
			EndpointGet:                 single,
			EndpointAuthMethods:         single,
			EndpointBatch:               {Base: 100 * time.Millisecond},
		},
		Throttle:     true,
		TenantBudget: 8000,
		Window:       defaultWindow,
		RetryAfter:   RetryAfterMixed,
	}
}

// Graph's identity-and-access limits, and its limit per app and tenant on
// the identity and access reports.
const (
	defaultWindow             = 10 * time.Second
	defaultAppRequestLimit    = 130_000
	defaultReportRequestLimit = 5
)

func (p Profile) withDefaults() Profile {
	switch {
	case p.Name != "":
	case p.Latency == nil && !p.Throttle:
		p.Name = "zero"
	default:
		p.Name = "custom"
	}
	if p.TimeScale <= 0 {
		p.TimeScale = 1
	}
	if p.Window <= 0 {
		p.Window = defaultWindow
	}
	if p.AppRequestLimit <= 0 {
		p.AppRequestLimit = defaultAppRequestLimit
	}
	if p.ReportRequestLimit <= 0 {
		p.ReportRequestLimit = defaultReportRequestLimit
	}
	return p
}

// latency is the scaled service time of a response carrying items objects.
func (p Profile) latency(e Endpoint, items int) time.Duration {
	l, ok := p.Latency[e]
	if !ok {
		return 0
	}
	d := l.Base + time.Duration(items)*l.PerItem
	return time.Duration(float64(d) * p.TimeScale)
}

// tenantBudget is the resource units per window for a tenant of n users.
func (p Profile) tenantBudget(users int) int {
	switch {
	case p.TenantBudget > 0:
		return p.TenantBudget
	case users < 50:
		return 3500
	case users <= 500:
		return 5000
	default:
		return 8000
	}
}
