package graphemu

import (
	"crypto/rand"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Graph's resource identifiers: the URI and the well-known app id.
const (
	graphResource      = "https://graph.microsoft.com"
	graphResourceAppID = "00000003-0000-0000-c000-000000000000"
)

// accessClaims are the claims of an app-only Graph access token, as Entra
// issues them (v1.0 tokens, idtyp "app").
type accessClaims struct {
	Aud     string   `json:"aud"`
	Iss     string   `json:"iss"`
	Iat     int64    `json:"iat"`
	Nbf     int64    `json:"nbf"`
	Exp     int64    `json:"exp"`
	AppID   string   `json:"appid"`
	AppName string   `json:"app_displayname,omitempty"`
	IDTyp   string   `json:"idtyp"`
	OID     string   `json:"oid"`
	Roles   []string `json:"roles"`
	Sub     string   `json:"sub"`
	TID     string   `json:"tid"`
	UTI     string   `json:"uti"`
	Ver     string   `json:"ver"`
}

func (c *accessClaims) hasAnyRole(roles ...string) bool {
	for _, have := range c.Roles {
		for _, want := range roles {
			if strings.EqualFold(have, want) {
				return true
			}
		}
	}
	return false
}

// tokenIssuer mints and checks access tokens. Tokens are HMAC-signed with a
// key only this emulator holds; each carries a serial number ("uti") so that
// revoking every token issued so far is one atomic store.
//
// What a token's bytes prove (its signature, claims, tenant and serial) is
// remembered by the raw token once checked: a client sends the same token on
// every request, $batch entries included, and decoding and checking it
// from scratch cost more than serving an authentication-methods GET. What
// depends on the moment (expiry, revocation) and on the request (the
// audience against the host) is checked on every call.
type tokenIssuer struct {
	key       []byte
	tenantID  string
	lifetime  time.Duration
	clock     Clock
	next      atomic.Uint64 // serial of the next token
	validFrom atomic.Uint64 // tokens with a lower serial are revoked

	verified   sync.Map   // raw token -> *verifiedToken
	verifiedMu sync.Mutex // serialises adding and pruning
	nVerified  int        // entries in verified; under verifiedMu
}

// verifiedToken is what a token's bytes proved when first checked. Its
// claims are shared by every request bearing the token: read-only.
type verifiedToken struct {
	claims accessClaims
	serial uint64
}

// maxVerifiedTokens bounds the remembered tokens. Only tokens this emulator
// signed are remembered, so the bound matters only to a long-running
// emulator issuing short-lived tokens; past it the expired ones are dropped,
// and if that is not enough, all of them (they are checked again when next
// seen).
const maxVerifiedTokens = 1024

func newTokenIssuer(tenantID string, lifetime time.Duration, clock Clock) *tokenIssuer {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never fails (it aborts the program instead)
	return &tokenIssuer{key: key, tenantID: tenantID, lifetime: lifetime, clock: clock}
}

// issue mints a token for app with the given audience.
func (ti *tokenIssuer) issue(app *App, aud string) (token string, expiresIn int) {
	now := ti.clock.Now()
	serial := ti.next.Add(1) - 1
	c := accessClaims{
		Aud:     aud,
		Iss:     "https://sts.windows.net/" + ti.tenantID + "/",
		Iat:     now.Unix(),
		Nbf:     now.Unix(),
		Exp:     now.Add(ti.lifetime).Unix(),
		AppID:   app.ClientID,
		AppName: app.Name,
		IDTyp:   "app",
		OID:     objectIDFor(app.ClientID),
		Roles:   append([]string{}, app.Permissions...),
		Sub:     objectIDFor(app.ClientID),
		TID:     ti.tenantID,
		UTI:     strconv.FormatUint(serial, 10),
		Ver:     "1.0",
	}
	return signHS256(ti.key, c), int(ti.lifetime / time.Second)
}

// revokeAll makes every token issued so far fail as expired.
func (ti *tokenIssuer) revokeAll() { ti.validFrom.Store(ti.next.Load()) }

// Messages Graph answers with InvalidAuthenticationToken.
const (
	msgTokenEmpty     = "Access token is empty."
	msgTokenMalformed = "IDX14100: JWT is not well formed, there are no dots (.)." //nolint:gosec // an error message, not a credential
	msgTokenInvalid   = "Access token validation failure."
	msgTokenAudience  = "Access token validation failure. Invalid audience."
	msgTokenExpired   = "Lifetime validation failed, the token is expired."
)

// verify checks an Authorization header value sent to the Graph at base
// (scheme://host) and returns the token's claims (read-only), or the message
// of Graph's 401.
func (ti *tokenIssuer) verify(authorization, base string) (*accessClaims, string) {
	scheme, raw, _ := strings.Cut(strings.TrimSpace(authorization), " ")
	raw = strings.TrimSpace(raw)
	if !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return nil, msgTokenEmpty
	}
	vt, msg := ti.check(raw)
	if msg != "" {
		return nil, msg
	}
	c := &vt.claims
	if !graphAudience(c.Aud, base) {
		return nil, msgTokenAudience
	}
	now := ti.clock.Now().Unix()
	if now >= c.Exp || now < c.Nbf || vt.serial < ti.validFrom.Load() {
		return nil, msgTokenExpired
	}
	return c, ""
}

