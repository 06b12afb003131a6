package provider

import (
	"slices"
	"testing"
)

// TestSecretAttributesAreSensitive: Terraform keeps sensitive values out of
// plan output and logs only when the schema says they are; every attribute
// that holds a credential must.
func TestSecretAttributesAreSensitive(t *testing.T) {
	t.Parallel()
	secret := []string{"client_secret", "client_certificate", "client_certificate_password", "oidc_token", "oidc_request_token"}
	_, schemas := protoServer(t)
	found := 0
	for _, a := range schemas.Provider.Block.Attributes {
		isSecret := slices.Contains(secret, a.Name)
		if isSecret {
			found++
		}
		if isSecret && !a.Sensitive {
			t.Errorf("provider attribute %s holds a secret but is not Sensitive", a.Name)
		}
	}
	if found != len(secret) {
		t.Errorf("found %d of the %d secret attributes %q in the schema", found, len(secret), secret)
	}
}
