package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aad-export/terraform-provider-aad/internal/export"
)

// knownStrings returns the elements of a list when the list and every element
// are known; ok is false otherwise (validation then waits for apply).
func knownStrings(l types.List) (values []string, ok bool) {
	if l.IsNull() || l.IsUnknown() {
		return nil, false
	}
	for _, e := range l.Elements() {
		s, isString := e.(types.String)
		if !isString || s.IsUnknown() || s.IsNull() {
			return nil, false
		}
		values = append(values, s.ValueString())
	}
	return values, true
}

// columnsCheck validates the column list with the export's own catalogue, so
// that a typo fails the plan with the list of valid names, not the apply.
type columnsCheck struct{}

var _ validator.List = columnsCheck{}

func (columnsCheck) Description(context.Context) string {
	return "columns must be known column names, without duplicates"
}

func (c columnsCheck) MarkdownDescription(ctx context.Context) string { return c.Description(ctx) }

func (columnsCheck) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	names, ok := knownStrings(req.ConfigValue)
	if !ok {
		return
	}
	if err := export.ValidateColumns(names); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid columns", err.Error())
	}
}

// uniqueFold rejects entries that differ only in case: Entra compares user
// principal names and object IDs case-insensitively, so they name one user.
type uniqueFold struct{}

var _ validator.List = uniqueFold{}

func (uniqueFold) Description(context.Context) string {
	return "entries must be unique, ignoring case"
}

func (u uniqueFold) MarkdownDescription(ctx context.Context) string { return u.Description(ctx) }

func (uniqueFold) ValidateList(_ context.Context, req validator.ListRequest, resp *validator.ListResponse) {
	values, ok := knownStrings(req.ConfigValue)
	if !ok {
		return
	}
	seen := make(map[string]int, len(values))
	for i, v := range values {
		key := strings.ToLower(v)
		if first, dup := seen[key]; dup {
			resp.Diagnostics.AddAttributeError(req.Path.AtListIndex(i), "Duplicate entry",
				fmt.Sprintf("%q (element %d) names the same user as element %d: Entra compares these case-insensitively. Remove one of them.", v, i, first))
			continue
		}
		seen[key] = i
	}
}

// exportConfigCheck checks what no single attribute of aad_users_export
// can: it serves the data source and the resource alike, reading the
// configuration attribute by attribute (their configurations differ beyond
// the shared ones).
type exportConfigCheck struct{}

var (
	_ datasource.ConfigValidator = exportConfigCheck{}
	_ resource.ConfigValidator   = exportConfigCheck{}
)

func (exportConfigCheck) Description(context.Context) string {
	return "user_principal_names and object_ids cannot be combined with filter or search; the five paths must name " +
		"different files; incremental and changes_path need the userPrincipalName and objectId (or id) columns"
}

func (c exportConfigCheck) MarkdownDescription(ctx context.Context) string { return c.Description(ctx) }

func (exportConfigCheck) ValidateDataSource(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	resp.Diagnostics.Append(checkExportConfig(ctx, req.Config)...)
}

func (exportConfigCheck) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	resp.Diagnostics.Append(checkExportConfig(ctx, req.Config)...)
}

// checkExportConfig runs the checks on the shared attributes.
func checkExportConfig(ctx context.Context, cfg tfsdk.Config) diag.Diagnostics {
	var m exportArgs
	var diags diag.Diagnostics
	for name, dst := range map[string]any{
		"user_principal_names": &m.UserPrincipalNames, "object_ids": &m.ObjectIDs, "filter": &m.Filter, "search": &m.Search,
		"incremental": &m.Incremental, "changes_path": &m.ChangesPath, "columns": &m.Columns,
	} {
		diags.Append(cfg.GetAttribute(ctx, path.Root(name), dst)...)
	}
	if diags.HasError() {
		return diags
	}
	if err := m.selectorConflict(); err != nil {
		diags.AddAttributeError(path.Root("filter"), "Conflicting user selection", err.Error())
	}
	diags.Append(m.identityProblem()...)
	diags.Append(samePaths(ctx, cfg)...)
	return diags
}

// selectorConflict is nil unless both kinds of selection are set. A value
// not known yet may still turn out null: Terraform validates the data source
// again with known values right before reading it.
func (m exportArgs) selectorConflict() error {
	lists := notNull(m.UserPrincipalNames) || notNull(m.ObjectIDs)
	query := notNull(m.Filter) || notNull(m.Search)
	if lists && query {
		return fmt.Errorf("user_principal_names and object_ids select users one by one and cannot be combined with filter or search, " +
			"which Graph applies to a listing of the directory. Use one way: either the explicit lists " +
			"(filter them in Terraform first), or a filter such as userPrincipalName in ('a@contoso.com','b@contoso.com')")
	}
	return nil
}

func notNull(v interface {
	IsNull() bool
	IsUnknown() bool
},
) bool {
	return !v.IsNull() && !v.IsUnknown()
}

// exportPaths are the attributes naming the files an export writes.
func exportPaths() []string {
	return []string{"output_path", "results_path", "manifest_path", "changes_path", "report_path"}
}

// samePaths reports the first pair of known paths that name one file.
func samePaths(ctx context.Context, cfg tfsdk.Config) diag.Diagnostics {
	var diags diag.Diagnostics
	var seen []string
	var names []string
	for _, name := range exportPaths() {
		var v types.String
		diags.Append(cfg.GetAttribute(ctx, path.Root(name), &v)...)
		if diags.HasError() {
			return diags
		}
		if v.IsNull() || v.IsUnknown() {
			continue
		}
		for i, other := range seen {
			if export.SamePath(other, v.ValueString()) {
				diags.AddAttributeError(path.Root(name), name+" is "+names[i],
					fmt.Sprintf("%s and %s both name %q: one file would replace the other. Give them different paths.", name, names[i], other))
				return diags
			}
		}
		seen, names = append(seen, v.ValueString()), append(names, name)
	}
	return diags
}

// identityProblem: incremental snapshots and the changes report find a
// row's user by its name and object id, so the columns must hold them.
func (m exportArgs) identityProblem() diag.Diagnostics {
	var diags diag.Diagnostics
	if !m.Incremental.ValueBool() && !notNull(m.ChangesPath) {
		return nil
	}
	columns, ok := knownStrings(m.Columns)
	if !ok {
		return nil // the default columns hold both; unknown ones are checked at apply
	}
	if !slices.Contains(columns, "userPrincipalName") || !slices.Contains(columns, "objectId") && !slices.Contains(columns, "id") {
		diags.AddAttributeError(path.Root("columns"), "Columns without the users' identity",
			"incremental snapshots and changes_path match each row to its user by userPrincipalName and objectId (or id): "+
				"add both to columns.")
	}
	return diags
}
