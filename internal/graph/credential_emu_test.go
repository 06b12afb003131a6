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
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/graph/credential"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// The credential kinds against the emulator, through a whole read.

const (
	testTenant = "7d0b1f6e-2a4c-4e58-9b3d-5c6a7e8f9012"
	testClient = "3f2a9c1e-8b7d-4c6a-a5e4-0d1c2b3a4f56"
)

// certificateApp starts an emulator whose only app authenticates with a
// certificate.
func certificateApp(t *testing.T) (*graphemu.Server, *graphemu.ClientCertificate, *tenant.Tenant) {
	t.Helper()
	cert, err := graphemu.NewClientCertificate("aad-export test")
	if err != nil {
		t.Fatal(err)
	}
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 51, Users: 1200})
	srv := emutest.Start(t, tn, func(c *graphemu.Config) {
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
		if r.Header.Get("Authorization") != "bearer actions-token" || r.URL.Query().Get("audience") != "api://AzureADTokenExchange" {
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

// unsignedJWT is a compact JWT with the given claims and no valid
// signature: the expiry is read without checking one.
func unsignedJWT(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + enc([]byte(claims)) + ".c2lnbmF0dXJl"
}

func TestFederatedTokenExpiry(t *testing.T) {
	t.Parallel()
	exp := time.Now().Add(10 * time.Minute).Truncate(time.Second)
	token := unsignedJWT(`{"exp":` + strconv.FormatInt(exp.Unix(), 10) + `}`)
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	app := Credentials{TenantID: testTenant, ClientID: testClient, UseOIDC: true}
	with := func(f func(*Credentials)) Credentials { c := app; f(&c); return c }
	tests := []struct {
		name string
		c    Credentials
		want credential.FederatedToken
		ok   bool
	}{
		{"oidc_token", with(func(c *Credentials) { c.OIDCToken = token }), credential.FederatedToken{Expires: exp}, true},
		{"oidc_token_file_path", with(func(c *Credentials) { c.OIDCTokenFilePath = file }), credential.FederatedToken{Expires: exp, FromFile: true}, true},
		{"oidc_request_url: fresh at each renewal", with(func(c *Credentials) {
			c.OIDCRequestURL, c.OIDCRequestToken = "https://token.example.net/", "request-token"
		}), credential.FederatedToken{}, false},
		{"AKS's token file: the kubelet renews it", with(func(c *Credentials) {
			c.UseOIDC, c.UseAKSWorkloadIdentity, c.Workload.TokenFile = false, true, file
		}), credential.FederatedToken{}, false},
		{"a token without exp", with(func(c *Credentials) { c.OIDCToken = unsignedJWT(`{}`) }), credential.FederatedToken{}, false},
		{"client secret", Credentials{TenantID: testTenant, ClientID: testClient, ClientSecret: "s"}, credential.FederatedToken{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(context.Background(), Config{Credentials: tt.c})
			if err != nil {
				t.Fatal(err)
			}
			got, ok := c.FederatedTokenExpiry()
			if ok != tt.ok || !got.Expires.Equal(tt.want.Expires) || got.FromFile != tt.want.FromFile {
				t.Errorf("FederatedTokenExpiry = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
