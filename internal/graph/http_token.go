package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/aad-export/terraform-provider-aad/internal/graph/credential"
)

// tokenSource sits between the Graph auth provider and an azidentity
// credential. It caches tokens (the CLI credential caches nothing and would
// run `az` for every request), lets one caller at a time fetch a token so a
// burst of requests does not become a burst of token requests, and replaces a
// token Graph rejected as expired or revoked with a new one.
type tokenSource struct {
	cred  azcore.TokenCredential
	clock clock

	// claimsBypass: the credential caches tokens itself (MSAL) and skips its
	// cache when claims are requested, so a refresh passes claims. The CLI
	// credential refuses claims and caches nothing, so it gets none.
	claimsBypass bool

	// lock is a one-slot semaphore rather than a mutex so that waiting for a
	// token in flight honours the caller's context.
	lock  chan struct{}
	cache map[string]cachedToken // by scopes; guarded by lock
}

// cachedToken is a token and when to renew it.
type cachedToken struct {
	azcore.AccessToken
	renewAt time.Time
	stale   bool // Graph rejected it: the next caller fetches a new one
}

// refreshMargin renews a cached token this long before it expires (or at
// three quarters of its life if that is shorter), so a request never leaves
// with a token that dies on the way.
const refreshMargin = 3 * time.Minute

func newTokenSource(cred azcore.TokenCredential, c clock, claimsBypass bool) *tokenSource {
	return &tokenSource{
		cred:         cred,
		clock:        c,
		claimsBypass: claimsBypass,
		lock:         make(chan struct{}, 1),
		cache:        map[string]cachedToken{},
	}
}

// staleTokenKey marks a context whose request must not reuse the token it
// carries: Graph answered 401 InvalidAuthenticationToken to it.
type staleTokenKey struct{}

func withStaleToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, staleTokenKey{}, token)
}

// tokenError wraps a failure to obtain a token, so the retry policy can tell
// it from a failure of the Graph request itself. renewal: a token had been
// obtained before (the credential worked), so the failure may pass.
type tokenError struct {
	err     error
	renewal bool
}

func (e *tokenError) Error() string { return "acquiring a token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// GetToken implements azcore.TokenCredential for the Graph auth provider.
func (s *tokenSource) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	select {
	case s.lock <- struct{}{}:
	case <-ctx.Done():
		return azcore.AccessToken{}, ctx.Err()
	}
	defer func() { <-s.lock }()

	key := strings.Join(opts.Scopes, " ")
	stale, _ := ctx.Value(staleTokenKey{}).(string)
	cached, ok := s.cache[key]
	now := s.clock.Now()
	if ok && cached.serves(now, opts, stale) {
		return cached.AccessToken, nil
	}
	if s.claimsBypass && opts.Claims == "" && ok && (stale == cached.Token || cached.stale) {
		opts.Claims = notBeforeClaims(now)
	}
	tok, err := s.cred.GetToken(ctx, opts)
	if err != nil {
		if ok && stale != "" && stale == cached.Token {
			// The rejected token must not serve the retry that follows
			// (which no longer says it is stale).
			cached.stale = true
			s.cache[key] = cached
		}
		return azcore.AccessToken{}, &tokenError{err: err, renewal: ok}
	}
	margin := min(refreshMargin, tok.ExpiresOn.Sub(now)/4)
	s.cache[key] = cachedToken{AccessToken: tok, renewAt: tok.ExpiresOn.Add(-margin)}
	return tok, nil
}

// serves reports whether the cached token answers a request for opts from
// a caller holding the token stale (if any) that Graph rejected. A caller
// holding a stale token reuses the cache when another caller already
// replaced that token: one refresh per revoked token, not one per request
// that carried it.
func (t cachedToken) serves(now time.Time, opts policy.TokenRequestOptions, stale string) bool {
	return now.Before(t.renewAt) && opts.Claims == "" && !t.stale && (stale == "" || stale != t.Token)
}

// invalidate marks token stale when Graph rejected it where no retry of the
// same request follows (inside a $batch): the next request fetches a new one.
func (s *tokenSource) invalidate(ctx context.Context, token string) {
	select {
	case s.lock <- struct{}{}:
	case <-ctx.Done():
		return
	}
	defer func() { <-s.lock }()
	for k, t := range s.cache {
		if t.Token == token {
			t.stale = true
			s.cache[k] = t
		}
	}
}

// notBeforeClaims asks for a token issued no earlier than now: the form of a
// Graph claims challenge, which makes MSAL bypass its cache.
func notBeforeClaims(now time.Time) string {
	return fmt.Sprintf(`{"access_token":{"nbf":{"essential":true,"value":"%d"}}}`, now.Unix())
}

// tokenFailure turns a credential's error into an *Error (OpToken) with the
// token endpoint's status and AADSTS code when it answered. It reports
// whether trying again may help: the endpoint was throttled or down, or did
// not answer at all (a network failure), unless the credential said it
// cannot work as configured. The Azure CLI's failures are final for the
// first token (az is missing or signed out: the advice says what to do),
// and transient on renewal: az worked minutes ago, and a failure now (a
// slow start, its token cache locked by another az) should not end an
// export of hours.
func tokenFailure(err error, kind credential.ID, renewal bool) (*Error, bool) {
	var afe *azidentity.AuthenticationFailedError
	if errors.As(err, &afe) && afe.RawResponse != nil {
		body, _ := runtime.Payload(afe.RawResponse)
		e := newTokenError(afe.RawResponse.StatusCode, body, err)
		return e, retryableStatus(e.Status) || e.Status >= 500
	}
	e := newTokenError(0, nil, err)
	if kind == credential.CLI {
		return e, renewal
	}
	if retry, ok := credential.EndpointRetryable(err); ok {
		return e, retry
	}
	var unavailable interface{ NonRetriable() }
	// A failure without a response is MSAL's network error.
	return e, errors.As(err, &afe) || !errors.As(err, &unavailable)
}
