package graph

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
)

// The directory's change log: GET /users/delta. A link taken with
// $deltatoken=latest answers, when followed later, every user changed since
// (created, updated, renamed, deleted or restored), which is the one way
// Graph offers to know what moved while a long listing ran, and since the
// last snapshot.

// ErrDeltaExpired is the error when Graph no longer knows the change log's
// position (the delta token is older than it keeps, or it asks to start
// over).
var ErrDeltaExpired = directory.ErrChangeLogExpired

// Graph's codes for a delta token it no longer honours.
const (
	codeSyncStateNotFound = "syncStateNotFound"
	codeResyncRequired    = "resyncRequired"
)

// deltaPage is one page of GET /users/delta; only the ids and removals are
// read: an updated user may carry only its changed properties, so the rows
// are read again from /users.
type deltaPage struct {
	Value     *[]deltaItem `json:"value"`
	NextLink  string       `json:"@odata.nextLink"`
	DeltaLink string       `json:"@odata.deltaLink"`
}

type deltaItem struct {
	ID      string `json:"id"`
	Removed *struct {
		Reason string `json:"reason"`
	} `json:"@removed"`
}

// change is what the log says of one user: changed (created, updated,
// restored: read it again) or removed.
type change struct {
	id      string
	removed bool
}

// latestChanges takes a link to the change log as of now, tracking the
// selected properties (Graph then reports changes to those only).
func (c *Client) latestChanges(ctx context.Context, selects []string) (string, error) {
	raw := c.ep.baseURL() + "/users/delta?$deltatoken=latest&$select=" + url.QueryEscape(strings.Join(selects, ","))
	var link string
	err := c.followChanges(ctx, raw, func(_ context.Context, cs []change) error {
		if len(cs) > 0 {
			return errors.New("graph answered a latest delta token with changes")
		}
		return nil
	}, &link)
	return link, err
}

// followChanges follows the change log from link to its end, handing each
// page's changes (each user once, in the order of its latest change) to
// apply, and stores the link to follow next time in next.
func (c *Client) followChanges(ctx context.Context, link string, apply func(context.Context, []change) error, next *string) error {
	for link != "" {
		var page deltaPage
		_, err := c.do(ctx, call{
			op: OpChanges,
			build: func(ctx context.Context) (*abs.RequestInformation, error) {
				if err := c.checkNextLink(link); err != nil {
					return nil, err
				}
				return users.NewDeltaRequestBuilder(link, c.adapter).ToGetRequestInformation(ctx, nil)
			},
			decode: func(r *response) error {
				page = deltaPage{}
				if err := json.Unmarshal(r.body, &page); err != nil {
					return err
				}
				if page.Value == nil {
					return errNoValue
				}
				if page.NextLink == "" && page.DeltaLink == "" {
					return errors.New("the change log's page has neither a nextLink nor a deltaLink")
				}
				return nil
			},
		})
		if err != nil {
			return deltaExpired(err)
		}
		if err := apply(ctx, pageChanges(*page.Value)); err != nil {
			return err
		}
		link = page.NextLink
		if page.DeltaLink != "" {
			*next = page.DeltaLink
		}
	}
	return nil
}

// pageChanges lists a page's users once each, at the place and with the
// kind of their last mention.
func pageChanges(items []deltaItem) []change {
	last := make(map[string]int, len(items))
	for i, it := range items {
		last[strings.ToLower(it.ID)] = i
	}
	out := make([]change, 0, len(last))
	for i, it := range items {
		if it.ID == "" || last[strings.ToLower(it.ID)] != i {
			continue
		}
		out = append(out, change{id: it.ID, removed: it.Removed != nil})
	}
	return out
}

// deltaExpired marks Graph's answers that mean "start over" with
// ErrDeltaExpired: 410 Gone, and the codes of an unknown or too old token.
func deltaExpired(err error) error {
	var ge *Error
	if !errors.As(err, &ge) {
		return err
	}
	switch {
	case ge.Status == http.StatusGone,
		strings.EqualFold(ge.Code, codeSyncStateNotFound),
		strings.EqualFold(ge.Code, codeResyncRequired):
		e := *ge
		e.Err = ErrDeltaExpired
		if ge.Err != nil {
			e.Err = errors.Join(ErrDeltaExpired, ge.Err)
		}
		return &e
	}
	return err
}

// errEnoughChanges stops following the change log early.
var errEnoughChanges = errors.New("enough changes counted")

// pendingChanges counts the users the change log reports since link, each
// once, without reading any of them again and without moving link: a plan
// asks whether anything changed, and a later apply reads the changes. It
// stops once it has counted limit users (more is then true): a few pages
// answer the question, and a directory that changed that much is worth an
// export whatever the exact number.
func (c *Client) pendingChanges(ctx context.Context, link string, limit int) (n int, more bool, err error) {
	seen := map[string]bool{}
	var next string
	err = c.followChanges(ctx, link, func(_ context.Context, cs []change) error {
		for _, ch := range cs {
			id := strings.ToLower(ch.id)
			if !seen[id] {
				seen[id] = true
				if len(seen) >= limit {
					return errEnoughChanges
				}
			}
		}
		return nil
	}, &next)
	if errors.Is(err, errEnoughChanges) {
		return len(seen), true, nil
	}
	return len(seen), false, err
}
