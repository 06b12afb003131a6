package graph

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

const (
	// pageSize is Graph's largest page; a $select+$top=999 page costs one
	// resource unit, so large pages are the cheap way to list.
	pageSize = 999

	// signInPageSize is Graph's cap when signInActivity is selected.
	signInPageSize = 120

	// authListChains is how many list chains run when authentication
	// methods are read too: the throttle budget, not listing, bounds that
	// export, and a few chains keep the batches fed while holding few pages.
	authListChains = 4
)

// errConflictingQuery: a query names users and also filters or searches.
var errConflictingQuery = errors.New("a query selects users either one by one or by filter/search, not both")

// users implements Client.Users.
func (c *Client) users(ctx context.Context, q directory.Query, sink directory.Sink) error {
	if q.Explicit() && (q.Filter != "" || q.Search != "") {
		return errConflictingQuery
	}
	base := baseQuery(q)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	prog := c.startProgress(ctx)
	defer prog.stop(ctx)

	deliver := func(ctx context.Context, users []directory.User) error {
		c.stats.users.Add(int64(len(users)))
		prog.add(len(users))
		return sink.Users(ctx, users)
	}
	chains := c.concurrency
	var b *batcher
	batcherDone := make(chan struct{})
	if q.AuthMethods || q.Explicit() {
		b = newBatcher(c)
		go func() {
			defer close(batcherDone)
			if err := b.run(ctx); err != nil {
				cancel(err)
			}
		}()
	} else {
		close(batcherDone)
	}
	var auth *authStage
	if q.AuthMethods {
		auth = &authStage{c: c, b: b, sink: sink, next: deliver}
		deliver = auth.deliver
		chains = min(chains, authListChains)
	}
	var err error
	if q.Explicit() {
		err = c.lookup(ctx, q, base.selects, b, sink, deliver)
	} else {
		err = (&lister{c: c, base: base, chains: chains, deliver: deliver}).list(ctx)
	}
	if err == nil && auth != nil {
		err = auth.close(ctx)
	}
	if b != nil {
		b.closeInput()
	}
	if err != nil {
		cancel(err)
	}
	<-batcherDone
	return firstCause(ctx, err)
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
	selects := slices.Clone(q.Select)
	for _, must := range []string{"id", "userPrincipalName"} {
		if !slices.ContainsFunc(selects, func(s string) bool { return strings.EqualFold(s, must) }) {
			selects = append(selects, must)
		}
	}
	top := int32(pageSize)
	if slices.ContainsFunc(selects, func(s string) bool { return strings.EqualFold(s, "signInActivity") }) {
		top = signInPageSize
	}
	return listQuery{
		selects:  selects,
		top:      top,
		filter:   q.Filter,
		search:   q.Search,
		advanced: q.Filter != "" || q.Search != "",
	}
}
