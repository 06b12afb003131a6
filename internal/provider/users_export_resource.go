package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aad-export/terraform-provider-aad/internal/export"
	"github.com/aad-export/terraform-provider-aad/internal/graph"
)

const (
	// defaultRefreshTimeout bounds a refresh: a checksum of the file and
	// a count of the directory's changes, both quick.
	defaultRefreshTimeout = 5 * time.Minute

	// maxPendingCount is where a refresh stops counting the directory's
	// changes: a few pages say enough, and the apply reads them all.
	maxPendingCount = 1000

	// pendingExpired is pending_changes when the change log can no longer
	// say what changed: the next apply lists the directory again.
	pendingExpired = -1
)

// Keys of the resource's private state: never shown, never in a plan.
const (
	privateDeltaLink = "delta_link" // the change log as of the snapshot
	privateWritten   = "written"    // the sha256 of the CSV the resource wrote
)

var (
	_ resource.Resource                     = (*UsersExportResource)(nil)
	_ resource.ResourceWithConfigure        = (*UsersExportResource)(nil)
	_ resource.ResourceWithConfigValidators = (*UsersExportResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*UsersExportResource)(nil)
)

// NewUsersExportResource is the constructor the provider registers.
func NewUsersExportResource() resource.Resource {
	return &UsersExportResource{}
}

// UsersExportResource is the managed twin of the aad_users_export data
// source: the same export, run when the directory changed (or the file did,
// or the configuration or triggers) rather than on every read. A refresh
// only checks the file and counts the directory's changes; it writes
// nothing.
type UsersExportResource struct {
	data *providerData
}

// usersExportResourceModel is the resource's configuration and state.
type usersExportResourceModel struct {
	exportArgs
	Triggers       types.Map      `tfsdk:"triggers"`
	PendingChanges types.Int64    `tfsdk:"pending_changes"`
	ID             types.String   `tfsdk:"id"`
	Timeouts       timeouts.Value `tfsdk:"timeouts"`
}

// Metadata names the resource aad_users_export.
func (r *UsersExportResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_users_export"
}

// Schema is the data source's, plus triggers and pending_changes.
func (r *UsersExportResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := resourceAttributes()
	for _, name := range exportPaths() {
		// A file moved is another file: the old one is removed, the new
		// one written.
		a, _ := attrs[name].(schema.StringAttribute)
		a.PlanModifiers = append(a.PlanModifiers, stringplanmodifier.RequiresReplaceIfConfigured())
		attrs[name] = a
	}
	attrs["id"] = schema.StringAttribute{Computed: true,
		PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
		MarkdownDescription: "The absolute path of the CSV: one export per file."}
	attrs["triggers"] = schema.MapAttribute{ElementType: types.StringType, Optional: true,
		MarkdownDescription: "Arbitrary values that export again when any of them changes, as `terraform_data`'s `triggers_replace` " +
			"does, e.g. `{ day = formatdate(\"YYYY-MM-DD\", timestamp()) }` for a daily snapshot of what the change log does not follow " +
			"(sign-in activity, authentication methods, registration details)."}
	attrs["pending_changes"] = schema.Int64Attribute{Computed: true,
		MarkdownDescription: fmt.Sprintf("Users changed in the directory since the snapshot, as its change log counts them at the last "+
			"refresh (counting stops at %d). A plan shows an update when it is above 0, and the apply exports them. %d when the change log "+
			"can no longer say (it expired): the apply lists the directory again.", maxPendingCount, pendingExpired)}
	resp.Schema = schema.Schema{
		MarkdownDescription: usersExportResourceDescription,
		Attributes:          attrs,
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true, Read: true, Delete: true,
				CreateDescription: `How long an export may take. Defaults to "60m".`,
				UpdateDescription: `How long an export may take. Defaults to "60m".`,
				ReadDescription:   `How long a refresh (a checksum and a count of changes) may take. Defaults to "5m".`,
				DeleteDescription: `How long removing the files may take. Defaults to "5m".`,
			}),
		},
	}
}

// ConfigValidators are the data source's.
func (r *UsersExportResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{exportConfigCheck{}}
}

