package graph

// The pacing of $batch requests: how many are in flight, and when the next
// may go, from what Graph's answers say of its throttle budget.

import (
	"container/heap"
	"context"
	"time"
)

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
	delayed  heapOf[*batchItem] // by when they may go again
	inFlight int
	limit    float64   // batches allowed in flight
	gate     time.Time // no dispatch before this (a 429's Retry-After)
	lastCut  time.Time // when limit was last halved
}

// run dispatches until the input is closed and drained, or a fatal error.
func (b *batcher) run(ctx context.Context) error {
	clk := b.c.retry.clock
	results := make(chan batchResult, b.maxInFlight)
	d := newDispatch(float64(b.maxInFlight))
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

// newDispatch is a dispatcher's state allowing limit batches in flight.
func newDispatch(limit float64) *dispatch {
	return &dispatch{
		limit:   limit,
		delayed: heapOf[*batchItem]{less: func(a, b *batchItem) bool { return a.notBefore.Before(b.notBefore) }},
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
	for d.delayed.Len() > 0 && !d.delayed.items[0].notBefore.After(now) {
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
	if d.delayed.Len() > 0 && (at.IsZero() || d.delayed.items[0].notBefore.Before(at)) {
		at = d.delayed.items[0].notBefore
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
