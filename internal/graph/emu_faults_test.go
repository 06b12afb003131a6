package graph

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// quickRetries shortens the backoff steps so fault tests take little time;
// Retry-After values Graph sends are still honoured as sent.
func quickRetries(c *Client) {
	c.retry.baseDelay = 5 * time.Millisecond
	c.retry.maxDelay = 50 * time.Millisecond
}

func TestFaultsLoseAndDuplicateNothing(t *testing.T) {
	t.Parallel()
	status := func(e graphemu.Endpoint, code int, ra time.Duration, style graphemu.RetryAfterStyle, times int) graphemu.Fault {
		return graphemu.Fault{Endpoint: e, Rate: 0.5, Times: times, Status: code, RetryAfter: ra, RetryAfterStyle: style}
	}
	// every fires on each request it matches until spent. nextLinks are
	// few (the plan makes partitions of a page or two): too few for a rate
	// to be sure to hit one. times stays below the retry limits, as each
	// retry of the one nextLink may be hit again.
	every := func(e graphemu.Endpoint, code int, ra time.Duration, style graphemu.RetryAfterStyle, times int) graphemu.Fault {
		return graphemu.Fault{Endpoint: e, Times: times, Status: code, RetryAfter: ra, RetryAfterStyle: style}
	}
	effect := func(e graphemu.Endpoint, eff graphemu.Effect, nth, times int) graphemu.Fault {
		return graphemu.Fault{Endpoint: e, Nth: nth, Times: times, Effect: eff}
	}
	tests := []struct {
		name   string
		faults []graphemu.Fault
		auth   bool
	}{
		{"429 storm, fractional Retry-After", []graphemu.Fault{status(graphemu.EndpointAny, 429, 30*time.Millisecond, graphemu.RetryAfterFractional, 60)}, false},
		{"429, whole seconds", []graphemu.Fault{status(graphemu.EndpointListFirst, 429, time.Second, graphemu.RetryAfterSeconds, 2)}, false},
		{"429, HTTP date", []graphemu.Fault{status(graphemu.EndpointCount, 429, time.Second, graphemu.RetryAfterHTTPDate, 2)}, false},
		{"429 without Retry-After", []graphemu.Fault{every(graphemu.EndpointListNext, 429, 0, graphemu.RetryAfterNone, 10)}, false},
		{"503 with and without Retry-After", []graphemu.Fault{
			every(graphemu.EndpointListNext, 503, 20*time.Millisecond, graphemu.RetryAfterFractional, 5),
			status(graphemu.EndpointListFirst, 503, 0, graphemu.RetryAfterNone, 10)}, false},
		{"504", []graphemu.Fault{status(graphemu.EndpointAny, 504, 0, graphemu.RetryAfterNone, 15)}, false},
		{"500 and 502", []graphemu.Fault{
			every(graphemu.EndpointListNext, 500, 0, graphemu.RetryAfterNone, 5),
			status(graphemu.EndpointCount, 502, 0, graphemu.RetryAfterNone, 10)}, false},
		{"connection resets", []graphemu.Fault{effect(graphemu.EndpointListNext, graphemu.EffectReset, 2, 5)}, false},
		// Truncations are told apart only in total (see fired): one a row.
		{"truncated pages", []graphemu.Fault{effect(graphemu.EndpointListNext, graphemu.EffectTruncate, 2, 5)}, false},
		{"truncated counts", []graphemu.Fault{effect(graphemu.EndpointCount, graphemu.EffectTruncate, 3, 3)}, false},
		{"page token expires mid-scan", []graphemu.Fault{effect(graphemu.EndpointListNext, graphemu.EffectExpirePageToken, 2, 2)}, false},
		{"tokens revoked mid-export", []graphemu.Fault{effect(graphemu.EndpointListNext, graphemu.EffectRevokeTokens, 2, 1)}, false},
		{"batch: 503, reset and truncation", []graphemu.Fault{
			status(graphemu.EndpointBatch, 503, 0, graphemu.RetryAfterNone, 5),
			effect(graphemu.EndpointBatch, graphemu.EffectReset, 4, 2),
			effect(graphemu.EndpointBatch, graphemu.EffectTruncate, 7, 2)}, true},
		{"inner 429, 503 and 504", []graphemu.Fault{
			status(graphemu.EndpointInner, 429, 20*time.Millisecond, graphemu.RetryAfterFractional, 60),
			status(graphemu.EndpointInner, 503, 0, graphemu.RetryAfterNone, 30),
			status(graphemu.EndpointInner, 504, 0, graphemu.RetryAfterNone, 30)}, true},
		{"batch: 500 and 502, outer and inner", []graphemu.Fault{
			status(graphemu.EndpointBatch, 502, 0, graphemu.RetryAfterNone, 5),
			status(graphemu.EndpointInner, 500, 0, graphemu.RetryAfterNone, 30),
			status(graphemu.EndpointInner, 502, 0, graphemu.RetryAfterNone, 30)}, true},
		{"tokens revoked mid-batches", []graphemu.Fault{effect(graphemu.EndpointBatch, graphemu.EffectRevokeTokens, 5, 1)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// 60% of the names share a prefix: those partitions run to
			// several pages, so nextLinks meet the faults too.
			tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 41, Users: 6000, SharedPrefixShare: 0.6})
			srv := emutest.Start(t, tn)
			for _, f := range tt.faults {
				srv.Inject(f)
			}
			c := newEmuClient(t, srv)
			quickRetries(c)
			var sink collector
			err := c.Users(context.Background(), directory.Query{Select: listColumns(), AuthMethods: tt.auth}, &sink)
			if err != nil {
				t.Fatalf("Users: %v", err)
			}
			cnt := srv.Counters()
			if cnt.FaultsFired == 0 {
				t.Fatal("no fault fired: the test proves nothing")
			}
			for _, f := range tt.faults {
				if !fired(cnt, f) {
					t.Errorf("fault %+v never fired: the row proves less than it says", f)
				}
			}
			want := emutest.IDs(tn, nil)
			checkExactly(t, sink.ids(), want)
			if len(sink.errors) != 0 {
				t.Errorf("per-user errors %+v, want none", sink.errors[:min(3, len(sink.errors))])
			}
			t.Logf("fault %-40s faults fired %3d, retries %3d: rows expected %d, delivered %d", tt.name, cnt.FaultsFired, c.Stats().Retries, len(want), len(sink.users))
		})
	}
}

