package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aad-export/terraform-provider-aad/internal/export"
	"github.com/aad-export/terraform-provider-aad/internal/graph"
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
	Timeouts           timeouts.Value `tfsdk:"timeouts"`
	ID                 types.String   `tfsdk:"id"`
	UserCount          types.Int64    `tfsdk:"user_count"`
	ErrorCount         types.Int64    `tfsdk:"error_count"`
	SHA256             types.String   `tfsdk:"sha256"`
}

// Metadata names the data source aad_users_export.
func (d *UsersExportDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_users_export"
}

// Schema describes the data source; the descriptions become its documentation.
func (d *UsersExportDataSource) Schema(ctx context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: usersExportDescription,
		Attributes: map[string]schema.Attribute{
			"output_path": schema.StringAttribute{
				Required: true,
				MarkdownDescription: "The CSV file to write. It is replaced atomically (written beside it, synced, renamed), with mode `0600`; " +
					"on any failure the previous file is left untouched. The folder must exist.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"columns": schema.ListAttribute{
				ElementType: types.StringType,
				Optional:    true,
				Computed:    true,
				MarkdownDescription: "The columns to write, in order. Defaults to the 26 columns of the portal's **Download users**, in the portal's order. " +
					"Any other property Graph can list may be added by its Graph name, e.g. `employeeId`, `companyName`, `createdDateTime`, " +
					"`creationType`, `onPremisesSyncEnabled`, `mailNickname`, `proxyAddresses`. The columns `authenticationPhoneNumber`, " +
					"`authenticationAlternativePhoneNumber` and `authenticationEmail` cost one extra Graph call per user and need the " +
					"`UserAuthenticationMethod.Read.All` permission; `signInActivity` needs `AuditLog.Read.All`.",
				Validators: []validator.List{columnsCheck{}},
			},
			"filter": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "An OData `$filter` passed to Graph as written, e.g. `accountEnabled eq true and userType eq 'Member'` " +
					"or `endsWith(mail,'@contoso.com')`. The export sends it as an advanced query (`ConsistencyLevel: eventual`, `$count=true`). " +
					"Cannot be combined with `user_principal_names` or `object_ids`.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"search": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "A `$search` expression passed to Graph as written, e.g. `\"displayName:adele\" OR \"mail:adele\"`. " +
					"May be combined with `filter`; cannot be combined with `user_principal_names` or `object_ids`.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"user_principal_names": schema.ListAttribute{
				ElementType: types.StringType,
				Optional:    true,
				MarkdownDescription: "Export only these users (the portal's tick-box selection). A name that does not resolve is a per-user " +
					"error (a warning, a row of `results_path`), not a failure. May be combined with `object_ids`.",
				Validators: []validator.List{
					listvalidator.SizeAtLeast(1),
					listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1)),
					uniqueFold{},
				},
			},
			"object_ids": schema.ListAttribute{
				ElementType: types.StringType,
				Optional:    true,
				MarkdownDescription: "Export only the users with these object IDs (GUIDs). An ID that does not resolve is a per-user error, not a failure. " +
					"May be combined with `user_principal_names`.",
				Validators: []validator.List{
					listvalidator.SizeAtLeast(1),
					listvalidator.ValueStringsAre(objectID()),
					uniqueFold{},
				},
			},
			"results_path": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Where to write the results file: one CSV row per user that could not be exported, with columns " +
					"`userPrincipalName`, `objectId`, `operation`, `status`, `code`, `message`, `requestId`. Written atomically, mode `0600`. " +
					"Must differ from `output_path`.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"fail_on_user_errors": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Fail the read when any user could not be exported. The results file is still written; the CSV is not. " +
					"Defaults to `false`: such users are reported as warnings and counted in `error_count`.",
			},
			"escape_formulas": schema.BoolAttribute{
				Optional: true,
				Computed: true,
				MarkdownDescription: "Prefix a single quote to cells a spreadsheet would run as a formula: those beginning with `=`, `@`, tab or " +
					"carriage return, or with `+` or `-` followed by anything but a phone number. Defaults to `true`.",
			},
			"line_ending": schema.StringAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "Row terminator: `lf` (the default) or `crlf`.",
				Validators:          []validator.String{stringvalidator.OneOf(string(export.LF), string(export.CRLF))},
			},
			"byte_order_mark": schema.BoolAttribute{
				Optional:            true,
				Computed:            true,
				MarkdownDescription: "Begin the file with a UTF-8 byte order mark, which some spreadsheet programs need to detect UTF-8. Defaults to `false`.",
			},
			"concurrency": schema.Int64Attribute{
				Optional: true,
				MarkdownDescription: fmt.Sprintf("How many Graph requests the export keeps in flight (directory partitions listed at once, and batches of "+
					"authentication-method lookups), 1 to %d. Defaults to a value tuned for Graph's throttling limits; lower it to "+
					"leave throttle budget to other applications of the same tenant.", graph.MaxConcurrency),
				Validators: []validator.Int64{int64validator.Between(1, graph.MaxConcurrency)},
			},
			"id": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The same as `sha256`: two reads share an ID exactly when they wrote the same bytes.",
			},
			"user_count": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "The number of users (rows, header excluded) written to `output_path`.",
			},
			"error_count": schema.Int64Attribute{
				Computed:            true,
				MarkdownDescription: "The number of users that could not be exported (the rows of `results_path`).",
			},
			"sha256": schema.StringAttribute{
				Computed:            true,
				MarkdownDescription: "The hex SHA-256 of the CSV's bytes, computed while writing. The same directory gives the same checksum.",
			},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.BlockWithOpts(ctx, timeouts.Opts{
				ReadDescription: `How long the export may take, as a Go duration such as "90m". Defaults to "60m".`,
			}),
		},
	}
}

// ConfigValidators check what no single attribute can.
func (d *UsersExportDataSource) ConfigValidators(context.Context) []datasource.ConfigValidator {
	return []datasource.ConfigValidator{selectorsCheck{}, distinctPathsCheck{}}
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
	tflog.Info(ctx, "exporting users", m.logFields(opts))
	res, err := export.Run(ctx, client, q, opts)
	resp.Diagnostics = append(resp.Diagnostics, userErrorWarnings(res, opts)...)
	if err != nil {
		resp.Diagnostics = append(resp.Diagnostics, exportError(ctx, err, d.data.failureContext(q, opts, timeout)))
		return
	}
	logResult(ctx, res)

	m.setResult(opts, res)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}
