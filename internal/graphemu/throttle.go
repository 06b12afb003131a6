package graphemu

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// RetryAfterStyle is how a 429 (or an injected 503) renders Retry-After.
type RetryAfterStyle int

const (
	// RetryAfterSeconds renders whole seconds, rounded up ("3").
	RetryAfterSeconds RetryAfterStyle = iota
	// RetryAfterFractional renders seconds with up to millisecond
	// precision ("2.128", "0.5"), as Graph sometimes does.
	RetryAfterFractional
	// RetryAfterHTTPDate renders an HTTP date, rounded up to the next second.
	RetryAfterHTTPDate
	// RetryAfterMixed picks one of the three above at random (seeded) for
	// each response.
	RetryAfterMixed
	// RetryAfterNone sends no Retry-After header at all.
	RetryAfterNone
)

func (s RetryAfterStyle) String() string {
	switch s {
	case RetryAfterSeconds:
		return "seconds"
	case RetryAfterFractional:
		return "fractional"
	case RetryAfterHTTPDate:
		return "http-date"
	case RetryAfterMixed:
		return "mixed"
	case RetryAfterNone:
		return "none"
	default:
		return "RetryAfterStyle(?)"
	}
}

// ParseRetryAfterStyle reads a style by its String name.
func ParseRetryAfterStyle(name string) (RetryAfterStyle, bool) {
	for s := RetryAfterSeconds; s <= RetryAfterNone; s++ {
		if strings.EqualFold(s.String(), name) {
			return s, true
		}
	}
	return 0, false
}

// renderRetryAfter renders a wait of d (> 0) starting at now. A Mixed style
// must be resolved by the caller; "" means no header.
func renderRetryAfter(style RetryAfterStyle, d time.Duration, now time.Time) string {
	switch style {
	case RetryAfterFractional:
		ms := (d + time.Millisecond - 1) / time.Millisecond // round up: never invite an early retry
		return strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)
	case RetryAfterHTTPDate:
		at := now.Add(d)
		if t := at.Truncate(time.Second); t.Before(at) {
			at = t.Add(time.Second)
		}
		return at.UTC().Format(http.TimeFormat)
	case RetryAfterNone:
		return ""
	default:
		return strconv.FormatInt(int64(math.Ceil(d.Seconds())), 10)
	}
}

// requestCost is the resource units Graph charges a request: the endpoint's
// base cost, minus 1 with $select, minus 1 with $top under 20, plus 1 with
// $expand, never below 1.
func requestCost(e Endpoint, q url.Values) int {
	var cost int
	switch e {
	case EndpointListFirst, EndpointListNext:
		cost = 2 // GET users
	case EndpointGetByIDs:
		cost = 3
	case EndpointCount, EndpointGet, EndpointAuthMethods, EndpointDelta:
		cost = 1 // the other identity GETs
	default:
		return 0 // not an identity request ($batch itself, token endpoint)
	}
	if queryOption(q, "select") != "" {
		cost--
	}
	if top, err := strconv.Atoi(queryOption(q, "top")); err == nil && top < 20 {
		cost--
	}
	if queryOption(q, "expand") != "" {
		cost++
	}
	return max(cost, 1)
}

// queryOption returns a system query option's value, matching its name with
// or without "$" and in any case, as Graph does.
func queryOption(q url.Values, name string) string {
	for k, v := range q {
		if len(v) > 0 && strings.EqualFold(strings.TrimPrefix(k, "$"), name) {
			return v[0]
		}
	}
	return ""
}

// bucket is a token bucket: level units available, refilled continuously at
// capacity per window.
type bucket struct {
	capacity float64
	level    float64
	rate     float64 // units per second
	last     time.Time
}

func newBucket(capacity int, window time.Duration, now time.Time) *bucket {
	c := float64(capacity)
	return &bucket{capacity: c, level: c, rate: c / window.Seconds(), last: now}
}

func (b *bucket) refill(now time.Time) {
	if now.After(b.last) {
		b.level = math.Min(b.capacity, b.level+now.Sub(b.last).Seconds()*b.rate)
		b.last = now
	}
}

// wait is how long until the bucket holds n units.
func (b *bucket) wait(n float64) time.Duration {
	return time.Duration(math.Ceil((n - b.level) / b.rate * float64(time.Second)))
}

