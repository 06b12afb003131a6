package graphemu

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Paths of the identity side that are not per tenant.
const (
	miPath             = "/msi/token"
	instanceDiscovery  = "/common/discovery/instance"
	grantClientCreds   = "client_credentials"
	assertionTypeJWT   = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	miAPIVersion       = "2019-08-01"
	maxTokenForm       = 64 << 10
	assertionClockSkew = 5 * time.Minute
)

// serveIdentity serves the Entra side: the token endpoint, the documents
// MSAL reads before asking for a token, and the managed-identity endpoint.
func (s *Server) serveIdentity(w http.ResponseWriter, r *http.Request) {
	e, handler, tenantSeg := s.identityRoute(r)
	if handler == nil {
		s.counters.record(EndpointOther, false, http.StatusNotFound)
		http.NotFound(w, r)
		return
	}
	sc := s.newSTSCall(r, tenantSeg)
	rp := s.serveSTS(sc, e, handler)
	s.counters.record(e, false, rp.status)
	s.write(w, rp)
}

// identityRoute finds the identity endpoint a request is for, its handler
// (nil for a path the identity side does not serve) and the tenant segment.
func (s *Server) identityRoute(r *http.Request) (Endpoint, func(*stsCall) *reply, string) {
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	is := func(parts ...string) bool {
		if len(seg) != len(parts)+1 {
			return false
		}
		for i, p := range parts {
			if !strings.EqualFold(seg[i+1], p) {
				return false
			}
		}
		return true
	}
	switch {
	case r.URL.Path == miPath && s.cfg.ManagedIdentity != "":
		return EndpointToken, s.managedIdentityToken, seg[0]
	case r.URL.Path == instanceDiscovery:
		return EndpointDiscovery, s.instanceDiscovery, seg[0]
	case is("oauth2", "v2.0", "token"):
		return EndpointToken, s.token, seg[0]
	case is("v2.0", ".well-known", "openid-configuration"):
		return EndpointDiscovery, s.openIDConfiguration, seg[0]
	case is("discovery", "v2.0", "keys"):
		return EndpointDiscovery, s.keys, seg[0]
	default:
		return EndpointOther, nil, seg[0]
	}
}

// stsCall is one request to the identity side.
type stsCall struct {
	r             *http.Request
	tenant        string // the tenant path segment as sent
	base          string
	traceID       string
	correlationID string
	now           time.Time
}

func (s *Server) newSTSCall(r *http.Request, tenantSeg string) *stsCall {
	sc := &stsCall{r: r, tenant: tenantSeg, base: baseURL(r), traceID: s.newID(), now: s.cfg.Clock.Now()}
	sc.correlationID = r.Header.Get("client-request-id")
	if sc.correlationID == "" {
		sc.correlationID = s.newID()
	}
	return sc
}

// serveSTS runs faults and latency around an identity handler.
func (s *Server) serveSTS(sc *stsCall, e Endpoint, handler func(*stsCall) *reply) *reply {
	var truncate bool
	if f, ok := s.faults.match(e, false, ""); ok {
		s.counters.faults.Add(1)
		if rp := s.applyFault(f, sc.now, sc.faultAnswer); rp != nil {
			return rp
		}
		truncate = f.Effect == EffectTruncate
	}
	rp := handler(sc)
	if truncate {
		rp.abort = abortTruncate
	}
	if d := s.cfg.Profile.latency(e, 0); d > 0 {
		if err := s.cfg.Clock.Sleep(sc.r.Context(), d); err != nil {
			return &reply{status: StatusAborted, abort: abortGone}
		}
	}
	return rp
}

// faultAnswer is a fault's error answer on the identity side: Entra's
// transient error with the fault's status. Only EffectStatus gets here
// (Fault.check keeps user-not-found faults off identity requests).
func (sc *stsCall) faultAnswer(f Fault) *reply {
	return sc.fail(f.Status, "temporarily_unavailable", 90033, "A transient error has occurred. Please try again.")
}

