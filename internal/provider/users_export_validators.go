package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
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

// selectorsCheck rejects an explicit user list together with filter or
// search: listed users are resolved one by one, so a filter could not apply
// to them and the combination would silently mean one of the two.
type selectorsCheck struct{}

var _ datasource.ConfigValidator = selectorsCheck{}

func (selectorsCheck) Description(context.Context) string {
	return "user_principal_names and object_ids cannot be combined with filter or search"
}

func (s selectorsCheck) MarkdownDescription(ctx context.Context) string { return s.Description(ctx) }

func (selectorsCheck) ValidateDataSource(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m usersExportModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := m.selectorConflict(); err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("filter"), "Conflicting user selection", err.Error())
	}
}

// selectorConflict is nil unless both kinds of selection are set. A value
// not known yet may still turn out null: Terraform validates the data source
// again with known values right before reading it.
func (m usersExportModel) selectorConflict() error {
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

// distinctPathsCheck rejects two files of one export that would replace
// each other.
type distinctPathsCheck struct{}

var _ datasource.ConfigValidator = distinctPathsCheck{}

func (distinctPathsCheck) Description(context.Context) string {
	return "output_path, results_path, manifest_path, changes_path and report_path must name different files"
}

func (d distinctPathsCheck) MarkdownDescription(ctx context.Context) string {
	return d.Description(ctx)
}

func (distinctPathsCheck) ValidateDataSource(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	resp.Diagnostics.Append(samePaths(ctx, req.Config)...)
}

// exportPaths are the attributes naming the files an export writes.
func exportPaths() []string {
	return []string{"output_path", "results_path", "manifest_path", "changes_path", "report_path"}
}

// samePaths reports the first pair of known paths that name one file.
func samePaths(ctx context.Context, cfg interface {
	GetAttribute(context.Context, path.Path, any) diag.Diagnostics
}) diag.Diagnostics {
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

// identityCheck: incremental snapshots and the changes report find a row's
// user by its name and object id, so the columns must hold them.
type identityCheck struct{}

var _ datasource.ConfigValidator = identityCheck{}

func (identityCheck) Description(context.Context) string {
	return "incremental and changes_path need the userPrincipalName and objectId (or id) columns"
}

func (i identityCheck) MarkdownDescription(ctx context.Context) string { return i.Description(ctx) }

func (identityCheck) ValidateDataSource(ctx context.Context, req datasource.ValidateConfigRequest, resp *datasource.ValidateConfigResponse) {
	var m usersExportModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if !resp.Diagnostics.HasError() {
		resp.Diagnostics.Append(m.identityProblem()...)
	}
}

func (m usersExportModel) identityProblem() diag.Diagnostics {
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
