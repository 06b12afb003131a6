package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// stepAnswer is one scripted answer to a $batch step; skip leaves the step
// out of the $batch response.
type stepAnswer struct {
	status     int
	code       string
	retryAfter string
	body       string
	skip       bool
}

// batchScript answers $batch envelopes at a stub: the nth time (from 0) a
// step's URL is sent, script(url, n) answers it. It records when each
// envelope arrived (on the stub's clock) and the token it carried.
type batchScript struct {
	mu     sync.Mutex
	sent   map[string]int
	at     []time.Time
	tokens []string
	script func(url string, n int) stepAnswer
	// envelope, when set, may answer the nth envelope itself.
	envelope func(w http.ResponseWriter, n int) bool
}

func (s *batchScript) handler(clk *fakeClock) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body batchBody
		if r.URL.Path != "/v1.0/$batch" || json.NewDecoder(r.Body).Decode(&body) != nil {
			writeGraphError(w, http.StatusBadRequest, "BadRequest", "unexpected request")
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		s.at = append(s.at, clk.Now())
		s.tokens = append(s.tokens, r.Header.Get("Authorization"))
		if s.envelope != nil && s.envelope(w, len(s.at)-1) {
			return
		}
		out := []map[string]any{}
		for _, step := range body.Requests {
			a := s.script(step.URL, s.sent[step.URL])
			s.sent[step.URL]++
			if a.skip {
				continue
			}
			headers := map[string]string{"Content-Type": "application/json"}
			if a.retryAfter != "" {
				headers["Retry-After"] = a.retryAfter
			}
			var b json.RawMessage = []byte(a.body)
			if a.code != "" {
				b = []byte(graphErrorBody(a.code, "failed", "inner-"+a.code))
			}
			out = append(out, map[string]any{"id": step.ID, "status": a.status, "headers": headers, "body": b})
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("request-id", "envelope-1")
		_ = json.NewEncoder(w).Encode(map[string]any{"responses": out})
	})
}

// newBatchStub is a stub client whose Graph answers $batch by script.
func newBatchStub(t *testing.T, s *batchScript) *stubServer {
	t.Helper()
	s.sent = map[string]int{}
	clk := newFakeClock()
	st := newStub(t, s.handler(clk))
	st.clock = clk
	st.c.retry.clock = clk
	return st
}

// runItems sends one item per URL through a batcher and returns the status
// each item was finished with, and run's error.
func runItems(c *Client, urls ...string) (map[string]int, error) {
	var mu sync.Mutex
	finished := map[string]int{}
	items := make([]*batchItem, len(urls))
	for i, u := range urls {
		items[i] = &batchItem{op: OpAuthMethods, url: u, finish: func(r *innerResponse) error {
			if r.Status >= 300 {
				return r.graphError(OpAuthMethods)
			}
			var page authMethodsPage
			if err := json.Unmarshal(r.Body, &page); err != nil || page.Value == nil {
				return &malformedStepError{errors.Join(errNoValue, err)}
			}
			mu.Lock()
			defer mu.Unlock()
			finished[u] = r.Status
			return nil
		}}
	}
	b := newBatcher(c)
	done := make(chan error, 1)
	go func() { done <- b.run(context.Background()) }()
	if err := b.submit(context.Background(), items); err != nil {
		return nil, err
	}
	b.closeInput()
	err := <-done
	return finished, err
}

const okMethods = `{"value":[]}`

// An item's 429s and its transient failures are counted apart, each against
// its own limit: seven 429s and then one 503 are well within both.
func TestBatchStepRetriesAreCountedByKind(t *testing.T) {
	t.Parallel()
	s := &batchScript{script: func(_ string, n int) stepAnswer {
		switch {
		case n < 7:
			return stepAnswer{status: 429, code: "TooManyRequests", retryAfter: "1"}
		case n == 7:
			return stepAnswer{status: 503, code: "serviceNotAvailable"}
		}
		return stepAnswer{status: 200, body: okMethods}
	}}
	st := newBatchStub(t, s)
	finished, err := runItems(st.c, "/users/a/authentication/methods")
	if err != nil || finished["/users/a/authentication/methods"] != 200 {
		t.Fatalf("run = %v, finished %v; want the item answered after seven 429s and a 503", err, finished)
	}
	if len(s.at) != 9 {
		t.Fatalf("%d envelopes, want 9", len(s.at))
	}
	// The 503 is the item's first transient failure: its wait is the
	// first backoff step, not one inflated by the 429s before it.
	if wait := s.at[8].Sub(s.at[7]); wait > st.c.retry.baseDelay {
		t.Errorf("waited %v after the first 503, want at most %v", wait, st.c.retry.baseDelay)
	}
}

