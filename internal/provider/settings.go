package provider

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aad-export/terraform-provider-aad/internal/graph"
)

// Environment variables of the two endpoint overrides. The azuread provider
// has no equivalent, so they carry this provider's prefix: an ARM_ name could
// redirect other Azure tools that share the shell.
const (
	envGraphEndpoint = "AAD_GRAPH_ENDPOINT"
	envAuthorityHost = "AAD_AUTHORITY_HOST"
)

// resolveConfig merges the provider block with the environment: a value in
// the configuration wins over its environment variable; an empty variable
// counts as unset. It returns the Graph configuration and the secret values
// it holds (so that logging can mask them). Values taken from the
// environment get the same checks the schema validators apply to the
// configuration.
func resolveConfig(m providerModel, lookupEnv func(string) (string, bool)) (graph.Config, []string, diag.Diagnostics) {
	r := resolver{lookupEnv: lookupEnv}
	creds := graph.Credentials{
		TenantID:                  r.str("tenant_id", m.TenantID, checkGUID, "ARM_TENANT_ID"),
		ClientID:                  r.str("client_id", m.ClientID, checkGUID, "ARM_CLIENT_ID"),
		ClientSecret:              r.str("client_secret", m.ClientSecret, nil, "ARM_CLIENT_SECRET"),
		ClientCertificatePassword: r.str("client_certificate_password", m.ClientCertificatePassword, nil, "ARM_CLIENT_CERTIFICATE_PASSWORD"),
		UseOIDC:                   r.boolean("use_oidc", m.UseOIDC, false, "ARM_USE_OIDC"),
		OIDCToken:                 r.str("oidc_token", m.OIDCToken, nil, "ARM_OIDC_TOKEN"),
		OIDCTokenFilePath:         r.str("oidc_token_file_path", m.OIDCTokenFilePath, nil, "ARM_OIDC_TOKEN_FILE_PATH"),
		OIDCRequestURL:            r.str("oidc_request_url", m.OIDCRequestURL, graph.CheckOIDCRequestURL, "ARM_OIDC_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_URL"),
		OIDCRequestToken:          r.str("oidc_request_token", m.OIDCRequestToken, nil, "ARM_OIDC_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
		UseMSI:                    r.boolean("use_msi", m.UseMSI, false, "ARM_USE_MSI"),
		MSIEndpoint:               r.str("msi_endpoint", m.MSIEndpoint, graph.CheckMSIEndpoint, "ARM_MSI_ENDPOINT"),
		UseCLI:                    r.boolean("use_cli", m.UseCLI, true, "ARM_USE_CLI"),
	}
	certBase64 := r.certificate(m, &creds)

	cfg := graph.Config{
		Cloud:         r.cloud(m.Environment),
		GraphEndpoint: r.str("graph_endpoint", m.GraphEndpoint, graph.CheckGraphEndpoint, envGraphEndpoint),
		AuthorityHost: r.str("authority_host", m.AuthorityHost, graph.CheckAuthorityHost, envAuthorityHost),
		Credentials:   creds,
	}
	secrets := nonEmpty(creds.ClientSecret, creds.ClientCertificatePassword, creds.OIDCToken, creds.OIDCRequestToken, certBase64)
	return cfg, secrets, r.diags
}

// resolver reads one attribute after the other and gathers every problem, so
// that one plan reports them all.
type resolver struct {
	lookupEnv func(string) (string, bool)
	diags     diag.Diagnostics
}

// certificate resolves the two certificate inputs. They conflict; when the
// configuration sets one, the environment variable of the other is ignored
// so that a configuration always means what it says.
func (r *resolver) certificate(m providerModel, creds *graph.Credentials) string {
	var encoded string
	if m.ClientCertificatePath.IsNull() {
		encoded = r.str("client_certificate", m.ClientCertificate, checkBase64, "ARM_CLIENT_CERTIFICATE")
	}
	if m.ClientCertificate.IsNull() {
		creds.ClientCertificatePath = r.str("client_certificate_path", m.ClientCertificatePath, nil, "ARM_CLIENT_CERTIFICATE_PATH")
	}
	if encoded != "" && creds.ClientCertificatePath != "" {
		r.diags.AddAttributeError(path.Root("client_certificate"), "Conflicting client certificates",
			"Both ARM_CLIENT_CERTIFICATE and ARM_CLIENT_CERTIFICATE_PATH are set. "+
				"Set only one of them (or set client_certificate or client_certificate_path in the provider block, which takes precedence).")
		return encoded
	}
	if der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(encoded)); err == nil && len(der) > 0 {
		creds.ClientCertificate = der
	}
	return encoded
}

func (r *resolver) cloud(v types.String) graph.Cloud {
	c, err := graph.ParseCloud(r.str("environment", v, checkEnvironment, "ARM_ENVIRONMENT"))
	if err != nil {
		return "" // checkEnvironment has reported it
	}
	return c
}

// str returns the configured value, else the first non-empty environment
// variable of vars, checked with check (when not nil).
func (r *resolver) str(attr string, v types.String, check func(string) error, vars ...string) string {
	if !v.IsNull() {
		value := v.ValueString()
		if check != nil {
			if err := check(value); err != nil {
				r.diags.AddAttributeError(path.Root(attr), "Invalid "+attr, err.Error())
			}
		}
		return value
	}
	for _, name := range vars {
		value, ok := r.lookupEnv(name)
		if !ok || value == "" {
			continue
		}
		if check != nil {
			if err := check(value); err != nil {
				r.diags.AddAttributeError(path.Root(attr), "Invalid "+name,
					fmt.Sprintf("The environment variable %s, used because %s is not set in the provider block: %s", name, attr, err))
			}
		}
		return value
	}
	return ""
}

// boolean returns the configured value, else the environment variable parsed
// as Go's strconv.ParseBool does (true/false, 1/0, ...), else def.
func (r *resolver) boolean(attr string, v types.Bool, def bool, name string) bool {
	if !v.IsNull() {
		return v.ValueBool()
	}
	value, ok := r.lookupEnv(name)
	if !ok || value == "" {
		return def
	}
	b, err := strconv.ParseBool(strings.TrimSpace(value))
	if err != nil {
		// The value is not quoted: it may be anything, a secret set in the
		// wrong variable included.
		r.diags.AddAttributeError(path.Root(attr), "Invalid "+name,
			fmt.Sprintf("The environment variable %s, used because %s is not set in the provider block, must be true or false (or 1 or 0).", name, attr))
		return def
	}
	return b
}

func nonEmpty(values ...string) []string {
	out := make([]string, 0, len(values))
	for _, v := range values {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}
