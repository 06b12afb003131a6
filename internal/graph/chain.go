package graph

import (
	"context"
	"strings"
	"sync"

	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// maxChainRestarts bounds how often one chain starts over after Graph
// expired its page token.
const maxChainRestarts = 3

// A partRun is one partition being listed. Its first chain walks the
// partition in Graph's order (by userPrincipalName); when a list worker has
// nothing else to do it may start a second chain from the other end
// ($orderby=userPrincipalName desc), and the two stop where they meet.
//
// Pages are delivered as they arrive, before the partition is known to be
// complete, so that nothing is held back. What makes that safe is the set of
// ids the run has delivered: when a chain must start over (an expired page
// token, or a count that says users were missed) it skips the users already
// delivered, and the two ends never deliver a user twice. The set lives only
// as long as the partition is being listed, which bounds memory by the
// partition sizes in flight rather than by the directory.
type partRun struct {
	c       *Client
	part    *partition
	q       listQuery
	deliver func(context.Context, []directory.User) error

	mu         sync.Mutex
	seen       map[idKey]struct{}
	ascTop     string // the largest (lower-cased) name the first chain has reached
	descBottom string // the smallest the second chain has reached
	ascDone    bool   // the first chain reached its end, or met the second
	descDone   bool
	hasDesc    bool  // a second chain has been claimed (it may have finished since)
	firstCount int64 // @odata.count of the latest first page; -1 when absent
	pages      int
	helpers    sync.WaitGroup
}

func newPartRun(c *Client, part *partition, q listQuery, deliver func(context.Context, []directory.User) error) *partRun {
	return &partRun{c: c, part: part, q: q, deliver: deliver, seen: map[idKey]struct{}{}, firstCount: -1}
}

// listed is how many distinct users the run has seen.
func (r *partRun) listed() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return int64(len(r.seen))
}

// remaining estimates the users the run has yet to list.
func (r *partRun) remaining() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ascDone || r.hasDesc {
		return 0
	}
	return r.part.count - int64(len(r.seen))
}

// claimDesc makes the caller the run's second chain, if it has none yet.
func (r *partRun) claimDesc() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ascDone || r.hasDesc {
		return false
	}
	r.hasDesc = true
	r.helpers.Add(1)
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
// token mid-chain.
func (ch chain) run(ctx context.Context) error {
	for restarts := 0; ; restarts++ {
		err := ch.pass(ctx)
		if err == nil || errorCode(err) != codeExpiredPageToken || restarts >= maxChainRestarts {
			return err
		}
		ch.r.c.log.DebugContext(ctx, "page token expired; listing the partition again, skipping users already delivered",
			"partition", ch.r.part.String(), "delivered", ch.r.listed())
	}
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
	fresh := users[:0]
	for i := range users {
		k := keyOf(users[i].ID)
		if _, dup := r.seen[k]; dup {
			continue
		}
		r.seen[k] = struct{}{}
		fresh = append(fresh, users[i])
	}
	if ch.whole {
		return fresh, false
	}
	// The ends have met when each covers the names up to the other's
	// reach, or the other end has finished the partition.
	met := r.descBottom != "" && r.ascTop != "" && r.descBottom <= r.ascTop
	if ch.desc {
		return fresh, met || r.ascDone
	}
	return fresh, met || r.descDone
}

// reach records how far this end has come; r.mu is held. A whole
// re-listing does not stop where the ends meet, so it records nothing.
func (ch chain) reach(users []directory.User) {
	if ch.whole {
		return
	}
	r := ch.r
	for i := range users {
		name := strings.ToLower(users[i].UserPrincipalName)
		switch {
		case ch.desc && (r.descBottom == "" || name < r.descBottom):
			r.descBottom = name
		case !ch.desc && name > r.ascTop:
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
	q := ch.r.q
	if ch.desc {
		q.orderDesc, q.advanced = true, true
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
			page, err = decodePage(r.body, int(q.top))
			return err
		},
	})
	if err != nil {
		return userPage{}, nil, err
	}
	return page, resp.release, nil
}
