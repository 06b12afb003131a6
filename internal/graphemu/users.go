package graphemu

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// route finds the endpoint and handler for a call; a non-nil reply is Graph's
// answer to a path or method it does not serve.
func (s *Server) route(c *call) *reply {
	c.endpoint = EndpointOther
	switch {
	case c.badPath != "":
		return s.graphError(c, http.StatusBadRequest, codeBadRequest, c.badPath)
	case c.badQuery:
		return s.graphError(c, http.StatusBadRequest, codeBadRequest, "The query specified in the URI is not valid.")
	}
	seg := c.segments
	switch {
	case len(seg) == 1 && strings.EqualFold(seg[0], "$batch"):
		if c.inner {
			return s.graphError(c, http.StatusBadRequest, codeBadRequest, "A batch request cannot contain another batch request.")
		}
		return s.routeTo(c, http.MethodPost, EndpointBatch, (*Server).handleBatch)
	case len(seg) == 2 && strings.EqualFold(seg[0], "directoryObjects") &&
		(strings.EqualFold(seg[1], "getByIds") || strings.EqualFold(seg[1], "microsoft.graph.getByIds")):
		return s.routeTo(c, http.MethodPost, EndpointGetByIDs, (*Server).handleGetByIDs)
	case len(seg) > 0 && strings.EqualFold(seg[0], "users"):
		return s.routeUsers(c, seg[1:])
	case isRegistrationDetails(seg):
		return s.routeTo(c, http.MethodGet, EndpointRegistrationDetails, (*Server).handleRegistrationDetails)
	case len(seg) == 0:
		return s.graphError(c, http.StatusBadRequest, codeBadRequest, "Invalid request.")
	default:
		return unknownSegment(s, c, seg[0])
	}
}

// isRegistrationDetails reports whether the path is
// /reports/authenticationMethods/userRegistrationDetails (any case).
func isRegistrationDetails(seg []string) bool {
	want := []string{"reports", "authenticationMethods", "userRegistrationDetails"}
	return slices.EqualFunc(seg, want, strings.EqualFold)
}

func (s *Server) routeUsers(c *call, seg []string) *reply {
	switch {
	case len(seg) == 0 && queryOption(c.query, "skiptoken") != "":
		return s.routeTo(c, http.MethodGet, EndpointListNext, (*Server).handleList)
	case len(seg) == 0:
		return s.routeTo(c, http.MethodGet, EndpointListFirst, (*Server).handleList)
	case seg[0] == "":
		return unknownSegment(s, c, "")
	case len(seg) == 1 && strings.EqualFold(seg[0], "$count"):
		return s.routeTo(c, http.MethodGet, EndpointCount, (*Server).handleCount)
	case len(seg) == 1 && isDelta(seg[0]):
		return s.routeTo(c, http.MethodGet, EndpointDelta, (*Server).handleDelta)
	case len(seg) == 1:
		c.user = seg[0]
		return s.routeTo(c, http.MethodGet, EndpointGet, (*Server).handleGet)
	case !strings.EqualFold(seg[1], "authentication"):
		return unknownSegment(s, c, seg[1])
	case len(seg) != 3:
		return unknownSegment(s, c, seg[len(seg)-1])
	}
	kind, ok := methodKind(seg[2])
	if !ok {
		return unknownSegment(s, c, seg[2])
	}
	c.user, c.methods = seg[0], kind
	return s.routeTo(c, http.MethodGet, EndpointAuthMethods, (*Server).handleAuthMethods)
}

// methodKind reads the last segment of /users/{id}/authentication/....
func methodKind(seg string) (tenant.MethodKind, bool) {
	switch {
	case strings.EqualFold(seg, "methods"):
		return tenant.AllMethods, true
	case strings.EqualFold(seg, "phoneMethods"):
		return tenant.PhoneMethods, true
	case strings.EqualFold(seg, "emailMethods"):
		return tenant.EmailMethods, true
	}
	return 0, false
}

func isDelta(seg string) bool {
	seg = strings.TrimPrefix(strings.ToLower(seg), "microsoft.graph.")
	return seg == "delta" || seg == "delta()"
}

