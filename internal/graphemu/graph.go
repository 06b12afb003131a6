package graphemu

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// call is one Graph request: an HTTP request, or one request inside a $batch.
// Both go through the same pipeline (serveCall).
type call struct {
	ctx             context.Context
	method          string
	segments        []string // path segments after the version, unescaped
	badPath         string   // set when the path could not be parsed
	query           url.Values
	badQuery        bool
	header          http.Header
	body            []byte
	base            string // scheme://host the client addressed
	inner           bool
	requestID       string
	clientRequestID string

	// Set by routing.
	endpoint Endpoint
	user     string // the {id | userPrincipalName} the path names, if any
	methods  tenant.MethodKind
	handle   func(*Server, *call) *reply
	claims   *accessClaims
	charged  verdict // what the throttle charged
}

// eventual reports the ConsistencyLevel: eventual header.
func (c *call) eventual() bool {
	return strings.EqualFold(strings.TrimSpace(c.header.Get("ConsistencyLevel")), "eventual")
}

// maxBody bounds request bodies: a full $batch or a 1,000-id getByIds is far
// below it.
const maxBody = 4 << 20

// serveGraph serves one HTTP request to Graph.
func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request) {
	c := s.newCall(r)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	c.body = body
	var rp *reply
	if err != nil {
		var tooLarge *http.MaxBytesError
		if !errors.As(err, &tooLarge) {
			s.counters.record(EndpointOther, false, StatusAborted)
			return // the client went away while sending
		}
		c.endpoint = EndpointOther
		rp = s.finish(c, s.graphError(c, http.StatusRequestEntityTooLarge, "Request_EntityTooLarge", "The request is too large."))
	} else {
		rp = s.serveCall(c)
	}
	s.write(w, rp)
}

func (s *Server) newCall(r *http.Request) *call {
	c := &call{
		ctx:       r.Context(),
		method:    r.Method,
		header:    r.Header,
		base:      baseURL(r),
		requestID: s.newID(),
	}
	c.clientRequestID = r.Header.Get("client-request-id")
	if c.clientRequestID == "" {
		c.clientRequestID = c.requestID
	}
	c.segments, c.badPath = splitGraphPath(r.URL.EscapedPath())
	c.query, c.badQuery = parseQuery(r.URL.RawQuery)
	return c
}

func baseURL(r *http.Request) string {
	if r.TLS != nil {
		return "https://" + r.Host
	}
	return "http://" + r.Host
}

// splitGraphPath splits an escaped path into unescaped segments and checks
// the version segment. A user key such as "x#EXT#@y" arrives escaped
// (%23EXT%23), so segments are unescaped one by one.
func splitGraphPath(escaped string) (segments []string, bad string) {
	parts := strings.Split(strings.Trim(escaped, "/"), "/")
	if !strings.EqualFold(parts[0], "v1.0") {
		return nil, "Invalid version: " + parts[0]
	}
	for _, p := range parts[1:] {
		seg, err := url.PathUnescape(p)
		if err != nil {
			return nil, "Resource not found for the segment '" + p + "'."
		}
		segments = append(segments, seg)
	}
	return segments, ""
}

func parseQuery(raw string) (url.Values, bool) {
	q, err := url.ParseQuery(raw)
	return q, err != nil
}

// serveCall runs the pipeline: route, faults, authentication, throttle,
// permissions, the handler, latency. It never writes anything; the reply says
// what to write (and how to break the connection, if a fault says so).
func (s *Server) serveCall(c *call) *reply {
	rp := s.process(c)
	s.counters.record(c.endpoint, c.inner, rp.status)
	if c.endpoint.returnsUsers() {
		s.counters.users.Add(int64(rp.items))
	}
	return rp
}

