package graph

import (
	"errors"
	"strings"
	"testing"

	"github.com/aad-export/terraform-provider-aad/internal/graph/credential"
)

// secretInValue is planted in the values the checks refuse: their errors
// must not repeat it.
const secretInValue = "hunter2-secret"

func TestChecks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		check func(string) error
		in    string
		err   string // "" = valid
	}{
		{"graph: unset", CheckGraphEndpoint, "", ""},
		{"graph: https", CheckGraphEndpoint, "https://graph.example.net", ""},
		{"graph: https with a path and version", CheckGraphEndpoint, "https://proxy.example.net/graph/v1.0", ""},
		{"graph: http to 127.0.0.1", CheckGraphEndpoint, "http://127.0.0.1:8080", ""},
		{"graph: http to localhost", CheckGraphEndpoint, "http://localhost:8080", ""},
		{"graph: http to [::1]", CheckGraphEndpoint, "http://[::1]:8080", ""},
		{"graph: http elsewhere", CheckGraphEndpoint, "http://graph.example.net", "plain http"},
		{"graph: http to a link-local address", CheckGraphEndpoint, "http://169.254.169.254", "plain http"},
		{"graph: credentials", CheckGraphEndpoint, "https://user:" + secretInValue + "@graph.example.net", "without credentials"},
		{"graph: a query", CheckGraphEndpoint, "https://graph.example.net/?sig=" + secretInValue, "without credentials, query"},
		{"graph: a fragment", CheckGraphEndpoint, "https://graph.example.net/#" + secretInValue, "or fragment"},
		{"graph: no scheme", CheckGraphEndpoint, "graph.example.net", "https://host"},
		{"graph: ftp", CheckGraphEndpoint, "ftp://graph.example.net", "must use https"},
		{"graph: unparsable", CheckGraphEndpoint, "https://graph.example.net/%zz?sig=" + secretInValue, "not a URL"},

		{"authority: unset", CheckAuthorityHost, "", ""},
		{"authority: https", CheckAuthorityHost, "https://login.example.net", ""},
		{"authority: http even on loopback", CheckAuthorityHost, "http://127.0.0.1:8443", "must use https"},
		{"authority: credentials", CheckAuthorityHost, "https://u:" + secretInValue + "@login.example.net", "without credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.check(tt.in)
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("error %v, want none", err)
			case tt.err == "":
				return
			case err == nil || !strings.Contains(err.Error(), tt.err):
				t.Fatalf("error %v, want one saying %q", err, tt.err)
			case strings.Contains(err.Error(), secretInValue):
				t.Errorf("the error repeats the value's secret: %v", err)
			}
		})
	}
}

// TestChecksNameConfigFields holds the exported checks to the field names
// New's own errors use (Config's), which the provider maps to its argument
// names: a check naming a field its own way would escape that mapping.
func TestChecksNameConfigFields(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		check func(string) error
		field string
	}{
		{CheckGraphEndpoint, "GraphEndpoint"},
		{CheckAuthorityHost, "AuthorityHost"},
	} {
		var fe *credential.FieldError
		if err := tt.check("ftp://example.net"); !errors.As(err, &fe) || fe.Field != tt.field {
			t.Errorf("%v: want a *credential.FieldError for %s", err, tt.field)
		}
	}
}

func TestParseCloud(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want Cloud
		ok   bool
	}{
		{"", CloudPublic, true},
		{"public", CloudPublic, true},
		{"PUBLIC", CloudPublic, true},
		{"global", CloudPublic, true},
		{"usgovernment", CloudUSGovernment, true},
		{"UsGovernmentL4", CloudUSGovernment, true},
		{"dod", CloudDoD, true},
		{"usgovernmentl5", CloudDoD, true},
		{"China", CloudChina, true},
		{"mars", "", false},
		{"usgov", "", false},
		{" public", "", false},
	}
	for _, tt := range tests {
		got, err := ParseCloud(tt.in)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("ParseCloud(%q) = %q, %v; want %q, ok %v", tt.in, got, err, tt.want, tt.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "valid clouds are public, usgovernment, dod, china") {
			t.Errorf("ParseCloud(%q): error %v does not list the clouds", tt.in, err)
		}
	}
}
