package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aad-export/terraform-provider-aad/internal/graph"
	"github.com/aad-export/terraform-provider-aad/internal/graph/credential"
)

func TestChecks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		check   func(string) error
		value   string
		wantErr string // "" = valid
	}{
		{"guid", checkGUID, "0b8d6c1e-33a4-4c4f-9f0e-5d2b0c6f1a7e", ""},
		{"guid upper case", checkGUID, "0B8D6C1E-33A4-4C4F-9F0E-5D2B0C6F1A7E", ""},
		{"guid with braces", checkGUID, "{0b8d6c1e-33a4-4c4f-9f0e-5d2b0c6f1a7e}", "is not a GUID"},
		{"guid misplaced dash", checkGUID, "0b8d6c1e3-3a4-4c4f-9f0e-5d2b0c6f1a7e", "is not a GUID"},
		{"guid not hex", checkGUID, "0b8d6c1e-33a4-4c4f-9f0e-5d2b0c6f1a7g", "is not a GUID"},
		{"guid domain", checkGUID, "contoso.onmicrosoft.com", "is not a GUID"},
		{"endpoint https", graph.CheckGraphEndpoint, "https://graph.microsoft.com", ""},
		{"endpoint https with path", graph.CheckGraphEndpoint, "https://proxy.example.net/graph/", ""},
		{"endpoint http loopback v4", graph.CheckGraphEndpoint, "http://127.0.0.1:8080", ""},
		{"endpoint http loopback v6", graph.CheckGraphEndpoint, "http://[::1]:8080", ""},
		{"endpoint http localhost", graph.CheckGraphEndpoint, "http://LocalHost:8080", ""},
		{"endpoint http remote", graph.CheckGraphEndpoint, "http://graph.example.net", "uses plain http"},
		{"endpoint http private address", graph.CheckGraphEndpoint, "http://10.0.0.1", "uses plain http"},
		{"endpoint http other loopback address", graph.CheckGraphEndpoint, "http://127.0.0.2:8080", "uses plain http"},
		{"endpoint http loopback lookalike", graph.CheckGraphEndpoint, "http://127.0.0.1.example.net", "uses plain http"},
		{"endpoint ftp", graph.CheckGraphEndpoint, "ftp://graph.example.net", "must use https"},
		{"endpoint relative", graph.CheckGraphEndpoint, "graph.example.net", "must be a URL of the form https://host"},
		{"endpoint credentials", graph.CheckGraphEndpoint, "https://user:pw@graph.example.net", "without credentials"},
		{"endpoint query", graph.CheckGraphEndpoint, "https://graph.example.net/?x=1", "without credentials, query"},
		{"request url with query", credential.CheckOIDCRequestURL, "https://token.actions.example/idtoken?api-version=2.0", ""},
		{"request url http remote", credential.CheckOIDCRequestURL, "http://token.example/idtoken?api-version=2.0", "plain http"},
		{"request url credentials", credential.CheckOIDCRequestURL, "https://u:p@token.example/", "without credentials"},
		{"authority https", graph.CheckAuthorityHost, "https://login.microsoftonline.us/", ""},
		{"authority http loopback", graph.CheckAuthorityHost, "http://127.0.0.1:1", "must use https"},
		{"msi http", credential.CheckMSIEndpoint, "http://169.254.169.254/metadata/identity/oauth2/token", ""},
		{"msi http remote", credential.CheckMSIEndpoint, "http://identity.example.net/token", "must use https, or http to a loopback or link-local address"},
		{"msi relative", credential.CheckMSIEndpoint, "/metadata", "not an absolute URL"},
		{"base64", checkBase64, "aGVsbG8=", ""},
		{"base64 with newline", checkBase64, "aGVsbG8=\n", ""},
		{"base64 empty", checkBase64, "", "empty"},
		{"base64 invalid", checkBase64, "hello world", "not valid standard base64"},
		{"environment alias", checkEnvironment, "Global", ""},
		{"environment unknown", checkEnvironment, "german", `unknown cloud "german"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.check(tt.value)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("check(%q) = %v, want nil", tt.value, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("check(%q) = %v, want an error containing %q", tt.value, err, tt.wantErr)
			}
		})
	}
}

// TestStringCheckSkipsUnknownAndNull: values not known at plan time are
// checked when they are, and an absent value is not an error.
func TestStringCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		value   types.String
		wantErr bool
	}{
		{"null", types.StringNull(), false},
		{"unknown", types.StringUnknown(), false},
		{"valid", types.StringValue(testTenant), false},
		{"invalid", types.StringValue("nope"), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp := &validator.StringResponse{}
			guid().ValidateString(context.Background(), validator.StringRequest{Path: path.Root("tenant_id"), ConfigValue: tt.value}, resp)
			if got := resp.Diagnostics.HasError(); got != tt.wantErr {
				t.Errorf("HasError() = %v, want %v: %v", got, tt.wantErr, resp.Diagnostics)
			}
		})
	}
}

func TestBase64ErrorDoesNotQuoteTheValue(t *testing.T) {
	t.Parallel()
	const key = "-----BEGIN PRIVATE KEY----- secret"
	resp := &validator.StringResponse{}
	base64Value().ValidateString(context.Background(),
		validator.StringRequest{Path: path.Root("client_certificate"), ConfigValue: types.StringValue(key)}, resp)
	if !resp.Diagnostics.HasError() {
		t.Fatal("want an error")
	}
	for _, d := range resp.Diagnostics {
		if strings.Contains(d.Detail(), "secret") {
			t.Errorf("diagnostic quotes the value: %s", d.Detail())
		}
	}
}
