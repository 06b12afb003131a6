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
	"golang.org/x/sync/errgroup"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// settleBudget bounds how long a partition that came back short is counted
// again, with growing waits, before the read declares it incomplete. Graph
// answers $count from an index that lags the directory (seconds, at times
// longer): a user deleted a moment ago is still counted, and only time makes
// the count right. A minute covers the lag the emulator can be set to (30 s)
// twice over; the read's deadline bounds it too.
const settleBudget = time.Minute

// lister lists the users of one query over many chains.
type lister struct {
	c       *Client
	base    listQuery // the caller's filter and search, selects, page size
	chains  int       // list chains kept in flight
	deliver func(context.Context, []directory.User) error

	table   *idTable // every user delivered, across partitions; set by list
	runs    atomic.Uint32
	refused refusals

	// counted, when set, runs once the query's count is known (or Graph
	// refused to count it), before the plan and before any user is
	// listed: the moment to take the change log's link.
	counted func(ctx context.Context) error

	mu     sync.Mutex
	active map[*partRun]struct{} // partitions being listed, for idle workers to help
}

func newLister(c *Client, base listQuery, chains int, deliver func(context.Context, []directory.User) error) *lister {
	return &lister{c: c, base: base, chains: chains, deliver: deliver}
}

// list reads every user of the query: a count, a partition plan checked
// against it, then the partitions' chains in parallel, largest first. Any
// doubt about the plan (Graph rejects combining the query with a partition
// filter, or the partition counts do not add up to the query's count even
// when counted again) is settled before a single user is delivered, by
// falling back to one chain with the caller's query alone.
func (l *lister) list(ctx context.Context) error {
	total, err := l.c.count(ctx, l.base.filter, l.base.search)
	if err == nil || rejected(err) {
		if herr := l.hookCounted(ctx); herr != nil {
			return herr
		}
	}
	switch {
	case rejected(err):
		l.c.log.InfoContext(ctx, "graph cannot count this query; listing it in one chain", "code", errorCode(err))
		total = -1
	case err != nil:
		return err
	}
	// Every chain has ended when list returns (errgroup waits for them):
	// nothing uses the table after it.
	l.table = newIDTable(total + total/8)
	defer l.table.release()
	if total < 0 {
		return l.listPartition(ctx, &partition{count: -1})
	}
	l.c.log.DebugContext(ctx, "users to list", "count", total)
	if total <= int64(l.base.top) || l.chains == 1 {
		return l.listPartition(ctx, &partition{count: total})
	}
	p := newSplitter(l, total)
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

func (l *lister) hookCounted(ctx context.Context) error {
	if l.counted == nil {
		return nil
	}
	return l.counted(ctx)
}

// listPlanned runs the workers while the splitter refines the first split.
// Workers take partitions largest first; once none are left they help the
// largest partitions still being listed, from their other end.
func (l *lister) listPlanned(ctx context.Context, p *splitter, root []*partition) error {
	g, ctx := errgroup.WithContext(ctx)
	queue := newPartitionQueue()
	g.Go(recovered(func() error {
		defer queue.close()
		return p.refineAll(ctx, root, 1, queue.push)
	}))
	for range l.chains {
		g.Go(recovered(func() error { return l.work(ctx, queue) }))
	}
	return g.Wait()
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
		if err := ctx.Err(); err != nil {
			return err
		}
		helped, err := l.help(ctx)
		if err != nil || !helped {
			return err
		}
	}
}

// listPartition lists one partition and checks it against Graph's count.
func (l *lister) listPartition(ctx context.Context, part *partition) error {
	q := l.base
	q.filter = andFilters(l.base.filter, part.filter())
	q.advanced = l.base.advanced || part.advanced()
	r := newPartRun(l.c, part, q, l.table, l.runs.Add(1), &l.refused, l.deliver)
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
	if want >= 0 && r.listed() < want {
		if err := l.settle(ctx, r, want); err != nil {
			return err
		}
	}
	l.c.log.DebugContext(ctx, "partition done", "partition", part.String(), "count", part.count, "listed", r.listed(),
		"pages", r.pages, "took", time.Since(began).Round(time.Millisecond))
	return nil
}

