package graph

import (
	"container/heap"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// maxBatchSize is Graph's limit of requests in one $batch.
const maxBatchSize = 20

// throttlePressure is the x-ms-throttle-limit-percentage from which Graph
// warns that the budget is nearly spent.
const throttlePressure = 0.8

// A batchItem is one GET sent inside a $batch, for one user.
type batchItem struct {
	op  string // the Op of the request, for errors
	url string // relative to the version root

	// finish takes the inner response once it is final (not one the retry
	// policy retries, or a server failure whose retries ran out). It runs
	// on a sending goroutine and must not block.
	// A non-nil error ends the read, except a malformedStepError: the item goes
	// round again.
	finish func(r *innerResponse) error

	retry     retryState
	notBefore time.Time
}

// malformedStepError is what finish returns for a 2xx inner body it could not
// use (cut short, or not what the request returns): the batcher retries the
// item as do retries a malformed direct response.
type malformedStepError struct{ err error }

func (m *malformedStepError) Error() string { return m.err.Error() }
func (m *malformedStepError) Unwrap() error { return m.err }

// errUnanswered: a $batch response held no answer for one of its requests.
var errUnanswered = errors.New("the $batch response holds no answer for this request")

// innerResponse is one element of a $batch response.
type innerResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

// header returns an inner response header, whatever its case.
func (r *innerResponse) header(name string) string {
	for k, v := range r.Headers {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// httpHeader converts the inner headers for error parsing.
func (r *innerResponse) httpHeader() http.Header {
	h := http.Header{}
	for k, v := range r.Headers {
		h.Set(k, v)
	}
	return h
}

// graphError is the *Error an inner failure stands for.
func (r *innerResponse) graphError(op string) *Error {
	return newGraphError(op, r.Status, r.httpHeader(), r.Body)
}

// stepOutcome sorts the final inner response of a step that concerns one
// user. A 2xx body goes to decode, which returns a malformedStepError for a
// body it cannot use. A rejected token (401) ends the read. Anything else
// is a per-user error with Graph's status, code, message and request-id,
// for the caller to name the user and the operation in; a 403 or a server
// failure (5xx) is one only as far as the gate allows: it may end the read
// instead (see stepGate).
func stepOutcome(op string, r *innerResponse, g *stepGate, decode func(body []byte) error) (*directory.UserError, error) {
	switch {
	case r.Status >= 200 && r.Status < 300:
		if err := decode(r.Body); err != nil {
			return nil, err
		}
		g.serve()
		return nil, nil
	case r.Status == http.StatusUnauthorized:
		return nil, r.graphError(op)
	}
	e := r.graphError(op)
	if !gated(e.Status) {
		g.serve()
		return userError(e), nil
	}
	return userError(e), g.fail(e)
}

// batcher sends items 20 to a $batch with many batches in flight, paced to
// Graph's throttle budget. Inner requests are throttled one by one: a 429
// inside a batch re-queues that item after its own Retry-After, and holds
// back every dispatch until then, since the budget is shared by the whole
// app and tenant. The number of batches in flight adapts like TCP's window:
// halved (once per round trip) when Graph throttles, grown by one per round
// trip of clean answers, held while Graph reports its budget nearly spent.
type batcher struct {
	c           *Client
	in          chan []*batchItem
	maxInFlight int
}

func newBatcher(c *Client) *batcher {
	return &batcher{c: c, in: make(chan []*batchItem), maxInFlight: c.concurrency}
}

// submit queues items; it blocks until the dispatcher takes them.
func (b *batcher) submit(ctx context.Context, items []*batchItem) error {
	select {
	case b.in <- items:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// resolve sends n items, built by item(i), and waits until each is
// finished: its finish returned nil. A fatal answer ends the read through
// the dispatcher, which cancels ctx.
func (b *batcher) resolve(ctx context.Context, n int, item func(i int) (*batchItem, error)) error {
	if n == 0 {
		return nil
	}
	var pending atomic.Int64
	pending.Store(int64(n))
	done := make(chan struct{})
	items := make([]*batchItem, n)
	for i := range n {
		it, err := item(i)
		if err != nil {
			return err
		}
		finish := it.finish
		it.finish = func(r *innerResponse) error {
			if err := finish(r); err != nil {
				return err
			}
			if pending.Add(-1) == 0 {
				close(done)
			}
			return nil
		}
		items[i] = it
	}
	if err := b.submit(ctx, items); err != nil {
		return err
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// closeInput says no more items will be submitted; run returns once the
// queued ones are done.
func (b *batcher) closeInput() { close(b.in) }

// batchResult is what a sent batch reports to the dispatcher.
type batchResult struct {
	sentAt    time.Time
	requeue   []*batchItem
	throttled bool      // an inner (or outer) 429
	gate      time.Time // the latest Retry-After of an inner 429
	pressure  bool      // Graph reported its budget nearly spent
	err       error
}

// dispatch is the dispatcher's state; only run touches it.
type dispatch struct {
	ready    []*batchItem
	delayed  itemHeap
	inFlight int
	limit    float64   // batches allowed in flight
	gate     time.Time // no dispatch before this (a 429's Retry-After)
	lastCut  time.Time // when limit was last halved
}

// run dispatches until the input is closed and drained, or a fatal error.
func (b *batcher) run(ctx context.Context) error {
	clk := b.c.retry.clock
	results := make(chan batchResult, b.maxInFlight)
	d := &dispatch{limit: float64(b.maxInFlight)}
	in := b.in
	for {
		now := clk.Now()
		d.promote(now)
		for items := d.next(now); items != nil; items = d.next(now) {
			go func() { results <- b.sendRecovered(ctx, items, now) }()
		}
		if in == nil && len(d.ready) == 0 && d.delayed.Len() == 0 && d.inFlight == 0 {
			return nil
		}
		timer, stop := d.timer(clk, now)
		select {
		case items, ok := <-in:
			if !ok {
				in = nil
			}
			d.ready = append(d.ready, items...)
		case r := <-results:
			d.inFlight--
			if r.err != nil {
				stop()
				return r.err
			}
			d.absorb(r, clk.Now(), float64(b.maxInFlight))
		case <-timer:
		case <-ctx.Done():
			stop()
			return context.Cause(ctx)
		}
		stop()
	}
}

// next takes the next batch to send, when the pacing allows one now: items
// are ready, fewer batches than the limit are in flight, and the gate is
// open.
func (d *dispatch) next(now time.Time) []*batchItem {
	if len(d.ready) == 0 || d.inFlight >= max(1, int(d.limit)) || now.Before(d.gate) {
		return nil
	}
	n := min(maxBatchSize, len(d.ready))
	items := append([]*batchItem(nil), d.ready[:n]...)
	d.ready = d.ready[n:]
	d.inFlight++
	return items
}

// promote moves items whose wait is over to the ready queue, ahead of new
// ones: they have waited already.
func (d *dispatch) promote(now time.Time) {
	var due []*batchItem
	for d.delayed.Len() > 0 && !d.delayed[0].notBefore.After(now) {
		if it, ok := heap.Pop(&d.delayed).(*batchItem); ok {
			due = append(due, it)
		}
	}
	if len(due) > 0 {
		d.ready = append(due, d.ready...)
	}
}

// timer fires when the dispatcher has something to do that only time
// brings: the gate opening on ready items, or a delayed item coming due.
func (d *dispatch) timer(clk clock, now time.Time) (<-chan time.Time, func()) {
	var at time.Time
	if len(d.ready) > 0 && now.Before(d.gate) {
		at = d.gate
	}
	if d.delayed.Len() > 0 && (at.IsZero() || d.delayed[0].notBefore.Before(at)) {
		at = d.delayed[0].notBefore
	}
	if at.IsZero() {
		return nil, func() {}
	}
	return clk.After(at.Sub(now))
}

// absorb takes a batch's outcome into the pacing state.
func (d *dispatch) absorb(r batchResult, now time.Time, maxLimit float64) {
	for _, it := range r.requeue {
		heap.Push(&d.delayed, it)
	}
	if r.gate.After(d.gate) {
		d.gate = r.gate
	}
	switch {
	case r.throttled:
		// Batches sent before the last cut saw the same congestion: one
		// cut per round trip.
		if r.sentAt.After(d.lastCut) {
			d.limit = max(1, d.limit/2)
			d.lastCut = now
		}
	case !r.pressure:
		d.limit = min(maxLimit, d.limit+1/max(1, d.limit))
	}
}

// batchBody is the JSON of a $batch request.
type batchBody struct {
	Requests []batchStep `json:"requests"`
}

type batchStep struct {
	ID     string `json:"id"`
	Method string `json:"method"`
	URL    string `json:"url"`
}

// sendRecovered is send on a goroutine of its own: a panic in it (or in the
// items' finish, which decode and deliver) ends the read as an error.
func (b *batcher) sendRecovered(ctx context.Context, items []*batchItem, sentAt time.Time) (res batchResult) {
	err := recovered(func() error {
		res = b.send(ctx, items, sentAt)
		return nil
	})()
	if err != nil {
		res = batchResult{sentAt: sentAt, err: err}
	}
	return res
}

// send posts one $batch and sorts its inner responses into final ones
// (handed to the items) and ones to send again.
func (b *batcher) send(ctx context.Context, items []*batchItem, sentAt time.Time) batchResult {
	res := batchResult{sentAt: sentAt}
	body := batchBody{Requests: make([]batchStep, len(items))}
	for i, it := range items {
		body.Requests[i] = batchStep{ID: strconv.Itoa(i), Method: http.MethodGet, URL: it.url}
	}
	payload, err := json.Marshal(body)
	if err != nil {
		res.err = err
		return res
	}
	var inner []innerResponse
	resp, err := b.c.do(ctx, call{
		op:        items[0].op,
		build:     func(context.Context) (*abs.RequestInformation, error) { return b.c.batchRequest(payload), nil },
		throttled: func() { res.throttled = true },
		decode: func(r *response) error {
			var v struct {
				Responses *[]innerResponse `json:"responses"`
			}
			if err := json.Unmarshal(r.body, &v); err != nil {
				return err
			}
			if v.Responses == nil {
				return errors.New(`the $batch response has no "responses" array`)
			}
			inner = *v.Responses
			return nil
		},
	})
	if err != nil {
		res.err = err
		return res
	}
	res.pressure = pressured(resp.header.Get("x-ms-throttle-limit-percentage"))
	res.err = b.sort(ctx, items, inner, resp, &res)
	return res
}

// sort hands each inner response to its item; items Graph did not answer
// go round again.
func (b *batcher) sort(ctx context.Context, items []*batchItem, inner []innerResponse, env *response, res *batchResult) error {
	answered := make([]bool, len(items))
	for i := range inner {
		r := &inner[i]
		idx, err := strconv.Atoi(r.ID)
		if err != nil || idx < 0 || idx >= len(items) || answered[idx] {
			continue
		}
		answered[idx] = true
		res.pressure = res.pressure || pressured(r.header("x-ms-throttle-limit-percentage"))
		if err := b.settle(ctx, items[idx], r, env, res); err != nil {
			return err
		}
	}
	for idx, ok := range answered {
		if ok {
			continue
		}
		e := &Error{Operation: items[idx].op, Message: errUnanswered.Error(), Err: errUnanswered}
		setIDs(e, env.header)
		if err := b.again(ctx, items[idx], failure{err: e, kind: failTransient}, env.token, res); err != nil {
			return err
		}
	}
	return nil
}

// settle hands a final inner response to its item, or queues the item again
// as the retry policy decides. env is the $batch response r came in.
func (b *batcher) settle(ctx context.Context, it *batchItem, r *innerResponse, env *response, res *batchResult) error {
	if r.Status >= 200 && r.Status < 300 {
		err := it.finish(r)
		var m *malformedStepError
		if !errors.As(err, &m) {
			return err
		}
		e := malformed(it.op, r.Status, r.httpHeader(), m.err)
		if e.RequestID == "" {
			// Inner answers seldom carry ids; the envelope's find it.
			setIDs(e, env.header)
		}
		return b.again(ctx, it, failure{err: e, kind: failTransient}, env.token, res)
	}
	f := graphFailure(r.graphError(it.op), r.header("Retry-After"))
	if f.kind == failFinal {
		return it.finish(r)
	}
	err := b.again(ctx, it, f, env.token, res)
	if err != nil && f.kind == failTransient && !errors.Is(err, ErrThrottledPastTimeout) {
		// A server failure that outlasted its retries is the item's
		// final answer, for it to judge: one user's error, or the read's.
		return it.finish(r)
	}
	return err
}

// again applies the retry policy's verdict on an item's failure: the read
// ends, or the item is queued for after its wait. A token Graph rejected
// inside the batch is marked stale, so the item's next batch carries a new
// one. tok is the token the batch carried.
func (b *batcher) again(ctx context.Context, it *batchItem, f failure, tok string, res *batchResult) error {
	v := b.c.decide(ctx, f, &it.retry)
	switch {
	case v.giveUp != nil:
		return v.giveUp
	case v.refresh:
		b.c.tokens.invalidate(ctx, tok)
	}
	it.notBefore = b.c.retry.clock.Now().Add(v.wait)
	if f.kind == failThrottled {
		res.throttled = true
		if it.notBefore.After(res.gate) {
			res.gate = it.notBefore
		}
	}
	res.requeue = append(res.requeue, it)
	return nil
}

// pressured reads x-ms-throttle-limit-percentage.
func pressured(v string) bool {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	return err == nil && f >= throttlePressure
}

// itemHeap orders delayed items by when they may go again.
type itemHeap []*batchItem

func (h itemHeap) Len() int           { return len(h) }
func (h itemHeap) Less(i, j int) bool { return h[i].notBefore.Before(h[j].notBefore) }
func (h itemHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *itemHeap) Push(x any) {
	if it, ok := x.(*batchItem); ok {
		*h = append(*h, it)
	}
}
func (h *itemHeap) Pop() any {
	old := *h
	it := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return it
}
