package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/export"
)

// exportArgs are the arguments and attributes of aad_users_export that the
// data source and the resource share (users_export_schema.go is their
// table), with what turns them into the export's options and back.
type exportArgs struct {
	OutputPath         types.String `tfsdk:"output_path"`
	Columns            types.List   `tfsdk:"columns"`
	Filter             types.String `tfsdk:"filter"`
	Search             types.String `tfsdk:"search"`
	UserPrincipalNames types.List   `tfsdk:"user_principal_names"`
	ObjectIDs          types.List   `tfsdk:"object_ids"`
	ResultsPath        types.String `tfsdk:"results_path"`
	FailOnUserErrors   types.Bool   `tfsdk:"fail_on_user_errors"`
	EscapeFormulas     types.Bool   `tfsdk:"escape_formulas"`
	LineEnding         types.String `tfsdk:"line_ending"`
	ByteOrderMark      types.Bool   `tfsdk:"byte_order_mark"`
	Concurrency        types.Int64  `tfsdk:"concurrency"`
	Incremental        types.Bool   `tfsdk:"incremental"`
	AuthMethodsRefresh types.String `tfsdk:"auth_methods_refresh"`
	ManifestPath       types.String `tfsdk:"manifest_path"`
	ChangesPath        types.String `tfsdk:"changes_path"`
	ReportPath         types.String `tfsdk:"report_path"`
	UserCount          types.Int64  `tfsdk:"user_count"`
	ErrorCount         types.Int64  `tfsdk:"error_count"`
	SHA256             types.String `tfsdk:"sha256"`
	Mode               types.String `tfsdk:"mode"`
	AddedCount         types.Int64  `tfsdk:"added_count"`
	RemovedCount       types.Int64  `tfsdk:"removed_count"`
	ChangedCount       types.Int64  `tfsdk:"changed_count"`
}

// request turns the configuration into the plain Go the export takes. The
// schema validators have run on these exact values (Terraform validates a
// data source again right before reading it), so only unknown values remain
// to be reported.
func (m exportArgs) request() (directory.Query, export.Options, diag.Diagnostics) {
	var diags diag.Diagnostics
	columns := m.strings(&diags, "columns", m.Columns)
	if columns == nil {
		// Resolved here, once: state, log lines and diagnostics all name
		// the columns the file was written with.
		columns = export.DefaultColumns()
	}
	q := directory.Query{
		Filter:             m.Filter.ValueString(),
		Search:             m.Search.ValueString(),
		UserPrincipalNames: m.strings(&diags, "user_principal_names", m.UserPrincipalNames),
		ObjectIDs:          m.strings(&diags, "object_ids", m.ObjectIDs),
	}
	opts := export.Options{
		OutputPath:       m.OutputPath.ValueString(),
		ResultsPath:      m.ResultsPath.ValueString(),
		Columns:          columns,
		EscapeFormulas:   m.EscapeFormulas.IsNull() || m.EscapeFormulas.ValueBool(),
		LineEnding:       export.LF,
		ByteOrderMark:    m.ByteOrderMark.ValueBool(),
		FailOnUserErrors: m.FailOnUserErrors.ValueBool(),
		// One warning each for the first few per-user errors: the results
		// file has them all, and thousands of diagnostics would bury the
		// one that matters.
		MaxDetailedErrors: export.DefaultMaxDetailedErrors,
	}
	if !m.LineEnding.IsNull() {
		opts.LineEnding = export.LineEnding(m.LineEnding.ValueString())
	}
	opts.Incremental = m.Incremental.ValueBool()
	opts.AuthMethodsRefresh = export.RefreshAll
	if !m.AuthMethodsRefresh.IsNull() {
		opts.AuthMethodsRefresh = export.Refresh(m.AuthMethodsRefresh.ValueString())
	}
	opts.ManifestPath = m.ManifestPath.ValueString()
	if opts.ManifestPath == "" && opts.Incremental {
		// Resolved here, once, so that state names the file.
		opts.ManifestPath = opts.OutputPath + ".manifest.json"
	}
	opts.ChangesPath = m.ChangesPath.ValueString()
	opts.ReportPath = m.ReportPath.ValueString()
	return q, opts, diags
}

// strings returns a list's elements, nil for a null list.
func (m exportArgs) strings(diags *diag.Diagnostics, name string, l types.List) []string {
	if l.IsNull() {
		return nil
	}
	values, ok := knownStrings(l)
	if !ok {
		diags.AddError("Value not known", name+" is not known yet. This is a bug in the provider: Terraform reads a data source only once its configuration is known.")
	}
	return values
}

// setResult records the export's outcome and the effective value of every
// defaulted argument, so that state says exactly how the file was written.
func (m *exportArgs) setResult(opts export.Options, res export.Result) {
	elems := make([]attr.Value, len(opts.Columns))
	for i, c := range opts.Columns {
		elems[i] = types.StringValue(c)
	}
	m.Columns = types.ListValueMust(types.StringType, elems)
	m.EscapeFormulas = types.BoolValue(opts.EscapeFormulas)
	m.FailOnUserErrors = types.BoolValue(opts.FailOnUserErrors)
	m.LineEnding = types.StringValue(string(opts.LineEnding))
	m.ByteOrderMark = types.BoolValue(opts.ByteOrderMark)
	m.Incremental = types.BoolValue(opts.Incremental)
	m.AuthMethodsRefresh = types.StringValue(string(opts.AuthMethodsRefresh))
	m.ManifestPath = types.StringNull()
	if opts.ManifestPath != "" {
		m.ManifestPath = types.StringValue(opts.ManifestPath)
	}
	m.SHA256 = types.StringValue(res.SHA256)
	m.UserCount = types.Int64Value(int64(res.Users))
	m.ErrorCount = types.Int64Value(int64(res.Errors))
	m.Mode = types.StringValue(string(res.Mode))
	m.AddedCount = types.Int64Value(int64(res.Added))
	m.RemovedCount = types.Int64Value(int64(res.Removed))
	m.ChangedCount = types.Int64Value(int64(res.Changed))
}

// logFields describes the export for the INFO line that starts it. It names
// the kind of selection, not its content: filters and lists can hold names.
func (m exportArgs) logFields(opts export.Options) map[string]any {
	selection := "all users"
	switch {
	case !m.UserPrincipalNames.IsNull() || !m.ObjectIDs.IsNull():
		selection = "explicit list"
	case !m.Filter.IsNull() || !m.Search.IsNull():
		selection = "filter/search"
	}
	return map[string]any{
		"output_path":  opts.OutputPath,
		"results_path": opts.ResultsPath,
		"columns":      len(opts.Columns),
		"selection":    selection,
	}
}

// logResult logs what the export did, at INFO: the counts, the checksum,
// and the temporary files of killed exports it removed (paths only).
func logResult(ctx context.Context, res export.Result) {
	tflog.Info(ctx, "exported users", map[string]any{"users": res.Users, "errors": res.Errors, "sha256": res.SHA256,
		"mode": string(res.Mode), "full_because": res.FullBecause})
	if len(res.RemovedTemporaries) > 0 {
		tflog.Info(ctx, "removed the temporary files of earlier exports that were killed before their clean-up",
			map[string]any{"files": res.RemovedTemporaries})
	}
}
