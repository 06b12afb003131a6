package provider

import (
	"encoding/base64"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aad-export/terraform-provider-aad/internal/graph"
	"github.com/aad-export/terraform-provider-aad/internal/graph/credential"
)

// Environment variables of the two endpoint overrides. The azuread provider
// has no equivalent, so they carry this provider's prefix: an ARM_ name could
// redirect other Azure tools that share the shell.
const (
	envGraphEndpoint = "AAD_GRAPH_ENDPOINT"
	envAuthorityHost = "AAD_AUTHORITY_HOST"
)

// argument is one argument of the provider block: everything about it in
// one entry. The schema is built from these entries, the values are read by
// their names, unknown ones are found by name, and resolveConfig fills
// field from the value (or the first environment variable set).
type argument struct {
	name string

	// field is the graph.Config field the value fills, as a path
	// ("Credentials.TenantID"). Errors of the Graph client name the field;
	// diagnostics name the argument.
	field string

	// special: resolveConfig places the value itself (the certificate
	// pair, which conflict; the cloud, which is parsed).
	special bool

	env []string // environment variables, the first set one used

	isBool    bool
	def       bool        // a bool's default
	check     stringCheck // a string's rule, at plan time and for values from the environment
	nonEmpty  bool
	sensitive bool

	description string // without the environment variables, which the schema adds
}

// schema is the argument's attribute in the provider block.
func (a argument) schema() schema.Attribute {
	description := a.description + " Environment: `" + strings.Join(a.env, "`, then `") + "`."
	if a.isBool {
		return schema.BoolAttribute{Optional: true, MarkdownDescription: description}
	}
	var validators []validator.String
	if a.nonEmpty {
		validators = append(validators, stringvalidator.LengthAtLeast(1))
	}
	if a.check.check != nil {
		validators = append(validators, a.check)
	}
	return schema.StringAttribute{Optional: true, Sensitive: a.sensitive, MarkdownDescription: description, Validators: validators}
}

