package graph

import (
	"context"
	"errors"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

const (
	// pageSize is Graph's largest page; a $select+$top=999 page costs one
	// resource unit, so large pages are the cheap way to list.
	pageSize = 999

	// authListChains is how many list chains run when authentication
	// methods are read too: the throttle budget, not listing, bounds that
	// export, and a few chains keep the batches fed while holding few pages.
	authListChains = 4
)

// errConflictingQuery: a query names users and also filters or searches.
var errConflictingQuery = errors.New("a query selects users either one by one or by filter/search, not both")

// read is what one call of Users, UsersTracked or Changes shares: the
// delivery into the sink (through the authentication-methods stage when
// the query reads methods), the batcher and the progress log.
type read struct {
	c       *Client
	q       directory.Query
	base    listQuery
	chains  int
	b       *batcher // nil unless the query reads methods or names its users
	deliver func(context.Context, []directory.User) error
	replace replacer
}

// run sets a read up, runs body, and takes the read down. The error is the
// one that ended the read first (a fatal $batch answer cancels the listing,
// which then fails with a context error that says nothing).
func (c *Client) run(ctx context.Context, q directory.Query, sink directory.Sink, body func(context.Context, *read) error) error {
	if err := checkQuery(q); err != nil {
		return err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	prog := c.startProgress(ctx)
	defer prog.stop(ctx)
	r := &read{c: c, q: q, base: baseQuery(q), chains: c.concurrency}
	r.deliver = func(ctx context.Context, users []directory.User) error {
		c.stats.users.Add(int64(len(users)))
		prog.add(len(users))
		return sink.Users(ctx, users)
	}
	r.replace = func(ctx context.Context, ids []string, current []directory.User) error {
		c.stats.users.Add(int64(len(current)))
		return sink.Replace(ctx, ids, current)
	}
	// The batcher runs beside the body; its failure cancels the read with
	// its error as the cause.
	var batching errgroup.Group
	if q.AuthMethods || q.Explicit() {
		r.b = newBatcher(c)
		batching.Go(func() error {
			if err := recovered(func() error { return r.b.run(ctx) })(); err != nil {
				cancel(err)
			}
			return nil
		})
	}
	var auth *authStage
	if q.AuthMethods {
		auth = &authStage{c: c, b: r.b, sink: sink, next: r.deliver}
		r.deliver = auth.deliver
		r.replace = auth.replacer(r.replace)
		r.chains = min(r.chains, authListChains)
	}
	err := recovered(func() error {
		if q.Registration {
			// Read first: the users are delivered as they are listed.
			reg, err := c.loadRegistrations(ctx)
			if err != nil {
				return err
			}
			r.deliver, r.replace = withRegistrations(reg, r.deliver), reg.replacer(r.replace)
		}
		return body(ctx, r)
	})()
	if err == nil && auth != nil {
		err = auth.close(ctx)
	}
	if r.b != nil {
		r.b.closeInput()
	}
	if err != nil {
		cancel(err)
	}
	_ = batching.Wait() // its error went to cancel
	err = firstCause(ctx, err)
	logPanic(ctx, c.log, err)
	return err
}

// users implements Client.Users.
func (c *Client) users(ctx context.Context, q directory.Query, sink directory.Sink) error {
	_, err := c.usersTracked(ctx, q, sink)
	return err
}

// usersTracked implements Client.UsersTracked.
func (c *Client) usersTracked(ctx context.Context, q directory.Query, sink directory.Sink) (string, error) {
	var link string
	err := c.run(ctx, q, sink, func(ctx context.Context, r *read) error {
		if q.Explicit() {
			return c.lookup(ctx, q, r.base.selects, r.b, sink, r.deliver)
		}
		var err error
		link, err = c.listLive(ctx, r)
		return err
	})
	if err != nil {
		return "", err
	}
	return link, nil
}

// changes implements Client.Changes.
func (c *Client) changes(ctx context.Context, q directory.Query, link string, recheck []string, sink directory.Sink) (string, error) {
	if q.Explicit() {
		return "", errors.New("the change log applies to a listing, not to users named one by one")
	}
	next := link
	err := c.run(ctx, q, sink, func(ctx context.Context, r *read) error {
		if len(recheck) > 0 {
			cs := make([]change, len(recheck))
			for i, id := range recheck {
				cs[i] = change{id: id}
			}
			if err := c.applyChanges(ctx, r.base, cs, r.replace); err != nil {
				return err
			}
		}
		var err error
		next, err = c.reconcile(ctx, r.base, link, r.replace, nil)
		return err
	})
	if err != nil {
		return "", err
	}
	return next, nil
}

// listLive lists the query's users and then reconciles the listing with
// the changes made to the directory while it ran, following the change log
// from a link taken before the plan and the listing (after the query's
// first count, so that a missing permission is found by the request every
// read begins with). It returns the link to follow for the changes after
// the read.
//
// The change log is followed while the listing runs, not only after it: a
// user replaced before a partition lists it stays replaced (the sink keeps
// the latest replacement of a user, whenever the listing delivers it), and
// the rounds left once the listing ends are short.
func (c *Client) listLive(ctx context.Context, r *read) (string, error) {
	links := make(chan string, 1)
	l := newLister(c, r.base, r.chains, r.deliver)
	l.counted = func(ctx context.Context) error {
		link, err := c.latestChanges(ctx, r.tracked())
		if rejected(err) {
			c.log.WarnContext(ctx, "graph refused the change log for this query; users changed while the read runs are not reconciled",
				"code", errorCode(err))
			link, err = "", nil
		}
		links <- link
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	listed := make(chan struct{})
	g.Go(recovered(func() error {
		defer close(listed)
		return l.list(ctx)
	}))
	var final string
	g.Go(recovered(func() error {
		var link string
		select {
		case link = <-links:
		case <-listed:
			// The listing ended without a link: it failed, or the
			// change log was refused.
			select {
			case link = <-links:
			default:
			}
		}
		if link == "" {
			return nil
		}
		var err error
		final, err = c.reconcile(ctx, r.base, link, r.replace, listed)
		return err
	}))
	if err := g.Wait(); err != nil {
		return "", err
	}
	return final, nil
}

// tracked are the properties the change log is to follow.
func (r *read) tracked() []string {
	if r.q.Tracked != nil {
		return r.q.Tracked
	}
	return r.q.Select
}

// firstCause is the error that ended the read: the one that cancelled its
// context first (a fatal batch answer cancels the listing, which then fails
// with a context error that says nothing), else err.
func firstCause(ctx context.Context, err error) error {
	cause := context.Cause(ctx)
	if cause != nil && !errors.Is(cause, context.Canceled) && !errors.Is(cause, context.DeadlineExceeded) {
		return cause
	}
	if err == nil {
		return ctx.Err()
	}
	return err
}

// baseQuery is the listing q asks for before any partitioning.
func baseQuery(q directory.Query) listQuery {
	top := int32(pageSize)
	if q.PageSize > 0 && q.PageSize < pageSize {
		top = int32(q.PageSize)
	}
	return listQuery{
		selects:    q.Select,
		extensions: extensionNames(q.Select),
		top:        top,
		filter:     q.Filter,
		search:     q.Search,
		advanced:   q.Filter != "" || q.Search != "",
	}
}

// extensionNames are the directory extension attributes among selects,
// which a user's struct has no field for.
func extensionNames(selects []string) []string {
	var ext []string
	for _, s := range selects {
		if strings.HasPrefix(s, "extension_") {
			ext = append(ext, s)
		}
	}
	return ext
}

// errNoIdentity: the read keys and orders users by these two properties.
var errNoIdentity = errors.New("the query must select id and userPrincipalName")

// checkQuery refuses a query the read cannot carry out.
func checkQuery(q directory.Query) error {
	switch {
	case q.Explicit() && (q.Filter != "" || q.Search != ""):
		return errConflictingQuery
	case !slices.Contains(q.Select, "id") || !slices.Contains(q.Select, "userPrincipalName"):
		return errNoIdentity
	}
	return nil
}