// stsErrorBody is Entra's OAuth error answer.
type stsErrorBody struct {
	Error         string `json:"error"`
	Description   string `json:"error_description"`
	Codes         []int  `json:"error_codes"`
	Timestamp     string `json:"timestamp"`
	TraceID       string `json:"trace_id"`
	CorrelationID string `json:"correlation_id"`
	ErrorURI      string `json:"error_uri"`
}

// fail is Entra's error answer: the AADSTS code leads the description, the
// trace and correlation ids and the time follow it.
func (sc *stsCall) fail(status int, oauthError string, code int, message string) *reply {
	ts := sc.now.UTC().Format("2006-01-02 15:04:05Z")
	b := stsErrorBody{
		Error: oauthError,
		Description: fmt.Sprintf("AADSTS%d: %s\r\nTrace ID: %s\r\nCorrelation ID: %s\r\nTimestamp: %s",
			code, message, sc.traceID, sc.correlationID, ts),
		Codes:         []int{code},
		Timestamp:     ts,
		TraceID:       sc.traceID,
		CorrelationID: sc.correlationID,
		ErrorURI:      fmt.Sprintf("%s/error?code=%d", sc.base, code),
	}
	return sc.jsonReply(status, b)
}

func (sc *stsCall) jsonReply(status int, v any) *reply {
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store, no-cache")
	h.Set("Pragma", "no-cache")
	h.Set("x-ms-request-id", sc.traceID)
	h.Set("client-request-id", sc.correlationID)
	return &reply{status: status, header: h, body: [][]byte{marshalJSON(v)}}
}

// knownTenant reports whether a tenant path segment names this tenant, by id
// or by domain.
func (s *Server) knownTenant(seg string) bool {
	return strings.EqualFold(seg, s.cfg.TenantID) || strings.EqualFold(seg, s.cfg.Tenant.Domain())
}

func (sc *stsCall) unknownTenant() *reply {
	return sc.fail(http.StatusBadRequest, "invalid_tenant", 90002, fmt.Sprintf(
		"Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. "+
			"Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.", sc.tenant))
}

func (sc *stsCall) missing(param string) *reply {
	return sc.fail(http.StatusBadRequest, "invalid_request", 900144,
		fmt.Sprintf("The request body must contain the following parameter: '%s'.", param))
}

// tokenResponse is Entra's answer to a client-credentials request.
type tokenResponse struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	ExtExpiresIn int    `json:"ext_expires_in"`
	AccessToken  string `json:"access_token"`
}

// token serves POST /{tenant}/oauth2/v2.0/token for the client-credentials
// grant, with a client secret (form or HTTP Basic) or a certificate-signed
// client assertion.
func (s *Server) token(sc *stsCall) *reply {
	r := sc.r
	if !s.knownTenant(sc.tenant) {
		return sc.unknownTenant()
	}
	if r.Method != http.MethodPost {
		return sc.fail(http.StatusBadRequest, "invalid_request", 900561,
			fmt.Sprintf("The endpoint only accepts POST requests. Received a %s request.", r.Method))
	}
	r.Body = http.MaxBytesReader(nil, r.Body, maxTokenForm)
	if err := r.ParseForm(); err != nil {
		return sc.missing("grant_type")
	}
	form := r.PostForm
	switch grant := form.Get("grant_type"); grant {
	case "":
		return sc.missing("grant_type")
	case grantClientCreds:
	default:
		return sc.fail(http.StatusBadRequest, "unsupported_grant_type", 70003,
			fmt.Sprintf("The app requested an unsupported grant type '%s'.", grant))
	}
	clientID, secret := form.Get("client_id"), form.Get("client_secret")
	if user, pass, ok := r.BasicAuth(); ok {
		// RFC 6749 2.3.1: Basic credentials are form-encoded first.
		if u, err := url.QueryUnescape(user); err == nil {
			clientID = u
		}
		if p, err := url.QueryUnescape(pass); err == nil {
			secret = p
		}
	}
	if clientID == "" {
		return sc.missing("client_id")
	}
	app := findApp(s.cfg.Apps, clientID)
	if app == nil {
		return sc.fail(http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf(
			"Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been "+
				"installed by the administrator of the tenant or consented to by any user in the tenant. "+
				"You may have sent your authentication request to the wrong tenant.", clientID, sc.tenant))
	}
	if rp := s.authenticateClient(sc, app, secret); rp != nil {
		return rp
	}
	aud, rp := sc.audienceOf(form.Get("scope"))
	if rp != nil {
		return rp
	}
	return s.grant(sc, app, aud)
}

