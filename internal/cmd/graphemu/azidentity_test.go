package main

import (
	"crypto/x509"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// These tests prove the emulator speaks Entra's protocols: real azidentity
// credentials (MSAL underneath) get tokens the emulated Graph accepts. They
// live here rather than in package graphemu, which must not import Azure's
// SDK (the client's side).

func startEmulator(t *testing.T, cfg graphemu.Config) *graphemu.Server {
	t.Helper()
	cfg.Tenant = emutest.Generate(t, tenant.GenerateOptions{Seed: 1, Users: 20, Domain: "contoso.onmicrosoft.com"})
	return emutest.Start(t, cfg.Tenant, func(c *graphemu.Config) { *c = cfg })
}

func clientOptions(srv *graphemu.Server) azcore.ClientOptions {
	return azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: srv.AuthorityHost()},
		Transport: srv.HTTPClient(),
	}
}

// graphWith calls the emulated Graph with a credential's token.
func graphWith(t *testing.T, srv *graphemu.Server, cred azcore.TokenCredential) {
	t.Helper()
	tok, err := cred.GetToken(t.Context(), policy.TokenRequestOptions{Scopes: []string{srv.Scope()}})
	if err != nil {
		t.Fatalf("GetToken: %v", err)
	}
	if status, body := emutest.Get(t, srv.HTTPClient(), srv.GraphURL()+"/users/$count", tok.Token); status != http.StatusOK || body != "20" {
		t.Fatalf("Graph with the token: %d %s", status, body)
	}
}

func TestAzidentityCredentials(t *testing.T) {
	t.Parallel()
	cert, err := graphemu.NewClientCertificate("azidentity test")
	if err != nil {
		t.Fatal(err)
	}
	certApp := graphemu.App{
		Name: "cert", ClientID: "9b0c5a4e-6f7d-4e3b-8a2c-1d0e9f8a7b6c",
		Certificates: []*x509.Certificate{cert.Certificate}, Permissions: []string{graphemu.PermUserReadAll},
	}
	srv := startEmulator(t, graphemu.Config{Apps: []graphemu.App{graphemu.DefaultApp(), certApp}})
	def := srv.App()
	secret, err := azidentity.NewClientSecretCredential(srv.TenantID(), def.ClientID, def.ClientSecret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: clientOptions(srv), DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	certificate, err := azidentity.NewClientCertificateCredential(srv.TenantID(), certApp.ClientID,
		[]*x509.Certificate{cert.Certificate}, cert.Key,
		&azidentity.ClientCertificateCredentialOptions{ClientOptions: clientOptions(srv), DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		cred azcore.TokenCredential
	}{
		{"client secret", secret},
		{"client certificate", certificate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			graphWith(t, srv, tt.cred)
		})
	}
}

func TestAzidentityBadSecret(t *testing.T) {
	t.Parallel()
	srv := startEmulator(t, graphemu.Config{})
	cred, err := azidentity.NewClientSecretCredential(srv.TenantID(), srv.App().ClientID, "wrong",
		&azidentity.ClientSecretCredentialOptions{ClientOptions: clientOptions(srv), DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cred.GetToken(t.Context(), policy.TokenRequestOptions{Scopes: []string{srv.Scope()}})
	var authErr *azidentity.AuthenticationFailedError
	if !errors.As(err, &authErr) || authErr.RawResponse == nil || authErr.RawResponse.StatusCode != http.StatusUnauthorized ||
		!strings.Contains(err.Error(), "AADSTS7000215") {
		t.Errorf("bad secret: %v", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("the secret appears in the error: %v", err)
	}
}

// TestAzidentityManagedIdentity drives the App Service managed-identity
// protocol. Not parallel: the protocol is configured through the
// environment.
func TestAzidentityManagedIdentity(t *testing.T) {
	srv := startEmulator(t, graphemu.Config{ManagedIdentity: graphemu.DefaultClientID})
	endpoint, header, ok := srv.ManagedIdentity()
	if !ok {
		t.Fatal("managed identity off")
	}
	t.Setenv("IDENTITY_ENDPOINT", endpoint)
	t.Setenv("IDENTITY_HEADER", header)
	cred, err := azidentity.NewManagedIdentityCredential(&azidentity.ManagedIdentityCredentialOptions{ClientOptions: clientOptions(srv)})
	if err != nil {
		t.Fatal(err)
	}
	graphWith(t, srv, cred)
	if c := srv.Counters(); c.TokensIssued != 1 {
		t.Errorf("tokens issued %d", c.TokensIssued)
	}
}