// Configure receives the provider's client; it is nil during validation.
func (r *UsersExportResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	if req.ProviderData == nil {
		return
	}
	r.data = configuredData(req.ProviderData, "resource", &resp.Diagnostics)
}

// Create runs the first export. The arguments come from the configuration,
// not the plan, in which the defaults of unset arguments are still unknown.
func (r *UsersExportResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.write(ctx, req.Config, timeouts.Value.Create, resp.Private, &resp.State, &resp.Diagnostics)
}

// Update exports again: incrementally when the previous snapshot allows.
func (r *UsersExportResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.write(ctx, req.Config, timeouts.Value.Update, resp.Private, &resp.State, &resp.Diagnostics)
}

// write is Create and Update: the export the configuration describes, within
// the timeout the operation's own block sets, and its result in state.
func (r *UsersExportResource) write(ctx context.Context, config tfsdk.Config,
	timeout func(timeouts.Value, context.Context, time.Duration) (time.Duration, diag.Diagnostics),
	priv privateState, state *tfsdk.State, diags *diag.Diagnostics,
) {
	var m usersExportResourceModel
	diags.Append(config.Get(ctx, &m)...)
	if diags.HasError() {
		return
	}
	limit, d := timeout(m.Timeouts, ctx, defaultReadTimeout)
	diags.Append(d...)
	if diags.HasError() {
		return
	}
	r.apply(ctx, &m, limit, priv, diags)
	diags.Append(state.Set(ctx, &m)...)
}

// privateState is what the resource keeps out of state.
type privateState interface {
	SetKey(ctx context.Context, key string, value []byte) diag.Diagnostics
	GetKey(ctx context.Context, key string) ([]byte, diag.Diagnostics)
}

// apply runs the export and records its outcome; on failure the error is
// in diags and Terraform keeps the previous state.
func (r *UsersExportResource) apply(ctx context.Context, m *usersExportResourceModel, timeout time.Duration, priv privateState, diags *diag.Diagnostics) {
	opts, res, ok := r.data.export(ctx, m.exportArgs, timeout, diags)
	if !ok {
		return
	}
	m.setResult(opts, res)
	m.ID = types.StringValue(opts.OutputPath)
	m.PendingChanges = types.Int64Value(0)
	diags.Append(setPrivate(ctx, priv, privateDeltaLink, res.DeltaLink)...)
	diags.Append(setPrivate(ctx, priv, privateWritten, res.SHA256)...)
}

