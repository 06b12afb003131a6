package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aad-export/terraform-provider-aad/internal/export"
)

// defaultReadTimeout covers a 500,000-user directory with the three
// authentication columns: one throttled Graph call per user dominates.
const defaultReadTimeout = 60 * time.Minute

var (
	_ datasource.DataSource                     = (*UsersExportDataSource)(nil)
	_ datasource.DataSourceWithConfigure        = (*UsersExportDataSource)(nil)
	_ datasource.DataSourceWithConfigValidators = (*UsersExportDataSource)(nil)
)

// NewUsersExportDataSource is the constructor the provider registers.
func NewUsersExportDataSource() datasource.DataSource {
	return &UsersExportDataSource{}
}

// UsersExportDataSource is aad_users_export: it writes the users of the
// directory to a CSV file, as the portal's "Download users" does.
type UsersExportDataSource struct {
	data *providerData
}

// usersExportModel is the data source's configuration and state.
type usersExportModel struct {
	OutputPath         types.String   `tfsdk:"output_path"`
	Columns            types.List     `tfsdk:"columns"`
	Filter             types.String   `tfsdk:"filter"`
	Search             types.String   `tfsdk:"search"`
	UserPrincipalNames types.List     `tfsdk:"user_principal_names"`
	ObjectIDs          types.List     `tfsdk:"object_ids"`
	ResultsPath        types.String   `tfsdk:"results_path"`
	FailOnUserErrors   types.Bool     `tfsdk:"fail_on_user_errors"`
	EscapeFormulas     types.Bool     `tfsdk:"escape_formulas"`
	LineEnding         types.String   `tfsdk:"line_ending"`
	ByteOrderMark      types.Bool     `tfsdk:"byte_order_mark"`
	Concurrency        types.Int64    `tfsdk:"concurrency"`
	Incremental        types.Bool     `tfsdk:"incremental"`
	AuthMethodsRefresh types.String   `tfsdk:"auth_methods_refresh"`
	ManifestPath       types.String   `tfsdk:"manifest_path"`
	ChangesPath        types.String   `tfsdk:"changes_path"`
	ReportPath         types.String   `tfsdk:"report_path"`
	Timeouts           timeouts.Value `tfsdk:"timeouts"`
	ID                 types.String   `tfsdk:"id"`
	UserCount          types.Int64    `tfsdk:"user_count"`
	ErrorCount         types.Int64    `tfsdk:"error_count"`
	SHA256             types.String   `tfsdk:"sha256"`
	Mode               types.String   `tfsdk:"mode"`
	AddedCount         types.Int64    `tfsdk:"added_count"`
	RemovedCount       types.Int64    `tfsdk:"removed_count"`
	ChangedCount       types.Int64    `tfsdk:"changed_count"`
}

// Metadata names the data source aad_users_export.
func (d *UsersExportDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_users_export"
}

// Schema describes the data source; the descriptions become its documentation.
func (d *UsersExportDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: usersExportDescription,
		Attributes:          dataSourceAttributes(),
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.BlockWithOpts(ctx, timeouts.Opts{
				ReadDescription: `How long the export may take, as a Go duration such as "90m". Defaults to "60m".`,
			}),
		},
	}
}

// ConfigValidators check what no single attribute can.
func (d *UsersExportDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{selectorsCheck{}, distinctPathsCheck{}, identityCheck{}}
}

// Configure receives the provider's client; it is nil during validation.
func (d *UsersExportDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if req.ProviderData == nil {
		return
	}
	data, ok := req.ProviderData.(*providerData)
	if !ok {
		resp.Diagnostics.AddError("Unexpected provider data", "The aad_users_export data source was configured by another provider. This is a bug in the provider.")
		return
	}
	d.data = data
}

// Read runs one export: configuration -> options -> export.Run ->
// diagnostics -> state.
func (d *UsersExportDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m usersExportModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	timeout, diags := m.Timeouts.Read(ctx, defaultReadTimeout)
	resp.Diagnostics.Append(diags...)
	q, opts, diags := m.request()
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() || d.data.notConfigured(resp) || d.data.filesTaken(opts, resp) {
		return
	}
	// Shares the provider's credential, tokens and connections; a null
	// concurrency keeps the provider's.
	client := d.data.client.WithConcurrency(int(m.Concurrency.ValueInt64()))

	resp.Diagnostics.Append(federatedTokenWarning(client, time.Now(), timeout)...)

	ctx, stop := interruptible(ctx)
	defer stop()
	ctx, cancel := context.WithTimeout(d.data.mask(ctx), timeout)
	defer cancel()
	opts.Provenance = d.data.provenance()
	tflog.Info(ctx, "exporting users", m.logFields(opts))
	res, err := export.Run(ctx, client, q, opts)
	resp.Diagnostics = append(resp.Diagnostics, userErrorWarnings(res, opts)...)
	resp.Diagnostics = append(resp.Diagnostics, snapshotWarnings(res)...)
	if err != nil {
		resp.Diagnostics = append(resp.Diagnostics, exportError(ctx, err, d.data.failureContext(q, opts, timeout)))
		return
	}
	logResult(ctx, res)

	m.setResult(opts, res)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
