package graphemu

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // x5t thumbprints are SHA-1 by definition
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// clientCerts are two client certificates: the first registered on
// certApp, the second not registered anywhere.
//
//nolint:gochecknoglobals // a once-computed fixture shared by parallel tests (RSA keys are slow)
var clientCerts = sync.OnceValues(func() ([2]*ClientCertificate, error) {
	var cs [2]*ClientCertificate
	for i := range cs {
		c, err := NewClientCertificate(fmt.Sprintf("graphemu test %d", i))
		if err != nil {
			return cs, err
		}
		cs[i] = c
	}
	return cs, nil
})

func testCerts(tb testing.TB) [2]*ClientCertificate {
	tb.Helper()
	cs, err := clientCerts()
	if err != nil {
		tb.Fatal(err)
	}
	return cs
}

func certApp(tb testing.TB) App {
	tb.Helper()
	return App{
		Name: "cert-app", ClientID: "9b0c5a4e-6f7d-4e3b-8a2c-1d0e9f8a7b6c",
		Certificates: []*x509.Certificate{testCerts(tb)[0].Certificate},
		Permissions:  []string{PermUserReadAll},
	}
}

// assertion builds a client assertion the way MSAL does, with knobs to break it.
type assertion struct {
	alg      string // RS256 or PS256
	x5tKey   string // "x5t" or "x5t#S256"
	x5tEnc   *base64.Encoding
	cert     *ClientCertificate // whose thumbprint goes in the header
	signer   *ClientCertificate // whose key signs
	aud, iss string
	sub      string
	exp, nbf int64
}

