package provider

import (
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/aad-export/terraform-provider-aad/internal/export"
	"github.com/aad-export/terraform-provider-aad/internal/graph"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
)

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
			// Through the protocol Terraform speaks: the CLI would collapse
			// the warnings this test counts.
			res := readAt(t.Context(), t, srv.URL(), nil, tt.provider, attrs)
			diags, state := res.diags, res.state
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

// A refused registration report is one error that names the permission or
// the licence, and the columns to drop.
func TestRegistrationDiagnostics(t *testing.T) {
	t.Parallel()
	cols := []string{"userPrincipalName", "isMfaRegistered", "methodsRegistered"}
	fc := failureContext{tenantID: "7d0b1f6e-2a4c-4e58-9b3d-5c6a7e8f9012", clientID: "3f2a9c1e-8b7d-4c6a-a5e4-0d1c2b3a4f56", columns: cols}
	for code, want := range map[string][]string{
		"Authentication_MSGraphPermissionMissing":               {"Missing permission to read the registration report", "AuditLog.Read.All", "isMfaRegistered, methodsRegistered"},
		"Authentication_RequestFromNonPremiumTenantOrB2CTenant": {"licence does not include these columns", "P1 or P2", "isMfaRegistered, methodsRegistered"},
	} {
		summary, advice := graphAdvice(&graph.Error{Operation: graph.OpRegistration, Status: 403, Code: code}, fc)
		for _, w := range want {
			if !strings.Contains(summary+" "+advice, w) {
				t.Errorf("%s: %q / %q does not say %q", code, summary, advice, w)
			}
		}
	}
}