// grant issues an access token.
func (s *Server) grant(sc *stsCall, app *App, aud string) *reply {
	tok, expiresIn := s.tokens.issue(app, aud)
	s.counters.tokens.Add(1)
	return sc.jsonReply(http.StatusOK, tokenResponse{
		TokenType: "Bearer", ExpiresIn: expiresIn, ExtExpiresIn: expiresIn, AccessToken: tok,
	})
}

// authenticateClient checks the client's secret or assertion.
func (s *Server) authenticateClient(sc *stsCall, app *App, secret string) *reply {
	form := sc.r.PostForm
	assertion, assertionType := form.Get("client_assertion"), form.Get("client_assertion_type")
	switch {
	case assertion != "" || assertionType != "":
		if assertionType != assertionTypeJWT {
			return sc.fail(http.StatusBadRequest, "invalid_request", 7000216,
				"'client_assertion_type' must be '"+assertionTypeJWT+"'.")
		}
		return s.verifyAssertion(sc, app, assertion)
	case secret == "":
		return sc.fail(http.StatusUnauthorized, "invalid_client", 7000218,
			"The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
	case app.ClientSecret == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(app.ClientSecret)) != 1:
		return sc.fail(http.StatusUnauthorized, "invalid_client", 7000215, fmt.Sprintf(
			"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, "+
				"not the client secret ID, for a secret added to app '%s'.", app.ClientID))
	}
	return nil
}

// assertionClaims are the claims Entra checks in a client assertion.
type assertionClaims struct {
	Aud audience `json:"aud"`
	Iss string   `json:"iss"`
	Sub string   `json:"sub"`
	Exp *int64   `json:"exp"`
	Nbf *int64   `json:"nbf"`
}

// verifyAssertion checks a client assertion: a JWT signed (RS256 or PS256)
// by a certificate registered on the app, named by its x5t#S256 or x5t
// thumbprint, issued by and for the client, addressed to this token endpoint,
// and within its validity.
func (s *Server) verifyAssertion(sc *stsCall, app *App, assertion string) *reply {
	t, err := parseJWT(assertion)
	if err != nil {
		return sc.fail(http.StatusBadRequest, "invalid_request", 50027, "JWT token is invalid or malformed.")
	}
	tp, useSHA256, ok := t.header.thumbprint()
	if !ok {
		return sc.fail(http.StatusUnauthorized, "invalid_client", 700027, "Client assertion failed signature validation.")
	}
	cert := certByThumbprint(app.Certificates, tp, useSHA256)
	if cert == nil {
		return sc.fail(http.StatusUnauthorized, "invalid_client", 700027, fmt.Sprintf(
			"The certificate with identifier used to sign the client assertion is not registered on application. "+
				"[Reason - The key was not found., Thumbprint of key used by client: '%s', "+
				"Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '%s'.]",
			thumbprintHex(tp), app.ClientID))
	}
	if !t.verifyRSA(cert) {
		return sc.fail(http.StatusUnauthorized, "invalid_client", 700027, "Client assertion failed signature validation.")
	}
	var c assertionClaims
	if err := json.Unmarshal(t.claims, &c); err != nil {
		return sc.fail(http.StatusBadRequest, "invalid_request", 50027, "JWT token is invalid or malformed.")
	}
	if !strings.EqualFold(c.Iss, app.ClientID) || !strings.EqualFold(c.Sub, app.ClientID) {
		return sc.fail(http.StatusUnauthorized, "invalid_client", 700021,
			"Client assertion application identifier doesn't match 'client_id' parameter.")
	}
	if !s.tokenEndpointAudience(sc, c.Aud) {
		return sc.fail(http.StatusUnauthorized, "invalid_client", 50012,
			"Client assertion audience claim does not match Realm issuer.")
	}
	return sc.checkValidity(c)
}

