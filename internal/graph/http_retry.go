package graph

import (
	"context"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// clock is the time source of the retry policy and the batch pacer, so tests
// can run throttling storms without waiting for them.
type clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, whichever comes first, and
	// returns ctx.Err() in the latter case.
	Sleep(ctx context.Context, d time.Duration) error
	// After returns a channel that receives once d has passed.
	After(d time.Duration) (<-chan time.Time, func())
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (realClock) After(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTimer(d)
	return t.C, func() { t.Stop() }
}

// retryPolicy is the one retry policy of the client: Graph requests, $batch
// envelopes, inner $batch requests and token requests all wait through it.
type retryPolicy struct {
	clock clock

	// baseDelay is the first exponential backoff step; maxDelay caps a step.
	baseDelay time.Duration
	maxDelay  time.Duration

	// maxTransient bounds attempts that failed for network, server (500,
	// 502, 503, 504) or malformed-response reasons; maxThrottled bounds consecutive 429s
	// (when the context has no deadline to bound them).
	maxTransient int
	maxThrottled int

	mu   sync.Mutex
	rand *rand.Rand // jitter source; guarded by mu
}

func newRetryPolicy(c clock, seed uint64) *retryPolicy {
	return &retryPolicy{
		clock:        c,
		baseDelay:    500 * time.Millisecond,
		maxDelay:     30 * time.Second,
		maxTransient: 8,
		maxThrottled: 60,
		rand:         rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), //nolint:gosec // jitter spreads retries; it guards no secret

	}
}

// retryableStatus reports whether Graph asks to try again later, or failed
// in a way that another try usually mends: 500 and 502 come from a front
// end or a backend replica that failed this once, as 503 and 504 do, and an
// export of hours meets a few; ending it for one would throw the hours away.
// Every request the client sends is idempotent, so trying again is safe.
func retryableStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// Unavailable reports whether e is a server failure the retry policy tries
// again (500, 502, 503, 504): one that ends the read did so on every try.
func (e *Error) Unavailable() bool {
	return e.Status != http.StatusTooManyRequests && retryableStatus(e.Status)
}

// failureKind says what may follow a failed attempt.
type failureKind int

const (
	failFinal     failureKind = iota // no retry can help
	failTransient                    // network failure, malformed body, 500, 502, 503, 504: back off
	failThrottled                    // 429: wait for Retry-After
	failToken                        // 401 InvalidAuthenticationToken: once more with a new token
)

// failure is a failed attempt of a request or of a $batch step: the error it
// stands for (Graph's status, code and request ids, as they came), its kind,
// and the Retry-After it carried.
type failure struct {
	err        *Error
	kind       failureKind
	retryAfter string
}

// graphFailure classifies Graph's answer e (not a 2xx).
func graphFailure(e *Error, retryAfter string) failure {
	f := failure{err: e, retryAfter: retryAfter}
	switch {
	case e.Status == http.StatusUnauthorized && e.Code == codeInvalidToken:
		f.kind = failToken
	case e.Status == http.StatusTooManyRequests:
		f.kind = failThrottled
	case retryableStatus(e.Status):
		f.kind = failTransient
	}
	return f
}

// retryState counts one request's (or $batch step's) failed attempts, each
// kind against its own limit.
type retryState struct {
	transient, throttled int
	refreshed            bool
}

// verdict is what follows a failed attempt: give up with an error, try once
// more with a new token, or try again after wait.
type verdict struct {
	giveUp  error
	refresh bool
	wait    time.Duration
}

// decide is the retry policy's judgement on a failure, the same for direct
// requests (which sleep through the wait) and $batch steps (which are
// re-queued for after it). It counts the failure in st: transient failures
// and 429s each have their own limit, and a token is replaced once. It
// gives up when the kind's attempts are spent or the wait would pass ctx's
// deadline.
func (c *Client) decide(ctx context.Context, f failure, st *retryState) verdict {
	p := c.retry
	var n, limit int
	switch f.kind {
	case failToken:
		if st.refreshed {
			return verdict{giveUp: f.err}
		}
		st.refreshed = true
		return verdict{refresh: true}
	case failThrottled:
		c.stats.throttled.Add(1)
		st.throttled++
		n, limit = st.throttled, p.maxThrottled
	case failTransient:
		st.transient++
		n, limit = st.transient, p.maxTransient
	default:
		return verdict{giveUp: f.err}
	}
	if n >= limit {
		return verdict{giveUp: f.err}
	}
	wait := p.wait(f.retryAfter, n)
	if !p.fitsDeadline(ctx, wait) {
		return verdict{giveUp: pastTimeout(f.err, wait)}
	}
	c.stats.retries.Add(1)
	return verdict{wait: wait}
}

// backoff is the wait before retry number attempt (1-based) when the server
// gave no Retry-After: exponential, capped, with jitter over the upper half
// of the step so that many clients (or chains) do not retry in lockstep.
func (p *retryPolicy) backoff(attempt int) time.Duration {
	step := float64(p.baseDelay) * math.Pow(2, float64(max(attempt, 1)-1))
	step = min(step, float64(p.maxDelay))
	p.mu.Lock()
	f := p.rand.Float64()
	p.mu.Unlock()
	return time.Duration(step/2 + f*step/2)
}

// wait is the delay before retrying a response with these headers: its
// Retry-After when it has a usable one, the backoff otherwise. A Retry-After
// below the first backoff step counts as none: "0", or an HTTP date already
// past (a server whose clock is behind), would send the retries at once, as
// many as the limits allow, into a service that just said it is overloaded.
// The backoff then still waits at least the Retry-After given.
func (p *retryPolicy) wait(retryAfter string, attempt int) time.Duration {
	d, ok := parseRetryAfter(retryAfter, p.clock.Now())
	if ok && d >= p.baseDelay {
		return d
	}
	// Too short to be a wait (0, a date just past): back off instead,
	// but never retry before the time the server gave.
	return max(d, p.backoff(attempt))
}

// maxRetryAfter caps what a hostile or broken server can make us wait.
const maxRetryAfter = 10 * time.Minute

// parseRetryAfter reads Retry-After in seconds (fractions kept: Graph sends
// "2.128" and "0.5" must not become 0) or as an HTTP date. The cap applies
// before the conversion to a Duration: past about 292 years (or "Inf") the
// conversion overflows into a negative wait, which would retry at once.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if math.IsNaN(secs) || secs < 0 {
			return 0, false
		}
		if secs >= maxRetryAfter.Seconds() {
			return maxRetryAfter, true
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return min(max(t.Sub(now), 0), maxRetryAfter), true
}

// fitsDeadline reports whether waiting d still leaves the context's
// deadline ahead; a wait that would pass it is pointless, so the caller stops
// with ErrThrottledPastTimeout instead of sleeping into a certain failure.
func (p *retryPolicy) fitsDeadline(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return !ok || !p.clock.Now().Add(d).After(deadline)
}
