package credential

import (
	"strings"
	"testing"
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
		{"msi: unset", CheckMSIEndpoint, "", ""},
		{"msi: the metadata service", CheckMSIEndpoint, imdsEndpoint, ""},
		{"msi: http to loopback", CheckMSIEndpoint, "http://127.0.0.1:50342/oauth2/token", ""},
		{"msi: http to localhost", CheckMSIEndpoint, "http://localhost:50342/oauth2/token", ""},
		{"msi: http to IPv6 link-local", CheckMSIEndpoint, "http://[fe80::1]/token", ""},
		{"msi: https anywhere", CheckMSIEndpoint, "https://identity.example.net/token", ""},
		{"msi: http to another host", CheckMSIEndpoint, "http://identity.example.net/token?secret=" + secretInValue, "must use https"},
		{"msi: http to a private address", CheckMSIEndpoint, "http://10.0.0.1/token", "must use https"},
		{"msi: not absolute", CheckMSIEndpoint, "/token?secret=" + secretInValue, "not an absolute URL"},
		{"oidc: unset", CheckOIDCRequestURL, "", ""},
		{"oidc: https", CheckOIDCRequestURL, "https://token.actions.example.net/token?api-version=2.0", ""},
		{"oidc: http to loopback", CheckOIDCRequestURL, "http://127.0.0.1:8080/token", ""},
		{"oidc: http elsewhere", CheckOIDCRequestURL, "http://token.example.net/?t=" + secretInValue, "must use https"},
		{"oidc: not absolute", CheckOIDCRequestURL, "token?t=" + secretInValue, "not an absolute URL"},
		{"oidc: credentials", CheckOIDCRequestURL, "https://u:" + secretInValue + "@token.example.net/", "without credentials"},
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

func TestIsGUID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"7d0b1f6e-2a4c-4e58-9b3d-5c6a7e8f9012", true},
		{"7D0B1F6E-2A4C-4E58-9B3D-5C6A7E8F9012", true},
		{"00000000-0000-0000-0000-000000000000", true},
		{"", false},
		{"7d0b1f6e-2a4c-4e58-9b3d-5c6a7e8f901", false},
		{"7d0b1f6e-2a4c-4e58-9b3d-5c6a7e8f90123", false},
		{"{7d0b1f6e-2a4c-4e58-9b3d-5c6a7e8f9012}", false},
		{"7d0b1f6e2a4c4e589b3d5c6a7e8f9012", false},
		{"7d0b1f6e-2a4c-4e58-9b3d_5c6a7e8f9012", false},
		{"7d0b1f6e-2a4c4-e58-9b3d-5c6a7e8f9012", false},
		{"7d0b1f6g-2a4c-4e58-9b3d-5c6a7e8f9012", false},
		{"contoso.onmicrosoft.com", false},
	}
	for _, tt := range tests {
		if got := IsGUID(tt.in); got != tt.want {
			t.Errorf("IsGUID(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
