package graph

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"

	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// maxChainRestarts bounds how often one chain starts over after Graph
// expired its page token.
const maxChainRestarts = 3

// refusals remember, for a whole read, the orderings Graph refused: once it
// has answered 400 to $orderby on this query, no chain asks again.
type refusals struct {
	asc, desc atomic.Bool
}

// A partRun is one partition being listed. Its first chain walks the
// partition up from its lowest name; when a list worker has nothing else to
// do it may start a second chain from the other end ($orderby=
// userPrincipalName desc), and the two stop where they meet.
//
// Meeting in the middle needs both chains in userPrincipalName order, which
// Graph promises only when asked: an advanced query's first chain asks for
// it ($orderby=userPrincipalName). A standard query cannot ask (ordering a
// filtered list is an advanced query, and advanced queries read an index
// that lags the directory), so its first chain's order is checked page by
// page instead: Graph's default order is undocumented (often the name,
// sometimes the object id). A run whose first chain is seen out of order
// gets no second chain, and if it has one already, both go to their ends.
//
// Pages are delivered as they arrive, before the partition is known to be
// complete, so that nothing is held back. What makes that safe is the read's
// table of delivered users: a chain that starts over (an expired page token,
// a count that says users were missed) skips what was delivered, the two ends
// never deliver a user twice, and neither does another partition the user
// was renamed into.
type partRun struct {
	c       *Client
	part    *partition
	q       listQuery
	deliver func(context.Context, []directory.User) error
	table   *idTable
	num     uint32 // the run's number in the table
	refused *refusals

	mu         sync.Mutex
	members    int64  // distinct users the run met, delivered by it or not
	ascTop     string // the largest (lower-cased) name the first chain has reached
	descBottom string // the smallest the second chain has reached
	ascDone    bool   // the first chain reached its end, or met the second
	descDone   bool
	hasDesc    bool  // a second chain has been claimed (it may have finished since)
	ascPages   int   // pages of the first chain, for the order check
	disorder   bool  // the first chain was seen out of name order
	firstCount int64 // @odata.count of the latest first page; -1 when absent
	pages      int
	helpers    sync.WaitGroup
	met        func() // when set, called once the two ends meet
}

func newPartRun(c *Client, part *partition, q listQuery, table *idTable, num uint32, refused *refusals,
	deliver func(context.Context, []directory.User) error) *partRun {
	if q.advanced && !refused.asc.Load() {
		q.order = orderAsc
	}
	return &partRun{c: c, part: part, q: q, deliver: deliver, table: table, num: num, refused: refused, firstCount: -1}
}

// listed is how many distinct users the run has met.
func (r *partRun) listed() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.members
}

// remaining estimates the users the run has yet to list.
func (r *partRun) remaining() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ascDone || r.hasDesc {
		return 0
	}
	return r.part.count - r.members
}

// claimDesc makes the caller the run's second chain, if it has none yet and
// its first chain is known to walk in name order.
func (r *partRun) claimDesc() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ascDone || r.hasDesc || !r.inOrder() {
		return false
	}
	r.hasDesc = true
	r.helpers.Add(1)
	return true
}

// inOrder reports whether the first chain walks in name order: it asked for
// it, or its pages so far came so. r.mu is held.
func (r *partRun) inOrder() bool {
	return !r.disorder && (r.q.order == orderAsc || r.ascPages > 0)
}

// reopen sets a run up to be listed again from both ends, when its first
// pass showed it walks in name order (false, and nothing changed, when it
// did not): where each end reached and whether it finished start over.
func (r *partRun) reopen() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.inOrder() {
		return false
	}
	r.ascTop, r.descBottom = "", ""
	r.ascDone, r.descDone, r.hasDesc = false, false, true
	return true
}

// close stops helpers from joining the run: its first chain is over.
func (r *partRun) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ascDone = true
}

// chain is one end of a run.
type chain struct {
	r    *partRun
	desc bool
	// whole: list to the end regardless of the other end (a re-listing).
	whole bool
}

// run lists the chain to its end (or to where it meets the other end),
// starting over and skipping what was delivered when Graph expires the page
// token mid-chain, and without $orderby when Graph refuses it.
func (ch chain) run(ctx context.Context) error {
	for restarts := 0; ; restarts++ {
		err := ch.pass(ctx)
		switch {
		case err == nil:
			return nil
		case ch.orderRefused(err):
			ch.r.c.log.DebugContext(ctx, "graph refused to order the partition by name; listing it in its own order",
				"partition", ch.r.part.String(), "code", errorCode(err))
			continue
		case errorCode(err) != codeExpiredPageToken || restarts >= maxChainRestarts:
			return err
		}
		ch.r.c.log.DebugContext(ctx, "page token expired; listing the partition again, skipping users already delivered",
			"partition", ch.r.part.String(), "delivered", ch.r.listed())
	}
}

