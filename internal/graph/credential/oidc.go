package credential

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// oidcAudience is the audience Entra expects of a federated credential.
const oidcAudience = "api://AzureADTokenExchange"

// assertionSource yields the federated token (a JWT) that a client
// assertion credential exchanges for an access token. MSAL asks for one each
// time it needs a new access token, so a file is read again each time (CI
// systems rotate it) and a request URL is asked again.
type assertionSource struct {
	token      string
	file       string
	kubelet    bool // file is AKS's projected token, which the kubelet renews
	requestURL *url.URL
	reqToken   string
	httpClient *http.Client
}

func newAssertionSource(c Credentials, httpClient *http.Client) (*assertionSource, error) {
	s := &assertionSource{httpClient: httpClient}
	switch {
	case c.OIDCToken != "":
		s.token = strings.TrimSpace(c.OIDCToken)
	case c.OIDCTokenFilePath != "":
		if _, err := os.Stat(c.OIDCTokenFilePath); err != nil {
			return nil, &FieldError{Field: "OIDCTokenFilePath", Problem: "cannot be read", Err: err}
		}
		s.file, s.kubelet = c.OIDCTokenFilePath, c.UseAKSWorkloadIdentity
	case c.OIDCRequestURL != "" || c.OIDCRequestToken != "":
		if c.OIDCRequestURL == "" || c.OIDCRequestToken == "" {
			return nil, fieldError("OIDCRequestURL", "and {OIDCRequestToken} must be set together")
		}
		u, err := oidcRequestURL(c.OIDCRequestURL)
		if err != nil {
			return nil, err
		}
		s.requestURL, s.reqToken = u, c.OIDCRequestToken
	default:
		return nil, &FieldError{Field: "UseOIDC", Unset: true,
			Problem: "is set but none of {OIDCToken}, {OIDCTokenFilePath}, or {OIDCRequestURL} with {OIDCRequestToken} is"}
	}
	return s, nil
}

// assertionCredential exchanges federated tokens for access tokens. It asks
// the source for the federated token itself, before azidentity does, because
// azidentity flattens a failing assertion callback into an error string: the
// typed failure (a refused request token is final, a 503 is worth another
// try) would be lost to the retry policy.
type assertionCredential struct {
	src  *assertionSource
	cred azcore.TokenCredential
}

// assertionKey carries the federated token fetched for one GetToken call to
// the credential's callback.
type assertionKey struct{}

func newAssertionCredential(c Credentials, s Setup) (*assertionCredential, error) {
	src, err := newAssertionSource(c, s.HTTPClient)
	if err != nil {
		return nil, err
	}
	callback := func(ctx context.Context) (string, error) {
		if a, ok := ctx.Value(assertionKey{}).(string); ok {
			return a, nil
		}
		return src.get(ctx)
	}
	cred, err := azidentity.NewClientAssertionCredential(c.TenantID, c.ClientID, callback,
		&azidentity.ClientAssertionCredentialOptions{
			ClientOptions:            s.clientOptions(),
			DisableInstanceDiscovery: !s.InstanceDiscovery,
		})
	if err != nil {
		return nil, err
	}
	return &assertionCredential{src: src, cred: cred}, nil
}

// GetToken implements azcore.TokenCredential.
func (a *assertionCredential) GetToken(ctx context.Context, opts policy.TokenRequestOptions) (azcore.AccessToken, error) {
	assertion, err := a.src.get(ctx)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	return a.cred.GetToken(context.WithValue(ctx, assertionKey{}, assertion), opts)
}

// oidcRequestURL validates the token request endpoint and adds the audience.
// The request carries a bearer token, so it must not travel in clear.
func oidcRequestURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fieldError("OIDCRequestURL", "is not an absolute URL")
	}
	if u.Scheme != "https" && (u.Scheme != "http" || !IsLoopbackHost(u.Hostname())) {
		return nil, fieldError("OIDCRequestURL", "must use https (plain http only to localhost, 127.0.0.1 or [::1])")
	}
	if u.User != nil {
		// The request carries its bearer token already, and credentials in a
		// URL end up in logs and error messages.
		return nil, fieldError("OIDCRequestURL", "must be a URL without credentials")
	}
	q := u.Query()
	q.Set("audience", oidcAudience)
	u.RawQuery = q.Encode()
	return u, nil
}

// get returns a federated token; it is the getAssertion callback.
func (s *assertionSource) get(ctx context.Context) (string, error) {
	switch {
	case s.token != "":
		return s.token, nil
	case s.file != "":
		b, err := os.ReadFile(s.file)
		if err != nil {
			return "", &FieldError{Field: "OIDCTokenFilePath", Problem: "cannot be read", Err: err}
		}
		if t := strings.TrimSpace(string(b)); t != "" {
			return t, nil
		}
		return "", fieldError("OIDCTokenFilePath", "holds no token")
	default:
		return s.request(ctx)
	}
}

// maxOIDCResponse bounds the body read from the token request endpoint.
const maxOIDCResponse = 1 << 20

// request asks a GitHub-Actions-style endpoint for a federated token.
func (s *assertionSource) request(ctx context.Context) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.requestURL.String(), http.NoBody)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "bearer "+s.reqToken)
	req.Header.Set("Accept", "application/json")
	client := s.httpClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		// The URL is printed without its query, which may carry secrets.
		return "", fmt.Errorf("requesting an OIDC token from %s://%s%s: %w", s.requestURL.Scheme, s.requestURL.Host, s.requestURL.Path, errors.Unwrap(err))
	}
	defer func() { _ = resp.Body.Close() }() // a read-only body: nothing to lose
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxOIDCResponse))
	if err != nil {
		return "", fmt.Errorf("reading the OIDC token response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", &oidcEndpointError{status: resp.StatusCode}
	}
	var v struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body, &v); err != nil || v.Value == "" {
		return "", &oidcEndpointError{status: resp.StatusCode}
	}
	return v.Value, nil
}

// oidcEndpointError is an answer of the OIDC token request endpoint that is
// not a token. Only throttling and server errors are worth another try: a
// refused request token (401/403), a wrong URL (404) or a body without a
// token stays wrong however often it is asked.
type oidcEndpointError struct{ status int }

func (e *oidcEndpointError) Error() string {
	if e.status == http.StatusOK {
		return `the OIDC token endpoint answered without a token (expected JSON {"value": ...})`
	}
	return fmt.Sprintf("the OIDC token endpoint answered %d %s", e.status, http.StatusText(e.status))
}

func (e *oidcEndpointError) retryable() bool {
	return e.status == http.StatusTooManyRequests || e.status >= http.StatusInternalServerError
}

// EndpointRetryable reports whether err is an answer of the OIDC token
// request endpoint (ok), and if so whether asking again may help.
func EndpointRetryable(err error) (retry, ok bool) {
	var e *oidcEndpointError
	if !errors.As(err, &e) {
		return false, false
	}
	return e.retryable(), true
}

// CheckOIDCRequestURL checks an OIDC token request URL
// (Credentials.OIDCRequestURL) as New does: an absolute URL, https, or
// plain http to a loopback host only, since the request carries a bearer
// token. "" (not set) is valid.
func CheckOIDCRequestURL(raw string) error {
	if raw == "" {
		return nil
	}
	_, err := oidcRequestURL(raw)
	return err
}
