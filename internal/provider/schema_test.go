package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// protoServer serves the provider the way Terraform talks to it, so that a
// test exercises the schema, attribute validators and config validators
// together, without the CLI.
func protoServer(t *testing.T) (tfprotov6.ProviderServer, *tfprotov6.GetProviderSchemaResponse) {
	t.Helper()
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Errorf("schema: %s: %s", d.Summary, d.Detail)
	}
	return server, resp
}

// configValue builds a configuration of schema s from the given attributes;
// every other attribute (and block) is null.
func configValue(t *testing.T, s *tfprotov6.Schema, attrs map[string]tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	typ, ok := s.ValueType().(tftypes.Object)
	if !ok {
		t.Fatalf("schema type %T is not an object", s.ValueType())
	}
	values := make(map[string]tftypes.Value, len(typ.AttributeTypes))
	for name, at := range typ.AttributeTypes {
		values[name] = tftypes.NewValue(at, nil)
	}
	for name, v := range attrs {
		if _, ok := typ.AttributeTypes[name]; !ok {
			t.Fatalf("no attribute %q in the schema", name)
		}
		values[name] = v
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, values))
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

func str(s string) tftypes.Value { return tftypes.NewValue(tftypes.String, s) }

func strList(values ...string) tftypes.Value {
	elems := make([]tftypes.Value, len(values))
	for i, v := range values {
		elems[i] = str(v)
	}
	return tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, elems)
}

func unknownStr() tftypes.Value { return tftypes.NewValue(tftypes.String, tftypes.UnknownValue) }

// checkDiagnostics wants exactly one error per entry of want, each holding
// its substring, in any order.
func checkDiagnostics(t *testing.T, diags []*tfprotov6.Diagnostic, want []string) {
	t.Helper()
	var errs []string
	for _, d := range diags {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			errs = append(errs, d.Summary+": "+d.Detail)
		}
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%s", len(errs), len(want), strings.Join(errs, "\n"))
	}
	for _, w := range want {
		found := false
		for _, e := range errs {
			found = found || strings.Contains(e, w)
		}
		if !found {
			t.Errorf("no error contains %q:\n%s", w, strings.Join(errs, "\n"))
		}
	}
}

func TestProviderConfigValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		attrs map[string]tftypes.Value
		want  []string
	}{
		{name: "empty"},
		{name: "valid", attrs: map[string]tftypes.Value{
			"tenant_id": str(testTenant), "client_id": str(testClient), "client_secret": str("x"),
			"environment": str("usgovernment"), "graph_endpoint": str("http://127.0.0.1:9"), "authority_host": str("https://127.0.0.1:9/"),
			"oidc_request_url": str("https://token.example/idtoken?api-version=2.0"), "msi_endpoint": str("http://169.254.169.254/x"),
		}},
		{name: "unknown values wait", attrs: map[string]tftypes.Value{"tenant_id": unknownStr(), "graph_endpoint": unknownStr()}},
		{name: "tenant not a GUID", attrs: map[string]tftypes.Value{"tenant_id": str("contoso.onmicrosoft.com")}, want: []string{"is not a GUID"}},
		{name: "client not a GUID", attrs: map[string]tftypes.Value{"client_id": str("app")}, want: []string{"is not a GUID"}},
		{name: "unknown cloud", attrs: map[string]tftypes.Value{"environment": str("mars")}, want: []string{"mars"}},
		{name: "plain http graph", attrs: map[string]tftypes.Value{"graph_endpoint": str("http://graph.example.net")}, want: []string{"uses plain http"}},
		{name: "plain http managed identity endpoint", attrs: map[string]tftypes.Value{"msi_endpoint": str("http://identity.example.net/token")},
			want: []string{"msi_endpoint http://identity.example.net must use https"}},
		{name: "empty endpoint", attrs: map[string]tftypes.Value{"graph_endpoint": str("")}, want: []string{"graph_endpoint"}},
		{name: "empty cloud", attrs: map[string]tftypes.Value{"environment": str("")}, want: []string{"environment"}},
		{name: "plain http authority", attrs: map[string]tftypes.Value{"authority_host": str("http://127.0.0.1:9")}, want: []string{"must use https"}},
		{name: "certificate twice", attrs: map[string]tftypes.Value{
			"client_certificate": str("aGVsbG8="), "client_certificate_path": str("/x.pfx"),
		}, want: []string{"client_certificate"}},
		{name: "certificate not base64", attrs: map[string]tftypes.Value{"client_certificate": str("not base64!")}, want: []string{"base64"}},
		{name: "empty secret", attrs: map[string]tftypes.Value{"client_secret": str("")}, want: []string{"client_secret"}},
	}
	server, schemas := protoServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, err := server.ValidateProviderConfig(context.Background(), &tfprotov6.ValidateProviderConfigRequest{
				Config: configValue(t, schemas.Provider, tt.attrs),
			})
			if err != nil {
				t.Fatal(err)
			}
			checkDiagnostics(t, resp.Diagnostics, tt.want)
		})
	}
}

