package graphemu

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestEndpointOf holds EndpointOf to the endpoint the server counts the same
// request under, for every endpoint and for requests it refuses.
func TestEndpointOf(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{ManagedIdentity: DefaultClientID})
	user := testUsers()[0].ID
	tests := []struct {
		method, path string
		want         Endpoint
	}{
		{"POST", "/" + ts.TenantID() + "/oauth2/v2.0/token", EndpointToken},
		{"GET", miPath + "?resource=x", EndpointToken},
		{"GET", "/" + ts.TenantID() + "/v2.0/.well-known/openid-configuration", EndpointDiscovery},
		{"GET", instanceDiscovery + "?api-version=1.1", EndpointDiscovery},
		{"GET", "/" + ts.TenantID() + "/discovery/v2.0/keys", EndpointDiscovery},
		{"GET", "/v1.0/users?$top=5", EndpointListFirst},
		{"GET", "/v1.0/users?$skiptoken=abc", EndpointListNext},
		{"GET", "/v1.0/users/$count", EndpointCount},
		{"GET", "/v1.0/users/delta?$deltatoken=latest", EndpointDelta},
		{"GET", "/v1.0/users/" + user, EndpointGet},
		{"GET", "/v1.0/users/" + user + "/authentication/methods", EndpointAuthMethods},
		{"POST", "/v1.0/directoryObjects/getByIds", EndpointGetByIDs},
		{"GET", "/v1.0/reports/authenticationMethods/userRegistrationDetails", EndpointRegistrationDetails},
		{"POST", "/v1.0/$batch", EndpointBatch},
		{"GET", "/v1.0/$batch", EndpointOther},
		{"GET", "/v1.0/groups", EndpointOther},
		{"GET", "/v2.0/users", EndpointOther},
		{"GET", "/" + ts.TenantID() + "/oauth2/v2.0/authorize", EndpointOther},
	}
	for _, tt := range tests {
		req := httptest.NewRequestWithContext(context.Background(), tt.method, "http://graph.test"+tt.path, strings.NewReader("{}"))
		if got := ts.EndpointOf(req); got != tt.want {
			t.Errorf("%s %s: EndpointOf says %v, want %v", tt.method, tt.path, got, tt.want)
		}
		ts.ResetCounters()
		ts.Handler().ServeHTTP(httptest.NewRecorder(), req)
		if n := ts.Counters().Total(tt.want); n != 1 {
			t.Errorf("%s %s: the server counted %d requests under %v, want 1: EndpointOf and serving disagree", tt.method, tt.path, n, tt.want)
		}
	}
}
