package graph

import (
	"context"
	"runtime"
)

// pageSlots bounds how many list pages are held at once, from reading the
// body to delivering the users. Dozens of chains keep requests in flight to
// hide Graph's page latency, but a page is a megabyte of JSON and more once
// decoded: were every chain to read and hold its page whenever it arrived,
// memory would grow with the concurrency (about 200 MB at 96 chains when
// Graph answers at once) although only the cores can work on pages. A page
// that finds no free slot waits unread, in the transport, whose receive
// buffers are bounded too (newTransport).
type pageSlots chan struct{}

// newPageSlots sizes the slots to the cores: decoding and delivering a page
// is CPU work, so more pages in hand would only wait.
func newPageSlots() pageSlots {
	return make(pageSlots, max(4, 2*runtime.GOMAXPROCS(0)))
}

// acquire takes a slot, or fails when ctx ends first.
func (s pageSlots) acquire(ctx context.Context) error {
	select {
	case s <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s pageSlots) release() { <-s }
