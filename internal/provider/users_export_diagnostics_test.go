package provider

import (
	"context"
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/aad-export/terraform-provider-aad/internal/export"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
)

// readOnce configures the provider and reads the data source once, through
// the protocol Terraform speaks, and returns every diagnostic and the state:
// the CLI would collapse the warnings this test counts.
func readOnce(t *testing.T, srv *graphemu.Server, provider, attrs map[string]tftypes.Value) ([]*tfprotov6.Diagnostic, map[string]tftypes.Value) {
	t.Helper()
	ctx := context.Background()
	server, err := providerserver.NewProtocol6WithError(&AADProvider{version: "test", lookupEnv: envOf(nil)})()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	app := srv.App()
	providerAttrs := map[string]tftypes.Value{
		"tenant_id": str(srv.TenantID()), "client_id": str(app.ClientID), "client_secret": str(app.ClientSecret),
		"graph_endpoint": str(srv.URL()), "authority_host": str(srv.AuthorityHost()), "use_cli": tftypes.NewValue(tftypes.Bool, false),
	}
	for k, v := range provider {
		providerAttrs[k] = v
	}
	configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: "1.11.4", Config: configValue(t, schemas.Provider, providerAttrs),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(configured.Diagnostics) > 0 {
		return configured.Diagnostics, nil
	}
	dsSchema := schemas.DataSourceSchemas["aad_users_export"]
	read, err := server.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{
		TypeName: "aad_users_export", Config: configValue(t, dsSchema, attrs),
	})
	if err != nil {
		t.Fatal(err)
	}
	if read.State == nil {
		return read.Diagnostics, nil
	}
	state, err := read.State.Unmarshal(dsSchema.ValueType())
	if err != nil {
		t.Fatal(err)
	}
	var values map[string]tftypes.Value
	if err := state.As(&values); err != nil {
		t.Fatal(err)
	}
	return read.Diagnostics, values
}

// TestReadDiagnostics counts the diagnostics of one read exactly: per-user
// errors give at most ten detailed warnings with one summary plus a total;
// a failure of the whole export gives exactly one error, never one per user.
func TestReadDiagnostics(t *testing.T) {
	t.Parallel()
	ten := generatedTenant(t, goldenSeed, 60)
	present := pickUsers(t, ten, 2)
	missing := make([]string, 25)
	for i := range missing {
		missing[i] = fmt.Sprintf("missing%02d@contoso.onmicrosoft.com", i)
	}
	upns := append([]string{present[0].UserPrincipalName, present[1].UserPrincipalName}, missing...)
	noMethods := graphemu.DefaultApp()
	noMethods.Permissions = []string{graphemu.PermUserReadAll}

	tests := []struct {
		name         string
		cfg          graphemu.Config
		provider     map[string]tftypes.Value
		attrs        map[string]tftypes.Value
		wantWarnings []string // summaries, in order
		wantErrors   []string // summaries
		wantUsers    int64
	}{
		{
			name:  "25 users missing",
			cfg:   graphemu.Config{Tenant: ten},
			attrs: map[string]tftypes.Value{"user_principal_names": strList(upns...), "columns": strList("userPrincipalName")},
			wantWarnings: append(repeat(userErrorSummary, export.DefaultMaxDetailedErrors),
				"25 of the selected users were not exported"),
			wantUsers: 2,
		},
		{
			name:       "authentication methods forbidden, 60 users",
			cfg:        graphemu.Config{Tenant: ten, Apps: []graphemu.App{noMethods}},
			wantErrors: []string{"Missing permission to read authentication methods"},
		},
		{
			name:       "wrong secret",
			cfg:        graphemu.Config{Tenant: ten},
			provider:   map[string]tftypes.Value{"client_secret": str("wrong")},
			wantErrors: []string{"Authentication to Entra ID failed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startEmulator(t, tt.cfg)
			attrs := map[string]tftypes.Value{"output_path": str(filepath.Join(t.TempDir(), "users.csv"))}
			for k, v := range tt.attrs {
				attrs[k] = v
			}
			diags, state := readOnce(t, srv, tt.provider, attrs)
			var warnings, errs []string
			for _, d := range diags {
				if d.Severity == tfprotov6.DiagnosticSeverityError {
					errs = append(errs, d.Summary)
				} else {
					warnings = append(warnings, d.Summary)
				}
				if strings.Contains(d.Detail, srv.App().ClientSecret) {
					t.Errorf("a diagnostic holds the client secret: %s", d.Detail)
				}
			}
			if strings.Join(warnings, "\n") != strings.Join(tt.wantWarnings, "\n") {
				t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(warnings, "\n"), strings.Join(tt.wantWarnings, "\n"))
			}
			if strings.Join(errs, "\n") != strings.Join(tt.wantErrors, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(errs, "\n"), strings.Join(tt.wantErrors, "\n"))
			}
			if tt.wantErrors != nil {
				return
			}
			var count big.Float
			if state == nil || state["user_count"].As(&count) != nil {
				t.Fatalf("no user_count in the state: %v", state)
			}
			if users, _ := count.Int64(); users != tt.wantUsers {
				t.Errorf("user_count = %d, want %d", users, tt.wantUsers)
			}
		})
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}
