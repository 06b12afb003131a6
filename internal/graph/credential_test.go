package graph

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

const (
	testTenant = "7d0b1f6e-2a4c-4e58-9b3d-5c6a7e8f9012"
	testClient = "3f2a9c1e-8b7d-4c6a-a5e4-0d1c2b3a4f56"
)

func TestSelectKindFollowsTheAzureadOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		c    Credentials
		want credentialKind
	}{
		{"everything", Credentials{ClientCertificatePath: "x", ClientSecret: "s", UseOIDC: true, UseMSI: true, UseCLI: true}, kindCertificate},
		{"certificate bytes", Credentials{ClientCertificate: []byte("x"), ClientSecret: "s"}, kindCertificate},
		{"secret before oidc", Credentials{ClientSecret: "s", UseOIDC: true, UseMSI: true}, kindSecret},
		{"oidc before msi", Credentials{UseOIDC: true, UseMSI: true, UseCLI: true}, kindOIDC},
		{"msi before cli", Credentials{UseMSI: true, UseCLI: true}, kindMSI},
		{"cli", Credentials{UseCLI: true}, kindCLI},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got, err := selectKind(tt.c); err != nil || got != tt.want {
				t.Errorf("selectKind = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestNoCredentialListsEveryWay(t *testing.T) {
	t.Parallel()
	_, err := New(context.Background(), Config{})
	if !errors.Is(err, ErrNoCredential) {
		t.Fatalf("err = %v, want ErrNoCredential", err)
	}
	for _, want := range []string{"client_certificate_path", "ARM_CLIENT_CERTIFICATE_PASSWORD", "ARM_CLIENT_SECRET", "ARM_OIDC_TOKEN_FILE_PATH",
		"ACTIONS_ID_TOKEN_REQUEST_URL", "ARM_USE_MSI", "ARM_MSI_ENDPOINT", "ARM_USE_CLI", "az login"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not mention %s: %v", want, err)
		}
	}
}

func TestCredentialValidation(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.pem")
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	app := Credentials{TenantID: testTenant, ClientID: testClient}
	with := func(f func(*Credentials)) Credentials { c := app; f(&c); return c }
	tests := []struct {
		name string
		c    Credentials
		want string
	}{
		{"tenant not a GUID", Credentials{TenantID: "hunter2-secret", ClientID: testClient, ClientSecret: "s"}, "tenant_id must be a GUID"},
		{"client not a GUID (a secret pasted into it)", Credentials{TenantID: testTenant, ClientID: "hunter2-secret", ClientSecret: "s"}, "client_id must be a GUID"},
		{"both certificate forms", with(func(c *Credentials) { c.ClientCertificate, c.ClientCertificatePath = []byte("x"), garbage }), "not both"},
		{"unreadable certificate", with(func(c *Credentials) { c.ClientCertificatePath = missing }), "reading client_certificate_path"},
		{"not a certificate", with(func(c *Credentials) {
			c.ClientCertificatePath, c.ClientCertificatePassword = garbage, "hunter2-secret"
		}), "parsing the PKCS#12 or PEM certificate"},
		{"oidc without a source", with(func(c *Credentials) { c.UseOIDC = true }), "none of oidc_token"},
		{"oidc request url without token", with(func(c *Credentials) { c.UseOIDC, c.OIDCRequestURL = true, "https://token.example.net" }), "set together"},
		{"oidc request url in clear", with(func(c *Credentials) {
			c.UseOIDC, c.OIDCRequestURL, c.OIDCRequestToken = true, "http://token.example.net", "t"
		}), "must use https"},
		{"oidc token file missing", with(func(c *Credentials) { c.UseOIDC, c.OIDCTokenFilePath = true, missing }), "oidc_token_file_path"},
		{"msi client not a GUID", Credentials{UseMSI: true, ClientID: "hunter2-secret"}, "must be a GUID"},
		{"msi endpoint in clear", Credentials{UseMSI: true, MSIEndpoint: "http://identity.example.net/token"}, "msi_endpoint"},
		{"cli tenant not a GUID", Credentials{UseCLI: true, TenantID: "hunter2-secret"}, "tenant_id must be a GUID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(context.Background(), Config{Credentials: tt.c})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one saying %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2-secret") {
				t.Errorf("the error shows a secret: %v", err)
			}
		})
	}
}