func (a assertion) build(tb testing.TB) string {
	tb.Helper()
	var tp []byte
	if a.x5tKey == "x5t" {
		s := sha1.Sum(a.cert.Certificate.Raw) //nolint:gosec // see import
		tp = s[:]
	} else {
		s := sha256.Sum256(a.cert.Certificate.Raw)
		tp = s[:]
	}
	header := mustJSON(tb, map[string]string{"alg": a.alg, "typ": "JWT", a.x5tKey: a.x5tEnc.EncodeToString(tp)})
	claims := mustJSON(tb, map[string]any{"aud": a.aud, "iss": a.iss, "sub": a.sub, "exp": a.exp, "nbf": a.nbf, "jti": "1"})
	signed := encodeSegment(header) + "." + encodeSegment(claims)
	digest := sha256.Sum256([]byte(signed))
	var sig []byte
	var err error
	if a.alg == "RS256" {
		sig, err = rsa.SignPKCS1v15(rand.Reader, a.signer.Key, crypto.SHA256, digest[:])
	} else {
		sig, err = rsa.SignPSS(rand.Reader, a.signer.Key, crypto.SHA256, digest[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	}
	if err != nil {
		tb.Fatal(err)
	}
	return signed + "." + encodeSegment(sig)
}

// stsShape is Entra's error answer as GRAPH.md describes it.
type stsShape struct {
	Error         string `json:"error"`
	Description   string `json:"error_description"`
	Codes         []int  `json:"error_codes"`
	Timestamp     string `json:"timestamp"`
	TraceID       string `json:"trace_id"`
	CorrelationID string `json:"correlation_id"`
	ErrorURI      string `json:"error_uri"`
}

func checkSTSError(t *testing.T, r response, wantStatus int, wantError string, wantCode int) {
	t.Helper()
	if r.status != wantStatus {
		t.Fatalf("status %d, want %d: %s", r.status, wantStatus, r.body)
	}
	want := []string{"correlation_id", "error", "error_codes", "error_description", "error_uri", "timestamp", "trace_id"}
	if got := keysOf(t, r.body); !slices.Equal(got, want) {
		t.Fatalf("keys %v, want %v", got, want)
	}
	var e stsShape
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatal(err)
	}
	prefix := fmt.Sprintf("AADSTS%d: ", wantCode)
	if e.Error != wantError || !slices.Equal(e.Codes, []int{wantCode}) || !strings.HasPrefix(e.Description, prefix) {
		t.Errorf("got error %q codes %v description %q; want %q [%d] %q...", e.Error, e.Codes, e.Description, wantError, wantCode, prefix)
	}
	if !strings.Contains(e.Description, "\r\nTrace ID: "+e.TraceID+"\r\nCorrelation ID: "+e.CorrelationID+"\r\nTimestamp: "+e.Timestamp) {
		t.Errorf("description lacks the trace, correlation and time lines: %q", e.Description)
	}
	if _, err := time.Parse("2006-01-02 15:04:05Z", e.Timestamp); err != nil {
		t.Errorf("timestamp %q: %v", e.Timestamp, err)
	}
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{Apps: []App{DefaultApp(), certApp(t)}})
	def, capp := DefaultApp(), certApp(t)
	tokenURL := "/" + ts.TenantID() + "/oauth2/v2.0/token"
	aud := "http://graph.test" + tokenURL
	now := epoch().Unix()
	c := testCerts(t)
	good := assertion{alg: "PS256", x5tKey: "x5t#S256", x5tEnc: base64.StdEncoding, cert: c[0], signer: c[0],
		aud: aud, iss: capp.ClientID, sub: capp.ClientID, exp: now + 600, nbf: now}
	with := func(f func(*assertion)) string { a := good; f(&a); return a.build(t) }
	secretForm := func(f func(url.Values)) url.Values {
		v := url.Values{"grant_type": {"client_credentials"}, "client_id": {def.ClientID},
			"client_secret": {def.ClientSecret}, "scope": {graphResource + "/.default"}}
		f(v)
		return v
	}
	assertionForm := func(a string) url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "client_id": {capp.ClientID},
			"client_assertion_type": {assertionTypeJWT}, "client_assertion": {a},
			"scope": {"https://graph.microsoft.com/.default openid profile offline_access"}}
	}
	tests := []struct {
		name      string
		method    string
		path      string
		form      url.Values
		basic     [2]string
		status    int
		oauthErr  string
		aadsts    int
		wantRoles []string
	}{
		{name: "secret in form", form: secretForm(func(url.Values) {}), status: 200, wantRoles: def.Permissions},
		{name: "secret by basic auth", form: secretForm(func(v url.Values) { v.Del("client_id"); v.Del("client_secret") }),
			basic: [2]string{def.ClientID, def.ClientSecret}, status: 200, wantRoles: def.Permissions},
		{name: "tenant by domain", path: "/" + testDomain + "/oauth2/v2.0/token", form: secretForm(func(url.Values) {}), status: 200, wantRoles: def.Permissions},
		{name: "scope is this emulator", form: secretForm(func(v url.Values) { v.Set("scope", "http://graph.test/.default") }), status: 200, wantRoles: def.Permissions},
		{name: "bad secret", form: secretForm(func(v url.Values) { v.Set("client_secret", "nope") }), status: 401, oauthErr: "invalid_client", aadsts: 7000215},
		{name: "secret for a certificate-only app", form: secretForm(func(v url.Values) { v.Set("client_id", capp.ClientID) }), status: 401, oauthErr: "invalid_client", aadsts: 7000215},
		{name: "no credential", form: secretForm(func(v url.Values) { v.Del("client_secret") }), status: 401, oauthErr: "invalid_client", aadsts: 7000218},
		{name: "unknown client", form: secretForm(func(v url.Values) { v.Set("client_id", "00000000-0000-0000-0000-000000000000") }), status: 400, oauthErr: "unauthorized_client", aadsts: 700016},
		{name: "unknown tenant", path: "/contoso.com/oauth2/v2.0/token", form: secretForm(func(url.Values) {}), status: 400, oauthErr: "invalid_tenant", aadsts: 90002},
		{name: "no scope", form: secretForm(func(v url.Values) { v.Del("scope") }), status: 400, oauthErr: "invalid_request", aadsts: 900144},
		{name: "scope without .default", form: secretForm(func(v url.Values) { v.Set("scope", "https://graph.microsoft.com/User.Read.All") }), status: 400, oauthErr: "invalid_scope", aadsts: 1002012},
		{name: "unknown resource", form: secretForm(func(v url.Values) { v.Set("scope", "https://management.azure.com/.default") }), status: 400, oauthErr: "invalid_resource", aadsts: 500011},
		{name: "two resources", form: secretForm(func(v url.Values) { v.Set("scope", "https://graph.microsoft.com/.default https://x/.default") }), status: 400, oauthErr: "invalid_scope", aadsts: 70011},
		{name: "no grant type", form: secretForm(func(v url.Values) { v.Del("grant_type") }), status: 400, oauthErr: "invalid_request", aadsts: 900144},
		{name: "other grant type", form: secretForm(func(v url.Values) { v.Set("grant_type", "password") }), status: 400, oauthErr: "unsupported_grant_type", aadsts: 70003},
		{name: "GET", method: "GET", status: 400, oauthErr: "invalid_request", aadsts: 900561},
		{name: "assertion PS256 x5t#S256", form: assertionForm(good.build(t)), status: 200, wantRoles: capp.Permissions},
		{name: "assertion RS256 x5t base64url", form: assertionForm(with(func(a *assertion) { a.alg, a.x5tKey, a.x5tEnc = "RS256", "x5t", base64.RawURLEncoding })), status: 200, wantRoles: capp.Permissions},
		{name: "assertion for the domain's endpoint", form: assertionForm(with(func(a *assertion) { a.aud = "http://graph.test/" + testDomain + "/oauth2/v2.0/token" })), status: 200, wantRoles: capp.Permissions},
		{name: "assertion by an unregistered certificate", form: assertionForm(with(func(a *assertion) { a.cert, a.signer = c[1], c[1] })), status: 401, oauthErr: "invalid_client", aadsts: 700027},
		{name: "assertion signed by another key", form: assertionForm(with(func(a *assertion) { a.signer = c[1] })), status: 401, oauthErr: "invalid_client", aadsts: 700027},
		{name: "assertion for another audience", form: assertionForm(with(func(a *assertion) { a.aud = "https://login.microsoftonline.com/x/oauth2/v2.0/token" })), status: 401, oauthErr: "invalid_client", aadsts: 50012},
		{name: "assertion issued by another client", form: assertionForm(with(func(a *assertion) { a.iss = def.ClientID })), status: 401, oauthErr: "invalid_client", aadsts: 700021},
		{name: "assertion expired", form: assertionForm(with(func(a *assertion) { a.exp = now - 3600 })), status: 401, oauthErr: "invalid_client", aadsts: 700024},
		{name: "assertion not yet valid", form: assertionForm(with(func(a *assertion) { a.nbf = now + 3600 })), status: 401, oauthErr: "invalid_client", aadsts: 700024},
		{name: "assertion malformed", form: assertionForm("not.a-jwt"), status: 400, oauthErr: "invalid_request", aadsts: 50027},
		{name: "assertion of another type", form: func() url.Values {
			v := assertionForm(good.build(t))
			v.Set("client_assertion_type", "saml")
			return v
		}(), status: 400, oauthErr: "invalid_request", aadsts: 7000216},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			method, path := cmp(tt.method, "POST"), cmp(tt.path, tokenURL)
			h := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "client-request-id": "c0ffee00-0000-4000-8000-000000000000"}
			if tt.basic[0] != "" {
				h["Authorization"] = "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(tt.basic[0])+":"+url.QueryEscape(tt.basic[1])))
			}
			r := ts.handle(method, path, h, tt.form.Encode())
			if tt.status != 200 {
				checkSTSError(t, r, tt.status, tt.oauthErr, tt.aadsts)
				if r.header.Get("client-request-id") != h["client-request-id"] {
					t.Errorf("client-request-id not echoed: %q", r.header.Get("client-request-id"))
				}
				return
			}
			claims := checkTokenAnswer(t, ts, r)
			if !slices.Equal(claims.Roles, tt.wantRoles) {
				t.Errorf("roles %v, want %v", claims.Roles, tt.wantRoles)
			}
		})
	}
}

