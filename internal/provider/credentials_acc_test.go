package provider

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
)

const credentialUsers = 25

// certApp is an app registration that authenticates with a certificate (and
// federated assertions signed by it): it has no secret.
type certApp struct {
	app  graphemu.App
	key  *rsa.PrivateKey
	cert *x509.Certificate
	pem  []byte // certificate and PKCS#8 key, as client_certificate_path holds them
}

func newCertApp(t *testing.T) certApp {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "aad-export test app"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	bundle := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	bundle = append(bundle, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})...)
	return certApp{
		app: graphemu.App{
			Name: "certificate-only", ClientID: "5b7c2d1e-0f3a-4b6c-9d8e-7a6b5c4d3e2f",
			Certificates: []*x509.Certificate{cert}, Permissions: graphemu.AllPermissions(),
		},
		key: key, cert: cert, pem: bundle,
	}
}

// assertion is what a federated identity provider (GitHub Actions, a
// Kubernetes service account) would hand over: a JWT for the token endpoint.
// The emulator trusts assertions signed by a certificate of the app, so a
// real signature stands in for the federation trust.
func (a certApp) assertion(t *testing.T, srv *graphemu.Server) string {
	t.Helper()
	return a.assertionFor(t, srv.TokenURL())
}

// assertionFor is an assertion for the token endpoint at tokenURL (its
// audience).
func (a certApp) assertionFor(t *testing.T, tokenURL string) string {
	t.Helper()
	thumb := sha256.Sum256(a.cert.Raw)
	header, err := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "x5t#S256": base64.RawURLEncoding.EncodeToString(thumb[:])})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	claims, err := json.Marshal(map[string]any{
		"aud": tokenURL, "iss": a.app.ClientID, "sub": a.app.ClientID,
		"jti": fmt.Sprint(time.Now().UnixNano()), "nbf": now - 60, "exp": now + 600,
	})
	if err != nil {
		t.Fatal(err)
	}
	signed := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(claims)
	digest := sha256.Sum256([]byte(signed))
	sig, err := rsa.SignPKCS1v15(rand.Reader, a.key, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return signed + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// oidcRequestServer serves ID tokens the way GitHub Actions does: GET with
// the request token as a bearer, JSON {"value": token}.
func oidcRequestServer(t *testing.T, requestToken, idToken string) string {
	t.Helper()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if !strings.EqualFold(scheme, "bearer") || token != requestToken || r.URL.Query().Get("audience") != "api://AzureADTokenExchange" {
			http.Error(w, `{"message":"Bad credentials"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"count": 1, "value": idToken})
	}))
	t.Cleanup(ts.Close)
	return ts.URL + "/_apis/distributedtask/idtoken?api-version=2.0"
}

// TestAccCredentials authenticates each way the provider offers against the
// emulator's token endpoint, for real: the export succeeds only if Entra (the
// emulator) accepted the credential.
func TestAccCredentials(t *testing.T) {
	t.Parallel()
	ca := newCertApp(t)
	secretApp := graphemu.DefaultApp()
	srv := startEmulator(t, graphemu.Config{
		Tenant: generatedTenant(t, 7, credentialUsers),
		Apps:   []graphemu.App{secretApp, ca.app},
	})
	dir := t.TempDir()
	certFile := filepath.Join(dir, "app.pem")
	tokenFile := filepath.Join(dir, "id-token.jwt")
	if err := os.WriteFile(certFile, ca.pem, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tokenFile, []byte(ca.assertion(t, srv)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	requestURL := oidcRequestServer(t, "gh-request-token", ca.assertion(t, srv))
	secretFile := filepath.Join(dir, "client-secret")
	idFile := filepath.Join(dir, "client-id")
	emptyFile := filepath.Join(dir, "empty")
	for path, content := range map[string]string{secretFile: secretApp.ClientSecret + "\n", idFile: " " + secretApp.ClientID + "\n", emptyFile: "\n"} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// What AKS's workload identity webhook sets in a pod: the federated
	// token's file (here the certificate app's assertion) and the ids.
	aks := map[string]string{"AZURE_FEDERATED_TOKEN_FILE": tokenFile, "AZURE_CLIENT_ID": ca.app.ClientID, "AZURE_TENANT_ID": srv.TenantID()}

	endpoints := map[string]string{"graph_endpoint": hcl(srv.URL()), "authority_host": hcl(srv.AuthorityHost()), "use_cli": "false"}
	certApp := map[string]string{"tenant_id": hcl(srv.TenantID()), "client_id": hcl(ca.app.ClientID)}
	envEndpoints := map[string]string{envGraphEndpoint: srv.URL(), envAuthorityHost: srv.AuthorityHost(), "ARM_USE_CLI": "false"}
	tests := []struct {
		name  string
		attrs []map[string]string
		env   map[string]string
		want  string // an error; "" = the export must succeed
	}{
		{name: "client secret", attrs: []map[string]string{endpoints, {
			"tenant_id": hcl(srv.TenantID()), "client_id": hcl(secretApp.ClientID), "client_secret": hcl(secretApp.ClientSecret),
		}}},
		{name: "client certificate file", attrs: []map[string]string{endpoints, certApp, {"client_certificate_path": hcl(certFile)}}},
		{name: "client certificate base64", attrs: []map[string]string{endpoints, certApp, {
			"client_certificate": hcl(base64.StdEncoding.EncodeToString(ca.pem)),
		}}},
		{name: "OIDC token", attrs: []map[string]string{endpoints, certApp, {"use_oidc": "true", "oidc_token": hcl(ca.assertion(t, srv))}}},
		{name: "OIDC token file", attrs: []map[string]string{endpoints, certApp, {"use_oidc": "true", "oidc_token_file_path": hcl(tokenFile)}}},
		{name: "OIDC request URL", attrs: []map[string]string{endpoints, certApp, {
			"use_oidc": "true", "oidc_request_url": hcl(requestURL), "oidc_request_token": hcl("gh-request-token"),
		}}},
		{name: "client secret from the environment", env: merge(envEndpoints, map[string]string{
			"ARM_TENANT_ID": srv.TenantID(), "ARM_CLIENT_ID": secretApp.ClientID, "ARM_CLIENT_SECRET": secretApp.ClientSecret,
		})},
		{name: "GitHub Actions from the environment", env: merge(envEndpoints, map[string]string{
			"ARM_TENANT_ID": srv.TenantID(), "ARM_CLIENT_ID": ca.app.ClientID, "ARM_USE_OIDC": "true",
			"ACTIONS_ID_TOKEN_REQUEST_URL": requestURL, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "gh-request-token",
		})},
		{name: "configuration wins over the environment", attrs: []map[string]string{endpoints, {
			"tenant_id": hcl(srv.TenantID()), "client_id": hcl(secretApp.ClientID), "client_secret": hcl(secretApp.ClientSecret),
		}}, env: map[string]string{"ARM_CLIENT_SECRET": "a stale secret", "ARM_CLIENT_ID": "00000000-0000-0000-0000-000000000000"}},
		{
			name: "wrong OIDC request token", want: `(?s)Authentication to Entra ID failed|401`,
			attrs: []map[string]string{endpoints, certApp, {
				"use_oidc": "true", "oidc_request_url": hcl(requestURL), "oidc_request_token": hcl("not-the-request-token"),
			}},
		},
		{
			name: "certificate the app does not know", want: `(?s)Authentication to Entra ID failed.*AADSTS700027`,
			attrs: []map[string]string{endpoints, {
				"tenant_id": hcl(srv.TenantID()), "client_id": hcl(secretApp.ClientID), "client_certificate_path": hcl(certFile),
			}},
		},
		{name: "client id and secret files", attrs: []map[string]string{endpoints, {
			"tenant_id": hcl(srv.TenantID()), "client_id_file_path": hcl(idFile), "client_secret_file_path": hcl(secretFile),
		}}},
		{name: "client secret file from the environment", env: merge(envEndpoints, map[string]string{
			"ARM_TENANT_ID": srv.TenantID(), "ARM_CLIENT_ID_FILE_PATH": idFile, "ARM_CLIENT_SECRET_FILE_PATH": secretFile,
		})},
		{name: "client secret file that agrees with client_secret", attrs: []map[string]string{endpoints, {
			"tenant_id": hcl(srv.TenantID()), "client_id": hcl(secretApp.ClientID),
			"client_secret": hcl(secretApp.ClientSecret), "client_secret_file_path": hcl(secretFile),
		}}},
		{
			name: "client secret file that disagrees with client_secret", want: `(?s)client_secret_file_path holds another value than.*client_secret`,
			attrs: []map[string]string{endpoints, {
				"tenant_id": hcl(srv.TenantID()), "client_id": hcl(secretApp.ClientID),
				"client_secret": hcl("another secret"), "client_secret_file_path": hcl(secretFile),
			}},
		},
		{
			name: "empty client id file", want: `client_id_file_path names an empty file`,
			attrs: []map[string]string{endpoints, {
				"tenant_id": hcl(srv.TenantID()), "client_id_file_path": hcl(emptyFile), "client_secret": hcl(secretApp.ClientSecret),
			}},
		},
		{name: "AKS workload identity", attrs: []map[string]string{endpoints, {"use_aks_workload_identity": "true"}}, env: aks},
		{name: "AKS workload identity from the environment", env: merge(envEndpoints, aks, map[string]string{"ARM_USE_AKS_WORKLOAD_IDENTITY": "true"})},
		{
			name: "AKS workload identity for another client", want: `(?s)client_id differs from AZURE_CLIENT_ID`,
			attrs: []map[string]string{endpoints, {"use_aks_workload_identity": "true", "client_id": hcl(secretApp.ClientID)}}, env: aks,
		},
		{
			name: "AKS workload identity without its token file", want: `(?s)use_aks_workload_identity is set but.*AZURE_FEDERATED_TOKEN_FILE`,
			attrs: []map[string]string{endpoints, {"use_aks_workload_identity": "true"}}, env: merge(aks, map[string]string{"AZURE_FEDERATED_TOKEN_FILE": emptyFile + ".missing"}),
		},
		{name: "no credential at all", attrs: []map[string]string{endpoints}, want: `(?s)Cannot configure the Microsoft Graph client.*client secret`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "users.csv")
			step := resource.TestStep{
				Config: exportConfig(block(`provider "aad"`, merge(tt.attrs...)), map[string]string{
					"output_path": hcl(out), "columns": hclList("userPrincipalName", "objectId", "authenticationEmail"),
				}),
			}
			if tt.want != "" {
				step.ExpectError = regexp.MustCompile(tt.want)
			} else {
				step.ConfigStateChecks = []statecheck.StateCheck{
					statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("user_count"), knownvalue.Int64Exact(credentialUsers)),
				}
			}
			resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: factories(tt.env), Steps: []resource.TestStep{step}})
		})
	}
}

func merge(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// TestAccManagedIdentity authenticates as an App Service managed identity.
// azidentity finds the endpoint in the process environment, so this test
// sets it and cannot run in parallel.
func TestAccManagedIdentity(t *testing.T) {
	srv := startEmulator(t, graphemu.Config{
		Tenant:          generatedTenant(t, 7, credentialUsers),
		ManagedIdentity: graphemu.DefaultClientID,
	})
	endpoint, header, ok := srv.ManagedIdentity()
	if !ok {
		t.Fatal("the emulator serves no managed identity")
	}
	t.Setenv("IDENTITY_ENDPOINT", endpoint)
	t.Setenv("IDENTITY_HEADER", header)
	out := filepath.Join(t.TempDir(), "users.csv")
	provider := block(`provider "aad"`, map[string]string{
		"use_msi": "true", "client_id": hcl(graphemu.DefaultClientID), "use_cli": "false",
		"graph_endpoint": hcl(srv.URL()), "authority_host": hcl(srv.AuthorityHost()),
	})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(nil),
		Steps: []resource.TestStep{{
			Config: exportConfig(provider, map[string]string{"output_path": hcl(out)}),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("user_count"), knownvalue.Int64Exact(credentialUsers)),
			},
		}},
	})
}

// TestAccAzureCLI authenticates through the Azure CLI: a fake `az` on PATH
// prints, as `az account get-access-token` does, a token the emulator
// issued. PATH is process-wide, so this test cannot run in parallel.
func TestAccAzureCLI(t *testing.T) {
	srv := startEmulator(t, graphemu.Config{Tenant: generatedTenant(t, 7, credentialUsers)})
	token := clientCredentialsToken(t, srv)
	bin := t.TempDir()
	expires := time.Now().Add(time.Hour)
	answer, err := json.Marshal(map[string]any{
		"accessToken": token, "expiresOn": expires.Format("2006-01-02 15:04:05.000000"), "expires_on": expires.Unix(),
		"subscription": "00000000-0000-0000-0000-000000000000", "tenant": srv.TenantID(), "tokenType": "Bearer",
	})
	if err != nil {
		t.Fatal(err)
	}
	calls := filepath.Join(bin, "calls")
	script := fmt.Sprintf("#!/bin/sh\necho \"$*\" >> %s\ncat <<'JSON'\n%s\nJSON\n", calls, answer)
	if err := os.WriteFile(filepath.Join(bin, "az"), []byte(script), 0o700); err != nil { //nolint:gosec // an executable script
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out := filepath.Join(t.TempDir(), "users.csv")
	provider := block(`provider "aad"`, map[string]string{
		"tenant_id": hcl(srv.TenantID()), "graph_endpoint": hcl(srv.URL()), "authority_host": hcl(srv.AuthorityHost()),
	})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(nil),
		Steps: []resource.TestStep{{
			Config: exportConfig(provider, map[string]string{"output_path": hcl(out)}),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("user_count"), knownvalue.Int64Exact(credentialUsers)),
			},
		}},
	})
	logged, err := os.ReadFile(calls)
	if err != nil || !strings.Contains(string(logged), "get-access-token") {
		t.Errorf("the provider did not ask az for a token: %q, %v", logged, err)
	}
}

// clientCredentialsToken asks the emulator's token endpoint for a Graph token
// as the default app, the way `az login --service-principal` would have.
func clientCredentialsToken(t *testing.T, srv *graphemu.Server) string {
	t.Helper()
	app := srv.App()
	form := url.Values{
		"grant_type": {"client_credentials"}, "client_id": {app.ClientID}, "client_secret": {app.ClientSecret},
		"scope": {"https://graph.microsoft.com/.default"},
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.TokenURL(), strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }() // a read-only body: nothing to lose on close
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		t.Fatalf("token endpoint answered %s: %v", resp.Status, err)
	}
	return body.AccessToken
}