// providerArguments is the provider block's table. Sensitive arguments are
// masked in logs; resolveConfig returns them in this order.
func providerArguments() []argument {
	return []argument{
		{name: "tenant_id", field: "Credentials.TenantID", env: []string{"ARM_TENANT_ID"}, check: guid(),
			description: "The Entra tenant (directory) ID, a GUID."},
		{name: "client_id", field: "Credentials.ClientID", env: []string{"ARM_CLIENT_ID"}, check: guid(),
			description: "The application (client) ID of the app registration or user-assigned managed identity, a GUID."},
		{name: "client_id_file_path", field: "Credentials.ClientIDFilePath", env: []string{"ARM_CLIENT_ID_FILE_PATH"}, nonEmpty: true,
			description: "Path to a file holding the application (client) ID, as a secret mounted as a file; read, trimmed, when the " +
				"provider is configured. If `client_id` is set too, the two must agree."},
		{name: "client_secret", field: "Credentials.ClientSecret", env: []string{"ARM_CLIENT_SECRET"}, nonEmpty: true, sensitive: true,
			description: "A client secret of the application."},
		{name: "client_secret_file_path", field: "Credentials.ClientSecretFilePath", env: []string{"ARM_CLIENT_SECRET_FILE_PATH"}, nonEmpty: true,
			description: "Path to a file holding a client secret of the application, as a secret mounted as a file; read, trimmed, " +
				"when the provider is configured, and never logged. If `client_secret` is set too, the two must agree."},
		{name: "client_certificate_path", field: "Credentials.ClientCertificatePath", special: true, env: []string{"ARM_CLIENT_CERTIFICATE_PATH"}, nonEmpty: true,
			description: "Path to a PKCS#12 (`.pfx`) or PEM file holding the application's certificate and private key. " +
				"Conflicts with `client_certificate`."},
		{name: "client_certificate_password", field: "Credentials.ClientCertificatePassword", env: []string{"ARM_CLIENT_CERTIFICATE_PASSWORD"},
			sensitive: true, description: "The password of the client certificate, if any."},
		{name: "use_oidc", field: "Credentials.UseOIDC", env: []string{"ARM_USE_OIDC"}, isBool: true,
			description: "Authenticate with an OpenID Connect token federated with the application (workload identity federation, " +
				"e.g. GitHub Actions). Defaults to `false`."},
		{name: "use_aks_workload_identity", field: "Credentials.UseAKSWorkloadIdentity", env: []string{"ARM_USE_AKS_WORKLOAD_IDENTITY"}, isBool: true,
			description: "Authenticate with AKS workload identity: the federated token in the file `" + credential.EnvFederatedTokenFile +
				"` names (read again at each renewal, as the kubelet replaces it), for the client and tenant in `" + credential.EnvClientID +
				"` and `" + credential.EnvTenantID + "`, which must agree with `client_id` and `tenant_id` if those are set. " +
				"Implies `use_oidc`. Defaults to `false`."},
		{name: "oidc_token", field: "Credentials.OIDCToken", env: []string{"ARM_OIDC_TOKEN"}, nonEmpty: true, sensitive: true,
			description: "The OIDC ID token itself."},
		{name: "oidc_token_file_path", field: "Credentials.OIDCTokenFilePath", env: []string{"ARM_OIDC_TOKEN_FILE_PATH"}, nonEmpty: true,
			description: "Path to a file holding the OIDC ID token, read again whenever a token is needed."},
		{name: "oidc_request_url", field: "Credentials.OIDCRequestURL", env: []string{"ARM_OIDC_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_URL"},
			nonEmpty: true, check: requestURL(),
			description: "The URL to request an OIDC ID token from, as GitHub Actions provides it."},
		{name: "oidc_request_token", field: "Credentials.OIDCRequestToken", env: []string{"ARM_OIDC_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN"},
			nonEmpty: true, sensitive: true, description: "The bearer token for `oidc_request_url`."},
		{name: "use_msi", field: "Credentials.UseMSI", env: []string{"ARM_USE_MSI"}, isBool: true,
			description: "Authenticate as the managed identity of the machine Terraform runs on (set `client_id` for a user-assigned one). " +
				"Defaults to `false`."},
		{name: "msi_endpoint", field: "Credentials.MSIEndpoint", env: []string{"ARM_MSI_ENDPOINT"}, nonEmpty: true, check: msiEndpoint(),
			description: "Overrides the managed identity endpoint. Must be https unless the host is loopback or link-local " +
				"(such as the metadata service's `169.254.169.254`)."},
		{name: "use_cli", field: "Credentials.UseCLI", env: []string{"ARM_USE_CLI"}, isBool: true, def: true,
			description: "Fall back to the account the Azure CLI (`az login`) is signed in with. Defaults to `true`."},
		{name: "client_certificate", field: "Credentials.ClientCertificate", special: true, env: []string{"ARM_CLIENT_CERTIFICATE"}, check: base64Value(), sensitive: true,
			description: "The same content as `client_certificate_path` points to, base64-encoded. Conflicts with `client_certificate_path`."},
		{name: "environment", field: "Cloud", special: true, env: []string{"ARM_ENVIRONMENT"}, nonEmpty: true, check: environment(),
			description: "The national cloud: `public` (the default), `usgovernment` (GCC High), `dod` or `china`. " +
				"The `azuread` provider's names `global`, `usgovernmentl4` and `usgovernmentl5` are accepted too."},
		{name: "graph_endpoint", field: "GraphEndpoint", env: []string{envGraphEndpoint}, nonEmpty: true, check: endpoint(),
			description: "Overrides the cloud's Microsoft Graph endpoint, e.g. `https://graph.example.net` for a proxy. " +
				"Must be https unless the host is loopback."},
		{name: "authority_host", field: "AuthorityHost", env: []string{envAuthorityHost}, nonEmpty: true, check: authorityHost(),
			description: "Overrides the cloud's Entra ID authority host (where tokens come from), e.g. `https://login.example.net/`. " +
				"Must be https."},
	}
}

// argumentOf finds the argument that fills a graph.Config or
// credential.Credentials field (named without its path), for diagnostics.
func argumentOf(field string) (argument, bool) {
	for _, a := range providerArguments() {
		if a.field == field || strings.HasSuffix(a.field, "."+field) {
			return a, true
		}
	}
	return argument{}, false
}

// providerValues are the provider block's values by argument name:
// types.String or types.Bool, as the argument's schema says. A missing
// name is null.
type providerValues map[string]attr.Value

func (v providerValues) str(name string) types.String {
	s, _ := v[name].(types.String)
	return s
}

func (v providerValues) boolean(name string) types.Bool {
	b, _ := v[name].(types.Bool)
	return b
}

