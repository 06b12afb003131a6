package provider

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aad-export/terraform-provider-aad/internal/graph"
	"github.com/aad-export/terraform-provider-aad/internal/graph/credential"
)

// The table names graph.Config fields by path: each must be one, of the
// argument's type, or resolveConfig would panic or fill the wrong field.
func TestArgumentsNameConfigFields(t *testing.T) {
	t.Parallel()
	var cfg graph.Config
	seen := map[string]bool{}
	for _, a := range providerArguments() {
		if seen[a.name] {
			t.Errorf("argument %s is in the table twice", a.name)
		}
		seen[a.name] = true
		f := fieldByPath(&cfg, a.field)
		switch {
		case !f.IsValid():
			t.Errorf("%s fills %s, which is not a field of graph.Config", a.name, a.field)
		case a.special:
		case a.isBool && f.Kind() != reflect.Bool, !a.isBool && f.Kind() != reflect.String:
			t.Errorf("%s is a bool: %v, but %s is a %s", a.name, a.isBool, a.field, f.Kind())
		}
		if len(a.env) == 0 {
			t.Errorf("%s has no environment variable", a.name)
		}
	}
}

// Every field a kind of credential reads is an argument, so that the
// credential list and the errors name arguments, never struct fields.
func TestEveryCredentialFieldIsAnArgument(t *testing.T) {
	t.Parallel()
	for _, k := range credential.Kinds() {
		fields := append(append([]string{}, k.Enable...), k.Optional...)
		for _, req := range k.Needs {
			for _, alt := range req {
				fields = append(fields, alt...)
			}
		}
		for _, f := range fields {
			if _, ok := argumentOf(f); !ok {
				t.Errorf("%s reads %s, which no provider argument fills", k.ID, f)
			}
		}
	}
}

func TestCredentialHelpListsEveryWay(t *testing.T) {
	t.Parallel()
	help := credentialHelp()
	for _, want := range []string{"client_certificate_path", "ARM_CLIENT_CERTIFICATE_PASSWORD", "ARM_CLIENT_SECRET", "ARM_OIDC_TOKEN_FILE_PATH",
		"ACTIONS_ID_TOKEN_REQUEST_URL", "ARM_USE_MSI", "ARM_MSI_ENDPOINT", "ARM_USE_CLI", "az login", "use_oidc = true"} {
		if !strings.Contains(help, want) {
			t.Errorf("the list of credentials does not mention %s:\n%s", want, help)
		}
	}
	var prev int
	for _, k := range credential.Kinds() {
		i := strings.Index(help, "- "+string(k.ID)+":")
		if i < prev {
			t.Errorf("%s is not listed in the order credentials are tried:\n%s", k.ID, help)
		}
		prev = i
	}
}

func TestInTerraformWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"plain", errors.New("boom"), "boom"},
		{"a field", &credential.FieldError{Field: "GraphEndpoint", Problem: "must use https"}, "graph_endpoint must use https"},
		{"wrapped and joined, naming other fields", fmt.Errorf("OIDC federated token credential: %w", errors.Join(
			&credential.FieldError{Field: "TenantID", Problem: "must be a GUID, and is not set", Unset: true},
			&credential.FieldError{Field: "OIDCRequestURL", Problem: "and {OIDCRequestToken} must be set together"})),
			"OIDC federated token credential: tenant_id must be a GUID, and is not set (ARM_TENANT_ID)\n" +
				"oidc_request_url and oidc_request_token must be set together"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := inTerraformWords(tt.err); got != tt.want {
				t.Errorf("inTerraformWords = %q, want %q", got, tt.want)
			}
		})
	}
}
