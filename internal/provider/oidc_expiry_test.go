package provider

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
)

// A static OIDC token (given, or in a file) that expires before the read's
// deadline gets a warning at the start of the read, naming when and what to
// use instead; the export itself goes on. The token lives ten minutes here.
func TestOIDCTokenExpiryWarning(t *testing.T) {
	t.Parallel()
	ca := newCertApp(t)
	srv := startEmulator(t, graphemu.Config{Tenant: generatedTenant(t, 8, credentialUsers), Apps: []graphemu.App{ca.app}})
	token := ca.assertion(t, srv)
	tokenFile := filepath.Join(t.TempDir(), "id-token.jwt")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	oidc := func(attr, value string) map[string]tftypes.Value {
		return map[string]tftypes.Value{
			"client_id": str(ca.app.ClientID), "client_secret": tftypes.NewValue(tftypes.String, nil),
			"use_oidc": tftypes.NewValue(tftypes.Bool, true), attr: str(value),
		}
	}
	tests := []struct {
		name     string
		provider map[string]tftypes.Value
		timeout  string // "" = the default, an hour
		want     []string
	}{
		{name: "oidc_token, default timeout", provider: oidc("oidc_token", token),
			want: []string{"oidc_token", "expires at 20", "before the read timeout of 1h0m0s", "oidc_token_file_path", "oidc_request_url", "timeouts"}},
		{name: "oidc_token_file_path, default timeout", provider: oidc("oidc_token_file_path", tokenFile),
			want: []string{"in oidc_token_file_path", "read again at each renewal", "oidc_request_url"}},
		{name: "oidc_token, a timeout within its life", provider: oidc("oidc_token", token), timeout: "5m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			attrs := map[string]tftypes.Value{"output_path": str(filepath.Join(t.TempDir(), "users.csv")), "columns": strList("userPrincipalName")}
			if tt.timeout != "" {
				attrs["timeouts"] = readTimeout(tt.timeout)
			}
			res := readAt(t.Context(), t, srv.URL(), nil, tt.provider, attrs)
			if res.failed() {
				t.Fatalf("the read failed: %s", res.summaries())
			}
			var warning string
			for _, w := range res.warnings() {
				if w.Summary == "OIDC token expires before the export may end" {
					warning = w.Detail
				}
				if strings.Contains(w.Detail, token) {
					t.Errorf("a warning shows the token: %s", w.Detail)
				}
			}
			if len(tt.want) == 0 {
				if warning != "" {
					t.Errorf("warned although the token outlives the read: %s", warning)
				}
				return
			}
			if warning == "" {
				t.Fatalf("no expiry warning; diagnostics: %s", res.summaries())
			}
			for _, w := range tt.want {
				if !strings.Contains(warning, w) {
					t.Errorf("the warning lacks %q:\n%s", w, warning)
				}
			}
		})
	}
}