// orderRefused reports whether err is Graph refusing the first chain's
// $orderby before any page came, and if so drops the ordering for this run
// and every later one.
func (ch chain) orderRefused(err error) bool {
	r := ch.r
	r.mu.Lock()
	defer r.mu.Unlock()
	if ch.desc || r.q.order != orderAsc || r.ascPages > 0 || !rejected(err) {
		return false
	}
	r.q.order = orderNone
	r.refused.asc.Store(true)
	return true
}

// pass follows the chain from its first page once.
func (ch chain) pass(ctx context.Context) error {
	next := ""
	for {
		page, release, err := ch.fetch(ctx, next)
		if err != nil {
			return err
		}
		fresh, stop := ch.take(page, next == "")
		if len(fresh) > 0 {
			err = ch.r.deliver(ctx, fresh)
		}
		release()
		if err != nil {
			return err
		}
		if stop || page.NextLink == "" {
			ch.finish()
			return nil
		}
		next = page.NextLink
	}
}

// take records a page: it keeps the users not delivered yet (in place) and
// says whether this end may stop because the two ends have met.
func (ch chain) take(page userPage, first bool) ([]directory.User, bool) {
	r := ch.r
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pages++
	if first && page.Count != nil && !ch.desc {
		r.firstCount = *page.Count
	}
	users := page.users()
	ch.reach(users)
	fresh := ch.fresh(users)
	if ch.whole || r.disorder {
		return fresh, false
	}
	return fresh, ch.mayStop()
}

// fresh keeps, in place, the users no chain delivered yet, and counts those
// new to this run; r.mu is held.
func (ch chain) fresh(users []directory.User) []directory.User {
	r := ch.r
	fresh := users[:0]
	r.table.mu.Lock()
	defer r.table.mu.Unlock()
	for i := range users {
		newToRead, newToRun := r.table.see(keyOf(users[i].ID), r.num)
		if newToRun {
			r.members++
		}
		if newToRead {
			fresh = append(fresh, users[i])
		}
	}
	return fresh
}

// mayStop says whether this end may stop: the ends have met when each
// covers the names up to the other's reach, or the other end has finished
// the partition; r.mu is held.
func (ch chain) mayStop() bool {
	r := ch.r
	met := r.descBottom != "" && r.ascTop != "" && r.descBottom <= r.ascTop
	if met && r.met != nil {
		r.met()
	}
	if ch.desc {
		return met || r.ascDone
	}
	return met || r.descDone
}

// reach records how far this end has come, and whether the first chain
// still walks in name order; r.mu is held. A whole re-listing does not stop
// where the ends meet, so it records nothing.
func (ch chain) reach(users []directory.User) {
	if ch.whole {
		return
	}
	r := ch.r
	if !ch.desc {
		r.ascPages++
	}
	for i := range users {
		name := strings.ToLower(users[i].UserPrincipalName)
		// A name behind one already passed means the chain does not walk
		// in the order compared here (Graph's order, or its collation,
		// differs): where the ends meet then says nothing.
		switch {
		case ch.desc && r.descBottom != "" && name > r.descBottom:
			r.disorder = true
		case ch.desc:
			r.descBottom = name
		case name < r.ascTop:
			r.disorder = true
		default:
			r.ascTop = name
		}
	}
}

// finish marks this end done.
func (ch chain) finish() {
	ch.r.mu.Lock()
	defer ch.r.mu.Unlock()
	if ch.desc {
		ch.r.descDone = true
	} else {
		ch.r.ascDone = true
	}
}

// fetch gets the first page (next == "") or the page a nextLink names. The
// caller must call release once it has delivered the page: until then the
// page holds one of the client's page slots.
func (ch chain) fetch(ctx context.Context, next string) (page userPage, release func(), err error) {
	ch.r.mu.Lock()
	q := ch.r.q
	ch.r.mu.Unlock()
	if ch.desc {
		q.order, q.advanced = orderDesc, true
	}
	resp, err := ch.r.c.do(ctx, call{
		op:   OpListUsers,
		page: true,
		build: func(ctx context.Context) (*abs.RequestInformation, error) {
			if next == "" {
				return ch.r.c.firstPageRequest(ctx, q)
			}
			return ch.r.c.nextPageRequest(ctx, next, q.advanced)
		},
		decode: func(r *response) (err error) {
			page, err = decodePage(r.body, int(q.top), q.extensions)
			return err
		},
	})
	if err != nil {
		return userPage{}, nil, err
	}
	return page, resp.release, nil
}
