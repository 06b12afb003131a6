package graph

import (
	"container/heap"
	"context"
	"fmt"
	"strings"
	"sync"
)

// A partition is a set of users defined by their userPrincipalName, as a
// conjunction of filter clauses. Partitions are made by splitting a parent
// into children that are disjoint and cover it exactly, whatever characters
// the names hold and however Graph orders them, because each split's last
// child is the exact complement of its siblings within the parent:
//
//   - a prefix split extends the prefix q all members share by each common
//     character (startsWith(userPrincipalName,q+c)), and leaves the rest:
//     the parent and not(any of those);
//   - a range split cuts a rest by the character that follows q, with
//     "userPrincipalName le" pivots: (q+lo, q+hi]. Graph's order decides who
//     lands where, but every name lands in exactly one range.
type partition struct {
	clauses []string // ANDed OData clauses; none for the whole query
	prefix  string   // the prefix the members were split by
	rest    bool     // members continue prefix with an uncommon character
	ranged  bool     // members' character after prefix is in [lo, hi)
	lo, hi  rune
	count   int64 // Graph's count when planned; -1 when unknown
}

// filter is p as an OData filter ("" for the whole query).
func (p *partition) filter() string { return strings.Join(p.clauses, " and ") }

// advanced reports whether p's filter needs advanced query parameters.
func (p *partition) advanced() bool { return p.rest || p.ranged }

// with is a child of p: p's clauses and one more.
func (p *partition) with(clause string) *partition {
	clauses := make([]string, len(p.clauses), len(p.clauses)+1)
	copy(clauses, p.clauses)
	return &partition{clauses: append(clauses, clause), prefix: p.prefix, rest: p.rest, ranged: p.ranged, lo: p.lo, hi: p.hi}
}

// String names p in logs.
func (p *partition) String() string {
	switch {
	case len(p.clauses) == 0:
		return "all users"
	case p.ranged:
		return fmt.Sprintf("'%s' then U+%04X..U+%04X", p.prefix, p.lo, p.hi-1)
	case p.rest:
		return "'" + p.prefix + "' then an uncommon character"
	default:
		return "'" + p.prefix + "*'"
	}
}

// partitionQueue hands planned partitions to the list workers, largest
// first, so the long chains start early and the tail of the export is short.
type partitionQueue struct {
	mu     sync.Mutex
	items  partitionHeap
	closed bool
	wake   chan struct{} // one pending wake-up for a waiting worker
	done   chan struct{} // closed with the queue: wakes every worker
}

func newPartitionQueue() *partitionQueue {
	return &partitionQueue{wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func (q *partitionQueue) push(p *partition) {
	q.mu.Lock()
	heap.Push(&q.items, p)
	q.mu.Unlock()
	q.signal()
}

func (q *partitionQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// close says no more partitions will come.
func (q *partitionQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		close(q.done)
	}
}

// pop waits for the largest partition; false when the queue is closed and
// empty or ctx is done.
func (q *partitionQueue) pop(ctx context.Context) (*partition, bool) {
	for {
		q.mu.Lock()
		if len(q.items) > 0 {
			p := heap.Pop(&q.items).(*partition)
			more := len(q.items) > 0
			q.mu.Unlock()
			if more {
				q.signal()
			}
			return p, true
		}
		closed := q.closed
		q.mu.Unlock()
		if closed {
			return nil, false
		}
		select {
		case <-q.wake:
		case <-q.done:
		case <-ctx.Done():
			return nil, false
		}
	}
}

// partitionHeap is a max-heap by count.
type partitionHeap []*partition

func (h partitionHeap) Len() int           { return len(h) }
func (h partitionHeap) Less(i, j int) bool { return h[i].count > h[j].count }
func (h partitionHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *partitionHeap) Push(x any)        { *h = append(*h, x.(*partition)) }
func (h *partitionHeap) Pop() any {
	old := *h
	p := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return p
}
