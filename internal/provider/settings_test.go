package provider

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aad-export/terraform-provider-aad/internal/graph"
	"github.com/aad-export/terraform-provider-aad/internal/graph/credential"
)

const (
	testTenant = "11111111-2222-3333-4444-555555555555"
	testClient = "66666666-7777-8888-9999-000000000000"
)

func envOf(vars map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

func TestResolveConfig(t *testing.T) {
	t.Parallel()
	certDER := []byte("not really a pfx, but bytes")
	cert64 := base64.StdEncoding.EncodeToString(certDER)

	tests := []struct {
		name        string
		model       providerValues
		env         map[string]string
		want        graph.Config
		wantSecrets []string
		wantErrs    []string // substrings, one per expected error diagnostic
	}{
		{
			name: "nothing set: public cloud, CLI",
			want: graph.Config{Cloud: graph.CloudPublic, Credentials: graph.Credentials{UseCLI: true}},
		},
		{
			name: "client secret from the environment",
			env:  map[string]string{"ARM_TENANT_ID": testTenant, "ARM_CLIENT_ID": testClient, "ARM_CLIENT_SECRET": "s3cr3t"},
			want: graph.Config{Cloud: graph.CloudPublic, Credentials: graph.Credentials{
				TenantID: testTenant, ClientID: testClient, ClientSecret: "s3cr3t", UseCLI: true,
			}},
			wantSecrets: []string{"s3cr3t"},
		},
		{
			name:  "configuration wins over the environment",
			model: providerValues{"tenant_id": types.StringValue(testTenant), "client_secret": types.StringValue("from-config"), "use_cli": types.BoolValue(false)},
			env: map[string]string{
				"ARM_TENANT_ID": "99999999-9999-9999-9999-999999999999", "ARM_CLIENT_SECRET": "from-env", "ARM_USE_CLI": "true",
			},
			want:        graph.Config{Cloud: graph.CloudPublic, Credentials: graph.Credentials{TenantID: testTenant, ClientSecret: "from-config"}},
			wantSecrets: []string{"from-config"},
		},
		{
			name: "empty environment variables count as unset",
			env:  map[string]string{"ARM_TENANT_ID": "", "ARM_USE_CLI": "", "ARM_ENVIRONMENT": ""},
			want: graph.Config{Cloud: graph.CloudPublic, Credentials: graph.Credentials{UseCLI: true}},
		},
		{
			name: "GitHub Actions OIDC variables",
			env: map[string]string{
				"ARM_USE_OIDC": "true", "ACTIONS_ID_TOKEN_REQUEST_URL": "https://token.actions.example/x?audience=a",
				"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "gh-request-token", "ARM_USE_CLI": "false",
			},
			want: graph.Config{Cloud: graph.CloudPublic, Credentials: graph.Credentials{
				UseOIDC: true, OIDCRequestURL: "https://token.actions.example/x?audience=a", OIDCRequestToken: "gh-request-token",
			}},
			wantSecrets: []string{"gh-request-token"},
		},
		{
			name: "ARM_OIDC_* wins over ACTIONS_ID_TOKEN_*",
			env: map[string]string{
				"ARM_OIDC_REQUEST_URL": "https://a.example/token", "ACTIONS_ID_TOKEN_REQUEST_URL": "https://b.example/token",
				"ARM_OIDC_REQUEST_TOKEN": "arm", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "actions",
				"ARM_OIDC_TOKEN_FILE_PATH": "/var/run/token", "ARM_OIDC_TOKEN": "jwt",
			},
			want: graph.Config{Cloud: graph.CloudPublic, Credentials: graph.Credentials{
				OIDCRequestURL: "https://a.example/token", OIDCRequestToken: "arm",
				OIDCTokenFilePath: "/var/run/token", OIDCToken: "jwt", UseCLI: true,
			}},
			wantSecrets: []string{"jwt", "arm"},
		},
		{
			name: "client id and secret files",
			env:  map[string]string{"ARM_CLIENT_ID_FILE_PATH": "/run/secrets/client-id", "ARM_CLIENT_SECRET_FILE_PATH": "/run/secrets/client-secret"},
			want: graph.Config{Cloud: graph.CloudPublic, Credentials: graph.Credentials{
				ClientIDFilePath: "/run/secrets/client-id", ClientSecretFilePath: "/run/secrets/client-secret", UseCLI: true,
			}},
		},
		{
			name: "AKS workload identity reads the webhook's variables",
			env: map[string]string{
				"ARM_USE_AKS_WORKLOAD_IDENTITY": "true", "AZURE_FEDERATED_TOKEN_FILE": "/var/run/secrets/azure/tokens/azure-identity-token",
				"AZURE_CLIENT_ID": testClient, "AZURE_TENANT_ID": testTenant,
			},
			want: graph.Config{Cloud: graph.CloudPublic, Credentials: graph.Credentials{
				UseAKSWorkloadIdentity: true, UseCLI: true, Workload: credential.WorkloadIdentity{
					TokenFile: "/var/run/secrets/azure/tokens/azure-identity-token", ClientID: testClient, TenantID: testTenant,
				},
			}},
		},
		{
			name: "the webhook's variables mean nothing without use_aks_workload_identity",
			env:  map[string]string{"AZURE_FEDERATED_TOKEN_FILE": "/var/run/token", "AZURE_CLIENT_ID": testClient},
			want: graph.Config{Cloud: graph.CloudPublic, Credentials: graph.Credentials{UseCLI: true}},
		},
		{
			name: "managed identity",
			env:  map[string]string{"ARM_USE_MSI": "1", "ARM_MSI_ENDPOINT": "http://169.254.169.254/metadata/identity/oauth2/token", "ARM_CLIENT_ID": testClient},
			want: graph.Config{Cloud: graph.CloudPublic, Credentials: graph.Credentials{
				ClientID: testClient, UseMSI: true, MSIEndpoint: "http://169.254.169.254/metadata/identity/oauth2/token", UseCLI: true,
			}},
		},
		{
			name: "certificate from the environment is decoded",
			env:  map[string]string{"ARM_CLIENT_CERTIFICATE": cert64, "ARM_CLIENT_CERTIFICATE_PASSWORD": "pfx-pass"},
			want: graph.Config{Cloud: graph.CloudPublic, Credentials: graph.Credentials{
				ClientCertificate: certDER, ClientCertificatePassword: "pfx-pass", UseCLI: true,
			}},
			wantSecrets: []string{"pfx-pass", cert64},
		},
		{
			name:  "a configured certificate path hides the environment's certificate",
			model: providerValues{"client_certificate_path": types.StringValue("/etc/app.pfx")},
			env:   map[string]string{"ARM_CLIENT_CERTIFICATE": cert64},
			want:  graph.Config{Cloud: graph.CloudPublic, Credentials: graph.Credentials{ClientCertificatePath: "/etc/app.pfx", UseCLI: true}},
		},
		{
			name:        "both certificates in the environment conflict",
			env:         map[string]string{"ARM_CLIENT_CERTIFICATE": cert64, "ARM_CLIENT_CERTIFICATE_PATH": "/etc/app.pfx"},
			want:        graph.Config{Cloud: graph.CloudPublic, Credentials: graph.Credentials{ClientCertificatePath: "/etc/app.pfx", UseCLI: true}},
			wantErrs:    []string{"Both ARM_CLIENT_CERTIFICATE and ARM_CLIENT_CERTIFICATE_PATH are set"},
			wantSecrets: []string{cert64},
		},
		{
			name:        "certificate that is not base64",
			env:         map[string]string{"ARM_CLIENT_CERTIFICATE": "%%%"},
			want:        graph.Config{Cloud: graph.CloudPublic, Credentials: graph.Credentials{UseCLI: true}},
			wantErrs:    []string{"ARM_CLIENT_CERTIFICATE, used because client_certificate is not set"},
			wantSecrets: []string{"%%%"},
		},
		{
			name: "azuread's environment names",
			env:  map[string]string{"ARM_ENVIRONMENT": "USGovernmentL5"},
			want: graph.Config{Cloud: graph.CloudDoD, Credentials: graph.Credentials{UseCLI: true}},
		},
		{
			name:  "china cloud with endpoint overrides",
			model: providerValues{"environment": types.StringValue("china")},
			env:   map[string]string{envGraphEndpoint: "http://127.0.0.1:8443", envAuthorityHost: "https://login.example.net/"},
			want: graph.Config{
				Cloud: graph.CloudChina, GraphEndpoint: "http://127.0.0.1:8443", AuthorityHost: "https://login.example.net/",
				Credentials: graph.Credentials{UseCLI: true},
			},
		},
		{
			name: "bad values from the environment are reported, each",
			env: map[string]string{
				"ARM_TENANT_ID": "contoso", "ARM_USE_CLI": "maybe", "ARM_ENVIRONMENT": "mars",
				envGraphEndpoint: "http://graph.example.net", envAuthorityHost: "http://localhost:1",
			},
			want: graph.Config{
				Cloud: "", GraphEndpoint: "http://graph.example.net", AuthorityHost: "http://localhost:1",
				Credentials: graph.Credentials{TenantID: "contoso", UseCLI: true},
			},
			wantErrs: []string{
				`ARM_TENANT_ID, used because tenant_id is not set in the provider block: the value is not a GUID`,
				"ARM_USE_CLI, used because use_cli is not set in the provider block, must be true or false",
				`unknown cloud "mars"`,
				"graph_endpoint http://graph.example.net uses plain http",
				"authority_host http://localhost:1 must use https",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, secrets, diags := resolveConfig(tt.model, envOf(tt.env))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSecrets, secrets, cmpEmptyIsNil()); diff != "" {
				t.Errorf("secrets (-want +got):\n%s", diff)
			}
			errs := diags.Errors()
			if len(errs) != len(tt.wantErrs) {
				t.Fatalf("got %d errors, want %d: %v", len(errs), len(tt.wantErrs), errs)
			}
			for i, want := range tt.wantErrs {
				if !strings.Contains(errs[i].Detail(), want) {
					t.Errorf("error %d = %q, want it to contain %q", i, errs[i].Detail(), want)
				}
			}
		})
	}
}