// unknown names the arguments whose value is not known yet (they depend on
// resources not yet created), sorted.
func (v providerValues) unknown() []string {
	var names []string
	for name, value := range v {
		if value.IsUnknown() {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}

// resolveConfig merges the provider block with the environment: a value in
// the configuration wins over its environment variable; an empty variable
// counts as unset. It returns the Graph configuration and the secret values
// it holds (so that logging can mask them). Values taken from the
// environment get the same checks the schema validators apply to the
// configuration.
func resolveConfig(values providerValues, lookupEnv func(string) (string, bool)) (graph.Config, []string, diag.Diagnostics) {
	r := resolver{lookupEnv: lookupEnv}
	var cfg graph.Config
	var secrets []string
	for _, a := range providerArguments() {
		switch a.name {
		case "client_certificate":
			if encoded := r.certificate(values, &cfg.Credentials); encoded != "" {
				secrets = append(secrets, encoded)
			}
		case "environment":
			cfg.Cloud = r.cloud(values.str(a.name))
		}
		if a.special {
			continue
		}
		target := fieldByPath(&cfg, a.field)
		if a.isBool {
			target.SetBool(r.boolean(a.name, values.boolean(a.name), a.def, a.env[0]))
			continue
		}
		value := r.str(a.name, values.str(a.name), a.check.check, a.env...)
		target.SetString(value)
		if a.sensitive && value != "" {
			secrets = append(secrets, value)
		}
	}
	if cfg.Credentials.UseAKSWorkloadIdentity {
		cfg.Credentials.Workload = credential.WorkloadIdentityFromEnv(lookupEnv)
	}
	return cfg, secrets, r.diags
}

// fieldByPath is the settable field of cfg a path such as
// "Credentials.TenantID" names.
func fieldByPath(cfg *graph.Config, fieldPath string) reflect.Value {
	v := reflect.ValueOf(cfg).Elem()
	for _, name := range strings.Split(fieldPath, ".") {
		v = v.FieldByName(name)
	}
	return v
}

// resolver reads one argument after the other and gathers every problem, so
// that one plan reports them all.
type resolver struct {
	lookupEnv func(string) (string, bool)
	diags     diag.Diagnostics
}

// certificate resolves the two certificate inputs. They conflict; when the
// configuration sets one, the environment variable of the other is ignored
// so that a configuration always means what it says. It returns the
// base64 form, a secret.
func (r *resolver) certificate(values providerValues, creds *graph.Credentials) string {
	var encoded string
	path64, pathFile := values.str("client_certificate"), values.str("client_certificate_path")
	if pathFile.IsNull() {
		encoded = r.str("client_certificate", path64, checkBase64, "ARM_CLIENT_CERTIFICATE")
	}
	if path64.IsNull() {
		creds.ClientCertificatePath = r.str("client_certificate_path", pathFile, nil, "ARM_CLIENT_CERTIFICATE_PATH")
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
func (r *resolver) str(name string, v types.String, check func(string) error, vars ...string) string {
	if !v.IsNull() {
		value := v.ValueString()
		if check != nil {
			if err := check(value); err != nil {
				r.diags.AddAttributeError(path.Root(name), "Invalid "+name, inTerraformWords(err))
			}
		}
		return value
	}
	for _, env := range vars {
		value, ok := r.lookupEnv(env)
		if !ok || value == "" {
			continue
		}
		if check != nil {
			if err := check(value); err != nil {
				r.diags.AddAttributeError(path.Root(name), "Invalid "+env,
					fmt.Sprintf("The environment variable %s, used because %s is not set in the provider block: %s", env, name, inTerraformWords(err)))
			}
		}
		return value
	}
	return ""
}

// boolean returns the configured value, else the environment variable parsed
// as Go's strconv.ParseBool does (true/false, 1/0, ...), else def.
func (r *resolver) boolean(name string, v types.Bool, def bool, env string) bool {
	if !v.IsNull() {
		return v.ValueBool()
	}
	value, ok := r.lookupEnv(env)
	if !ok || value == "" {
		return def
	}
	b, err := strconv.ParseBool(strings.TrimSpace(value))
	if err != nil {
		// The value is not quoted: it may be anything, a secret set in the
		// wrong variable included.
		r.diags.AddAttributeError(path.Root(name), "Invalid "+env,
			fmt.Sprintf("The environment variable %s, used because %s is not set in the provider block, must be true or false (or 1 or 0).", env, name))
		return def
	}
	return b
}
