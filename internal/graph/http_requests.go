package graph

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// This file is the one place that knows Graph's URLs: every request is built
// by the SDK's request builders, which own the URL templates and escaping,
// except the one built per user on the hot path (authMethodsPath), which a
// test holds equal to the builders' URL.

// listQuery is a users listing: what to select and which users.
type listQuery struct {
	selects    []string
	extensions []string // the extension attributes among selects
	top        int32
	filter     string
	search     string
	advanced   bool      // send ConsistencyLevel: eventual and $count=true
	order      listOrder // $orderby (an advanced query)
}

// listOrder is a listing's $orderby.
type listOrder int

const (
	orderNone listOrder = iota // Graph's own order, which it does not document
	orderAsc                   // $orderby=userPrincipalName
	orderDesc                  // $orderby=userPrincipalName desc
)

// usersBuilder is the /users collection.
func (c *Client) usersBuilder() *users.UsersRequestBuilder {
	return users.NewUsersRequestBuilderInternal(map[string]string{"baseurl": c.ep.baseURL()}, c.adapter)
}

// eventualHeaders carries the header advanced queries and $count need. Graph
// does not carry headers over to nextLink pages: every page sends it again.
func eventualHeaders(advanced bool) *abs.RequestHeaders {
	h := abs.NewRequestHeaders()
	if advanced {
		h.Add("ConsistencyLevel", "eventual")
	}
	return h
}

// firstPageRequest is GET /users with the query's options.
func (c *Client) firstPageRequest(ctx context.Context, q listQuery) (*abs.RequestInformation, error) {
	params := &users.UsersRequestBuilderGetQueryParameters{Select: q.selects, Top: &q.top}
	if q.filter != "" {
		params.Filter = &q.filter
	}
	if q.search != "" {
		params.Search = &q.search
	}
	if q.advanced {
		t := true
		params.Count = &t
	}
	switch q.order {
	case orderAsc:
		params.Orderby = []string{"userPrincipalName"}
	case orderDesc:
		params.Orderby = []string{"userPrincipalName desc"}
	}
	return c.usersBuilder().ToGetRequestInformation(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
		Headers:         eventualHeaders(q.advanced),
		QueryParameters: params,
	})
}

// nextPageRequest follows an @odata.nextLink exactly as Graph returned it
// (it keeps the query options and adds an opaque $skiptoken). It refuses a
// link to another host: the token must not be sent elsewhere.
func (c *Client) nextPageRequest(ctx context.Context, nextLink string, advanced bool) (*abs.RequestInformation, error) {
	if err := c.checkNextLink(nextLink); err != nil {
		return nil, err
	}
	return users.NewUsersRequestBuilder(nextLink, c.adapter).ToGetRequestInformation(ctx,
		&users.UsersRequestBuilderGetRequestConfiguration{Headers: eventualHeaders(advanced)})
}

// checkNextLink refuses a nextLink that leaves the configured endpoint.
func (c *Client) checkNextLink(nextLink string) error {
	u, err := url.Parse(nextLink)
	if err != nil {
		return fmt.Errorf("%w: graph returned a malformed nextLink: %w", errPermanent, err)
	}
	if !strings.EqualFold(u.Scheme, c.ep.graphURL.Scheme) || !strings.EqualFold(u.Host, c.ep.graphURL.Host) {
		return fmt.Errorf("%w: graph returned a nextLink to %s://%s, not to the configured endpoint %s",
			errPermanent, u.Scheme, u.Host, c.ep.graphURL.Host)
	}
	return nil
}

// authMethodsNextRequest follows a nextLink of a user's methods.
func (c *Client) authMethodsNextRequest(ctx context.Context, nextLink string) (*abs.RequestInformation, error) {
	if err := c.checkNextLink(nextLink); err != nil {
		return nil, err
	}
	return users.NewItemAuthenticationMethodsRequestBuilder(nextLink, c.adapter).ToGetRequestInformation(ctx, nil)
}