// fired reports whether the emulator's counters show that f fired. They
// count the faults fired only in total, and a row's faults may shadow one
// another, so each is known by its mark at its endpoint: its status, a
// reset's dropped answer, the 400 of an expired page token, the 401 of a
// revoked token. A truncated answer keeps its status: truncations show only
// as aborts that were not resets, which tells apart one a row.
func fired(cnt graphemu.Counters, f graphemu.Fault) bool {
	switch f.Effect {
	case graphemu.EffectStatus:
		return answered(cnt, f.Endpoint, f.Status) > 0
	case graphemu.EffectReset:
		return answered(cnt, f.Endpoint, graphemu.StatusAborted) > 0
	case graphemu.EffectTruncate:
		return cnt.Aborted > answered(cnt, graphemu.EndpointAny, graphemu.StatusAborted)
	case graphemu.EffectExpirePageToken:
		return answered(cnt, f.Endpoint, http.StatusBadRequest) > 0
	case graphemu.EffectRevokeTokens:
		return answered(cnt, f.Endpoint, http.StatusUnauthorized) > 0
	}
	return false
}

// answered counts the emulator's answers with status at endpoint e, outer
// and inner: EndpointAny counts every endpoint, EndpointInner every request
// inside a $batch.
func answered(cnt graphemu.Counters, e graphemu.Endpoint, status int) int {
	n := 0
	for ep, m := range cnt.Requests {
		if e == graphemu.EndpointAny || ep == e {
			n += m[status]
		}
	}
	for ep, m := range cnt.Inner {
		if e == graphemu.EndpointAny || e == graphemu.EndpointInner || ep == e {
			n += m[status]
		}
	}
	return n
}

func TestThrottledPastTheTimeout(t *testing.T) {
	t.Parallel()
	srv := emutest.Start(t, emutest.Generate(t, tenant.GenerateOptions{Seed: 42, Users: 2000}))
	srv.Inject(graphemu.Fault{Endpoint: graphemu.EndpointListFirst, Times: graphemu.Unlimited, Status: 429,
		RetryAfter: time.Minute, RetryAfterStyle: graphemu.RetryAfterSeconds})
	c := newEmuClient(t, srv)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	began := time.Now()
	err := c.Users(ctx, directory.Query{Select: listColumns()}, &collector{})
	var ge *Error
	if !errors.Is(err, ErrThrottledPastTimeout) || !errors.As(err, &ge) || ge.Status != http.StatusTooManyRequests || ge.RequestID == "" {
		t.Fatalf("err = %v, want an *Error for being throttled past the timeout, with Graph's status and request-id", err)
	}
	if ctx.Err() != nil || time.Since(began) > 15*time.Second {
		t.Errorf("gave up after %v; want at once, not at the deadline", time.Since(began))
	}
}

func TestCancellationStopsTheRead(t *testing.T) {
	t.Parallel()
	srv := emutest.Start(t, emutest.Generate(t, tenant.GenerateOptions{Seed: 43, Users: 20000}), func(c *graphemu.Config) {
		c.Profile = graphemu.RealisticProfile(0.2)
	})
	c := newEmuClient(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	sink := &cancelAfter{n: 2000, cancel: cancel}
	err := c.Users(ctx, directory.Query{Select: listColumns(), AuthMethods: true}, sink)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// cancelAfter cancels the read once it has taken n users.
type cancelAfter struct {
	collector
	n      int
	cancel context.CancelFunc
}

func (s *cancelAfter) Users(ctx context.Context, users []directory.User) error {
	if err := s.collector.Users(ctx, users); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.users) >= s.n {
		s.cancel()
	}
	return nil
}

func TestWrongSecret(t *testing.T) {
	t.Parallel()
	srv := emutest.Start(t, emutest.Generate(t, tenant.GenerateOptions{Seed: 44, Users: 10}))
	const secret = "not-the-secret-Q8~xyz"
	c := newEmuClient(t, srv, func(c *Config) { c.Credentials.ClientSecret = secret })
	err := c.Users(context.Background(), directory.Query{Select: listColumns()}, &collector{})
	var ge *Error
	if !errors.As(err, &ge) || ge.Operation != OpToken || ge.Status != http.StatusUnauthorized || ge.Code != "AADSTS7000215" {
		t.Fatalf("err = %#v, want the token endpoint's 401 AADSTS7000215", err)
	}
	if containsAny(err.Error(), secret) {
		t.Errorf("the error shows the secret: %v", err)
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if sub != "" && strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

func TestShortLivedTokensAreRenewed(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 45, Users: 8000})
	srv := emutest.Start(t, tn, func(c *graphemu.Config) {
		// Tokens live a second; the read takes several.
		c.TokenLifetime = time.Second
		c.Profile = graphemu.RealisticProfile(0.2)
	})
	c := newEmuClient(t, srv, func(c *Config) { c.Concurrency = 2 })
	listsEveryone(t, c, tn)
	if n := srv.Counters().TokensIssued; n < 2 {
		t.Errorf("%d tokens issued; the read outlived its first token and needed more", n)
	}
}