// Read refreshes the state, writing nothing: the checksum of the file on
// disk (null when it is gone), and how many users changed since the
// snapshot. A plan then shows an update when either says so (ModifyPlan).
func (r *UsersExportResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var m usersExportResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	timeout, diags := m.Timeouts.Read(ctx, defaultRefreshTimeout)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	m.SHA256 = types.StringNull()
	switch sum, err := fileChecksum(m.OutputPath.ValueString()); {
	case err == nil:
		m.SHA256 = types.StringValue(sum)
	case !errors.Is(err, fs.ErrNotExist):
		resp.Diagnostics.AddWarning("Export file not readable", fmt.Sprintf(
			"The file %q could not be read to check it is still the one written: %v. The next apply writes it again.", m.OutputPath.ValueString(), err))
	}
	link, d := getPrivate(ctx, req.Private, privateDeltaLink)
	resp.Diagnostics.Append(d...)
	if pending, ok := r.pending(ctx, link, &resp.Diagnostics); ok {
		m.PendingChanges = types.Int64Value(pending)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

// pending counts the changes since the snapshot; ok is false when it cannot
// say (no link, a provider not configured yet, Graph failing), with a
// warning unless there is nothing to count from.
func (r *UsersExportResource) pending(ctx context.Context, link string, diags *diag.Diagnostics) (int64, bool) {
	if link == "" || r.data == nil || len(r.data.unknown) > 0 {
		return 0, false
	}
	n, more, err := r.data.client.PendingChanges(r.data.mask(ctx), link, maxPendingCount)
	switch {
	case errors.Is(err, graph.ErrDeltaExpired):
		return pendingExpired, true
	case err != nil:
		diags.AddWarning("Directory changes not counted", "The refresh could not ask Microsoft Graph what changed since the snapshot, "+
			"so the plan does not show pending changes: "+err.Error())
		return 0, false
	}
	tflog.Debug(ctx, "directory changes since the snapshot", map[string]any{"count": n, "more": more})
	return int64(n), true
}

// ModifyPlan shows an update when the refresh found the directory changed
// (pending_changes), or the file gone or altered (its checksum no longer
// the one written): the outcome attributes are then known only after
// apply. A plan reads no file and asks Graph nothing.
func (r *UsersExportResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() {
		return // created or destroyed: nothing to decide
	}
	var state, plan usersExportResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	written, d := getPrivate(ctx, req.Private, privateWritten)
	resp.Diagnostics.Append(d...)
	if resp.Diagnostics.HasError() {
		return
	}
	pending := state.PendingChanges.ValueInt64() != 0
	altered := written != "" && state.SHA256.ValueString() != written
	if !pending && !altered {
		return
	}
	plan.markOutcomeUnknown()
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// markOutcomeUnknown leaves what the export will do to the apply.
func (m *usersExportResourceModel) markOutcomeUnknown() {
	m.SHA256, m.Mode = types.StringUnknown(), types.StringUnknown()
	m.UserCount, m.ErrorCount, m.PendingChanges = types.Int64Unknown(), types.Int64Unknown(), types.Int64Unknown()
	m.AddedCount, m.RemovedCount, m.ChangedCount = types.Int64Unknown(), types.Int64Unknown(), types.Int64Unknown()
}

// Delete removes the files the resource wrote, and nothing else.
func (r *UsersExportResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var m usersExportResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	for _, f := range []types.String{m.OutputPath, m.ResultsPath, m.ManifestPath, m.ChangesPath, m.ReportPath} {
		if f.IsNull() || f.ValueString() == "" {
			continue
		}
		if err := os.Remove(f.ValueString()); err != nil && !errors.Is(err, fs.ErrNotExist) {
			resp.Diagnostics.AddError("Export file not removed", fmt.Sprintf("Removing %q: %v", f.ValueString(), err))
		}
	}
}

// fileChecksum is the hex SHA-256 of a file's bytes.
func fileChecksum(name string) (string, error) {
	if name == "" {
		return "", fs.ErrNotExist
	}
	return export.FileSHA256(name)
}

func setPrivate(ctx context.Context, p privateState, key, value string) diag.Diagnostics {
	b, err := json.Marshal(value)
	if err != nil {
		var d diag.Diagnostics
		d.AddError("Private state not written", err.Error())
		return d
	}
	return p.SetKey(ctx, key, b)
}

func getPrivate(ctx context.Context, p privateState, key string) (string, diag.Diagnostics) {
	b, diags := p.GetKey(ctx, key)
	if diags.HasError() || len(b) == 0 {
		return "", diags
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		diags.AddAttributeWarning(path.Root("id"), "Private state not readable", err.Error())
	}
	return v, diags
}

// usersExportResourceDescription opens the resource's documentation.
const usersExportResourceDescription = "The managed twin of the `aad_users_export` data source: the same export (the same arguments, " +
	"validation and CSV contract), run when something changed rather than on every read.\n\n" +
	"A data source is read on every `plan`, `apply` and refresh: it lists the whole directory (and, with the default columns, " +
	"calls Graph once per user) and rewrites a file of personal data on every planning runner. This resource exports on create " +
	"and when a plan shows an update, which it does when the configuration or `triggers` change, when the directory changed since " +
	"the snapshot (`pending_changes`, counted at refresh from the directory's change log: one Graph request when nothing changed), " +
	"or when the file at `output_path` is gone or no longer the one written. A refresh and a plan write nothing. An apply writes " +
	"atomically, as the data source does, and incrementally when `incremental` is set and the previous snapshot allows it. " +
	"Destroying it removes the files it wrote (the CSV, the results, changes, manifest and report files), and nothing else.\n\n" +
	"Use the data source when every run should export (a CI job that always wants a fresh file), the resource when the export " +
	"should happen when something changed, or when you say so (`triggers`). The change log does not follow sign-in activity, " +
	"authentication methods or the registration report: with those columns, use `triggers` to refresh them on a schedule.\n\n" +
	"Import is not supported, nor needed: creating the resource writes the file."
