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
	Requests map[Endpoint]map[int]int
	Inner    map[Endpoint]map[int]int

	ResourceUnits  int64 // resource units charged (requests refused by the throttle cost none)
	Throttled      int   // 429 answers, outer and inner, from the throttle or from faults
	TokensIssued   int   // access tokens issued (token and managed-identity endpoints)
	MaxConcurrency int   // most HTTP requests in progress at once
	UsersReturned  int64 // objects returned by list, get, getByIds and delta answers
	FaultsFired    int   // injected faults that fired
	Aborted        int   // connections dropped or answers truncated on purpose
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

func (cs *counterSet) reset() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.requests = map[Endpoint]map[int]int{}
	cs.inner = map[Endpoint]map[int]int{}
	cs.units.Store(0)
	cs.throttled.Store(0)
	cs.tokens.Store(0)
	cs.faults.Store(0)
	cs.users.Store(0)
	cs.aborted.Store(0)
	cs.maxInFlight.Store(cs.inFlight.Load())
}