func TestOIDCRequestURL(t *testing.T) {
	t.Parallel()
	var got *http.Request
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		if r.Header.Get("Authorization") != "bearer request-token" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = fmt.Fprint(w, `{"count":1,"value":"federated.jwt.token"}`)
	}))
	t.Cleanup(srv.Close)
	src, err := newAssertionSource(Credentials{OIDCRequestURL: srv.URL + "/token?api-version=2.0", OIDCRequestToken: "request-token"}, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := src.get(context.Background())
	if err != nil || tok != "federated.jwt.token" {
		t.Fatalf("get = %q, %v; want the endpoint's value", tok, err)
	}
	if q := got.URL.Query(); q.Get("audience") != oidcAudience || q.Get("api-version") != "2.0" {
		t.Errorf("query %q, want the original one and audience=%s", got.URL.RawQuery, oidcAudience)
	}
	bad, _ := newAssertionSource(Credentials{OIDCRequestURL: srv.URL, OIDCRequestToken: "wrong"}, srv.Client())
	if _, err := bad.get(context.Background()); err == nil || strings.Contains(err.Error(), "wrong") {
		t.Errorf("err = %v, want a failure that does not show the request token", err)
	}
}

func TestOIDCTokenFileIsReadEachTime(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "token")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("first\n")
	src, err := newAssertionSource(Credentials{OIDCTokenFilePath: path}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"first", "second"} {
		if got, err := src.get(context.Background()); err != nil || got != want {
			t.Fatalf("get = %q, %v; want %q", got, err, want)
		}
		write("second")
	}
	write("  ")
	if _, err := src.get(context.Background()); err == nil {
		t.Error("an empty token file gave no error")
	}
}

func TestMSIEndpointOverride(t *testing.T) {
	t.Parallel()
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = r.URL.String() }))
	t.Cleanup(srv.Close)
	target, err := parseMSIEndpoint(srv.URL + "/msi/token")
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: &msiRedirect{target: target, next: http.DefaultTransport}}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, imdsEndpoint+"?api-version=2018-02-01&resource=x", http.NoBody)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if got != "/msi/token?api-version=2018-02-01&resource=x" {
		t.Errorf("the metadata request went to %q, want the override with its query", got)
	}
}

// certificateApp starts an emulator whose only app authenticates with a
// certificate.
func certificateApp(t *testing.T) (*graphemu.Server, *graphemu.ClientCertificate, *tenant.Tenant) {
	t.Helper()
	cert, err := graphemu.NewClientCertificate("aad-export test")
	if err != nil {
		t.Fatal(err)
	}
	tn := generated(t, tenant.GenerateOptions{Seed: 51, Users: 1200})
	srv := emulator(t, tn, func(c *graphemu.Config) {
		c.Apps = []graphemu.App{{Name: "cert", ClientID: testClient, Certificates: []*x509.Certificate{cert.Certificate},
			Permissions: graphemu.AllPermissions()}}
	})
	return srv, cert, tn
}

func TestCertificateCredential(t *testing.T) {
	t.Parallel()
	srv, cert, tn := certificateApp(t)
	pemBytes, err := cert.PEM()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(path, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, creds := range map[string]Credentials{
		"bytes": {ClientCertificate: pemBytes},
		"path":  {ClientCertificatePath: path},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			creds.TenantID, creds.ClientID = srv.TenantID(), testClient
			c := newEmuClient(t, srv, func(c *Config) { c.Credentials = creds })
			listsEveryone(t, c, tn)
		})
	}
}