func cmp(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// checkTokenAnswer asserts Entra's success shape and returns the token's claims.
func checkTokenAnswer(t *testing.T, ts *testServer, r response) accessClaims {
	t.Helper()
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	if got := keysOf(t, r.body); !slices.Equal(got, []string{"access_token", "expires_in", "ext_expires_in", "token_type"}) {
		t.Fatalf("keys %v", got)
	}
	var tr tokenResponse
	_ = json.Unmarshal(r.body, &tr)
	if tr.TokenType != "Bearer" || tr.ExpiresIn != 3599 || tr.ExtExpiresIn != 3599 {
		t.Errorf("answer %+v", tr)
	}
	jt, err := parseJWT(tr.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	var c accessClaims
	if err := json.Unmarshal(jt.claims, &c); err != nil {
		t.Fatal(err)
	}
	if c.TID != ts.TenantID() || c.Exp-c.Iat != 3599 || c.AppID == "" || c.IDTyp != "app" {
		t.Errorf("claims %+v", c)
	}
	return c
}

func TestTokenGoldens(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{})
	def := DefaultApp()
	form := func(secret, scope string) string {
		return url.Values{"grant_type": {"client_credentials"}, "client_id": {def.ClientID},
			"client_secret": {secret}, "scope": {scope}}.Encode()
	}
	h := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "client-request-id": "c0ffee00-0000-4000-8000-000000000000"}
	tests := []struct{ name, path, body string }{
		{"token_ok", "/" + ts.TenantID(), form(def.ClientSecret, graphResource+"/.default")},
		{"token_bad_secret", "/" + ts.TenantID(), form("wrong", graphResource+"/.default")},
		{"token_bad_scope", "/" + ts.TenantID(), form(def.ClientSecret, graphResource+"/User.Read")},
		{"token_unknown_tenant", "/fabrikam.onmicrosoft.com", form(def.ClientSecret, graphResource+"/.default")},
	}
	for _, tt := range tests {
		r := ts.handle("POST", tt.path+"/oauth2/v2.0/token", h, tt.body)
		if r.status == 200 {
			checkTokenAnswer(t, ts, r)
			var tr tokenResponse
			_ = json.Unmarshal(r.body, &tr)
			r.body = []byte(strings.Replace(string(r.body), tr.AccessToken, "<access token>", 1))
		} else {
			var e stsShape
			mustUnmarshal(t, r.body, &e)
			checkSTSError(t, r, r.status, e.Error, e.Codes[0])
		}
		checkGolden(t, tt.name+".golden", render(r))
	}
}