// usage is the share of the capacity in use once n more units are spent.
func (b *bucket) usage(n float64) float64 { return (b.capacity - b.level + n) / b.capacity }

// verdict is the throttle's answer to one request.
type verdict struct {
	cost  int
	usage float64 // of the app+tenant budget after this request (> 1 when refused)
	// Set when refused:
	wait  time.Duration
	scope string // x-ms-throttle-scope
	info  string // x-ms-throttle-information
}

func (v verdict) refused() bool { return v.wait > 0 }

// throttler holds the buckets: resource units per app+tenant, requests per
// app, and report requests per app+tenant.
type throttler struct {
	mu          sync.Mutex
	enabled     bool
	ruBudget    int
	reqLimit    int
	reportLimit int
	window      time.Duration // already scaled
	tenantID    string
	units       map[string]*bucket
	requests    map[string]*bucket
	reports     map[string]*bucket
}

func newThrottler(p Profile, tenantUsers int, tenantID string) *throttler {
	return &throttler{
		enabled:     p.Throttle,
		ruBudget:    p.tenantBudget(tenantUsers),
		reqLimit:    p.AppRequestLimit,
		reportLimit: p.ReportRequestLimit,
		window:      time.Duration(float64(p.Window) * p.TimeScale),
		tenantID:    tenantID,
		units:       map[string]*bucket{},
		requests:    map[string]*bucket{},
		reports:     map[string]*bucket{},
	}
}

// admit charges a request to app at now, or refuses it: the reports
// service counts requests, the directory resource units.
func (t *throttler) admit(app string, e Endpoint, q url.Values, now time.Time) verdict {
	if e == EndpointRegistrationDetails {
		return t.takeReport(app, now)
	}
	return t.take(app, requestCost(e, q), now)
}

// bucketOf is app's bucket in m, made full at now on first use. Callers
// hold t.mu.
func (t *throttler) bucketOf(m map[string]*bucket, app string, capacity int, now time.Time) *bucket {
	key := strings.ToLower(app)
	b := m[key]
	if b == nil {
		b = newBucket(capacity, t.window, now)
		m[key] = b
	}
	b.refill(now)
	return b
}

// take charges a request of cost units to app at now, or refuses it.
func (t *throttler) take(app string, cost int, now time.Time) verdict {
	if !t.enabled {
		return verdict{cost: cost}
	}
	v := t.charge(app, t.units, t.ruBudget, float64(cost), "ResourceUnitLimitExceeded", now)
	v.cost = cost
	return v
}

// takeReport charges a report request to app at now, or refuses it.
func (t *throttler) takeReport(app string, now time.Time) verdict {
	if !t.enabled {
		return verdict{}
	}
	return t.charge(app, t.reports, t.reportLimit, 1, "RequestLimitExceeded", now)
}

// charge takes cost from app's bucket in pool (capacity a window) and one
// request from its request bucket, or refuses the request; info says which
// limit the pool is in x-ms-throttle-information.
func (t *throttler) charge(app string, pool map[string]*bucket, capacity int, cost float64, info string, now time.Time) verdict {
	t.mu.Lock()
	defer t.mu.Unlock()
	b := t.bucketOf(pool, app, capacity, now)
	reqs := t.bucketOf(t.requests, app, t.reqLimit, now)
	v := verdict{usage: b.usage(cost)}
	switch {
	case reqs.level < 1:
		v.wait, v.scope, v.info = reqs.wait(1), "Application/ReadWrite/"+app+"/"+t.tenantID, "RequestLimitExceeded"
	case b.level < cost:
		v.wait, v.scope, v.info = b.wait(cost), "Tenant_Application/ReadWrite/"+app+"/"+t.tenantID, info
	default:
		b.level -= cost
		reqs.level--
	}
	return v
}

// limitPercentage renders x-ms-throttle-limit-percentage, which Graph sends
// only from 0.8 of the limit on, and never above 1.8.
func limitPercentage(usage float64) string {
	if usage < 0.8 {
		return ""
	}
	return strconv.FormatFloat(math.Min(math.Floor(usage*100)/100, 1.8), 'f', -1, 64)
}
