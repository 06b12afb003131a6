package graphemu

// Endpoint names a kind of request the emulator serves. Counters are kept per
// endpoint, faults are matched by endpoint, and the latency model is set per
// endpoint.
type Endpoint int

// The endpoints. EndpointAny and EndpointInner exist only to match faults:
// EndpointAny matches every request, EndpointInner every request inside a
// $batch (whatever its own endpoint).
const (
	EndpointAny         Endpoint = iota
	EndpointToken                // POST /{tenant}/oauth2/v2.0/token and the managed-identity endpoint
	EndpointDiscovery            // OpenID configuration, instance discovery, keys
	EndpointListFirst            // GET /users without $skiptoken
	EndpointListNext             // GET /users with $skiptoken (a nextLink)
	EndpointCount                // GET /users/$count
	EndpointGet                  // GET /users/{id | userPrincipalName}
	EndpointGetByIDs             // POST /directoryObjects/getByIds
	EndpointAuthMethods          // GET /users/{id}/authentication/methods|phoneMethods|emailMethods
	EndpointDelta                // GET /users/delta
	EndpointBatch                // POST /$batch (the outer request)
	EndpointInner                // fault matching only: any request inside a $batch
	EndpointOther                // anything else (unknown paths and methods)
)

var endpointNames = [...]string{
	EndpointAny:         "any",
	EndpointToken:       "token",
	EndpointDiscovery:   "discovery",
	EndpointListFirst:   "listFirst",
	EndpointListNext:    "listNext",
	EndpointCount:       "count",
	EndpointGet:         "get",
	EndpointGetByIDs:    "getByIds",
	EndpointAuthMethods: "authMethods",
	EndpointDelta:       "delta",
	EndpointBatch:       "batch",
	EndpointInner:       "inner",
	EndpointOther:       "other",
}

func (e Endpoint) String() string {
	if e >= 0 && int(e) < len(endpointNames) {
		return endpointNames[e]
	}
	return "Endpoint(?)"
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