func TestOpenIDConfiguration(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{})
	for _, tenantSeg := range []string{ts.TenantID(), testDomain} {
		r := ts.handle("GET", "/"+tenantSeg+"/v2.0/.well-known/openid-configuration", nil, "")
		var doc map[string]any
		if err := json.Unmarshal(r.body, &doc); r.status != 200 || err != nil {
			t.Fatalf("%d %v", r.status, err)
		}
		root := "http://graph.test/" + ts.TenantID()
		if doc["issuer"] != root+"/v2.0" || doc["token_endpoint"] != root+"/oauth2/v2.0/token" || doc["authorization_endpoint"] != root+"/oauth2/v2.0/authorize" {
			t.Errorf("document %v", doc)
		}
	}
	checkSTSError(t, ts.handle("GET", "/common/v2.0/.well-known/openid-configuration", nil, ""), 400, "invalid_tenant", 90002)
	r := ts.handle("GET", "/common/discovery/instance?api-version=1.1&authorization_endpoint=http://graph.test/"+ts.TenantID()+"/oauth2/v2.0/authorize", nil, "")
	if r.status != 200 || !strings.Contains(string(r.body), `"tenant_discovery_endpoint":"http://graph.test/`+ts.TenantID()+`/v2.0/.well-known/openid-configuration"`) {
		t.Errorf("instance discovery: %s", r)
	}
}

