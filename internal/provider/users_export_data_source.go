package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
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

// usersExportModel is the data source's configuration and state: the
// arguments and attributes it shares with the resource, its read timeout and
// its id.
type usersExportModel struct {
	exportArgs
	Timeouts timeouts.Value `tfsdk:"timeouts"`
	ID       types.String   `tfsdk:"id"`
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
	return []datasource.ConfigValidator{exportConfigCheck{}}
}

// Configure receives the provider's client; it is nil during validation.
func (d *UsersExportDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	if req.ProviderData == nil {
		return
	}
	d.data = configuredData(req.ProviderData, "data source", &resp.Diagnostics)
}

// Read runs one export: configuration -> options -> export.Run ->
// diagnostics -> state.
func (d *UsersExportDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	var m usersExportModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	timeout, diags := m.Timeouts.Read(ctx, defaultReadTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	opts, res, ok := d.data.export(ctx, m.exportArgs, timeout, &resp.Diagnostics)
	if !ok {
		return
	}
	m.setResult(opts, res)
	m.ID = types.StringValue(res.SHA256)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
