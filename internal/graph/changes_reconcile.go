package graph

import (
	"context"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	abs "github.com/microsoft/kiota-abstractions-go"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// maxIDsPerQuery is how many object ids one "id in (...)" filter names:
// Graph caps the values of one request's filter, and 15 is within the cap
// however the caller's own filter is written.
const maxIDsPerQuery = 15

// replacer delivers the reconciled users of a read: through the
// authentication-methods stage when the query reads methods, then to the
// sink's Replace.
type replacer func(ctx context.Context, ids []string, current []directory.User) error

// reconcile follows the change log from link, taken before the listing
// began, and makes the read agree with what changed while it ran: a user
// renamed from a range not listed yet into one listed already is met by no
// chain, and no count notices (the totals do not change). Each changed
// user is read again from /users, with the caller's filter and search, so
// that Graph decides whether it still belongs to the selection (never a
// local imitation of OData); a removed one is dropped. It returns the link
// to follow next time.
//
// A round of the change log ends at its deltaLink, but a user changed again
// while the round was paged moves to its latest change, which the round may
// no longer reach (its place was passed, or it lies beyond the round's end):
// such a user, missed by the listing too, would be missed twice. So rounds
// are followed from each deltaLink until one brings no change or is read
// in a single page (rounds after the first hold only what changed while the
// previous one was read, and are short), at most maxRounds of them. A round
// of one page is one answer of the log, given at one moment: no user can
// move past it while it is read, and what it does not hold changed after
// the listing ended. Waiting for a round with no change instead would, on
// a directory that never stands still, always cost maxRounds.
//
// While listed is open (the listing is still under way) rounds follow one
// another a little apart; once it is closed the rounds go on as above. A nil
// listed means the listing is over.
func (c *Client) reconcile(ctx context.Context, base listQuery, link string, replace replacer, listed <-chan struct{}) (string, error) {
	for round := 0; ; {
		during := !closed(listed)
		if during {
			if err := waitOrClosed(ctx, c.retry.clock, liveRoundEvery, listed); err != nil {
				return "", err
			}
			during = !closed(listed)
		}
		got, err := c.reconcileRound(ctx, base, link, replace)
		if err != nil {
			return "", err
		}
		link = got.next
		if during {
			continue
		}
		round++
		if got.changes == 0 || got.pages == 1 || round == maxRounds {
			return link, nil
		}
		c.log.DebugContext(ctx, "the directory changed while its change log was read; following it again",
			"changes", got.changes, "pages", got.pages)
	}
}

// liveRoundEvery spaces the rounds of the change log followed while the
// listing runs: often enough that little is left when it ends, seldom
// enough to cost a few requests a second at most.
const liveRoundEvery = time.Second

func closed(ch <-chan struct{}) bool {
	if ch == nil {
		return true
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// waitOrClosed waits d, or until ch is closed.
func waitOrClosed(ctx context.Context, clk clock, d time.Duration, ch <-chan struct{}) error {
	timer, stop := clk.After(d)
	defer stop()
	select {
	case <-timer:
		return nil
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// maxRounds bounds the rounds of the change log one reconciliation follows:
// on a directory that never stops changing, each round brings some change.
const maxRounds = 4

// reconcileRound follows one round of the change log. Its pages are one
// chain, the slow part on a directory that changed a lot: the next page is
// asked for while the users of the last one are read, and the pages are
// applied in their order (a user changed twice is read again for each, the
// later last).
func (c *Client) reconcileRound(ctx context.Context, base listQuery, link string, replace replacer) (logRound, error) {
	g, ctx := errgroup.WithContext(ctx)
	pages := make(chan []change, 1)
	got := logRound{next: link}
	g.Go(recovered(func() error {
		defer close(pages)
		return c.followChanges(ctx, link, func(ctx context.Context, cs []change) error {
			got.pages++
			select {
			case pages <- cs:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}, &got.next)
	}))
	changes := 0
	g.Go(recovered(func() error {
		for cs := range pages {
			changes += len(cs)
			if err := c.applyChanges(ctx, base, cs, replace); err != nil {
				return err
			}
		}
		return nil
	}))
	if err := g.Wait(); err != nil {
		return logRound{}, err
	}
	got.changes = changes
	return got, nil
}

// logRound is what one round of the change log did: the link to follow
// next, the changes it brought, and the pages it was read in.
type logRound struct {
	next           string
	changes, pages int
}

// applyChanges reads the changed users of one page of the change log again,
// many requests at once, and replaces them and the removed ones. Each user
// appears once in cs, so the replacements may go in any order.
func (c *Client) applyChanges(ctx context.Context, base listQuery, cs []change, replace replacer) error {
	var removed, changed []string
	for _, ch := range cs {
		if ch.removed {
			removed = append(removed, ch.id)
		} else {
			changed = append(changed, ch.id)
		}
	}
	if len(removed) > 0 {
		if err := replace(ctx, removed, nil); err != nil {
			return err
		}
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(c.concurrency)
	for start := 0; start < len(changed); start += maxIDsPerQuery {
		ids := changed[start:min(start+maxIDsPerQuery, len(changed))]
		g.Go(recovered(func() error {
			current, err := c.current(ctx, base, ids)
			if err != nil {
				return err
			}
			return replace(ctx, ids, current)
		}))
	}
	return g.Wait()
}

// current reads the users with these ids that the query selects now.
func (c *Client) current(ctx context.Context, base listQuery, ids []string) ([]directory.User, error) {
	q := base
	q.filter = andFilters(base.filter, idsIn(ids))
	q.top = maxIDsPerQuery
	var found []directory.User
	next := ""
	for {
		var page userPage
		_, err := c.do(ctx, call{
			op: OpListUsers,
			build: func(ctx context.Context) (*abs.RequestInformation, error) {
				if next == "" {
					return c.firstPageRequest(ctx, q)
				}
				return c.nextPageRequest(ctx, next, q.advanced)
			},
			decode: func(r *response) (err error) {
				page, err = decodePage(r.body, len(ids), q.extensions)
				return err
			},
		})
		if err != nil {
			return nil, err
		}
		found = append(found, page.users()...)
		if page.NextLink == "" {
			return found, nil
		}
		next = page.NextLink
	}
}

// idsIn is the filter clause selecting users by object id.
func idsIn(ids []string) string {
	quoted := make([]string, len(ids))
	for i, id := range ids {
		quoted[i] = odataString(id)
	}
	return "id in (" + strings.Join(quoted, ",") + ")"
}
