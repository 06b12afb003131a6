package graphemu

import (
	"maps"
	"sync"
	"sync/atomic"
)

// StatusAborted is the status counted for a request whose connection the
// emulator dropped without an answer, or whose client went away.
const StatusAborted = 0

// Counters is a snapshot of what the emulator has served.
type Counters struct {
	// Requests counts HTTP requests by endpoint and status; Inner counts
	// the requests inside $batch bodies the same way (a $batch itself is
	// in Requests under EndpointBatch).
	Requests map[Endpoint]map[int]int `json:"requests"`
	Inner    map[Endpoint]map[int]int `json:"inner"`

	ResourceUnits  int64 `json:"resourceUnits"`  // resource units charged (requests refused by the throttle cost none)
	Throttled      int   `json:"throttled"`      // 429 answers, outer and inner, from the throttle or from faults
	TokensIssued   int   `json:"tokensIssued"`   // access tokens issued (token and managed-identity endpoints)
	MaxConcurrency int   `json:"maxConcurrency"` // most HTTP requests in progress at once
	UsersReturned  int64 `json:"usersReturned"`  // objects returned by list, get, getByIds and delta answers
	FaultsFired    int   `json:"faultsFired"`    // injected faults that fired
	Aborted        int   `json:"aborted"`        // connections dropped or answers truncated on purpose
}

// Total is the number of HTTP requests to the endpoint, whatever their status.
func (c Counters) Total(e Endpoint) int { return sum(c.Requests[e]) }

// InnerTotal is the number of $batch inner requests to the endpoint.
func (c Counters) InnerTotal(e Endpoint) int { return sum(c.Inner[e]) }

func sum(m map[int]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// counterSet is the live, concurrency-safe form of Counters.
type counterSet struct {
	mu       sync.Mutex
	requests map[Endpoint]map[int]int
	inner    map[Endpoint]map[int]int

	units       atomic.Int64
	throttled   atomic.Int64
	tokens      atomic.Int64
	users       atomic.Int64
	faults      atomic.Int64
	aborted     atomic.Int64
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
}

func newCounterSet() *counterSet {
	return &counterSet{requests: map[Endpoint]map[int]int{}, inner: map[Endpoint]map[int]int{}}
}

func (cs *counterSet) record(e Endpoint, inner bool, status int) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	m := cs.requests
	if inner {
		m = cs.inner
	}
	if m[e] == nil {
		m[e] = map[int]int{}
	}
	m[e][status]++
	if status == 429 {
		cs.throttled.Add(1)
	}
}

// enter and leave bracket an HTTP request, tracking the peak concurrency.
func (cs *counterSet) enter() {
	n := cs.inFlight.Add(1)
	for {
		peak := cs.maxInFlight.Load()
		if n <= peak || cs.maxInFlight.CompareAndSwap(peak, n) {
			return
		}
	}
}

func (cs *counterSet) leave() { cs.inFlight.Add(-1) }

func (cs *counterSet) snapshot() Counters {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	c := Counters{
		Requests:       make(map[Endpoint]map[int]int, len(cs.requests)),
		Inner:          make(map[Endpoint]map[int]int, len(cs.inner)),
		ResourceUnits:  cs.units.Load(),
		Throttled:      int(cs.throttled.Load()),
		TokensIssued:   int(cs.tokens.Load()),
		FaultsFired:    int(cs.faults.Load()),
		MaxConcurrency: int(cs.maxInFlight.Load()),
		UsersReturned:  cs.users.Load(),
		Aborted:        int(cs.aborted.Load()),
	}
	for e, m := range cs.requests {
		c.Requests[e] = maps.Clone(m)
	}
	for e, m := range cs.inner {
		c.Inner[e] = maps.Clone(m)
	}
	return c
}

// reset sets the counters back to zero and returns what they held. The
// per-endpoint maps change hands under the lock; the totals kept in atomics
// are swapped one by one, so a request finishing during the reset may land
// on either side of it.
func (cs *counterSet) reset() Counters {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	c := Counters{
		Requests:       cs.requests,
		Inner:          cs.inner,
		ResourceUnits:  cs.units.Swap(0),
		Throttled:      int(cs.throttled.Swap(0)),
		TokensIssued:   int(cs.tokens.Swap(0)),
		FaultsFired:    int(cs.faults.Swap(0)),
		MaxConcurrency: int(cs.maxInFlight.Swap(cs.inFlight.Load())),
		UsersReturned:  cs.users.Swap(0),
		Aborted:        int(cs.aborted.Swap(0)),
	}
	cs.requests = map[Endpoint]map[int]int{}
	cs.inner = map[Endpoint]map[int]int{}
	return c
}
