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
//   - a prefix split (of the whole query) takes each common first character
//     c (startsWith(userPrincipalName,c)), and leaves the rest: not(any of
//     those);
//   - a rank split cuts a partition at pivot names p1 < p2 < ...: (.., p1],
//     (p1, p2], ..., (pk, ..], as "userPrincipalName le p" and its negation;
//   - a code split cuts a rest by the code point of the character after the
//     prefix, with pivots of one character.
//
// Graph's order decides who lands where; every name lands in exactly one
// child, and the counts say how many.
type partition struct {
	clauses []string // ANDed OData clauses; none for the whole query
	kind    partKind
	prefix  string // what the members' names begin with, as far as known
	lo, hi  rune   // kindCode: the character after prefix is in [lo, hi)
	after   string // kindRank: names after this one ("" = no lower bound of its own)
	upTo    string // kindRank: names up to this one ("" = no upper bound of its own)
	count   int64  // Graph's count when planned; -1 when unknown

	// negated: a clause is a not(...), which only advanced queries allow.
	negated bool
}

// partKind says how a partition was made, and so how it splits further.
type partKind int

const (
	kindPrefix partKind = iota // names beginning with prefix (the root: any name)
	kindRest                   // names continuing prefix with an uncommon character
	kindCode                   // a rest's names whose next character is in [lo, hi)
	kindRank                   // names in (after, upTo]
)

// filter is p as an OData filter ("" for the whole query).
func (p *partition) filter() string { return joinAnd(p.clauses) }

// advanced reports whether p's filter needs advanced query parameters.
func (p *partition) advanced() bool { return p.negated }

// with is a child of p: p's clauses and more, of the given kind.
func (p *partition) with(kind partKind, clauses ...string) *partition {
	all := make([]string, len(p.clauses), len(p.clauses)+len(clauses))
	copy(all, p.clauses)
	child := &partition{clauses: all, kind: kind, prefix: p.prefix, negated: p.negated}
	for _, c := range clauses {
		if c != "" {
			child.clauses = append(child.clauses, c)
			child.negated = child.negated || strings.Contains(c, "not(")
		}
	}
	return child
}

// String names p in logs.
func (p *partition) String() string {
	switch {
	case len(p.clauses) == 0:
		return "all users"
	case p.kind == kindCode:
		return fmt.Sprintf("'%s' then U+%04X..U+%04X", p.prefix, p.lo, p.hi-1)
	case p.kind == kindRest:
		return "'" + p.prefix + "' then an uncommon character"
	case p.kind == kindRank:
		return fmt.Sprintf("'%s*' in (%q, %q]", p.prefix, p.after, p.upTo)
	default:
		return "'" + p.prefix + "*'"
	}
}

// partitionQueue hands planned partitions to the list workers, largest
// first, so the long chains start early and the tail of the export is short.
type partitionQueue struct {
	mu     sync.Mutex
	items  heapOf[*partition] // largest first
	closed bool
	wake   chan struct{} // one pending wake-up for a waiting worker
	done   chan struct{} // closed with the queue: wakes every worker
}

func newPartitionQueue() *partitionQueue {
	return &partitionQueue{
		items: heapOf[*partition]{less: func(a, b *partition) bool { return a.count > b.count }},
		wake:  make(chan struct{}, 1),
		done:  make(chan struct{}),
	}
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
		if q.items.Len() > 0 {
			p, ok := heap.Pop(&q.items).(*partition)
			more := q.items.Len() > 0
			q.mu.Unlock()
			if more {
				q.signal()
			}
			if ok {
				return p, true
			}
			continue
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

// heapOf is a container/heap of T, less deciding which comes out first:
// the partition queue's and the batch dispatcher's.
type heapOf[T any] struct {
	items []T
	less  func(a, b T) bool
}

func (h *heapOf[T]) Len() int           { return len(h.items) }
func (h *heapOf[T]) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }
func (h *heapOf[T]) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }

// Push adds x, which must be a T (container/heap's interface takes any).
func (h *heapOf[T]) Push(x any) {
	if v, ok := x.(T); ok {
		h.items = append(h.items, v)
	}
}

// Pop removes the last element, clearing its slot for the collector.
func (h *heapOf[T]) Pop() any {
	n := len(h.items) - 1
	v := h.items[n]
	var zero T
	h.items[n] = zero
	h.items = h.items[:n]
	return v
}