func cmpEmptyIsNil() cmp.Option {
	return cmp.FilterValues(func(a, b []string) bool { return len(a) == 0 && len(b) == 0 }, cmp.Ignore())
}

// TestResolveConfigNeverEchoesSecrets checks that a secret given in a bad
// shape, or set in the wrong place, is not quoted back in the error.
func TestResolveConfigNeverEchoesSecrets(t *testing.T) {
	t.Parallel()
	const secret = "Q8~c2VjcmV0IGNlcnQ*.xYz" // a client secret's shape; not base64 because of the '*'
	tests := []struct {
		name  string
		model providerValues
		env   map[string]string
	}{
		{name: "certificate that is not base64", env: map[string]string{"ARM_CLIENT_CERTIFICATE": secret}},
		{name: "secret in ARM_CLIENT_ID", env: map[string]string{"ARM_CLIENT_ID": secret}},
		{name: "secret in ARM_TENANT_ID", env: map[string]string{"ARM_TENANT_ID": secret}},
		{name: "secret in client_id", model: providerValues{"client_id": types.StringValue(secret)}},
		{name: "secret in tenant_id", model: providerValues{"tenant_id": types.StringValue(secret)}},
		{name: "secret in ARM_USE_OIDC", env: map[string]string{"ARM_USE_OIDC": secret}},
		{name: "secret in ARM_USE_MSI", env: map[string]string{"ARM_USE_MSI": secret}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, diags := resolveConfig(tt.model, envOf(tt.env))
			if !diags.HasError() {
				t.Fatal("want an error for the value")
			}
			for _, d := range diags {
				if strings.Contains(d.Summary()+d.Detail(), secret) {
					t.Errorf("diagnostic quotes the secret: %s: %s", d.Summary(), d.Detail())
				}
			}
		})
	}
}
