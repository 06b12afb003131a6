package graphemu

import "net/http"

// Endpoint names a kind of request the emulator serves. Counters are kept per
// endpoint, faults are matched by endpoint, and the latency model is set per
// endpoint.
type Endpoint int

// The endpoints. EndpointAny and EndpointInner exist only to match faults:
// EndpointAny matches every request, EndpointInner every request inside a
// $batch (whatever its own endpoint).
const (
	EndpointAny                 Endpoint = iota
	EndpointToken                        // POST /{tenant}/oauth2/v2.0/token and the managed-identity endpoint
	EndpointDiscovery                    // OpenID configuration, instance discovery, keys
	EndpointListFirst                    // GET /users without $skiptoken
	EndpointListNext                     // GET /users with $skiptoken (a nextLink)
	EndpointCount                        // GET /users/$count
	EndpointGet                          // GET /users/{id | userPrincipalName}
	EndpointGetByIDs                     // POST /directoryObjects/getByIds
	EndpointAuthMethods                  // GET /users/{id}/authentication/methods|phoneMethods|emailMethods
	EndpointDelta                        // GET /users/delta
	EndpointRegistrationDetails          // GET /reports/authenticationMethods/userRegistrationDetails
	EndpointBatch                        // POST /$batch (the outer request)
	EndpointInner                        // fault matching only: any request inside a $batch
	EndpointOther                        // anything else (unknown paths and methods)
)

func (e Endpoint) String() string {
	switch e {
	case EndpointAny:
		return "any"
	case EndpointToken:
		return "token"
	case EndpointDiscovery:
		return "discovery"
	case EndpointListFirst:
		return "listFirst"
	case EndpointListNext:
		return "listNext"
	case EndpointCount:
		return "count"
	case EndpointGet:
		return "get"
	case EndpointGetByIDs:
		return "getByIds"
	case EndpointAuthMethods:
		return "authMethods"
	case EndpointDelta:
		return "delta"
	case EndpointRegistrationDetails:
		return "registrationDetails"
	case EndpointBatch:
		return "batch"
	case EndpointInner:
		return "inner"
	case EndpointOther:
		return "other"
	default:
		return "Endpoint(?)"
	}
}

// returnsUsers reports whether the endpoint's items are users.
func (e Endpoint) returnsUsers() bool {
	switch e {
	case EndpointListFirst, EndpointListNext, EndpointGet, EndpointGetByIDs, EndpointDelta:
		return true
	default:
		return false
	}
}

// EndpointOf names the endpoint a request is for, as the counters, the
// faults and the latency model see it, without serving it: tests that sit
// in front of the emulator (emutest.Front) name what a client sent in the
// emulator's own words. A request the emulator would refuse (a bad path, a
// method an endpoint does not take) is EndpointOther.
func (s *Server) EndpointOf(r *http.Request) Endpoint {
	if !isGraphPath(r.URL.EscapedPath()) {
		e, _, _ := s.identityRoute(r)
		return e
	}
	c := &call{method: r.Method, header: r.Header}
	c.segments, c.badPath = splitGraphPath(r.URL.EscapedPath())
	c.query, c.badQuery = parseQuery(r.URL.RawQuery)
	if s.route(c) != nil {
		return EndpointOther
	}
	return c.endpoint
}
