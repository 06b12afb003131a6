package graph

// Sending steps 20 to a $batch, and the retry policy's glue for the steps
// that failed (batch_pace.go paces them, batch_wire.go is the format).

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
)

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

// send posts one $batch and routes its inner responses: final ones to
// their items, the others to be sent again.
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
	res.err = b.route(ctx, items, inner, resp, &res)
	return res
}

// route hands each inner response to its item; items Graph did not answer
// go round again.
func (b *batcher) route(ctx context.Context, items []*batchItem, inner []innerResponse, env *response, res *batchResult) error {
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
		if err := b.requeue(ctx, items[idx], failure{err: e, kind: failTransient}, env.token, res); err != nil {
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
		return b.requeue(ctx, it, failure{err: e, kind: failTransient}, env.token, res)
	}
	f := graphFailure(r.graphError(it.op), r.header("Retry-After"))
	if f.kind == failFinal {
		return it.finish(r)
	}
	err := b.requeue(ctx, it, f, env.token, res)
	if err != nil && f.kind == failTransient && !errors.Is(err, ErrThrottledPastTimeout) {
		// A server failure that outlasted its retries is the item's
		// final answer, for it to judge: one user's error, or the read's.
		return it.finish(r)
	}
	return err
}

// requeue applies the retry policy's verdict on an item's failure: the
// read ends, or the item is queued for after its wait. A token Graph rejected
// inside the batch is marked stale, so the item's next batch carries a new
// one. tok is the token the batch carried.
func (b *batcher) requeue(ctx context.Context, it *batchItem, f failure, tok string, res *batchResult) error {
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
