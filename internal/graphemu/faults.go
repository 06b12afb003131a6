package graphemu

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// Effect is what a fault does to the request it hits.
type Effect int

const (
	// EffectStatus answers Status (503, 504, 429, 401, 403, 500, ...) with
	// Graph's error envelope (the token endpoint answers in Entra's shape),
	// and a Retry-After header when RetryAfter is set.
	EffectStatus Effect = iota
	// EffectReset drops the connection without an answer (a TCP reset on
	// HTTP/1.1, a stream reset on HTTP/2). Inside a $batch it drops the
	// whole batch's connection. Note that Go's HTTP/1.1 transport silently
	// retries an idempotent request whose reused connection resets before
	// any answer byte, so over HTTP/1.1 the client may never see it; over
	// HTTP/2, or with EffectTruncate, it does.
	EffectReset
	// EffectTruncate sends the status, the headers (with the full
	// Content-Length) and half of the body, then drops the connection.
	EffectTruncate
	// EffectExpirePageToken expires every page token the tenant has handed
	// out, then serves the request: a nextLink answers 400
	// Directory_ExpiredPageToken, and so does every older nextLink after it.
	EffectExpirePageToken
	// EffectRevokeTokens revokes every access token issued so far (they
	// answer 401 "Lifetime validation failed, the token is expired."), then
	// serves the request, which therefore fails unless it is a token request.
	EffectRevokeTokens
	// EffectUserNotFound answers 404 Request_ResourceNotFound for the user
	// the request names, as if it had been deleted since it was listed; the
	// tenant itself is not changed (Tenant().HardDelete does that).
	EffectUserNotFound
)

// Unlimited as Fault.Times makes a fault fire on every request it matches.
const Unlimited = -1

// Fault is a rule that makes matching requests fail. A request matches when
// its endpoint is Endpoint (EndpointAny: every request; EndpointInner: every
// request inside a $batch) and, if User is set, it names that user (id or
// userPrincipalName, case-insensitive). Counting matching requests from 1, the
// fault fires from the Nth on (Nth 0 means 1), on each with probability Rate
// (0 means always; drawn from the server's seeded generator), until it has
// fired Times times (0 means once; Unlimited means forever).
type Fault struct {
	Endpoint Endpoint
	User     string
	Nth      int
	Rate     float64
	Times    int

	Effect Effect
	// Status, and optionally Graph's Code and Message, for EffectStatus.
	// Without Code and Message the emulator uses what Graph answers with
	// that status.
	Status        int
	Code, Message string
	// RetryAfter, when positive, adds a Retry-After header rendered in
	// RetryAfterStyle (EffectStatus only).
	RetryAfter      time.Duration
	RetryAfterStyle RetryAfterStyle
}

type faultRule struct {
	Fault
	seen, fired int
}

// faultSet holds the injected faults. Matching is serialised by a mutex:
// the counting must be exact, and it is a few comparisons per request.
type faultSet struct {
	mu    sync.Mutex
	rules []*faultRule
	rng   *rand.Rand
}

func newFaultSet(seed int64) *faultSet {
	return &faultSet{rng: rand.New(rand.NewPCG(uint64(seed), 0x6661756c7473))} //nolint:gosec // seeded on purpose: fault rates must be reproducible
}

func (fs *faultSet) add(f Fault) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.rules = append(fs.rules, &faultRule{Fault: f})
}

// match counts the request against every rule it matches and returns the
// first rule that fires. user is the user key the request names ("" if none).
func (fs *faultSet) match(e Endpoint, inner bool, user string) (Fault, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	var hit *faultRule
	for _, r := range fs.rules {
		if !r.matches(e, inner, user) {
			continue
		}
		r.seen++
		if hit == nil && r.due() && (r.Rate <= 0 || fs.rng.Float64() < r.Rate) {
			hit = r
		}
	}
	if hit == nil {
		return Fault{}, false
	}
	hit.fired++
	return hit.Fault, true
}

func (r *faultRule) matches(e Endpoint, inner bool, user string) bool {
	switch {
	case r.User != "" && !strings.EqualFold(r.User, user):
		return false
	case r.Endpoint == EndpointAny, r.Endpoint == e:
		return true
	default:
		return r.Endpoint == EndpointInner && inner
	}
}

// due reports whether the rule may fire on the request just counted.
func (r *faultRule) due() bool {
	if r.seen < max(r.Nth, 1) {
		return false
	}
	return r.Times == Unlimited || r.fired < max(r.Times, 1)
}