// tokenEndpointAudience reports whether an assertion's audience is this
// token endpoint (under the tenant's id or domain).
func (s *Server) tokenEndpointAudience(sc *stsCall, aud audience) bool {
	for _, a := range aud {
		for _, t := range []string{s.cfg.TenantID, s.cfg.Tenant.Domain()} {
			if strings.EqualFold(strings.TrimSuffix(a, "/"), sc.base+"/"+t+"/oauth2/v2.0/token") {
				return true
			}
		}
	}
	return false
}

func (sc *stsCall) checkValidity(c assertionClaims) *reply {
	now := sc.now
	valid := c.Exp != nil && now.Before(time.Unix(*c.Exp, 0).Add(assertionClockSkew)) &&
		(c.Nbf == nil || !now.Add(assertionClockSkew).Before(time.Unix(*c.Nbf, 0)))
	if valid {
		return nil
	}
	var exp, nbf string
	if c.Exp != nil {
		exp = time.Unix(*c.Exp, 0).UTC().Format(time.RFC3339)
	}
	if c.Nbf != nil {
		nbf = time.Unix(*c.Nbf, 0).UTC().Format(time.RFC3339)
	}
	return sc.fail(http.StatusUnauthorized, "invalid_client", 700024, fmt.Sprintf(
		"Client assertion is not within its valid time range. Current time: %s, assertion valid from %s, expiry time of assertion %s.",
		now.UTC().Format(time.RFC3339), nbf, exp))
}

// audienceOf checks a client-credentials scope ("<resource>/.default", MSAL
// adds openid, profile and offline_access) and returns the token audience.
func (sc *stsCall) audienceOf(scope string) (string, *reply) {
	var scopes []string
	for _, f := range strings.Fields(scope) {
		switch f {
		case "openid", "profile", "offline_access":
		default:
			scopes = append(scopes, f)
		}
	}
	switch {
	case len(scopes) == 0:
		return "", sc.missing("scope")
	case len(scopes) > 1:
		return "", sc.fail(http.StatusBadRequest, "invalid_scope", 70011, fmt.Sprintf(
			"The provided value for the input parameter 'scope' is not valid. The scope %s is not valid.", scope))
	case !strings.HasSuffix(scopes[0], "/.default"):
		return "", sc.fail(http.StatusBadRequest, "invalid_scope", 1002012, fmt.Sprintf(
			"The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default "+
				"suffixed to the resource identifier (application ID URI).", scopes[0]))
	}
	resource, aud, ok := sc.tokenAudience(scopes[0])
	if ok {
		return aud, nil
	}
	return "", sc.fail(http.StatusBadRequest, "invalid_resource", 500011, fmt.Sprintf(
		"The resource principal named %s was not found in the tenant named %s. This can happen if the application has not "+
			"been installed by the administrator of the tenant or consented to by any user in the tenant. "+
			"You might have sent your authentication request to the wrong tenant.", resource, sc.tenant))
}

// tokenAudience names the resource a scope (or a managed-identity resource)
// asks a token for, with or without "/.default", and the audience of that
// token: Graph's URI for Graph (by URI or app id), or this emulator's base
// for a client pointed at it; ok is false for any other resource.
func (sc *stsCall) tokenAudience(scope string) (resource, aud string, ok bool) {
	resource = strings.TrimSuffix(strings.TrimSuffix(scope, "/.default"), "/")
	switch {
	case strings.EqualFold(resource, graphResource), strings.EqualFold(resource, graphResourceAppID):
		return resource, graphResource, true
	case strings.EqualFold(resource, sc.base):
		return resource, sc.base, true
	}
	return resource, "", false
}

