package provider

import (
	"context"
	"os"
	"slices"

	"github.com/hashicorp/terraform-plugin-framework-validators/providervalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aad-export/terraform-provider-aad/internal/graph"
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

// providerModel is the provider block.
type providerModel struct {
	TenantID                  types.String `tfsdk:"tenant_id"`
	ClientID                  types.String `tfsdk:"client_id"`
	ClientSecret              types.String `tfsdk:"client_secret"`
	ClientCertificatePath     types.String `tfsdk:"client_certificate_path"`
	ClientCertificate         types.String `tfsdk:"client_certificate"`
	ClientCertificatePassword types.String `tfsdk:"client_certificate_password"`
	UseOIDC                   types.Bool   `tfsdk:"use_oidc"`
	OIDCToken                 types.String `tfsdk:"oidc_token"`
	OIDCTokenFilePath         types.String `tfsdk:"oidc_token_file_path"`
	OIDCRequestURL            types.String `tfsdk:"oidc_request_url"`
	OIDCRequestToken          types.String `tfsdk:"oidc_request_token"`
	UseMSI                    types.Bool   `tfsdk:"use_msi"`
	MSIEndpoint               types.String `tfsdk:"msi_endpoint"`
	UseCLI                    types.Bool   `tfsdk:"use_cli"`
	Environment               types.String `tfsdk:"environment"`
	GraphEndpoint             types.String `tfsdk:"graph_endpoint"`
	AuthorityHost             types.String `tfsdk:"authority_host"`
}

// Metadata names the provider: every type it serves starts with "aad_".
func (p *AADProvider) Metadata(_ context.Context, _ provider.MetadataRequest, resp *provider.MetadataResponse) {
	resp.TypeName = "aad"
	resp.Version = p.version
}

// Schema describes the provider block. Every attribute falls back to an
// environment variable (see settings.go), so all are optional.
func (p *AADProvider) Schema(_ context.Context, _ provider.SchemaRequest, resp *provider.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The `aad` provider exports Entra ID (Azure AD) users to CSV files through Microsoft Graph, " +
			"like the Entra admin center's **Download users**, from Terraform.\n\n" +
			"Credentials are tried in this order: client certificate, client secret, OIDC (when `use_oidc` is true), " +
			"managed identity (when `use_msi` is true), then the Azure CLI (when `use_cli` is true, the default). " +
			"Every argument can also be given by the environment variable the `azuread` provider uses.\n\n" +
			"The application needs the Microsoft Graph **application** permission `User.Read.All`; " +
			"`UserAuthenticationMethod.Read.All` for the three `authentication*` columns; " +
			"`AuditLog.Read.All` for the `signInActivity` column.",
		Attributes: map[string]schema.Attribute{
			"tenant_id": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "The Entra tenant (directory) ID, a GUID. Environment: `ARM_TENANT_ID`.",
				Validators:          []validator.String{guid()},
			},
			"client_id": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The application (client) ID of the app registration or user-assigned managed identity, a GUID. " +
					"Environment: `ARM_CLIENT_ID`.",
				Validators: []validator.String{guid()},
			},
			"client_secret": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "A client secret of the application. Environment: `ARM_CLIENT_SECRET`.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"client_certificate_path": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Path to a PKCS#12 (`.pfx`) or PEM file holding the application's certificate and private key. " +
					"Conflicts with `client_certificate`. Environment: `ARM_CLIENT_CERTIFICATE_PATH`.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"client_certificate": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "The same content as `client_certificate_path` points to, base64-encoded. " +
					"Conflicts with `client_certificate_path`. Environment: `ARM_CLIENT_CERTIFICATE`.",
				Validators: []validator.String{base64Value()},
			},
			"client_certificate_password": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "The password of the client certificate, if any. Environment: `ARM_CLIENT_CERTIFICATE_PASSWORD`.",
			},
			"use_oidc": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Authenticate with an OpenID Connect token federated with the application (workload identity federation, " +
					"e.g. GitHub Actions). Defaults to `false`. Environment: `ARM_USE_OIDC`.",
			},
			"oidc_token": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "The OIDC ID token itself. Environment: `ARM_OIDC_TOKEN`.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"oidc_token_file_path": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Path to a file holding the OIDC ID token, read again whenever a token is needed. Environment: `ARM_OIDC_TOKEN_FILE_PATH`.",
				Validators:          []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"oidc_request_url": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The URL to request an OIDC ID token from, as GitHub Actions provides it. " +
					"Environment: `ARM_OIDC_REQUEST_URL`, then `ACTIONS_ID_TOKEN_REQUEST_URL`.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1), requestURL()},
			},
			"oidc_request_token": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "The bearer token for `oidc_request_url`. " +
					"Environment: `ARM_OIDC_REQUEST_TOKEN`, then `ACTIONS_ID_TOKEN_REQUEST_TOKEN`.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"use_msi": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Authenticate as the managed identity of the machine Terraform runs on (set `client_id` for a user-assigned one). " +
					"Defaults to `false`. Environment: `ARM_USE_MSI`.",
			},
			"msi_endpoint": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Overrides the managed identity endpoint. Must be https unless the host is loopback or link-local " +
					"(such as the metadata service's `169.254.169.254`). Environment: `ARM_MSI_ENDPOINT`.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1), msiEndpoint()},
			},
			"use_cli": schema.BoolAttribute{
				Optional:            true,
				MarkdownDescription: "Fall back to the account the Azure CLI (`az login`) is signed in with. Defaults to `true`. Environment: `ARM_USE_CLI`.",
			},
			"environment": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "The national cloud: `public` (the default), `usgovernment` (GCC High), `dod` or `china`. " +
					"The `azuread` provider's names `global`, `usgovernmentl4` and `usgovernmentl5` are accepted too. Environment: `ARM_ENVIRONMENT`.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1), environment()},
			},
			"graph_endpoint": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Overrides the cloud's Microsoft Graph endpoint, e.g. `https://graph.example.net` for a proxy. " +
					"Must be https unless the host is loopback. Environment: `AAD_GRAPH_ENDPOINT`.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1), endpoint()},
			},
			"authority_host": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Overrides the cloud's Entra ID authority host (where tokens come from), e.g. `https://login.example.net/`. " +
					"Must be https. Environment: `AAD_AUTHORITY_HOST`.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1), authorityHost()},
			},
		},
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
	var m providerModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}

	if unknown := m.unknownAttributes(); len(unknown) > 0 {
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

	cfg, secrets, diags := resolveConfig(m, p.lookupEnv)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
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

// unknownAttributes names the attributes whose value is not known yet (they
// depend on resources not yet created).
func (m providerModel) unknownAttributes() []string {
	values := map[string]interface{ IsUnknown() bool }{
		"tenant_id": m.TenantID, "client_id": m.ClientID, "client_secret": m.ClientSecret,
		"client_certificate_path": m.ClientCertificatePath, "client_certificate": m.ClientCertificate,
		"client_certificate_password": m.ClientCertificatePassword, "use_oidc": m.UseOIDC,
		"oidc_token": m.OIDCToken, "oidc_token_file_path": m.OIDCTokenFilePath,
		"oidc_request_url": m.OIDCRequestURL, "oidc_request_token": m.OIDCRequestToken,
		"use_msi": m.UseMSI, "msi_endpoint": m.MSIEndpoint, "use_cli": m.UseCLI,
		"environment": m.Environment, "graph_endpoint": m.GraphEndpoint, "authority_host": m.AuthorityHost,
	}
	var unknown []string
	for name, v := range values {
		if v.IsUnknown() {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown) // stable error messages
	return unknown
}
