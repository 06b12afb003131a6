package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	abs "github.com/microsoft/kiota-abstractions-go"
)

// call is one Graph request as the retry loop sees it. Every request the
// client sends is idempotent (GETs, and $batch envelopes of GETs), so network
// failures and truncated bodies are retried like 503s.
type call struct {
	op string // an Op constant, for errors

	// build makes the request anew for each attempt, so that a retry
	// carries a current token rather than the one of the failed attempt.
	build func(ctx context.Context) (*abs.RequestInformation, error)

	// decode consumes a 2xx body. An error means the body was malformed or
	// cut short, and the request is tried again.
	decode func(r *response) error

	// page marks a list page: its body is read only once the client has a
	// page slot for it, and the response returned by do holds that slot
	// until the caller releases it (see pageSlots).
	page bool

	// throttled, when set, is told of each 429 answer before do waits it
	// out, so that a $batch envelope's throttling paces the dispatcher as
	// its inner requests' does. It runs on the calling goroutine.
	throttled func()
}

// response is a Graph response read whole.
type response struct {
	status int
	header http.Header
	body   []byte
	token  string    // the bearer token the request carried, to replace it on 401
	slot   pageSlots // the page slot held while the body is read and used; nil when none
}

// release gives back the page slot the response holds, if any. It may be
// called on a nil response and more than once.
func (r *response) release() {
	if r == nil || r.slot == nil {
		return
	}
	r.slot.release()
	r.slot = nil
}

const (
	// attemptTimeout bounds one attempt, so a connection that hangs
	// becomes a retry rather than a stalled export.
	attemptTimeout = 2 * time.Minute

	// maxBody bounds what one response may hold (a 999-user page with
	// every property is a few MB); the body is hostile input.
	maxBody = 128 << 20
)

// errPermanent marks failures no retry can fix (a request that cannot be
// built, a body over maxBody).
var errPermanent = errors.New("permanent failure")

// do sends c through the retry policy until it succeeds, fails for good,
// or the next wait would pass ctx's deadline.
func (c *Client) do(ctx context.Context, cl call) (*response, error) {
	var st retryState
	attemptCtx := ctx
	for {
		resp, err := c.attempt(attemptCtx, cl)
		if ctx.Err() != nil {
			resp.release()
			return nil, ctx.Err()
		}
		attemptCtx = ctx
		f, ok := c.judge(cl, resp, err)
		if ok {
			return resp, nil
		}
		resp.release()
		if f.kind == failThrottled && cl.throttled != nil {
			cl.throttled()
		}
		v := c.decide(ctx, f, &st)
		switch {
		case v.giveUp != nil:
			return nil, v.giveUp
		case v.refresh:
			// The token expired or was revoked under us: one more try
			// with a new one.
			attemptCtx = withStaleToken(ctx, resp.token)
			c.log.DebugContext(ctx, "graph rejected the token; retrying with a new one", "op", cl.op)
			continue
		}
		c.log.DebugContext(ctx, "retrying graph request", "op", f.err.Operation, "status", f.err.Status,
			"code", f.err.Code, "request_id", f.err.RequestID, "wait", v.wait)
		if err := c.retry.clock.Sleep(ctx, v.wait); err != nil {
			return nil, err
		}
	}
}

// judge classifies an attempt: ok when it succeeded (its body decoded),
// else the failure.
func (c *Client) judge(cl call, resp *response, err error) (failure, bool) {
	switch {
	case err != nil:
		return c.failedAttempt(cl.op, err), false
	case resp.status >= 200 && resp.status < 300:
		derr := cl.decode(resp)
		if derr == nil {
			return failure{}, true
		}
		return failure{err: malformed(cl.op, resp.status, resp.header, derr), kind: failTransient}, false
	}
	return graphFailure(newGraphError(cl.op, resp.status, resp.header, resp.body), resp.header.Get("Retry-After")), false
}

