package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// lister lists the users of one query over many chains.
type lister struct {
	c       *Client
	base    listQuery // the caller's filter and search, selects, page size
	chains  int       // list chains kept in flight
	deliver func(context.Context, []directory.User) error

	mu     sync.Mutex
	active map[*partRun]struct{} // partitions being listed, for idle workers to help
	noDesc atomic.Bool           // Graph refused $orderby desc: no second chains
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
// Workers take partitions largest first; once none are left they help the
// largest partitions still being listed, from their other end.
func (l *lister) listPlanned(ctx context.Context, p *planner, root []*partition) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	queue := newPartitionQueue()
	var g group
	g.go1(cancel, func() error {
		defer queue.close()
		return p.refineAll(ctx, root, 1, queue.push)
	})
	for range l.chains {
		g.go1(cancel, func() error { return l.work(ctx, queue) })
	}
	g.wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return ctx.Err()
}

// work is one list worker.
func (l *lister) work(ctx context.Context, queue *partitionQueue) error {
	for {
		part, ok := queue.pop(ctx)
		if ok {
			if err := l.listPartition(ctx, part); err != nil {
				return err
			}
			continue
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		helped, err := l.help(ctx)
		if err != nil || !helped {
			return err
		}
	}
}

// listPartition lists one partition and checks it against Graph's count.
// A short result is never accepted silently: Graph is asked to count again
// (the directory may have changed since the plan), and if users are still
// missing the partition is listed again in one chain, skipping what was
// delivered.
func (l *lister) listPartition(ctx context.Context, part *partition) error {
	q := l.base
	q.filter = andFilters(l.base.filter, part.filter())
	q.advanced = l.base.advanced || part.advanced()
	r := newPartRun(l.c, part, q, l.deliver)
	l.track(r, true)
	defer l.track(r, false)
	began := time.Now()
	err := chain{r: r}.run(ctx)
	r.close()
	r.helpers.Wait()
	if err != nil {
		return err
	}
	want := part.count
	if r.firstCount >= 0 {
		want = r.firstCount
	}
	for attempt := 0; want >= 0 && r.listed() < want; attempt++ {
		now, err := l.c.count(ctx, q.filter, q.search)
		if err != nil {
			return err
		}
		if r.listed() >= now {
			break
		}
		if attempt == 1 {
			return &Error{Operation: OpListUsers, Err: ErrIncomplete, Message: fmt.Sprintf(
				"graph counts %d users for %s but listing returned %d, twice; refusing to return a short result", now, part, r.listed())}
		}
		l.c.log.InfoContext(ctx, "partition came back short; listing it again", "partition", part.String(), "count", now, "listed", r.listed())
		if err := (chain{r: r, whole: true}).run(ctx); err != nil {
			return err
		}
		want = now
	}
	l.c.log.DebugContext(ctx, "partition done", "partition", part.String(), "count", part.count, "listed", r.listed(),
		"pages", r.pages, "took", time.Since(began).Round(time.Millisecond))
	return nil
}

// track adds or removes a run from those idle workers may help.
func (l *lister) track(r *partRun, on bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.active == nil {
		l.active = map[*partRun]struct{}{}
	}
	if on {
		l.active[r] = struct{}{}
	} else {
		delete(l.active, r)
	}
}

// help lists the largest running partition from its other end; false when
// there is none worth it (less than two pages left).
func (l *lister) help(ctx context.Context) (bool, error) {
	if l.noDesc.Load() {
		return false, nil
	}
	r := l.victim()
	if r == nil {
		return false, nil
	}
	defer r.helpers.Done()
	err := chain{r: r, desc: true}.run(ctx)
	r.mu.Lock()
	untouched := r.descBottom == ""
	r.mu.Unlock()
	if rejected(err) && untouched {
		// Graph refuses to order this query: no second chains, and the
		// first chain goes on to its end.
		l.c.log.DebugContext(ctx, "graph refused to list in descending order; one chain per partition", "code", errorCode(err))
		l.noDesc.Store(true)
		return true, nil
	}
	return true, err
}

// victim picks the running partition with the most users left, and claims
// its other end.
func (l *lister) victim() *partRun {
	l.mu.Lock()
	defer l.mu.Unlock()
	var best *partRun
	var most int64
	for r := range l.active {
		if left := r.remaining(); left > 2*int64(l.base.top) && left > most {
			best, most = r, left
		}
	}
	if best == nil || !best.claimDesc() {
		return nil
	}
	return best
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