// openIDConfiguration serves the tenant's OpenID metadata, which MSAL reads
// (and checks: the issuer must be on the authority's host) before its first
// token request.
func (s *Server) openIDConfiguration(sc *stsCall) *reply {
	if !s.knownTenant(sc.tenant) {
		return sc.unknownTenant()
	}
	root := sc.base + "/" + s.cfg.TenantID
	host := sc.r.Host
	return sc.jsonReply(http.StatusOK, map[string]any{
		"token_endpoint":                        root + "/oauth2/v2.0/token",
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"jwks_uri":                              root + "/discovery/v2.0/keys",
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"issuer":                                root + "/v2.0",
		"request_uri_parameter_supported":       false,
		"authorization_endpoint":                root + "/oauth2/v2.0/authorize",
		"device_authorization_endpoint":         root + "/oauth2/v2.0/devicecode",
		"end_session_endpoint":                  root + "/oauth2/v2.0/logout",
		"tenant_region_scope":                   "NA",
		"cloud_instance_name":                   host,
		"cloud_graph_host_name":                 host,
		"msgraph_host":                          host,
	})
}

// instanceDiscovery answers MSAL's instance discovery with this host as the
// only alias (clients normally turn discovery off for a custom authority).
func (s *Server) instanceDiscovery(sc *stsCall) *reply {
	tenantSeg := "common"
	if u, err := url.Parse(sc.r.URL.Query().Get("authorization_endpoint")); err == nil {
		if first, _, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/"); first != "" {
			tenantSeg = first
		}
	}
	host := sc.r.Host
	return sc.jsonReply(http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": sc.base + "/" + tenantSeg + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata": []map[string]any{{
			"preferred_network": host, "preferred_cache": host, "aliases": []string{host},
		}},
	})
}

// keys serves an empty key set: the emulator's tokens are HMAC-signed and
// verified only by the emulator itself.
func (s *Server) keys(sc *stsCall) *reply {
	if !s.knownTenant(sc.tenant) {
		return sc.unknownTenant()
	}
	return sc.jsonReply(http.StatusOK, map[string]any{"keys": []any{}})
}

// miError is the App Service managed-identity endpoint's error shape.
type miError struct {
	StatusCode    int    `json:"statusCode"`
	Message       string `json:"message"`
	CorrelationID string `json:"correlationId"`
}

// managedIdentityToken serves the App Service managed-identity protocol
// (IDENTITY_ENDPOINT + IDENTITY_HEADER, api-version 2019-08-01) for the app
// named by Config.ManagedIdentity.
func (s *Server) managedIdentityToken(sc *stsCall) *reply {
	r, q := sc.r, sc.r.URL.Query()
	fail := func(status int, msg string) *reply {
		return sc.jsonReply(status, miError{StatusCode: status, Message: msg, CorrelationID: sc.correlationID})
	}
	switch {
	case subtle.ConstantTimeCompare([]byte(r.Header.Get("X-IDENTITY-HEADER")), []byte(s.miHeader)) != 1:
		return fail(http.StatusUnauthorized, "The X-IDENTITY-HEADER header is missing or invalid.")
	case r.Method != http.MethodGet:
		return fail(http.StatusMethodNotAllowed, "Only GET is supported.")
	case q.Get("api-version") != miAPIVersion:
		return fail(http.StatusBadRequest, "The api-version is missing or not supported.")
	case q.Get("client_id") != "" && !strings.EqualFold(q.Get("client_id"), s.cfg.ManagedIdentity):
		return fail(http.StatusBadRequest, "Unable to load the proper Managed Identity.")
	}
	resource, aud, ok := sc.tokenAudience(q.Get("resource"))
	if !ok {
		return fail(http.StatusBadRequest, fmt.Sprintf("The resource '%s' is not supported.", resource))
	}
	app := findApp(s.cfg.Apps, s.cfg.ManagedIdentity)
	tok, expiresIn := s.tokens.issue(app, aud)
	s.counters.tokens.Add(1)
	return sc.jsonReply(http.StatusOK, map[string]string{
		"access_token": tok,
		"expires_on":   fmt.Sprint(sc.now.Add(time.Duration(expiresIn) * time.Second).Unix()),
		"resource":     q.Get("resource"),
		"token_type":   "Bearer",
		"client_id":    app.ClientID,
	})
}
