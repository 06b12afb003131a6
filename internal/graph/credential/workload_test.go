package credential

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestResolve(t *testing.T) {
	t.Parallel()
	const (
		secret     = "file-Secret~9d2c-never-shown"
		otherAKSID = "99999999-9999-9999-9999-999999999999"
	)
	idFile := writeFile(t, "client-id", "  "+testClient+"\n")
	secretFile := writeFile(t, "client-secret", secret+"\n")
	emptyFile := writeFile(t, "empty", " \n")
	tokenFile := writeFile(t, "azure-identity-token", "aks.jwt.token\n")
	missing := filepath.Join(t.TempDir(), "missing")
	aks := WorkloadIdentity{TokenFile: tokenFile, ClientID: testClient, TenantID: testTenant}
	tests := []struct {
		name    string
		in      Credentials
		want    Credentials
		wantErr string // a substring of the error; "" = none
	}{
		{name: "nothing to read", in: Credentials{ClientID: testClient}, want: Credentials{ClientID: testClient}},
		{
			name: "client id and secret files, trimmed",
			in:   Credentials{ClientIDFilePath: idFile, ClientSecretFilePath: secretFile},
			want: Credentials{ClientID: testClient, ClientSecret: secret},
		},
		{
			name: "a file that agrees with the value given",
			in:   Credentials{ClientID: testClient, ClientIDFilePath: idFile, ClientSecret: secret, ClientSecretFilePath: secretFile},
			want: Credentials{ClientID: testClient, ClientSecret: secret},
		},
		{name: "a file that disagrees", in: Credentials{ClientSecret: "other", ClientSecretFilePath: secretFile},
			wantErr: "ClientSecretFilePath holds another value than ClientSecret"},
		{name: "a missing file", in: Credentials{ClientIDFilePath: missing}, wantErr: "ClientIDFilePath cannot be read"},
		{name: "an empty file", in: Credentials{ClientSecretFilePath: emptyFile}, wantErr: "ClientSecretFilePath names an empty file"},
		{
			name: "AKS workload identity",
			in:   Credentials{UseAKSWorkloadIdentity: true, Workload: aks},
			want: Credentials{TenantID: testTenant, ClientID: testClient, UseOIDC: true, UseAKSWorkloadIdentity: true, OIDCTokenFilePath: tokenFile},
		},
		{
			name: "AKS ids that agree with those given",
			in:   Credentials{UseAKSWorkloadIdentity: true, Workload: aks, TenantID: testTenant, ClientID: testClient, OIDCToken: "aks.jwt.token"},
			want: Credentials{TenantID: testTenant, ClientID: testClient, UseOIDC: true, UseAKSWorkloadIdentity: true, OIDCTokenFilePath: tokenFile},
		},
		{name: "AKS tenant that disagrees", in: Credentials{UseAKSWorkloadIdentity: true, Workload: aks, TenantID: otherAKSID},
			wantErr: "TenantID differs from AZURE_TENANT_ID"},
		{name: "AKS client that disagrees", in: Credentials{UseAKSWorkloadIdentity: true, Workload: aks, ClientID: otherAKSID},
			wantErr: "ClientID differs from AZURE_CLIENT_ID"},
		{name: "AKS token that disagrees with the token given", in: Credentials{UseAKSWorkloadIdentity: true, Workload: aks, OIDCToken: "another"},
			wantErr: "differs from the one OIDCToken or OIDCTokenFilePath gives"},
		{name: "AKS token file missing", in: Credentials{UseAKSWorkloadIdentity: true, Workload: WorkloadIdentity{TokenFile: missing}},
			wantErr: "AZURE_FEDERATED_TOKEN_FILE names a file that cannot be read"},
		{name: "AKS without a token file nor a token", in: Credentials{UseAKSWorkloadIdentity: true},
			wantErr: "AZURE_FEDERATED_TOKEN_FILE is not"},
		{
			name: "AKS without a token file, with a token given",
			in:   Credentials{UseAKSWorkloadIdentity: true, OIDCToken: "configured"},
			want: Credentials{UseAKSWorkloadIdentity: true, UseOIDC: true, OIDCToken: "configured"},
		},
		{
			name: "AKS environment ignored without use_aks_workload_identity",
			in:   Credentials{Workload: aks, TenantID: otherAKSID},
			want: Credentials{Workload: aks, TenantID: otherAKSID},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Resolve(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error shows the file's secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Resolve (-want +got):\n%s", diff)
			}
			again, err := Resolve(got)
			if err != nil || !cmp.Equal(got, again) {
				t.Errorf("resolving twice changed the credentials: %+v, %v", again, err)
			}
		})
	}
}

func TestWorkloadIdentityFromEnv(t *testing.T) {
	t.Parallel()
	env := map[string]string{EnvFederatedTokenFile: "/var/run/secrets/azure/tokens/azure-identity-token", EnvClientID: testClient, EnvTenantID: " "}
	got := WorkloadIdentityFromEnv(func(name string) (string, bool) { v, ok := env[name]; return v, ok })
	want := WorkloadIdentity{TokenFile: env[EnvFederatedTokenFile], ClientID: testClient}
	if got != want {
		t.Errorf("WorkloadIdentityFromEnv = %+v, want %+v", got, want)
	}
}

// The federated token of AKS is read again at each renewal: the kubelet
// replaces the file before the token in it expires.
func TestAKSTokenIsReadAtEachRenewal(t *testing.T) {
	t.Parallel()
	path := writeFile(t, "azure-identity-token", "first\n")
	c, err := Resolve(Credentials{UseAKSWorkloadIdentity: true, Workload: WorkloadIdentity{TokenFile: path}})
	if err != nil {
		t.Fatal(err)
	}
	src, err := newAssertionSource(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"first", "second"} {
		if got, err := src.get(t.Context()); err != nil || got != want {
			t.Fatalf("get = %q, %v; want %q", got, err, want)
		}
		if err := os.WriteFile(path, []byte("second"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}