func (s *Server) process(c *call) *reply {
	if rp := s.route(c); rp != nil {
		return s.finish(c, rp)
	}
	var truncate bool
	if f, ok := s.faults.match(c.endpoint, c.inner, c.user); ok {
		s.counters.faults.Add(1)
		rp := s.applyFault(f, s.cfg.Clock.Now(), func(f Fault) *reply { return s.graphFault(c, f) })
		if rp != nil {
			return s.finish(c, rp)
		}
		truncate = f.Effect == EffectTruncate
	}
	rp := s.authorize(c)
	if rp == nil {
		rp = withUnits(c.handle(s, c), c.charged)
	}
	if truncate {
		rp.abort = abortTruncate
	}
	if d := s.cfg.Profile.latency(c.endpoint, rp.items); d > 0 && rp.status != http.StatusTooManyRequests {
		if err := s.cfg.Clock.Sleep(c.ctx, d); err != nil {
			return &reply{status: StatusAborted, abort: abortGone}
		}
	}
	return s.finish(c, rp)
}

// authorize checks the token, charges the throttle and checks the
// permissions, in Graph's order; nil means go ahead.
func (s *Server) authorize(c *call) *reply {
	claims, msg := s.tokens.verify(c.header.Get("Authorization"), c.base)
	if msg != "" {
		rp := s.graphError(c, http.StatusUnauthorized, "InvalidAuthenticationToken", msg)
		rp.header.Set("WWW-Authenticate", `Bearer realm="", authorization_uri="`+c.base+`/common/oauth2/authorize", client_id="`+graphResourceAppID+`"`)
		return rp
	}
	c.claims = claims
	v := s.throttle.admit(claims.AppID, c.endpoint, c.query, s.cfg.Clock.Now())
	if v.refused() {
		return s.throttled(c, v)
	}
	s.counters.units.Add(int64(v.cost))
	c.charged = v
	if rp := s.checkPermission(c); rp != nil {
		return withUnits(rp, v)
	}
	return nil
}

// withUnits adds x-ms-resource-unit and, near the limit,
// x-ms-throttle-limit-percentage.
func withUnits(rp *reply, v verdict) *reply {
	if v.cost > 0 {
		rp.header.Set("x-ms-resource-unit", itoa(v.cost))
		if p := limitPercentage(v.usage); p != "" {
			rp.header.Set("x-ms-throttle-limit-percentage", p)
		}
	}
	return rp
}

// throttled is Graph's 429 for a request the throttle refused.
func (s *Server) throttled(c *call, v verdict) *reply {
	rp := s.graphError(c, http.StatusTooManyRequests, codeTooManyRequests, msgTooManyRequests)
	s.setRetryAfter(rp, s.cfg.Profile.RetryAfter, v.wait, s.cfg.Clock.Now())
	rp.header.Set("x-ms-throttle-scope", v.scope)
	rp.header.Set("x-ms-throttle-information", v.info)
	return withUnits(rp, v)
}

// graphFault is a fault's error answer on Graph: Request_ResourceNotFound
// for the user the call names, or the fault's status with its code and
// message (Graph's usual ones when it names none).
func (s *Server) graphFault(c *call, f Fault) *reply {
	if f.Effect == EffectUserNotFound {
		return s.tenantError(c, tenant.NotFound(c.user))
	}
	code, msg := defaultFaultError(f.Status, c.endpoint, c.user)
	if f.Code != "" || f.Message != "" {
		code, msg = f.Code, f.Message
	}
	return s.graphError(c, f.Status, code, msg)
}

// finish adds the headers every Graph answer carries.
func (s *Server) finish(c *call, rp *reply) *reply {
	if rp.header == nil {
		rp.header = http.Header{}
	}
	if !c.inner {
		rp.header.Set("request-id", c.requestID)
		rp.header.Set("client-request-id", c.clientRequestID)
		rp.header.Set("x-ms-ags-diagnostic", agsDiagnostic)
		if strings.HasPrefix(c.base, "https://") {
			rp.header.Set("Strict-Transport-Security", "max-age=31536000")
		}
	}
	rp.header.Set("Cache-Control", "no-cache")
	return rp
}

// agsDiagnostic imitates the diagnostic header Graph's gateway adds.
const agsDiagnostic = `{"ServerInfo":{"DataCenter":"Local","Slice":"E","Ring":"0","ScaleUnit":"000","RoleInstance":"graphemu"}}`
