package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// lister lists the users of one query over many chains.
type lister struct {
	c       *Client
	base    listQuery // the caller's filter and search, selects, page size
	chains  int       // list chains kept in flight
	deliver func(context.Context, []directory.User) error
}

// list reads every user of the query: a count, a partition plan checked
// against it, then the partitions' chains in parallel, largest first. Any
// doubt about the plan (Graph rejects combining the query with a partition
// filter, or the partition counts do not add up to the query's count) is
// settled before a single user is delivered, by falling back to one chain
// with the caller's query alone.
func (l *lister) list(ctx context.Context) error {
	total, err := l.c.count(ctx, l.base.filter, l.base.search)
	switch {
	case rejected(err):
		l.c.log.InfoContext(ctx, "graph cannot count this query; listing it in one chain", "code", errorCode(err))
		return l.listPartition(ctx, &partition{count: -1})
	case err != nil:
		return err
	}
	l.c.log.DebugContext(ctx, "users to list", "count", total)
	if total <= int64(l.base.top) || l.chains == 1 {
		return l.listPartition(ctx, &partition{count: total})
	}
	p := newPlanner(l, total)
	root, err := p.split(ctx, &partition{count: total})
	if err != nil {
		return err
	}
	if root == nil {
		l.c.log.InfoContext(ctx, "the partition counts do not match the query's count, or graph rejected a partition filter; listing in one chain")
		return l.listPartition(ctx, &partition{count: total})
	}
	return l.listPlanned(ctx, p, root)
}

// listPlanned runs the workers while the planner refines the first split.
func (l *lister) listPlanned(ctx context.Context, p *planner, root []*partition) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	queue := newPartitionQueue()
	var g group
	g.go1(cancel, func() error {
		defer queue.close()
		return p.refineAll(ctx, root, queue.push)
	})
	for range l.chains {
		g.go1(cancel, func() error {
			for {
				part, ok := queue.pop(ctx)
				if !ok {
					return context.Cause(ctx)
				}
				if err := l.listPartition(ctx, part); err != nil {
					return err
				}
			}
		})
	}
	g.wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return ctx.Err()
}

// listPartition lists one partition and checks it against Graph's count.
// A short result is never accepted silently: Graph is asked to count again
// (the directory may have changed since the plan), and if users are still
// missing the chain runs again, skipping what it delivered.
func (l *lister) listPartition(ctx context.Context, part *partition) error {
	q := l.base
	q.filter = andFilters(l.base.filter, part.filter())
	q.advanced = l.base.advanced || part.advanced()
	ch := newChain(l.c, q, l.deliver)
	if err := ch.run(ctx); err != nil {
		return err
	}
	want := part.count
	if ch.firstCount >= 0 {
		want = ch.firstCount
	}
	for attempt := 0; want >= 0 && ch.listed() < want; attempt++ {
		now, err := l.c.count(ctx, q.filter, q.search)
		if err != nil {
			return err
		}
		if ch.listed() >= now {
			break
		}
		if attempt == 1 {
			return &Error{Operation: OpListUsers, Err: ErrIncomplete, Message: fmt.Sprintf(
				"graph counts %d users for %s but listing returned %d, twice; refusing to return a short result", now, part, ch.listed())}
		}
		l.c.log.InfoContext(ctx, "partition came back short; listing it again", "partition", part.String(), "count", now, "listed", ch.listed())
		ch.firstCount = -1
		if err := ch.run(ctx); err != nil {
			return err
		}
		want = now
	}
	l.c.log.DebugContext(ctx, "partition done", "partition", part.String(), "count", part.count, "listed", ch.listed(), "pages", ch.pages)
	return nil
}

// count asks GET /users/$count for the users a filter and search select.
func (c *Client) count(ctx context.Context, filter, search string) (int64, error) {
	var n int64
	_, err := c.do(ctx, call{
		op: OpCountUsers,
		build: func(ctx context.Context) (*abs.RequestInformation, error) {
			return c.countRequest(ctx, filter, search)
		},
		decode: func(r *response) (err error) {
			n, err = decodeCount(r.body)
			return err
		},
	})
	return n, err
}

// rejected reports whether Graph refused a query as such (400, or 501 for
// an unsupported combination), as opposed to failing to answer it.
func rejected(err error) bool {
	var ge *Error
	return errors.As(err, &ge) && (ge.Status == http.StatusBadRequest || ge.Status == http.StatusNotImplemented)
}
