package graphemu

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// appWith is an app holding exactly the permissions.
func appWith(name string, perms ...string) App {
	return App{Name: name, ClientID: "a0000000-0000-4000-8000-" + strings.Repeat("0", 12-len(name)) + name, ClientSecret: "secret-" + name, Permissions: perms}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{TokenLifetime: time.Minute})
	other := newServer(t, Config{})
	valid := ts.tokenFor(ts.App())
	tests := []struct {
		name, authorization string
		message             string
	}{
		{name: "no header", message: msgTokenEmpty},
		{name: "bearer without token", authorization: "Bearer ", message: msgTokenEmpty},
		{name: "basic", authorization: "Basic dXNlcjpwYXNz", message: msgTokenEmpty},
		{name: "not a JWT", authorization: "Bearer abc", message: msgTokenMalformed},
		{name: "token of another emulator", authorization: "Bearer " + other.tokenFor(other.App()), message: msgTokenInvalid},
		{name: "token for graph.test", authorization: "Bearer " + valid},
	}
	for _, tt := range tests {
		h := map[string]string{}
		if tt.authorization != "" {
			h["Authorization"] = tt.authorization
		}
		r := ts.handle("GET", "/v1.0/users", h, "")
		if tt.message == "" {
			if r.status != 200 {
				t.Errorf("%s: %s", tt.name, r)
			}
			continue
		}
		e := checkEnvelope(t, r)
		if r.status != 401 || e.Code != "InvalidAuthenticationToken" || e.Message != tt.message {
			t.Errorf("%s: got %d %+v, want 401 %q", tt.name, r.status, e, tt.message)
		}
		if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer ") {
			t.Errorf("%s: WWW-Authenticate %q", tt.name, r.header.Get("WWW-Authenticate"))
		}
	}

	// Expiry: the same token fails once its lifetime has passed on the clock.
	ts.clock.Advance(time.Minute)
	r := ts.handle("GET", "/v1.0/users", map[string]string{"Authorization": "Bearer " + valid}, "")
	if e := checkEnvelope(t, r); r.status != 401 || e.Message != msgTokenExpired {
		t.Errorf("expired: %s", r)
	}

	// Revocation: a fresh token fails after RevokeTokens; a newer one works.
	fresh := ts.tokenFor(ts.App())
	ts.RevokeTokens()
	r = ts.handle("GET", "/v1.0/users", map[string]string{"Authorization": "Bearer " + fresh}, "")
	if e := checkEnvelope(t, r); r.status != 401 || e.Message != msgTokenExpired {
		t.Errorf("revoked: %s", r)
	}
	if r := ts.handle("GET", "/v1.0/users", map[string]string{"Authorization": "Bearer " + ts.tokenFor(ts.App())}, ""); r.status != 200 {
		t.Errorf("token after revocation: %s", r)
	}
}

