package graph

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/graph/credential"
)

const (
	// lookupChunk is how many explicitly named users are resolved before
	// they are passed on; it bounds what is held in memory.
	lookupChunk = 500

	// lookupWorkers is how many chunks are in progress at once: enough to
	// overlap one chunk's lookups with the next step of another.
	lookupWorkers = 4
)

// errNoID: a user Graph returned without its id cannot be told apart from
// others (a cut-off body that still parsed, or an intermediary's answer).
var errNoID = errors.New(`the user has no "id"`)

// lookupKey is one explicitly selected user: a userPrincipalName or an
// object id.
type lookupKey struct {
	value string
	byID  bool
}

// explicitKeys lists the users q names, each once (names compare without
// regard to case, as Graph's do), and the per-user errors of object ids
// that are not GUIDs: sent to Graph, one would be looked up as a name.
func explicitKeys(q directory.Query) ([]lookupKey, []directory.UserError) {
	var (
		keys    []lookupKey
		invalid []directory.UserError
		seen    = map[string]bool{}
	)
	for _, raw := range q.UserPrincipalNames {
		name := strings.TrimSpace(raw)
		if name == "" {
			invalid = append(invalid, directory.UserError{UserPrincipalName: raw, Operation: directory.OpLookup, Message: "empty userPrincipalName"})
			continue
		}
		if k := "upn:" + strings.ToLower(name); !seen[k] {
			seen[k] = true
			keys = append(keys, lookupKey{value: name})
		}
	}
	for _, raw := range q.ObjectIDs {
		id := strings.TrimSpace(raw)
		if !credential.IsGUID(id) {
			invalid = append(invalid, directory.UserError{ObjectID: raw, Operation: directory.OpLookup, Message: "not an object id (a GUID)"})
			continue
		}
		if k := "id:" + strings.ToLower(id); !seen[k] {
			seen[k] = true
			keys = append(keys, lookupKey{value: id, byID: true})
		}
	}
	return keys, invalid
}

// lookup resolves explicitly selected users through batched GETs (never
// one HTTP request per user) and delivers those found; a user named both by
// name and by id is delivered once.
func (c *Client) lookup(ctx context.Context, q directory.Query, selects []string, b *batcher,
	sink directory.Sink, deliver func(context.Context, []directory.User) error) error {
	keys, invalid := explicitKeys(q)
	for _, e := range invalid {
		sink.UserError(ctx, e)
	}
	var (
		mu        sync.Mutex
		delivered = map[idKey]struct{}{}
		gate      stepGate
	)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(lookupWorkers)
	for start := 0; start < len(keys) && gctx.Err() == nil; start += lookupChunk {
		chunk := keys[start:min(start+lookupChunk, len(keys))]
		g.Go(recovered(func() error {
			found, err := c.resolveKeys(gctx, chunk, selects, b, &gate, sink)
			if err != nil {
				return err
			}
			mu.Lock()
			found = uniqueUsers(found, delivered)
			mu.Unlock()
			if len(found) == 0 {
				return nil
			}
			return deliver(gctx, found)
		}))
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return gate.close(ctx, sink)
}

// uniqueUsers drops users already in seen, and adds the rest to it.
func uniqueUsers(users []directory.User, seen map[idKey]struct{}) []directory.User {
	kept := users[:0]
	for i := range users {
		k := keyOf(users[i].ID)
		if _, dup := seen[k]; !dup {
			seen[k] = struct{}{}
			kept = append(kept, users[i])
		}
	}
	return kept
}

// resolveKeys looks up keys and returns the users found; the others become
// per-user errors, as far as the gate allows.
func (c *Client) resolveKeys(ctx context.Context, keys []lookupKey, selects []string, b *batcher, gate *stepGate, sink directory.Sink) ([]directory.User, error) {
	type result struct {
		user   *directory.User
		failed *directory.UserError
	}
	out := make([]result, len(keys))
	ext := extensionNames(selects)
	err := b.resolve(ctx, len(keys), func(i int) (*batchItem, error) {
		info, err := c.userRequest(ctx, keys[i].value, selects)
		if err != nil {
			return nil, err
		}
		url, err := c.relativeURL(info)
		if err != nil {
			return nil, err
		}
		return &batchItem{op: OpGetUsers, url: url, finish: func(r *innerResponse) error {
			u, failed, err := lookupOutcome(keys[i], r, gate, ext)
			if err != nil {
				return err
			}
			out[i] = result{user: u, failed: failed}
			return nil
		}}, nil
	})
	if err != nil {
		return nil, err
	}
	var found []directory.User
	for _, r := range out {
		switch {
		case r.failed != nil:
			gate.report(ctx, sink, *r.failed)
		case r.user != nil:
			found = append(found, *r.user)
		}
	}
	return found, nil
}

// lookupOutcome reads one inner response of a lookup. A name that does not
// resolve, or that Graph refuses as malformed, concerns that user only; a
// missing permission or a server failure does as far as the gate allows.
// ext are the extension attributes the query selects.
func lookupOutcome(k lookupKey, r *innerResponse, gate *stepGate, ext []string) (*directory.User, *directory.UserError, error) {
	var u directory.User
	failed, err := stepOutcome(OpGetUsers, r, gate, func(body []byte) error {
		if err := json.Unmarshal(body, &u); err != nil {
			return &malformedStepError{err}
		}
		if u.ID == "" {
			return &malformedStepError{errNoID}
		}
		if len(ext) > 0 {
			if err := decodeUserExtensions(body, &u, ext); err != nil {
				return &malformedStepError{err}
			}
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, nil, err
	case failed != nil:
		failed.Operation = directory.OpLookup
		if k.byID {
			failed.ObjectID = k.value
		} else {
			failed.UserPrincipalName = k.value
		}
		return nil, failed, nil
	}
	return &u, nil, nil
}
