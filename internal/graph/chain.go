package graph

import (
	"context"

	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// maxChainRestarts bounds how often one partition starts over after Graph
// expired its page token.
const maxChainRestarts = 3

// chain walks one nextLink chain over one partition and delivers each page
// as it arrives.
//
// Delivery happens before the partition is known to be complete, so that
// nothing is held back. What makes that safe is the set of ids the chain has
// delivered: when the chain must start over (an expired page token, or a
// count that says users were missed) it skips the users it already
// delivered, so the sink never sees one twice. The set lives only as long as
// the partition is being listed, which bounds memory by the partition sizes
// in flight rather than by the directory.
type chain struct {
	c       *Client
	q       listQuery
	deliver func(context.Context, []directory.User) error

	seen       map[idKey]struct{}
	firstCount int64 // @odata.count of the latest first page; -1 when absent
	pages      int
}

func newChain(c *Client, q listQuery, deliver func(context.Context, []directory.User) error) *chain {
	return &chain{c: c, q: q, deliver: deliver, seen: map[idKey]struct{}{}, firstCount: -1}
}

// listed is how many distinct users the chain has seen.
func (ch *chain) listed() int64 { return int64(len(ch.seen)) }

// run lists the partition to its end, starting over (and skipping what it
// delivered) when Graph expires the page token mid-chain.
func (ch *chain) run(ctx context.Context) error {
	for restarts := 0; ; restarts++ {
		err := ch.pass(ctx)
		if err == nil || errorCode(err) != codeExpiredPageToken || restarts >= maxChainRestarts {
			return err
		}
		ch.c.log.DebugContext(ctx, "page token expired; listing the partition again, skipping users already delivered",
			"filter", ch.q.filter, "delivered", ch.listed())
	}
}

// pass follows the chain from its first page once.
func (ch *chain) pass(ctx context.Context) error {
	next := ""
	for {
		page, err := ch.fetch(ctx, next)
		if err != nil {
			return err
		}
		if next == "" && page.Count != nil {
			ch.firstCount = *page.Count
		}
		if fresh := ch.unseen(page.users()); len(fresh) > 0 {
			if err := ch.deliver(ctx, fresh); err != nil {
				return err
			}
		}
		if page.NextLink == "" {
			return nil
		}
		next = page.NextLink
	}
}

// fetch gets the first page (next == "") or the page a nextLink names.
func (ch *chain) fetch(ctx context.Context, next string) (userPage, error) {
	var page userPage
	_, err := ch.c.do(ctx, call{
		op: OpListUsers,
		build: func(ctx context.Context) (*abs.RequestInformation, error) {
			if next == "" {
				return ch.c.firstPageRequest(ctx, ch.q)
			}
			return ch.c.nextPageRequest(ctx, next, ch.q.advanced)
		},
		decode: func(r *response) (err error) {
			page, err = decodePage(r.body)
			return err
		},
	})
	ch.pages++
	return page, err
}

// unseen filters users down to those not delivered yet, in place.
func (ch *chain) unseen(users []directory.User) []directory.User {
	fresh := users[:0]
	for _, u := range users {
		k := keyOf(u.ID)
		if _, dup := ch.seen[k]; dup {
			continue
		}
		ch.seen[k] = struct{}{}
		fresh = append(fresh, u)
	}
	return fresh
}