func TestAudience(t *testing.T) {
	t.Parallel()
	ts := startServer(t, Config{}, true)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID},
		"client_secret": {DefaultClientSecret}, "scope": {"https://localhost:1/.default"}}
	r := ts.handle("POST", "/"+ts.TenantID()+"/oauth2/v2.0/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, form.Encode())
	if r.status != 400 {
		t.Fatalf("a resource that is not this emulator: %s", r)
	}
	// A token asked for http://graph.test is refused by the same emulator
	// reached at https://127.0.0.1:port: its audience is another Graph.
	resp, err := ts.do(t.Context(), "GET", "/v1.0/users", map[string]string{"Authorization": "Bearer " + ts.netToken(ts.App())}, "")
	if err != nil || resp.status != 200 {
		t.Fatalf("own audience: %v %s", err, resp)
	}
	ghost := ts.handle("POST", "/"+ts.TenantID()+"/oauth2/v2.0/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		url.Values{"grant_type": {"client_credentials"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}, "scope": {"http://graph.test/.default"}}.Encode())
	var tr tokenResponse
	_ = json.Unmarshal(ghost.body, &tr)
	resp, err = ts.do(t.Context(), "GET", "/v1.0/users", map[string]string{"Authorization": "Bearer " + tr.AccessToken}, "")
	if err != nil || resp.status != 401 || !strings.Contains(string(resp.body), msgTokenAudience) {
		t.Errorf("foreign audience: %v %s", err, resp)
	}
}

func TestPermissions(t *testing.T) {
	t.Parallel()
	none := appWith("1")
	users := appWith("2", PermUserReadAll)
	dir := appWith("3", PermDirectoryReadAll)
	phone := appWith("4", PermUserReadAll, PermPhoneMethodReadAll)
	email := appWith("5", PermUserReadAll, PermEmailMethodReadWriteAll)
	methods := appWith("6", PermUserReadAll, PermAuthMethodReadAll)
	audit := appWith("7", PermUserReadAll, PermAuditLogReadAll)
	ts := newServer(t, Config{Apps: []App{none, users, dir, phone, email, methods, audit, appWith("8", PermAuditLogReadAll)}})
	id := testUsers()[0].ID
	getByIDs := `{"ids":["` + id + `"],"types":["user"]}`
	const denied, forbidden, missing = "Authorization_RequestDenied", "accessDenied", "Authentication_MSGraphPermissionMissing"
	tests := []struct {
		app          App
		method, path string
		body         string
		code         string // "" means allowed
	}{
		{none, "GET", "/v1.0/users", "", denied},
		{none, "GET", "/v1.0/users/" + id, "", denied},
		{none, "GET", "/v1.0/users/$count", "", denied},
		{none, "POST", "/v1.0/directoryObjects/getByIds", getByIDs, denied},
		{none, "GET", "/v1.0/users/delta", "", denied},
		{users, "GET", "/v1.0/users", "", ""},
		{users, "GET", "/v1.0/users/" + id, "", ""},
		{users, "POST", "/v1.0/directoryObjects/getByIds", getByIDs, ""},
		{dir, "GET", "/v1.0/users", "", ""},
		{users, "GET", "/v1.0/users/" + id + "/authentication/methods", "", forbidden},
		{users, "GET", "/v1.0/users/" + id + "/authentication/phoneMethods", "", forbidden},
		{users, "GET", "/v1.0/users/" + id + "/authentication/emailMethods", "", forbidden},
		{phone, "GET", "/v1.0/users/" + id + "/authentication/phoneMethods", "", ""},
		{phone, "GET", "/v1.0/users/" + id + "/authentication/emailMethods", "", forbidden},
		{phone, "GET", "/v1.0/users/" + id + "/authentication/methods", "", forbidden},
		{email, "GET", "/v1.0/users/" + id + "/authentication/emailMethods", "", ""},
		{email, "GET", "/v1.0/users/" + id + "/authentication/phoneMethods", "", forbidden},
		{methods, "GET", "/v1.0/users/" + id + "/authentication/methods", "", ""},
		{methods, "GET", "/v1.0/users/" + id + "/authentication/phoneMethods", "", ""},
		{users, "GET", "/v1.0/users?$select=id,signInActivity", "", denied},
		{audit, "GET", "/v1.0/users?$select=id,signInActivity", "", ""},
		{users, "GET", "/v1.0/reports/authenticationMethods/userRegistrationDetails", "", missing},
		{methods, "GET", "/v1.0/reports/authenticationMethods/userRegistrationDetails", "", missing},
		{audit, "GET", "/v1.0/reports/authenticationMethods/userRegistrationDetails", "", ""},
		{appWith("8", PermAuditLogReadAll), "GET", "/v1.0/reports/authenticationMethods/userRegistrationDetails", "", ""},
	}
	for _, tt := range tests {
		h := map[string]string{"Authorization": "Bearer " + ts.tokenFor(tt.app), "ConsistencyLevel": "eventual", "Content-Type": "application/json"}
		r := ts.handle(tt.method, tt.path, h, tt.body)
		if tt.code == "" {
			if r.status != 200 {
				t.Errorf("app %s %s %s: %s", tt.app.Name, tt.method, tt.path, r)
			}
			continue
		}
		e := checkEnvelope(t, r)
		wantMsg := map[string]string{denied: msgRequestDenied, forbidden: msgAccessDenied, missing: msgAuditLogMissing}[tt.code]
		if r.status != 403 || e.Code != tt.code || e.Message != wantMsg {
			t.Errorf("app %s %s %s: got %d %+v, want 403 %s", tt.app.Name, tt.method, tt.path, r.status, e, tt.code)
		}
	}
}

func TestRouting(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{})
	tests := []struct {
		method, path string
		status       int
		code, msg    string
		endpoint     Endpoint
	}{
		{"GET", "/v1.0/groups", 400, codeBadRequest, "Resource not found for the segment 'groups'.", EndpointOther},
		{"GET", "/v2.0/users", 400, codeBadRequest, "Invalid version: v2.0", EndpointOther},
		{"GET", "/beta/users", 400, codeBadRequest, "Invalid version: beta", EndpointOther},
		{"DELETE", "/v1.0/users", 405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.", EndpointOther},
		{"GET", "/v1.0/$batch", 405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.", EndpointOther},
		{"GET", "/v1.0/users/x/manager", 400, codeBadRequest, "Resource not found for the segment 'manager'.", EndpointOther},
		{"GET", "/v1.0/users/x/authentication/fido2Methods", 400, codeBadRequest, "Resource not found for the segment 'fido2Methods'.", EndpointOther},
		{"GET", "/v1.0/users?$filter=%zz", 400, codeBadRequest, "The query specified in the URI is not valid.", EndpointOther},
	}
	for _, tt := range tests {
		ts.ResetCounters()
		r := ts.graph(tt.method, tt.path, nil, "")
		e := checkEnvelope(t, r)
		if r.status != tt.status || e.Code != tt.code || e.Message != tt.msg {
			t.Errorf("%s %s: got %d %+v, want %d %s %q", tt.method, tt.path, r.status, e, tt.status, tt.code, tt.msg)
		}
		if n := ts.Counters().Requests[tt.endpoint][tt.status]; n != 1 {
			t.Errorf("%s %s: counted %d under %v/%d", tt.method, tt.path, n, tt.endpoint, tt.status)
		}
	}
}

func TestUsersEndpoints(t *testing.T) {
	t.Parallel()
	guest := testUsers()[2]
	tests := []struct {
		name, method, path string
		header             map[string]string
		body               string
		endpoint           Endpoint
		contentType        string
		check              func(t *testing.T, body []byte)
	}{
		{name: "list", method: "GET", path: "/v1.0/users?$top=2", endpoint: EndpointListFirst, contentType: contentTypeOData,
			check: func(t *testing.T, b []byte) {
				t.Helper()
				var p struct {
					Context  string            `json:"@odata.context"`
					NextLink string            `json:"@odata.nextLink"`
					Value    []json.RawMessage `json:"value"`
				}
				mustUnmarshal(t, b, &p)
				if !strings.HasPrefix(p.Context, "http://graph.test/v1.0/$metadata#users") || len(p.Value) != 2 ||
					!strings.HasPrefix(p.NextLink, "http://graph.test/v1.0/users?") || !strings.Contains(p.NextLink, "$top=2") ||
					!strings.Contains(p.NextLink, "$skiptoken=") {
					t.Errorf("page %s", b)
				}
			}},
		{name: "count", method: "GET", path: "/v1.0/users/$count", header: map[string]string{"ConsistencyLevel": "eventual"}, endpoint: EndpointCount, contentType: contentTypeText,
			check: func(t *testing.T, b []byte) {
				t.Helper()
				if string(b) != "5" {
					t.Errorf("count %q", b)
				}
			}},
		{name: "count escaped", method: "GET", path: "/v1.0/users/%24count", header: map[string]string{"ConsistencyLevel": "eventual"}, endpoint: EndpointCount, contentType: contentTypeText},
		{name: "get by escaped guest UPN", method: "GET", path: "/v1.0/users/" + url.PathEscape(guest.UserPrincipalName), endpoint: EndpointGet, contentType: contentTypeOData,
			check: func(t *testing.T, b []byte) {
				t.Helper()
				var u struct {
					Context string `json:"@odata.context"`
					ID      string `json:"id"`
				}
				mustUnmarshal(t, b, &u)
				if u.ID != guest.ID || !strings.HasPrefix(u.Context, "http://graph.test/v1.0/$metadata#") {
					t.Errorf("user %s", b)
				}
				if !strings.HasPrefix(string(b), `{"@odata.context":`) {
					t.Errorf("@odata.context is not first: %s", b)
				}
			}},
		{name: "getByIds", method: "POST", path: "/v1.0/directoryObjects/getByIds", header: map[string]string{"Content-Type": "application/json"},
			body: `{"ids":["` + guest.ID + `"],"types":["user"]}`, endpoint: EndpointGetByIDs, contentType: contentTypeOData},
		{name: "auth methods", method: "GET", path: "/v1.0/users/" + guest.ID + "/authentication/methods", endpoint: EndpointAuthMethods, contentType: contentTypeOData},
		{name: "delta", method: "GET", path: "/v1.0/users/delta", endpoint: EndpointDelta, contentType: contentTypeOData,
			check: func(t *testing.T, b []byte) {
				t.Helper()
				if !strings.Contains(string(b), `"@odata.deltaLink":"http://graph.test/v1.0/users/delta?`) {
					t.Errorf("delta %s", b)
				}
			}},
		{name: "delta()", method: "GET", path: "/v1.0/users/delta()", endpoint: EndpointDelta, contentType: contentTypeOData},
		{name: "registration report", method: "GET", path: "/v1.0/Reports/AuthenticationMethods/userRegistrationDetails?$top=1",
			endpoint: EndpointRegistrationDetails, contentType: contentTypeOData, check: func(t *testing.T, b []byte) {
				t.Helper()
				if !strings.Contains(string(b), `"@odata.nextLink":"http://graph.test/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=1&$skiptoken=`) {
					t.Errorf("report %s", b)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newServer(t, Config{})
			h := map[string]string{"client-request-id": "c1"}
			for k, v := range tt.header {
				h[k] = v
			}
			r := ts.graph(tt.method, tt.path, h, tt.body)
			if r.status != 200 {
				t.Fatalf("%s", r)
			}
			if got := r.header.Get("Content-Type"); got != tt.contentType {
				t.Errorf("Content-Type %q, want %q", got, tt.contentType)
			}
			if r.header.Get("client-request-id") != "c1" || r.header.Get("request-id") == "" {
				t.Errorf("request ids %q %q", r.header.Get("request-id"), r.header.Get("client-request-id"))
			}
			if got := ts.Counters().Total(tt.endpoint); got != 1 {
				t.Errorf("counted %d under %v", got, tt.endpoint)
			}
			if tt.check != nil {
				tt.check(t, r.body)
			}
		})
	}
}

func mustUnmarshal(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
}

// TestNextLinkChain follows nextLinks exactly as returned and gets every user
// once, in Graph's order, counting the first page and the next pages apart.
func TestNextLinkChain(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{})
	next := "/v1.0/users?$select=id,userPrincipalName&$top=2"
	var ids []string
	for pages := 0; next != ""; pages++ {
		if pages > 10 {
			t.Fatal("no end to the chain")
		}
		r := ts.graph("GET", next, nil, "")
		if r.status != 200 {
			t.Fatalf("%s: %s", next, r)
		}
		var p struct {
			NextLink string `json:"@odata.nextLink"`
			Value    []struct{ ID string }
		}
		mustUnmarshal(t, r.body, &p)
		for _, u := range p.Value {
			ids = append(ids, u.ID)
		}
		next = strings.TrimPrefix(p.NextLink, "http://graph.test")
	}
	users := testUsers()
	slices.SortFunc(users, func(a, b tenant.User) int { // Graph's order: by lower-cased UPN
		return strings.Compare(strings.ToLower(a.UserPrincipalName), strings.ToLower(b.UserPrincipalName))
	})
	var want []string
	for _, u := range users {
		want = append(want, u.ID)
	}
	if !slices.Equal(ids, want) {
		t.Errorf("users %v, want %v in that order", ids, want)
	}
	if got := slices.Sorted(slices.Values(ids)); !slices.Equal(got, slices.Sorted(slices.Values(want))) {
		t.Errorf("users %v: some missing or repeated", ids)
	}
	c := ts.Counters()
	if c.Total(EndpointListFirst) != 1 || c.Total(EndpointListNext) != 2 || c.UsersReturned != 5 {
		t.Errorf("counters %+v", c)
	}
}

func TestEncodeQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		q    url.Values
		want string
	}{
		{url.Values{"$top": {"999"}, "$select": {"id,displayName"}, "$skiptoken": {"RFN+/="}},
			"$select=id,displayName&$top=999&$skiptoken=RFN%2B%2F%3D"},
		{url.Values{"$filter": {"startswith(displayName,'O''Brien & co')"}, "$count": {"true"}},
			"$count=true&$filter=startswith(displayName,%27O%27%27Brien%20%26%20co%27)"},
		{url.Values{"$deltatoken": {"x"}, "$select": {"id"}}, "$select=id&$deltatoken=x"},
	}
	for _, tt := range tests {
		got := encodeQuery(tt.q)
		if got != tt.want {
			t.Errorf("encodeQuery(%v) = %q, want %q", tt.q, got, tt.want)
		}
		back, err := url.ParseQuery(got)
		if err != nil || !equalValues(back, tt.q) {
			t.Errorf("%q does not parse back: %v %v", got, back, err)
		}
	}
}