func TestManagedIdentityEndpoint(t *testing.T) {
	t.Parallel()
	off := newServer(t, Config{})
	if r := off.handle("GET", miPath+"?api-version=2019-08-01&resource=https://graph.microsoft.com", nil, ""); r.status != 404 {
		t.Errorf("endpoint served while off: %s", r)
	}
	ts := newServer(t, Config{ManagedIdentity: DefaultClientID})
	good := map[string]string{"X-IDENTITY-HEADER": ts.miHeader}
	tests := []struct {
		name   string
		query  string
		header map[string]string
		status int
	}{
		{"ok", "api-version=2019-08-01&resource=https://graph.microsoft.com", good, 200},
		{"ok for this emulator", "api-version=2019-08-01&resource=http://graph.test/", good, 200},
		{"ok as user-assigned", "api-version=2019-08-01&resource=https://graph.microsoft.com&client_id=" + DefaultClientID, good, 200},
		{"no identity header", "api-version=2019-08-01&resource=https://graph.microsoft.com", nil, 401},
		{"wrong identity header", "api-version=2019-08-01&resource=https://graph.microsoft.com", map[string]string{"X-IDENTITY-HEADER": "guess"}, 401},
		{"old api version", "api-version=2017-09-01&resource=https://graph.microsoft.com", good, 400},
		{"other resource", "api-version=2019-08-01&resource=https://vault.azure.net", good, 400},
		{"other identity", "api-version=2019-08-01&resource=https://graph.microsoft.com&client_id=someone", good, 400},
	}
	for _, tt := range tests {
		r := ts.handle("GET", miPath+"?"+tt.query, tt.header, "")
		if r.status != tt.status {
			t.Errorf("%s: %s", tt.name, r)
			continue
		}
		if tt.status != 200 {
			if got := keysOf(t, r.body); !slices.Equal(got, []string{"correlationId", "message", "statusCode"}) {
				t.Errorf("%s: error keys %v", tt.name, got)
			}
			continue
		}
		var tr struct {
			AccessToken string `json:"access_token"`
			ExpiresOn   string `json:"expires_on"`
			TokenType   string `json:"token_type"`
			ClientID    string `json:"client_id"`
		}
		mustUnmarshal(t, r.body, &tr)
		if tr.ExpiresOn != fmt.Sprint(epoch().Add(DefaultTokenLifetime).Unix()) || tr.TokenType != "Bearer" || tr.ClientID != DefaultClientID {
			t.Errorf("%s: %s", tt.name, r.body)
		}
		if g := ts.handle("GET", "/v1.0/users", map[string]string{"Authorization": "Bearer " + tr.AccessToken}, ""); g.status != 200 {
			t.Errorf("%s: Graph with the token: %s", tt.name, g)
		}
	}
}

func TestKeys(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{})
	if r := ts.handle("GET", "/"+ts.TenantID()+"/discovery/v2.0/keys", nil, ""); r.status != 200 || string(r.body) != `{"keys":[]}` {
		t.Errorf("%s", r)
	}
	checkSTSError(t, ts.handle("GET", "/nobody.example/discovery/v2.0/keys", nil, ""), 400, "invalid_tenant", 90002)
	if r := ts.handle("GET", "/"+ts.TenantID()+"/oauth2/v2.0/authorize", nil, ""); r.status != 404 {
		t.Errorf("an endpoint the emulator does not serve: %s", r)
	}
}