// clientAssertion is a JWT signed with cert that the emulator's token
// endpoint accepts for app: what a federated identity provider would issue.
func clientAssertion(t *testing.T, srv *graphemu.Server, cert *graphemu.ClientCertificate) string {
	t.Helper()
	thumb := sha256.Sum256(cert.Certificate.Raw)
	enc := base64.RawURLEncoding
	header, err := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "x5t#S256": enc.EncodeToString(thumb[:])})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	claims, err := json.Marshal(struct {
		Aud string `json:"aud"`
		Iss string `json:"iss"`
		Sub string `json:"sub"`
		Jti string `json:"jti"`
		Iat int64  `json:"iat"`
		Nbf int64  `json:"nbf"`
		Exp int64  `json:"exp"`
	}{srv.TokenURL(), testClient, testClient, fmt.Sprint(now), now, now - 60, now + 600})
	if err != nil {
		t.Fatal(err)
	}
	signing := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	digest := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, cert.Key, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + enc.EncodeToString(sig)
}

func TestOIDCAgainstTheEmulator(t *testing.T) {
	t.Parallel()
	srv, cert, tn := certificateApp(t)
	var requests atomic.Int64
	issuer := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.Header.Get("Authorization") != "bearer actions-token" || r.URL.Query().Get("audience") != oidcAudience {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"value": clientAssertion(t, srv, cert)})
	}))
	t.Cleanup(issuer.Close)
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(clientAssertion(t, srv, cert)), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if requests.Load() == 0 {
			t.Error("the OIDC request URL was never asked")
		}
	})
	for name, creds := range map[string]Credentials{
		"request url": {UseOIDC: true, OIDCRequestURL: issuer.URL + "/token?api-version=2.0", OIDCRequestToken: "actions-token"},
		"token":       {UseOIDC: true, OIDCToken: clientAssertion(t, srv, cert)},
		"token file":  {UseOIDC: true, OIDCTokenFilePath: tokenFile},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			creds.TenantID, creds.ClientID = srv.TenantID(), testClient
			// The issuer's TLS certificate is not the emulator's: trust both.
			pool := srv.CA().Pool()
			pool.AddCert(issuer.Certificate())
			client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
			c := newEmuClient(t, srv, func(c *Config) { c.Credentials, c.HTTPClient = creds, client })
			listsEveryone(t, c, tn)
		})
	}
}

// A request token the OIDC endpoint refuses stays refused: the read fails
// after one request instead of retrying until its deadline.
func TestOIDCRefusedRequestTokenIsNotRetried(t *testing.T) {
	t.Parallel()
	srv, _, _ := certificateApp(t)
	var requests atomic.Int64
	issuer := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		requests.Add(1)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(issuer.Close)
	pool := srv.CA().Pool()
	pool.AddCert(issuer.Certificate())
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	creds := Credentials{
		TenantID: srv.TenantID(), ClientID: testClient,
		UseOIDC: true, OIDCRequestURL: issuer.URL + "/token", OIDCRequestToken: "refused-token",
	}
	c := newEmuClient(t, srv, func(c *Config) { c.Credentials, c.HTTPClient = creds, client })
	err := c.Users(context.Background(), directory.Query{Select: listColumns()}, &collector{})
	var gerr *Error
	if !errors.As(err, &gerr) || gerr.Operation != OpToken {
		t.Fatalf("Users: %v, want an %s error", err, OpToken)
	}
	if strings.Contains(err.Error(), "refused-token") {
		t.Errorf("the error shows the request token: %v", err)
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("the OIDC endpoint was asked %d times, want 1", n)
	}
}

func TestClientOptionsWithoutHTTPClientLeaveTheTransportNil(t *testing.T) {
	t.Parallel()
	// A nil *http.Client in the Transporter interface is not a nil
	// interface: azcore would call through it and panic.
	setup := credentialSetup{ep: endpoints{authority: &url.URL{Scheme: "https", Host: "login.example", Path: "/"}}}
	if tr := setup.clientOptions().Transport; tr != nil {
		t.Errorf("Transport = %#v, want nil so that azcore uses its default", tr)
	}
}