func equalValues(a, b url.Values) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func TestErrorGoldens(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{Apps: []App{DefaultApp(), appWith("1", PermUserReadAll)}})
	weak := ts.tokenFor(appWith("1", PermUserReadAll))
	tests := []struct {
		name, method, path string
		header             map[string]string
	}{
		{"error_401_empty", "GET", "/v1.0/users", map[string]string{"client-request-id": "c0ffee00-0000-4000-8000-000000000000"}},
		{"error_403_denied", "GET", "/v1.0/users/" + testUsers()[0].ID + "/authentication/methods", map[string]string{"Authorization": "Bearer " + weak}},
		{"error_400_segment", "GET", "/v1.0/groups", map[string]string{"Authorization": "Bearer " + weak}},
	}
	for _, tt := range tests {
		r := ts.handle(tt.method, tt.path, tt.header, "")
		checkEnvelope(t, r)
		if r.status == http.StatusOK {
			t.Fatalf("%s: %s", tt.name, r)
		}
		checkGolden(t, tt.name+".golden", render(r))
	}
}

// TestDeltaGone: the tenant's 410 for a delta token too old carries the
// Location to restart from, as a link to this Graph.
func TestDeltaGone(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{})
	c := &call{base: "http://graph.test", requestID: "r", clientRequestID: "c"}
	rp := ts.tenantError(c, &tenant.Error{Status: 410, Code: "resyncRequired", Message: "Resync required.", Location: url.Values{"$deltatoken": {"latest"}}})
	if rp.status != 410 || rp.header.Get("Location") != "http://graph.test/v1.0/users/delta?$deltatoken=latest" {
		t.Errorf("%d %v", rp.status, rp.header)
	}
	if e := checkErrorBody(t, rp.bodyBytes()); e.Code != "resyncRequired" {
		t.Errorf("%+v", e)
	}
}