// check proves what a raw token's bytes can: its signature, its claims, its
// tenant and its serial number; remembered once proved.
func (ti *tokenIssuer) check(raw string) (*verifiedToken, string) {
	if v, ok := ti.verified.Load(raw); ok {
		return v.(*verifiedToken), "" //nolint:forcetypeassert // only remember stores into verified
	}
	t, err := parseJWT(raw)
	if err != nil {
		return nil, msgTokenMalformed
	}
	if !t.verifyHS256(ti.key) {
		return nil, msgTokenInvalid
	}
	vt := &verifiedToken{}
	if err := json.Unmarshal(t.claims, &vt.claims); err != nil || !strings.EqualFold(vt.claims.TID, ti.tenantID) {
		return nil, msgTokenInvalid
	}
	if vt.serial, err = strconv.ParseUint(vt.claims.UTI, 10, 64); err != nil {
		return nil, msgTokenInvalid
	}
	ti.remember(raw, vt)
	return vt, ""
}

// remember adds a proved token, keeping at most maxVerifiedTokens.
func (ti *tokenIssuer) remember(raw string, vt *verifiedToken) {
	ti.verifiedMu.Lock()
	defer ti.verifiedMu.Unlock()
	if _, loaded := ti.verified.LoadOrStore(raw, vt); loaded {
		return
	}
	ti.nVerified++
	if ti.nVerified <= maxVerifiedTokens {
		return
	}
	now := ti.clock.Now().Unix()
	ti.forget(func(v *verifiedToken) bool { return now >= v.claims.Exp })
	if ti.nVerified > maxVerifiedTokens {
		ti.forget(func(*verifiedToken) bool { return true })
	}
}

// forget drops the remembered tokens drop selects. Callers hold verifiedMu.
func (ti *tokenIssuer) forget(drop func(*verifiedToken) bool) {
	ti.verified.Range(func(k, v any) bool {
		if drop(v.(*verifiedToken)) { //nolint:forcetypeassert // as in check
			ti.verified.Delete(k)
			ti.nVerified--
		}
		return true
	})
}

// graphAudience reports whether a token audience names Microsoft Graph as
// served at base: Graph's URI, its app id, or base itself (clients pointed at
// the emulator ask for "<base>/.default").
func graphAudience(aud, base string) bool {
	aud = strings.TrimSuffix(aud, "/")
	return strings.EqualFold(aud, graphResource) || strings.EqualFold(aud, graphResourceAppID) ||
		strings.EqualFold(aud, base)
}

// objectIDFor derives a stable service-principal object id from a client id,
// so tokens carry an oid without the app needing one configured.
func objectIDFor(clientID string) string {
	sum := hmacSHA256([]byte("graphemu service principal"), strings.ToLower(clientID))
	return formatGUID(sum[:16])
}