// malformed is the *Error of a 2xx answer whose body could not be used (cut
// short, or not what the request returns): worth another try.
func malformed(op string, status int, h http.Header, cause error) *Error {
	e := &Error{Operation: op, Status: status, Message: "malformed response: " + clean(cause.Error()), Err: cause}
	setIDs(e, h)
	return e
}

// failedAttempt classifies an attempt that produced no response: a network
// failure is transient, a token failure is transient or final as the
// credential says, anything else (errPermanent) is final.
func (c *Client) failedAttempt(op string, err error) failure {
	var te *tokenError
	switch {
	case errors.Is(err, errPermanent):
		return failure{err: &Error{Operation: op, Message: clean(err.Error()), Err: err}}
	case errors.As(err, &te):
		e, retry := tokenFailure(te.err, c.credKind, te.renewal)
		if !retry {
			return failure{err: e}
		}
		return failure{err: e, kind: failTransient}
	default:
		return failure{err: &Error{Operation: op, Message: "network error: " + clean(err.Error()), Err: err}, kind: failTransient}
	}
}

// pastTimeout is the error for a retry that would land after the deadline.
func pastTimeout(last *Error, wait time.Duration) *Error {
	e := *last
	e.Message = fmt.Sprintf("throttled past the read timeout: Graph's last answer was %d %s (%s) and the next try would be in %s, after the deadline; raise the read timeout or retry later",
		last.Status, last.Code, last.Message, wait.Round(time.Millisecond))
	e.Err = ErrThrottledPastTimeout
	return &e
}

// attempt sends the request once through the adapter (auth, middleware) and
// reads the response whole. The raw body is kept: the hot paths decode it
// with encoding/json, which is about ten times cheaper than kiota's models.
func (c *Client) attempt(ctx context.Context, cl call) (*response, error) {
	c.stats.requests.Add(1)
	ctx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	info, err := cl.build(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: building the request: %w", errPermanent, err)
	}
	var (
		resp    *response
		readErr error
	)
	handler := abs.NewRequestHandlerOption()
	handler.SetResponseHandler(func(r any, _ abs.ErrorMappings) (any, error) {
		hr, ok := r.(*http.Response)
		if !ok || hr == nil {
			return nil, errors.New("no HTTP response")
		}
		defer func() { _ = hr.Body.Close() }() // read whole already; a close error changes nothing
		resp = &response{status: hr.StatusCode, header: hr.Header, token: bearerToken(hr.Request)}
		if cl.page {
			if err := c.pageSlots.acquire(ctx); err != nil {
				return nil, err
			}
			resp.slot = c.pageSlots
		}
		resp.body, readErr = readBody(hr)
		return nil, nil
	})
	info.AddRequestOptions([]abs.RequestOption{handler})
	if _, err := c.adapter.SendPrimitive(ctx, info, "[]byte", nil); err != nil {
		resp.release()
		return nil, err
	}
	switch {
	case resp == nil:
		return nil, errors.New("no HTTP response")
	case readErr != nil:
		resp.release()
		return nil, fmt.Errorf("reading the response body: %w", readErr)
	case len(resp.body) > maxBody:
		resp.release()
		return nil, fmt.Errorf("%w: response body over %d bytes", errPermanent, maxBody)
	}
	return resp, nil
}

// readBody reads a response whole, into a buffer sized from Content-Length
// when the server sent one (a 999-user page is about a megabyte; growing the
// buffer by doubling would copy it over and over).
func readBody(r *http.Response) ([]byte, error) {
	var buf bytes.Buffer
	if r.ContentLength > 0 && r.ContentLength <= maxBody {
		buf.Grow(int(r.ContentLength) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(io.LimitReader(r.Body, maxBody+1))
	return buf.Bytes(), err
}

// bearerToken is the token a request carried (kept in memory only, to
// recognise it when Graph rejects it; never logged).
func bearerToken(r *http.Request) string {
	if r == nil {
		return ""
	}
	v := r.Header.Get("Authorization")
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		return v[7:]
	}
	return ""
}
