package credential

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const (
	testTenant = "7d0b1f6e-2a4c-4e58-9b3d-5c6a7e8f9012"
	testClient = "3f2a9c1e-8b7d-4c6a-a5e4-0d1c2b3a4f56"
)

func TestSelectFollowsTheAzureadOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		c    Credentials
		want ID
	}{
		{"everything", Credentials{ClientCertificatePath: "x", ClientSecret: "s", UseOIDC: true, UseMSI: true, UseCLI: true}, Certificate},
		{"certificate bytes", Credentials{ClientCertificate: []byte("x"), ClientSecret: "s"}, Certificate},
		{"secret before oidc", Credentials{ClientSecret: "s", UseOIDC: true, UseMSI: true}, Secret},
		{"oidc before msi", Credentials{UseOIDC: true, UseMSI: true, UseCLI: true}, OIDC},
		{"msi before cli", Credentials{UseMSI: true, UseCLI: true}, MSI},
		{"cli", Credentials{UseCLI: true}, CLI},
		{"secret file", Credentials{ClientSecretFilePath: "x", UseOIDC: true}, Secret},
		{"aks workload identity before msi", Credentials{UseAKSWorkloadIdentity: true, UseMSI: true}, OIDC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got, err := Select(tt.c); err != nil || got.ID != tt.want {
				t.Errorf("Select = %v, %v; want %v", got.ID, err, tt.want)
			}
		})
	}
}

func TestNoCredential(t *testing.T) {
	t.Parallel()
	if _, _, err := New(Credentials{}, Setup{}); !errors.Is(err, ErrNoCredential) {
		t.Fatalf("err = %v, want ErrNoCredential", err)
	}
}

// Kinds names Credentials fields by their names: each must be one, or
// Select and the callers' rendering would go wrong without a word.
func TestKindsNameCredentialsFields(t *testing.T) {
	t.Parallel()
	fields := reflect.TypeFor[Credentials]()
	check := func(k Kind, names []string) {
		for _, f := range names {
			if _, ok := fields.FieldByName(f); !ok {
				t.Errorf("%s names %q, which is not a field of Credentials", k.ID, f)
			}
		}
	}
	for _, k := range Kinds() {
		check(k, k.Enable)
		check(k, k.Optional)
		for _, req := range k.Needs {
			for _, alt := range req {
				check(k, alt)
			}
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
		{"tenant not a GUID", Credentials{TenantID: "hunter2-secret", ClientID: testClient, ClientSecret: "s"}, "TenantID must be a GUID"},
		{"client not a GUID (a secret pasted into it)", Credentials{TenantID: testTenant, ClientID: "hunter2-secret", ClientSecret: "s"}, "ClientID must be a GUID"},
		{"both certificate forms", with(func(c *Credentials) { c.ClientCertificate, c.ClientCertificatePath = []byte("x"), garbage }), "not both"},
		{"unreadable certificate", with(func(c *Credentials) { c.ClientCertificatePath = missing }), "ClientCertificatePath cannot be read"},
		{"not a certificate", with(func(c *Credentials) {
			c.ClientCertificatePath, c.ClientCertificatePassword = garbage, "hunter2-secret"
		}), "ClientCertificatePath is not a PKCS#12 or PEM certificate"},
		{"oidc without a source", with(func(c *Credentials) { c.UseOIDC = true }), "none of OIDCToken"},
		{"oidc request url without token", with(func(c *Credentials) { c.UseOIDC, c.OIDCRequestURL = true, "https://token.example.net" }), "set together"},
		{"oidc request url in clear", with(func(c *Credentials) {
			c.UseOIDC, c.OIDCRequestURL, c.OIDCRequestToken = true, "http://token.example.net", "t"
		}), "must use https"},
		{"oidc token file missing", with(func(c *Credentials) { c.UseOIDC, c.OIDCTokenFilePath = true, missing }), "OIDCTokenFilePath"},
		{"msi client not a GUID", Credentials{UseMSI: true, ClientID: "hunter2-secret"}, "must be a GUID"},
		{"msi endpoint in clear", Credentials{UseMSI: true, MSIEndpoint: "http://identity.example.net/token"}, "MSIEndpoint"},
		{"cli tenant not a GUID", Credentials{UseCLI: true, TenantID: "hunter2-secret"}, "TenantID must be a GUID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := New(tt.c, Setup{AuthorityHost: "https://login.microsoftonline.com/"})
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Errorf("err = %v, want a *FieldError", err)
			}
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

func TestClientOptionsWithoutHTTPClientLeaveTheTransportNil(t *testing.T) {
	t.Parallel()
	// A nil *http.Client in the Transporter interface is not a nil
	// interface: azcore would call through it and panic.
	setup := Setup{AuthorityHost: "https://login.example/"}
	if tr := setup.clientOptions().Transport; tr != nil {
		t.Errorf("Transport = %#v, want nil so that azcore uses its default", tr)
	}
}