// countRequest is GET /users/$count, which needs ConsistencyLevel always.
func (c *Client) countRequest(ctx context.Context, filter, search string) (*abs.RequestInformation, error) {
	params := &users.CountRequestBuilderGetQueryParameters{}
	if filter != "" {
		params.Filter = &filter
	}
	if search != "" {
		params.Search = &search
	}
	return c.usersBuilder().Count().ToGetRequestInformation(ctx, &users.CountRequestBuilderGetRequestConfiguration{
		Headers:         eventualHeaders(true),
		QueryParameters: params,
	})
}

// userRequest is GET /users/{id or userPrincipalName}?$select=...; the
// template escapes the key (#EXT#, quotes, non-ASCII) as a path segment.
func (c *Client) userRequest(ctx context.Context, key string, selects []string) (*abs.RequestInformation, error) {
	if key == "" {
		return nil, errors.New("empty user key")
	}
	return c.usersBuilder().ByUserId(key).ToGetRequestInformation(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: selects},
	})
}

// authMethodsPath is GET /users/{id}/authentication/methods (phone and email
// methods in one call instead of two) as a $batch step's URL. It is built by
// hand, as the SDK's template would expand it, because it is built once per
// user: the request builders and URI template cost about as much as decoding
// the user. A test holds it equal to the SDK's URL.
func authMethodsPath(id string) string {
	return "/users/" + escapeSegment(id) + "/authentication/methods"
}

// escapeSegment percent-encodes s as a URI template's simple expansion does:
// every byte of its UTF-8 form except the unreserved characters (letters,
// digits, "-", ".", "_", "~"), invalid UTF-8 becoming U+FFFD first. Object
// ids, being GUIDs, come back as they are, without an allocation.
func escapeSegment(s string) string {
	i := 0
	for i < len(s) && unreserved(s[i]) {
		i++
	}
	if i == len(s) {
		return s
	}
	b := make([]byte, i, len(s)+2*(len(s)-i)+8)
	copy(b, s[:i])
	var enc [utf8.UTFMax]byte
	for i < len(s) {
		c := s[i]
		switch {
		case unreserved(c):
			b = append(b, c)
			i++
		case c < utf8.RuneSelf:
			b = appendEscaped(b, c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:]) // utf8.RuneError for an invalid byte
			for _, e := range enc[:utf8.EncodeRune(enc[:], r)] {
				b = appendEscaped(b, e)
			}
			i += size
		}
	}
	return string(b)
}

func appendEscaped(b []byte, c byte) []byte {
	const hex = "0123456789ABCDEF"
	return append(b, '%', hex[c>>4], hex[c&0xF])
}

// unreserved reports RFC 3986's unreserved characters.
func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

// batchRequest is POST /$batch with a JSON body.
func (c *Client) batchRequest(body []byte) *abs.RequestInformation {
	info := abs.NewRequestInformationWithMethodAndUrlTemplateAndPathParameters(abs.POST, "{+baseurl}/$batch",
		map[string]string{"baseurl": c.ep.baseURL()})
	info.SetStreamContentAndContentType(body, "application/json")
	info.Headers.TryAdd("Accept", "application/json")
	return info
}

// relativeURL turns a request built for the adapter into the form a $batch
// step takes: the path and query below the version root, with the
// $-prefixed option names decoded as the middleware does for direct calls.
func (c *Client) relativeURL(info *abs.RequestInformation) (string, error) {
	info.PathParameters["baseurl"] = c.ep.baseURL()
	u, err := info.GetUri()
	if err != nil {
		return "", err
	}
	s := u.String()
	rel, ok := strings.CutPrefix(s, c.ep.baseURL())
	if !ok {
		return "", fmt.Errorf("request %s is not below %s", s, c.ep.baseURL())
	}
	path, query, found := strings.Cut(rel, "?")
	if !found {
		return path, nil
	}
	return path + "?" + decodeOptionNames(query), nil
}

// decodeOptionNames turns %24select=... into $select=... in a query string.
func decodeOptionNames(query string) string {
	parts := strings.Split(query, "&")
	for i, p := range parts {
		if rest, ok := strings.CutPrefix(p, "%24"); ok {
			parts[i] = "$" + rest
		}
	}
	return strings.Join(parts, "&")
}