func TestUsersExportConfigValidation(t *testing.T) {
	t.Parallel()
	const id1, id2 = "0b8d6c1e-33a4-4c4f-9f0e-5d2b0c6f1a7e", "5a0f3b9c-7d41-4e8a-b2c6-19f0d3e4a5b6"
	out := map[string]tftypes.Value{"output_path": str("users.csv")}
	with := func(extra map[string]tftypes.Value) map[string]tftypes.Value {
		m := map[string]tftypes.Value{"output_path": str("users.csv")}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name  string
		attrs map[string]tftypes.Value
		want  []string
	}{
		{name: "minimal", attrs: out},
		{name: "no output_path", want: []string{"output_path"}},
		{name: "everything valid", attrs: with(map[string]tftypes.Value{
			"columns": strList("userPrincipalName", "employeeId"), "filter": str("accountEnabled eq true"), "search": str(`"displayName:a"`),
			"results_path": str("results.csv"), "line_ending": str("crlf"), "concurrency": tftypes.NewValue(tftypes.Number, 256),
			"timeouts": readTimeout("90m"),
		})},
		{name: "explicit lists", attrs: with(map[string]tftypes.Value{
			"user_principal_names": strList("a@contoso.com", "o'brien#EXT#@contoso.com"), "object_ids": strList(id1, id2),
		})},
		{name: "unknown values wait", attrs: with(map[string]tftypes.Value{
			"columns":      tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, []tftypes.Value{str("userPrincipalName"), unknownStr()}),
			"results_path": unknownStr(), "filter": unknownStr(),
			"object_ids": tftypes.NewValue(tftypes.List{ElementType: tftypes.String}, tftypes.UnknownValue),
		})},
		{name: "unknown column", attrs: with(map[string]tftypes.Value{"columns": strList("userPrincipalName", "userprincipalname", "nope")}),
			want: []string{"nope"}},
		{name: "unknown column lists the valid ones", attrs: with(map[string]tftypes.Value{"columns": strList("nope")}),
			want: []string{"authenticationAlternativePhoneNumber"}},
		{name: "duplicate column", attrs: with(map[string]tftypes.Value{"columns": strList("mail", "mail")}), want: []string{"mail"}},
		{name: "empty columns", attrs: with(map[string]tftypes.Value{"columns": strList()}), want: []string{"no columns given"}},
		{name: "empty user list", attrs: with(map[string]tftypes.Value{"user_principal_names": strList()}), want: []string{"at least 1"}},
		{name: "empty name", attrs: with(map[string]tftypes.Value{"user_principal_names": strList("")}), want: []string{"length"}},
		{name: "same user twice", attrs: with(map[string]tftypes.Value{"user_principal_names": strList("A@contoso.com", "a@contoso.com")}),
			want: []string{"names the same user as element 0"}},
		{name: "object id not a GUID", attrs: with(map[string]tftypes.Value{"object_ids": strList(id1, "alice@contoso.com")}),
			want: []string{`"alice@contoso.com" is not a GUID`}},
		{name: "list and filter", attrs: with(map[string]tftypes.Value{"object_ids": strList(id1), "filter": str("x eq 1")}),
			want: []string{"cannot be combined with filter or search"}},
		{name: "list and search", attrs: with(map[string]tftypes.Value{"user_principal_names": strList("a@b.c"), "search": str(`"mail:a"`)}),
			want: []string{"Conflicting user selection"}},
		{name: "results over output", attrs: with(map[string]tftypes.Value{"results_path": str("./users.csv")}),
			want: []string{"one file would replace the other"}},
		{name: "results over output on a case-insensitive file system", attrs: with(map[string]tftypes.Value{"results_path": str("Users.csv")}),
			want: []string{"results_path and output_path both name"}},
		{name: "report over changes", attrs: with(map[string]tftypes.Value{"changes_path": str("c.html"), "report_path": str("./c.html")}),
			want: []string{"report_path and changes_path both name"}},
		{name: "manifest over output", attrs: with(map[string]tftypes.Value{"manifest_path": str("users.csv")}),
			want: []string{"manifest_path and output_path both name"}},
		{name: "incremental without identity columns", attrs: with(map[string]tftypes.Value{"incremental": tftypes.NewValue(tftypes.Bool, true),
			"columns": strList("displayName", "mail")}), want: []string{"userPrincipalName and objectId (or id)"}},
		{name: "changes without identity columns", attrs: with(map[string]tftypes.Value{"changes_path": str("c.csv"),
			"columns": strList("userPrincipalName", "mail")}), want: []string{"userPrincipalName and objectId (or id)"}},
		{name: "incremental with default columns", attrs: with(map[string]tftypes.Value{"incremental": tftypes.NewValue(tftypes.Bool, true),
			"changes_path": str("c.csv"), "auth_methods_refresh": str("changed"), "report_path": str("r.html")})},
		{name: "auth methods refresh", attrs: with(map[string]tftypes.Value{"auth_methods_refresh": str("some")}), want: []string{"auth_methods_refresh"}},
		{name: "nested, extension and registration columns", attrs: with(map[string]tftypes.Value{"columns": strList("userPrincipalName",
			"signInActivity/lastSignInDateTime", "extension_0123456789abcdef0123456789abcdef_costCentre", "isMfaRegistered")})},
		{name: "line ending", attrs: with(map[string]tftypes.Value{"line_ending": str("cr")}), want: []string{"line_ending"}},
		{name: "concurrency too low", attrs: with(map[string]tftypes.Value{"concurrency": tftypes.NewValue(tftypes.Number, 0)}),
			want: []string{"between 1 and 256"}},
		{name: "concurrency too high", attrs: with(map[string]tftypes.Value{"concurrency": tftypes.NewValue(tftypes.Number, 257)}),
			want: []string{"between 1 and 256"}},
		{name: "bad timeout", attrs: with(map[string]tftypes.Value{"timeouts": readTimeout("forever")}), want: []string{"forever"}},
	}
	server, schemas := protoServer(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, err := server.ValidateDataResourceConfig(context.Background(), &tfprotov6.ValidateDataResourceConfigRequest{
				TypeName: "aad_users_export",
				Config:   configValue(t, schemas.DataSourceSchemas["aad_users_export"], tt.attrs),
			})
			if err != nil {
				t.Fatal(err)
			}
			checkDiagnostics(t, resp.Diagnostics, tt.want)
		})
	}
}
