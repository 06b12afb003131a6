package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestUnknownProviderConfiguration: provider arguments that depend on
// resources not created yet defer the provider's configuration when
// Terraform can defer (the framework then answers the read as deferred
// without calling the data source), and otherwise fail the read with the
// names of those arguments, never with a half configured client.
func TestUnknownProviderConfiguration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		deferral     bool
		wantDeferred bool
		wantError    string
	}{
		{name: "deferral allowed", deferral: true, wantDeferred: true},
		{name: "deferral not allowed", wantError: "client_secret, tenant_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			server, err := providerserver.NewProtocol6WithError(&AADProvider{version: "test", lookupEnv: envOf(nil)})()
			if err != nil {
				t.Fatal(err)
			}
			schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
			if err != nil {
				t.Fatal(err)
			}
			configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{
				Config: configValue(t, schemas.Provider, map[string]tftypes.Value{
					"tenant_id": unknownStr(), "client_id": str(testClient), "client_secret": unknownStr(),
				}),
				ClientCapabilities: &tfprotov6.ConfigureProviderClientCapabilities{DeferralAllowed: tt.deferral},
			})
			if err != nil || len(configured.Diagnostics) > 0 {
				t.Fatalf("configure: %v %v", err, configured.Diagnostics)
			}
			read, err := server.ReadDataSource(ctx, &tfprotov6.ReadDataSourceRequest{
				TypeName:           "aad_users_export",
				Config:             configValue(t, schemas.DataSourceSchemas["aad_users_export"], map[string]tftypes.Value{"output_path": str(t.TempDir() + "/u.csv")}),
				ClientCapabilities: &tfprotov6.ReadDataSourceClientCapabilities{DeferralAllowed: tt.deferral},
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := read.Deferred != nil; got != tt.wantDeferred {
				t.Errorf("read deferred = %v, want %v", got, tt.wantDeferred)
			}
			if tt.wantDeferred {
				// The framework's answer for a provider that deferred its
				// configuration: the whole state unknown.
				dsType := schemas.DataSourceSchemas["aad_users_export"].ValueType()
				if state, err := read.State.Unmarshal(dsType); err != nil || state.IsKnown() {
					t.Errorf("deferred read state = %v (%v), want the framework's wholly unknown value", state, err)
				}
			}
			var errs []string
			for _, d := range read.Diagnostics {
				errs = append(errs, d.Summary+": "+d.Detail)
			}
			switch {
			case tt.wantError == "" && len(errs) > 0:
				t.Errorf("unexpected diagnostics: %q", errs)
			case tt.wantError != "" && (len(errs) != 1 || !strings.Contains(errs[0], tt.wantError)):
				t.Errorf("diagnostics %q, want one error naming %q", errs, tt.wantError)
			}
		})
	}
}
