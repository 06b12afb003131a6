package provider

import (
	"context"
	"os"

	"github.com/hashicorp/terraform-plugin-framework-validators/providervalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aad-export/terraform-provider-aad/internal/graph"
	"github.com/aad-export/terraform-provider-aad/internal/graph/credential"
)

// RegistryAddress is the provider's source address in the Terraform registry.
const RegistryAddress = "registry.terraform.io/aad-export/aad"

var (
	_ provider.Provider                     = (*AADProvider)(nil)
	_ provider.ProviderWithConfigValidators = (*AADProvider)(nil)
)

// New returns a constructor of the provider, as providerserver.Serve and the
// acceptance tests want it.
func New(version string) func() provider.Provider {
	return func() provider.Provider {
		return &AADProvider{version: version, lookupEnv: os.LookupEnv}
	}
}

// AADProvider is the aad provider: it turns its configuration (and the
// environment) into a Microsoft Graph client for its data sources.
type AADProvider struct {
	version string

	// lookupEnv reads the environment; tests replace it so that they can run
	// in parallel without touching the process environment.
	lookupEnv func(string) (string, bool)
}

// Metadata names the provider: every type it serves starts with "aad_".
func (p *AADProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "aad"
	resp.Version = p.version
}

// Schema describes the provider block, from its table (providerArguments).
// Every argument falls back to an environment variable, so all are
// optional.
func (p *AADProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	attrs := map[string]schema.Attribute{}
	for _, a := range providerArguments() {
		attrs[a.name] = a.schema()
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The `aad` provider exports Entra ID (Azure AD) users to CSV files through Microsoft Graph, " +
			"like the Entra admin center's **Download users**, from Terraform.\n\n" +
			credentialOrder() + " " +
			"Every argument can also be given by the environment variable the `azuread` provider uses.\n\n" +
			"The application needs the Microsoft Graph **application** permission `User.Read.All`; " +
			"`UserAuthenticationMethod.Read.All` for the three `authentication*` columns; " +
			"`AuditLog.Read.All` and a Microsoft Entra ID P1 or P2 licence for `signInActivity`, its fields and the registration " +
			"report's columns (`isMfaRegistered`, ...).",
		Attributes: attrs,
	}
}

// ConfigValidators reject combinations no single attribute can see.
func (p *AADProvider) ConfigValidators(context.Context) []provider.ConfigValidator {
	return []provider.ConfigValidator{
		providervalidator.Conflicting(path.MatchRoot("client_certificate"), path.MatchRoot("client_certificate_path")),
	}
}

// Configure merges the configuration with the environment into a graph.Config
// and hands the data sources a client. Nothing here calls Graph.
func (p *AADProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	values, diags := readValues(ctx, req.Config)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	if unknown := values.unknown(); len(unknown) > 0 {
		if req.ClientCapabilities.DeferralAllowed {
			resp.Deferred = &provider.Deferred{Reason: provider.DeferredReasonProviderConfigUnknown}
			return
		}
		// Without deferral the data sources must say why they cannot read;
		// they are only read during apply when their own configuration is
		// unknown, which is the common case for such configurations.
		data := &providerData{unknown: unknown}
		resp.DataSourceData, resp.ResourceData = data, data
		return
	}

	cfg, secrets, diags := resolveConfig(values, p.lookupEnv)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	// Files and AKS's environment are read now, once: the client secret a
	// file holds is masked like a configured one, and the ids that
	// diagnostics and manifests name are the ones in use.
	creds, err := credential.Resolve(cfg.Credentials)
	if err != nil {
		resp.Diagnostics.Append(configError(err))
		return
	}
	if creds.ClientSecret != "" && creds.ClientSecret != cfg.Credentials.ClientSecret {
		secrets = append(secrets, creds.ClientSecret)
	}
	cfg.Credentials = creds
	cfg.UserAgent = p.userAgent(req.TerraformVersion)
	mask := maskSecrets(secrets)
	// Records the Graph client logs without a context go to this one.
	cfg.Logger = newLogger(mask(ctx))

	client, err := graph.New(ctx, cfg)
	if err != nil {
		resp.Diagnostics.Append(configError(err))
		return
	}
	cloud := string(cfg.Cloud)
	if cloud == "" {
		cloud = string(graph.CloudPublic)
	}
	data := &providerData{
		client: client, tenantID: cfg.Credentials.TenantID, clientID: cfg.Credentials.ClientID, mask: mask,
		cloud: cloud, version: p.version,
		claims: &pathClaims{},
	}
	resp.DataSourceData, resp.ResourceData = data, data
}

// DataSources lists the data sources the provider serves.
func (p *AADProvider) DataSources(context.Context) []func() datasource.DataSource {
	return []func() datasource.DataSource{NewUsersExportDataSource}
}

// Resources lists the resources the provider serves.
func (p *AADProvider) Resources(context.Context) []func() resource.Resource {
	return []func() resource.Resource{NewUsersExportResource}
}

func (p *AADProvider) userAgent(terraformVersion string) string {
	ua := "terraform-provider-aad/" + p.version
	if terraformVersion != "" {
		ua += " terraform/" + terraformVersion
	}
	return ua
}

// readValues reads the provider block's arguments by their names.
func readValues(ctx context.Context, config tfsdk.Config) (providerValues, diag.Diagnostics) {
	values := providerValues{}
	var diags diag.Diagnostics
	for _, a := range providerArguments() {
		if a.isBool {
			var v types.Bool
			diags.Append(config.GetAttribute(ctx, path.Root(a.name), &v)...)
			values[a.name] = v
			continue
		}
		var v types.String
		diags.Append(config.GetAttribute(ctx, path.Root(a.name), &v)...)
		values[a.name] = v
	}
	return values, diags
}