// When a step's retries run out, the read ends with what Graph answered
// last: its status and code, not a stand-in.
func TestBatchStepFinalErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		answer    stepAnswer
		envelopes func(p *retryPolicy) int
		check     func(e *Error) bool
		tokens    int // tokens the credential handed out
	}{
		{"token rejected twice", stepAnswer{status: 401, code: codeInvalidToken},
			func(*retryPolicy) int { return 2 },
			func(e *Error) bool {
				return e.Status == 401 && e.Code == codeInvalidToken && e.RequestID == "inner-"+codeInvalidToken
			}, 2},
		{"step never answered", stepAnswer{skip: true},
			func(p *retryPolicy) int { return p.maxTransient },
			func(e *Error) bool {
				return e.Status == 0 && errors.Is(e, errUnanswered) && e.RequestID == "envelope-1"
			}, 1},
		{"malformed body", stepAnswer{status: 200, body: `{"values":[]}`},
			func(p *retryPolicy) int { return p.maxTransient },
			func(e *Error) bool {
				return e.Status == 200 && strings.Contains(e.Message, "malformed response") && e.RequestID == "envelope-1"
			}, 1},
		{"503 throughout", stepAnswer{status: 503, code: "serviceNotAvailable"},
			func(p *retryPolicy) int { return p.maxTransient },
			func(e *Error) bool { return e.Status == 503 && e.Code == "serviceNotAvailable" }, 1},
		{"429 throughout", stepAnswer{status: 429, code: "TooManyRequests", retryAfter: "1"},
			func(p *retryPolicy) int { return p.maxThrottled },
			func(e *Error) bool { return e.Status == 429 && e.Code == "TooManyRequests" }, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &batchScript{script: func(string, int) stepAnswer { return tt.answer }}
			st := newBatchStub(t, s)
			_, err := runItems(st.c, "/users/a/authentication/methods")
			var ge *Error
			if !errors.As(err, &ge) || !tt.check(ge) || ge.Operation != OpAuthMethods {
				t.Fatalf("err = %#v, want Graph's last answer", err)
			}
			if want := tt.envelopes(st.c.retry); len(s.at) != want {
				t.Errorf("%d envelopes, want %d", len(s.at), want)
			}
			if n := st.cred.calls.Load(); n != int64(tt.tokens) {
				t.Errorf("%d token requests, want %d", n, tt.tokens)
			}
			if tt.tokens == 2 && (len(s.tokens) != 2 || s.tokens[0] == s.tokens[1]) {
				t.Errorf("the envelopes carried %q; want the second with a new token", s.tokens)
			}
		})
	}
}

// A 429 on the $batch envelope itself is throttling like an inner one: the
// dispatcher hears of it.
func TestBatchEnvelopeThrottlingIsReported(t *testing.T) {
	t.Parallel()
	s := &batchScript{
		script: func(string, int) stepAnswer { return stepAnswer{status: 200, body: okMethods} },
		envelope: func(w http.ResponseWriter, n int) bool {
			if n > 0 {
				return false
			}
			w.Header().Set("Retry-After", "2")
			writeGraphError(w, http.StatusTooManyRequests, "TooManyRequests", "Please retry again later.")
			return true
		},
	}
	st := newBatchStub(t, s)
	item := &batchItem{op: OpAuthMethods, url: "/users/a/authentication/methods", finish: func(*innerResponse) error { return nil }}
	res := newBatcher(st.c).send(context.Background(), []*batchItem{item}, st.clock.Now())
	if res.err != nil || !res.throttled {
		t.Fatalf("send = %+v; want success, reported as throttled", res)
	}
	if got := fmt.Sprint(st.clock.sleeps()); got != "[2s]" {
		t.Errorf("slept %s, want the envelope's Retry-After [2s]", got)
	}
}