// routeTo settles the endpoint once the method is the one it takes.
func (s *Server) routeTo(c *call, method string, e Endpoint, h func(*Server, *call) *reply) *reply {
	if !strings.EqualFold(c.method, method) {
		return s.graphError(c, http.StatusMethodNotAllowed, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")
	}
	c.endpoint, c.handle = e, h
	return nil
}

func unknownSegment(s *Server, c *call, seg string) *reply {
	return s.graphError(c, http.StatusBadRequest, codeBadRequest, "Resource not found for the segment '"+seg+"'.")
}

// readerRoles are the permissions that let an app read users, and each kind
// of authentication method (the broad permission, or the granular one for the
// kind). Every request checks them: they are built once per server.
type readerRoles struct {
	users, allMethods, phoneMethods, emailMethods []string
}

func newReaderRoles() readerRoles {
	broad := []string{PermAuthMethodReadAll, PermAuthMethodReadWriteAll}
	return readerRoles{
		users:        []string{PermUserReadAll, PermUserReadWriteAll, PermDirectoryReadAll, PermDirectoryReadWriteAll},
		allMethods:   broad,
		phoneMethods: append(slices.Clone(broad), PermPhoneMethodReadAll, PermPhoneMethodReadWriteAll),
		emailMethods: append(slices.Clone(broad), PermEmailMethodReadAll, PermEmailMethodReadWriteAll),
	}
}

// methods are the permissions that let an app read a kind of method.
func (r *readerRoles) methods(kind tenant.MethodKind) []string {
	switch kind {
	case tenant.PhoneMethods:
		return r.phoneMethods
	case tenant.EmailMethods:
		return r.emailMethods
	default:
		return r.allMethods
	}
}

// checkPermission answers Graph's 403 when the token's roles do not allow
// the call.
func (s *Server) checkPermission(c *call) *reply {
	switch c.endpoint {
	case EndpointAuthMethods:
		if !c.claims.hasAnyRole(s.readers.methods(c.methods)...) {
			return s.graphError(c, http.StatusForbidden, codeAccessDenied, msgAccessDenied)
		}
	case EndpointRegistrationDetails:
		if !c.claims.hasAnyRole(PermAuditLogReadAll) {
			return s.graphError(c, http.StatusForbidden, codePermissionMissing, msgAuditLogMissing)
		}
	case EndpointBatch:
	default:
		if !c.claims.hasAnyRole(s.readers.users...) ||
			tenant.SelectsProperty(c.query, tenant.PropSignInActivity) && !c.claims.hasAnyRole(PermAuditLogReadAll) {
			return s.graphError(c, http.StatusForbidden, codeRequestDenied, msgRequestDenied)
		}
	}
	return nil
}

func (s *Server) handleList(c *call) *reply {
	p, err := s.cfg.Tenant.ListUsers(c.query, c.eventual())
	if err != nil {
		return s.tenantError(c, err)
	}
	return pageReply(c, p, "users")
}

func (s *Server) handleCount(c *call) *reply {
	n, err := s.cfg.Tenant.CountUsers(c.query, c.eventual())
	if err != nil {
		return s.tenantError(c, err)
	}
	return &reply{
		status: http.StatusOK,
		header: http.Header{"Content-Type": {contentTypeText}},
		body:   [][]byte{[]byte(itoa(n))},
	}
}

func (s *Server) handleGet(c *call) *reply {
	e, err := s.cfg.Tenant.GetUser(c.user, c.query)
	if err != nil {
		return s.tenantError(c, err)
	}
	return entityReply(c, e)
}

func (s *Server) handleGetByIDs(c *call) *reply {
	p, err := s.cfg.Tenant.GetByIDs(c.body, c.query)
	if err != nil {
		return s.tenantError(c, err)
	}
	return pageReply(c, p, "directoryObjects/getByIds")
}

func (s *Server) handleAuthMethods(c *call) *reply {
	if err := tenant.NoQueryOptions(c.query); err != nil {
		return s.tenantError(c, err)
	}
	p, err := s.cfg.Tenant.AuthMethods(c.user, c.methods, s.cfg.MaskPhones)
	if err != nil {
		return s.tenantError(c, err)
	}
	return pageReply(c, p, "")
}

// handleDelta serves a delta page, honouring Prefer: odata.maxpagesize
// (and saying so in Preference-Applied, as Graph does).
func (s *Server) handleDelta(c *call) *reply {
	size, asked := preferredPageSize(c.header)
	p, err := s.cfg.Tenant.Delta(c.query, tenant.DeltaOptions{MaxPageSize: size})
	if err != nil {
		return s.tenantError(c, err)
	}
	rp := pageReply(c, p, "users/delta")
	if asked {
		rp.header.Set("Preference-Applied", "odata.maxpagesize="+itoa(min(size, tenant.MaxDeltaPageSize)))
	}
	return rp
}

// preferredPageSize reads odata.maxpagesize from the Prefer headers; a
// value that is not a positive number is ignored. (return=minimal needs no
// reading: updated users always come with their changed properties only.)
func preferredPageSize(h http.Header) (int, bool) {
	for _, v := range h.Values("Prefer") {
		for pref := range strings.SplitSeq(v, ",") {
			name, value, _ := strings.Cut(pref, "=")
			if !strings.EqualFold(strings.TrimSpace(name), "odata.maxpagesize") {
				continue
			}
			if n, err := strconv.Atoi(strings.Trim(strings.TrimSpace(value), `"`)); err == nil && n > 0 {
				return n, true
			}
		}
	}
	return 0, false
}

// handleRegistrationDetails serves the authentication-methods registration
// report.
func (s *Server) handleRegistrationDetails(c *call) *reply {
	p, err := s.cfg.Tenant.UserRegistrationDetails(c.query)
	if err != nil {
		return s.tenantError(c, err)
	}
	return pageReply(c, p, "reports/authenticationMethods/userRegistrationDetails")
}

// tenantError is Graph's answer to an error of the query engine; a delta
// 410 carries the Location to restart from.
func (s *Server) tenantError(c *call, e *tenant.Error) *reply {
	rp := s.graphError(c, e.Status, e.Code, e.Message)
	if e.Location != nil {
		rp.header.Set("Location", c.base+"/v1.0/users/delta?"+encodeQuery(e.Location))
	}
	return rp
}

// pageReply renders a collection page: @odata.context, @odata.count,
// @odata.nextLink or @odata.deltaLink, then the value array as the tenant
// built it (not copied).
func pageReply(c *call, p *tenant.Page, path string) *reply {
	head := append([]byte(`{"@odata.context":`), marshalJSON(c.base+"/v1.0/$metadata#"+p.Context)...)
	if p.HasCount {
		head = append(append(head, `,"@odata.count":`...), itoa(p.Count)...)
	}
	if p.Next != nil {
		head = appendJSONString(append(head, `,"@odata.nextLink":`...), c.base+"/v1.0/"+path+"?"+encodeQuery(p.Next))
	}
	if p.Delta != nil {
		head = appendJSONString(append(head, `,"@odata.deltaLink":`...), c.base+"/v1.0/"+path+"?"+encodeQuery(p.Delta))
	}
	head = append(head, `,"value":`...)
	return &reply{
		status: http.StatusOK,
		header: http.Header{"Content-Type": {contentTypeOData}, "OData-Version": {"4.0"}},
		body:   [][]byte{head, p.Value, []byte("}")},
		items:  p.Items,
	}
}

// entityReply renders a single object with its @odata.context spliced in.
func entityReply(c *call, e *tenant.Entity) *reply {
	head := append([]byte(`{"@odata.context":`), marshalJSON(c.base+"/v1.0/$metadata#"+e.Context)...)
	rest := []byte("}")
	if obj := strings.TrimSpace(string(e.JSON)); len(obj) > 2 && obj[0] == '{' {
		rest = append([]byte(","), obj[1:]...)
	}
	return &reply{
		status: http.StatusOK,
		header: http.Header{"Content-Type": {contentTypeOData}, "OData-Version": {"4.0"}},
		body:   [][]byte{head, rest},
		items:  1,
	}
}

// encodeQuery renders query options for a link the way Graph writes them:
// "$" and OData punctuation as is, everything else percent-encoded, page and
// delta tokens last, the other options in a stable order.
func encodeQuery(q url.Values) string {
	keys := slices.Sorted(maps.Keys(q))
	last := func(k string) bool {
		k = strings.ToLower(strings.TrimPrefix(k, "$"))
		return k == "skiptoken" || k == "deltatoken"
	}
	slices.SortStableFunc(keys, func(a, b string) int {
		switch la, lb := last(a), last(b); {
		case la == lb:
			return 0
		case la:
			return 1
		default:
			return -1
		}
	})
	var b strings.Builder
	for _, k := range keys {
		for _, v := range q[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(escapeQuery(k))
			b.WriteByte('=')
			b.WriteString(escapeQuery(v))
		}
	}
	return b.String()
}

func escapeQuery(s string) string {
	const keep = "-._~$(),:"
	var b strings.Builder
	for i := range len(s) {
		ch := s[i]
		if 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || strings.IndexByte(keep, ch) >= 0 {
			b.WriteByte(ch)
			continue
		}
		const hexDigits = "0123456789ABCDEF"
		b.WriteByte('%')
		b.WriteByte(hexDigits[ch>>4])
		b.WriteByte(hexDigits[ch&15])
	}
	return b.String()
}
