package emutest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
)

// Retry is a failed attempt and the client's next attempt at the same
// request.
type Retry struct {
	Kind       graphemu.Endpoint // EndpointInner for a request inside a $batch
	Status     int               // of the failed attempt; 0 for a broken connection
	Broken     string            // how the failed attempt's connection broke
	Code       string
	RetryAfter string
	FailedEnd  time.Time
	NextStart  time.Time
	SameToken  bool // the next attempt carried the failed one's bearer token
}

// Failed reports whether an exchange did not succeed.
func (e *Exchange) Failed() bool {
	return e.Broken != "" || e.Status < 200 || e.Status >= 300
}

// key identifies what an exchange asked for: the same key again is the
// same request tried again.
func (e *Exchange) key() string {
	sum := sha256.Sum256(e.Body)
	return e.Method + " " + e.URI + " " + hex.EncodeToString(sum[:8])
}

// Retries pairs every failed exchange with the next attempt at the same
// request, and every failed inner $batch request with the next $batch that
// carries it again. An exchange still in flight when it was logged has not
// failed (yet).
func Retries(records []*Exchange) []*Retry {
	var out []*Retry
	for i, e := range records {
		if !e.Settled() {
			continue
		}
		if e.Failed() {
			if next := nextSame(records[i+1:], e); next != nil {
				out = append(out, &Retry{Kind: e.Kind, Status: e.Status, Broken: e.Broken, Code: e.Code, RetryAfter: e.RetryAfter,
					FailedEnd: e.End, NextStart: next.Start, SameToken: next.Auth == e.Auth})
			}
			continue
		}
		for _, ie := range e.Inner {
			if ie.Status >= 200 && ie.Status < 300 {
				continue
			}
			if next := nextBatchWith(records[i+1:], e.End, ie.URL); next != nil {
				out = append(out, &Retry{Kind: graphemu.EndpointInner, Status: ie.Status, Code: ie.Code, RetryAfter: ie.RetryAfter,
					FailedEnd: e.End, NextStart: next.Start, SameToken: next.Auth == e.Auth})
			}
		}
	}
	return out
}

func nextSame(later []*Exchange, e *Exchange) *Exchange {
	k := e.key()
	for _, n := range later {
		if n.key() == k && !n.Start.Before(e.End) {
			return n
		}
	}
	return nil
}

func nextBatchWith(later []*Exchange, after time.Time, url string) *Exchange {
	for _, n := range later {
		if n.Kind == graphemu.EndpointBatch && !n.Start.Before(after) && batchURLs(n.Body)[url] {
			return n
		}
	}
	return nil
}

// batchURLs lists the inner request URLs of a $batch request body.
func batchURLs(body []byte) map[string]bool {
	var req struct {
		Requests []struct {
			URL string `json:"url"`
		} `json:"requests"`
	}
	urls := map[string]bool{}
	if json.Unmarshal(body, &req) == nil {
		for _, r := range req.Requests {
			urls[r.URL] = true
		}
	}
	return urls
}

// Gap is how long the client waited between the failed answer and its next
// try; the front records both ends on one clock.
func (r *Retry) Gap() time.Duration { return r.NextStart.Sub(r.FailedEnd) }

// Required is the wait a failed answer asked for: its Retry-After in
// seconds, or until its HTTP date; ok is false without one.
func (r *Retry) Required() (time.Duration, bool) {
	v := strings.TrimSpace(r.RetryAfter)
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs >= math.MaxInt64/float64(time.Second) {
			return time.Duration(math.MaxInt64), true
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	if at, err := http.ParseTime(v); err == nil {
		return at.Sub(r.FailedEnd), true
	}
	return 0, false
}

// Honoured checks that the next try came no earlier than the answer asked.
// The bound is one-sided: a busy machine only makes waits longer.
func (r *Retry) Honoured() error {
	want, ok := r.Required()
	if !ok {
		return nil
	}
	if r.Gap() < want {
		return errors.New("retried " + r.Gap().Round(time.Millisecond).String() + " after a " + r.Kind.String() + " answer " +
			strconv.Itoa(r.Status) + " that asked for Retry-After " + strconv.Quote(r.RetryAfter))
	}
	return nil
}