// The dispatcher's pacing: a 429 halves the batches allowed in flight, once
// per round trip; Graph's warning that the budget is nearly spent holds the
// limit; clean answers grow it by one per round trip, up to the most.
func TestDispatchPacing(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2024, 1, 10, 8, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	type answer struct {
		sent, back          float64 // when the batch left, and came back
		throttled, pressure bool
	}
	clean := func(sent, back float64) answer { return answer{sent: sent, back: back} }
	const most = 16
	tests := []struct {
		name    string
		limit   float64
		answers []answer
		want    float64
		approx  bool // growth adds 1/limit an answer: about one a round trip, a little less as the limit grows under it
	}{
		{"a 429 halves", 16, []answer{{sent: 1, back: 2, throttled: true}}, 8, false},
		{"429s of one round trip halve once", 16, []answer{
			{sent: 1, back: 2, throttled: true}, {sent: 1.5, back: 2.5, throttled: true}, {sent: 1.9, back: 3, throttled: true}}, 8, false},
		{"a 429 of the next round trip halves again", 16, []answer{
			{sent: 1, back: 2, throttled: true}, {sent: 2.1, back: 3, throttled: true}}, 4, false},
		{"never below one", 1, []answer{{sent: 1, back: 2, throttled: true}}, 1, false},
		{"a 429 wins over pressure", 8, []answer{{sent: 1, back: 2, throttled: true, pressure: true}}, 4, false},
		{"pressure holds", 8, []answer{{sent: 1, back: 2, pressure: true}, {sent: 2, back: 3, pressure: true}}, 8, false},
		{"clean answers grow the limit by one a round trip", 4, []answer{clean(1, 2), clean(1, 2), clean(1, 2), clean(1, 2)}, 5, true},
		{"growth stops at the most", most, []answer{clean(1, 2), clean(2, 3)}, most, false},
		{"halved, then grown back", 8, []answer{{sent: 1, back: 2, throttled: true}, clean(3, 4), clean(3, 4), clean(3, 4), clean(3, 4)}, 5, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := newDispatch(tt.limit)
			for _, a := range tt.answers {
				d.absorb(batchResult{sentAt: at(a.sent), throttled: a.throttled, pressure: a.pressure}, at(a.back), most)
			}
			tolerance := 1e-9
			if tt.approx {
				tolerance = 0.1
			}
			if math.Abs(d.limit-tt.want) > tolerance {
				t.Errorf("limit %v, want %v", d.limit, tt.want)
			}
		})
	}
}

// An inner 429's Retry-After closes the gate: ready items wait for it, and
// the dispatcher's timer wakes it then. Other retries wait alone, and an
// envelope's 429 (waited out by its sender) only lowers the limit.
func TestDispatchGate(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2024, 1, 10, 8, 0, 0, 0, time.UTC)
	sent := t0.Add(-time.Second)
	tests := []struct {
		name     string
		result   batchResult
		inFlight int
		batches  int       // batches of the 45 ready items that go at t0+1s
		wakeAt   time.Time // when nothing goes: when the timer wakes the dispatcher (zero: no timer)
	}{
		{"a 429 closes the gate", batchResult{sentAt: sent, throttled: true, gate: t0.Add(3 * time.Second),
			requeue: []*batchItem{{notBefore: t0.Add(3 * time.Second)}}}, 0, 0, t0.Add(3 * time.Second)},
		{"a 429 gates until its own Retry-After, not a 503's backoff", batchResult{sentAt: sent, throttled: true, gate: t0.Add(3 * time.Second),
			requeue: []*batchItem{{notBefore: t0.Add(3 * time.Second)}, {notBefore: t0.Add(10 * time.Second)}}}, 0, 0, t0.Add(3 * time.Second)},
		{"a 503's backoff does not", batchResult{sentAt: sent, requeue: []*batchItem{{notBefore: t0.Add(5 * time.Second)}}}, 0, 3, time.Time{}},
		{"an envelope 429 halves the limit but does not gate", batchResult{sentAt: sent, throttled: true}, 0, 2, time.Time{}},
		{"no more in flight than the limit", batchResult{sentAt: sent}, 4, 0, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := newDispatch(4)
			d.inFlight = tt.inFlight
			d.absorb(tt.result, t0, 4)
			for i := range 45 {
				d.ready = append(d.ready, &batchItem{url: fmt.Sprint(i)})
			}
			now := t0.Add(time.Second)
			d.promote(now)
			var sizes []int
			for b := d.next(now); b != nil; b = d.next(now) {
				sizes = append(sizes, len(b))
			}
			if want := []int{20, 20, 5}[:tt.batches]; fmt.Sprint(sizes) != fmt.Sprint(want) {
				t.Fatalf("at t0+1s sent batches of %v, want %v", sizes, want)
			}
			if tt.wakeAt.IsZero() {
				return
			}
			clk := &fakeClock{now: now}
			fired, stop := d.timer(clk, now)
			defer stop()
			if woke := <-fired; !woke.Equal(tt.wakeAt) {
				t.Fatalf("the timer woke the dispatcher at %v, want %v", woke, tt.wakeAt)
			}
			d.promote(tt.wakeAt)
			if got := d.next(tt.wakeAt); len(got) != maxBatchSize || got[0].notBefore != tt.wakeAt {
				t.Errorf("at the gate sent %d items, want a batch led by the throttled item", len(got))
			}
		})
	}
}