// applyFault carries out a fault's effect, on Graph and on the identity side
// alike; answer renders the error answer (EffectStatus, EffectUserNotFound)
// in the shape of the side the fault hit. nil means serve the request
// (truncated, for EffectTruncate).
func (s *Server) applyFault(f Fault, now time.Time, answer func(Fault) *reply) *reply {
	switch f.Effect {
	case EffectReset:
		return &reply{status: StatusAborted, header: http.Header{}, abort: abortReset}
	case EffectTruncate:
		return nil
	case EffectExpirePageToken:
		s.cfg.Tenant.ExpirePageTokens()
		return nil
	case EffectRevokeTokens:
		s.tokens.revokeAll()
		return nil
	}
	rp := answer(f)
	if f.RetryAfter > 0 {
		s.setRetryAfter(rp, f.RetryAfterStyle, f.RetryAfter, now)
	}
	return rp
}

// check refuses a fault that could never do what it says: one for an
// endpoint no fault reaches, an effect that means nothing there, a user on
// requests that name none, an EffectStatus without an error status, or
// options for another effect. Such a fault would count as fired, or never
// fire, and a test built on it would test nothing.
func (f Fault) check() error {
	if f.Endpoint < EndpointAny || f.Endpoint >= EndpointOther {
		return fmt.Errorf("no request reaches a fault on endpoint %v: an unrouted request is answered first", f.Endpoint)
	}
	if f.Effect < EffectStatus || f.Effect > EffectUserNotFound {
		return fmt.Errorf("unknown effect %d", int(f.Effect))
	}
	if err := f.checkUser(); err != nil {
		return err
	}
	return f.checkOptions()
}

// checkUser: a fault for a user, or one that answers for a user, needs
// requests that name one.
func (f Fault) checkUser() error {
	namesUser := f.Endpoint == EndpointGet || f.Endpoint == EndpointAuthMethods ||
		f.Endpoint == EndpointAny || f.Endpoint == EndpointInner
	switch {
	case f.User != "" && !namesUser:
		return fmt.Errorf("%v requests name no user: a fault for user %q would never fire", f.Endpoint, f.User)
	case f.Effect != EffectUserNotFound:
		return nil
	case !namesUser:
		return fmt.Errorf("%v requests name no user: a user-not-found fault there would answer 404 for nobody", f.Endpoint)
	case f.User == "" && (f.Endpoint == EndpointAny || f.Endpoint == EndpointInner):
		return fmt.Errorf("a user-not-found fault on %v needs User (requests that name no user would answer 404 for nobody)", f.Endpoint)
	}
	return nil
}

// checkOptions: status, code, message and Retry-After belong to
// EffectStatus, and identity requests answer in Entra's shape.
func (f Fault) checkOptions() error {
	identity := f.Endpoint == EndpointToken || f.Endpoint == EndpointDiscovery
	switch {
	case identity && f.Effect == EffectExpirePageToken:
		return fmt.Errorf("effect %d means nothing on %v requests", int(f.Effect), f.Endpoint)
	case f.Effect == EffectStatus && (f.Status < 400 || f.Status > 599):
		return fmt.Errorf("status %d is not an error status", f.Status)
	case f.Effect != EffectStatus && (f.Status != 0 || f.Code != "" || f.Message != "" || f.RetryAfter != 0):
		return errors.New("status, code, message and Retry-After are for EffectStatus only")
	case identity && (f.Code != "" || f.Message != ""):
		return fmt.Errorf("%v requests answer Entra's error, whose code and message a fault does not set", f.Endpoint)
	}
	return nil
}

// defaultFaultError is what Graph answers with a status when a fault names
// no code or message.
func defaultFaultError(status int, e Endpoint, user string) (code, message string) {
	switch status {
	case 400:
		return "BadRequest", "The request is malformed or incorrect."
	case 401:
		return "InvalidAuthenticationToken", msgTokenExpired
	case 403:
		switch e {
		case EndpointAuthMethods:
			return codeAccessDenied, msgAccessDenied
		case EndpointRegistrationDetails:
			return codePermissionMissing, msgAuditLogMissing
		}
		return codeRequestDenied, msgRequestDenied
	case 404:
		nf := tenant.NotFound(user)
		return nf.Code, nf.Message
	case 429:
		return codeTooManyRequests, msgTooManyRequests
	case 500:
		return "generalException", "General exception while processing."
	case 503:
		return "serviceNotAvailable", "The service is temporarily unavailable. Please retry later."
	case 504:
		return "gatewayTimeout", "The request timed out."
	default:
		return "UnknownError", ""
	}
}