// settle deals with a partition that listed fewer users than Graph counted.
// A short result is never accepted silently, but on a live directory it is
// not a failure either: users deleted a moment ago are still counted (the
// count's index lags), and users created after the chain passed are listed
// when the partition is listed again. So the partition is counted again with
// growing waits, and listed again (skipping what was delivered) whenever the
// count holds still, until it has listed at least as many users as Graph
// counts. Only a shortfall that outlasts settleBudget, with the count holding
// still, is ErrIncomplete.
func (l *lister) settle(ctx context.Context, r *partRun, want int64) error {
	start := l.c.retry.clock.Now()
	prev := want
	for attempt := 1; ; attempt++ {
		now, err := l.c.count(ctx, r.q.filter, r.q.search)
		if err != nil {
			return err
		}
		if r.listed() >= now {
			return nil
		}
		// Listed again at once (users created after the chain passed are
		// the likely cause), then again only when the count holds still: a
		// count that keeps falling is the index catching up with deletions,
		// which listing again does not help.
		if attempt == 1 || now == prev {
			l.c.log.InfoContext(ctx, "partition came back short; listing it again",
				"partition", r.part.String(), "count", now, "listed", r.listed())
			if err := l.relist(ctx, r); err != nil {
				return err
			}
			if r.listed() >= now {
				return nil
			}
		}
		prev = now
		wait := l.c.retry.backoff(attempt)
		spent := l.c.retry.clock.Now().Sub(start)
		if spent+wait > l.c.settleFor || !l.c.retry.fitsDeadline(ctx, wait) {
			return &Error{Operation: OpListUsers, Err: ErrIncomplete, Message: fmt.Sprintf(
				"graph counts %d users for %s but listing returned %d, after listing it again and counting for %s; refusing to return a short result",
				now, r.part, r.listed(), spent.Round(time.Second))}
		}
		if err := l.c.retry.clock.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// relist lists a partition again, skipping what was delivered. A partition
// whose first pass walked in name order is walked from both ends at once,
// which meet in the middle: it ends the export, and no worker is left to
// help it from the other end.
func (l *lister) relist(ctx context.Context, r *partRun) error {
	if !r.reopen() || l.refused.desc.Load() {
		return chain{r: r, whole: true}.run(ctx)
	}
	// Once the ends meet, the page the other end is waiting for is not
	// needed: it is cancelled rather than waited for.
	ends, meet := context.WithCancel(ctx)
	defer meet()
	r.mu.Lock()
	r.met = meet
	r.mu.Unlock()
	g, ends := errgroup.WithContext(ends)
	g.Go(recovered(func() error {
		defer r.close()
		return metOrErr(ctx, chain{r: r}.run(ends))
	}))
	g.Go(recovered(func() error {
		err := chain{r: r, desc: true}.run(ends)
		if rejected(err) {
			// Graph refuses the descending order: the first end goes on
			// to its own end.
			l.refused.desc.Store(true)
			return nil
		}
		return metOrErr(ctx, err)
	}))
	return g.Wait()
}

// metOrErr is an end's error, unless it is the cancellation of a page no
// longer needed: ctx, the read's own, is still alive.
func metOrErr(ctx context.Context, err error) error {
	if errors.Is(err, context.Canceled) && ctx.Err() == nil {
		return nil
	}
	return err
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
	if l.refused.desc.Load() {
		return false, nil
	}
	r := l.claimLargest()
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
		l.refused.desc.Store(true)
		return true, nil
	}
	return true, err
}

// claimLargest picks the running partition with the most users left, and
// claims its other end.
func (l *lister) claimLargest() *partRun {
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
