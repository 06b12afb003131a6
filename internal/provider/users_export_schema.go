package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aad-export/terraform-provider-aad/internal/export"
	"github.com/aad-export/terraform-provider-aad/internal/graph"
)

// The arguments and attributes of aad_users_export, written once for the
// data source and the resource, which share every one of them (the same
// names, descriptions and validation: the same CSV contract). The
// framework's two schema packages have types of their own; the two
// functions at the end turn this table into each.

// attrKind is an attribute's Terraform type.
type attrKind int

const (
	kindString attrKind = iota
	kindBool
	kindInt64
	kindStringList
)

// attrRole says who sets an attribute: the configuration (required or
// optional), the provider (computed), or the configuration with the
// provider filling in the default (optionalComputed: state shows what the
// export did).
type attrRole int

const (
	roleRequired attrRole = iota
	roleOptional
	roleOptionalComputed
	roleComputed
)

// exportAttr is one attribute of the table.
type exportAttr struct {
	name        string
	kind        attrKind
	role        attrRole
	description string
	strings     []validator.String
	lists       []validator.List
	ints        []validator.Int64
}

// usersExportAttributes is the table.
func usersExportAttributes() []exportAttr {
	return append(exportSelection(), append(exportFiles(), exportOutcome()...)...)
}

// exportSelection: which users and columns, and how the file is encoded.
func exportSelection() []exportAttr {
	return []exportAttr{
		{name: "columns", kind: kindStringList, role: roleOptionalComputed, lists: []validator.List{columnsCheck{}},
			description: "The columns to write, in order. Defaults to the 26 columns of the portal's **Download users**, in the portal's order. " +
				"Any other property Graph can list may be added by its Graph name, e.g. `employeeId`, `companyName`, `createdDateTime`, " +
				"`creationType`, `onPremisesSyncEnabled`, `mailNickname`, `proxyAddresses`; a field of a complex property by its OData path, " +
				"e.g. `signInActivity/lastSignInDateTime`, `onPremisesExtensionAttributes/extensionAttribute1`, `employeeOrgData/costCenter`; " +
				"a directory extension attribute as `extension_<application id without dashes>_<name>`; and the registration report's " +
				"columns `isMfaRegistered`, `isMfaCapable`, `isPasswordlessCapable`, `isSsprRegistered`, `isSsprEnabled`, `isSsprCapable`, " +
				"`isAdmin`, `methodsRegistered`, `isSystemPreferredAuthenticationMethodEnabled`, `systemPreferredAuthenticationMethods`, " +
				"`userPreferredMethodForSecondaryAuthentication` and `registrationLastUpdatedDateTime`. " + columnNeeds()},
		{name: "filter", kind: kindString, role: roleOptional, strings: []validator.String{stringvalidator.LengthAtLeast(1)},
			description: "An OData `$filter` passed to Graph as written, e.g. `accountEnabled eq true and userType eq 'Member'` " +
				"or `endsWith(mail,'@contoso.com')`. The export sends it as an advanced query (`ConsistencyLevel: eventual`, `$count=true`). " +
				"Cannot be combined with `user_principal_names` or `object_ids`."},
		{name: "search", kind: kindString, role: roleOptional, strings: []validator.String{stringvalidator.LengthAtLeast(1)},
			description: "A `$search` expression passed to Graph as written, e.g. `\"displayName:adele\" OR \"mail:adele\"`. " +
				"May be combined with `filter`; cannot be combined with `user_principal_names` or `object_ids`."},
		{name: "user_principal_names", kind: kindStringList, role: roleOptional,
			lists: []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1)), uniqueFold{}},
			description: "Export only these users (the portal's tick-box selection). A name that does not resolve is a per-user " +
				"error (a warning, a row of `results_path`), not a failure. May be combined with `object_ids`."},
		{name: "object_ids", kind: kindStringList, role: roleOptional,
			lists: []validator.List{listvalidator.SizeAtLeast(1), listvalidator.ValueStringsAre(objectID()), uniqueFold{}},
			description: "Export only the users with these object IDs (GUIDs). An ID that does not resolve is a per-user error, not a failure. " +
				"May be combined with `user_principal_names`."},
		{name: "fail_on_user_errors", kind: kindBool, role: roleOptionalComputed,
			description: "Fail when any user could not be exported. The results file is still written; the CSV is not. " +
				"Defaults to `false`: such users are reported as warnings and counted in `error_count`."},
		{name: "escape_formulas", kind: kindBool, role: roleOptionalComputed,
			description: "Prefix a single quote to cells a spreadsheet would run as a formula: those beginning with `=`, `@`, tab or " +
				"carriage return, or with `+` or `-` followed by anything but a phone number. Defaults to `true`."},
		{name: "line_ending", kind: kindString, role: roleOptionalComputed,
			strings:     []validator.String{stringvalidator.OneOf(string(export.LF), string(export.CRLF))},
			description: "Row terminator: `lf` (the default) or `crlf`."},
		{name: "byte_order_mark", kind: kindBool, role: roleOptionalComputed,
			description: "Begin the file with a UTF-8 byte order mark, which some spreadsheet programs need to detect UTF-8. Defaults to `false`."},
		{name: "concurrency", kind: kindInt64, role: roleOptional,
			ints: []validator.Int64{int64validator.Between(1, graph.MaxConcurrency)},
			description: fmt.Sprintf("How many Graph requests the export keeps in flight (directory partitions listed at once, and batches of "+
				"authentication-method lookups), 1 to %d. Defaults to a value tuned for Graph's throttling limits; lower it to "+
				"leave throttle budget to other applications of the same tenant.", graph.MaxConcurrency)},
		{name: "incremental", kind: kindBool, role: roleOptionalComputed,
			description: "Build the snapshot from the previous one (the file `manifest_path` describes) and the directory's change log, " +
				"instead of listing every user: only the users created, changed or deleted since are read. The result is the same bytes " +
				"a full export would write. The export lists everything instead, with a warning saying why, when there is no usable previous " +
				"snapshot (another tenant, other columns, filter or encoding, a CSV edited since, a change log Graph no longer keeps); and " +
				"by design when the columns include `signInActivity` (or its fields) or the registration report, which the change log " +
				"does not follow, or authentication-method columns with `auth_methods_refresh = \"all\"`. Users named one by one are " +
				"always read in full. Defaults to `false`."},
		{name: "auth_methods_refresh", kind: kindString, role: roleOptionalComputed,
			strings: []validator.String{stringvalidator.OneOf(string(export.RefreshAll), string(export.RefreshChanged))},
			description: "Which users' authentication methods an incremental snapshot reads again (the change log does not cover them): " +
				"`all` (the default: every user's, so the directory is listed again, at one call per user as a full export costs) or " +
				"`changed` (only the created and changed users': the other users' `authentication*` cells may be stale)."},
	}
}

// exportFiles: where the files go.
func exportFiles() []exportAttr {
	path := []validator.String{stringvalidator.LengthAtLeast(1)}
	return []exportAttr{
		{name: "output_path", kind: kindString, role: roleRequired, strings: path,
			description: "The CSV file to write. It is replaced atomically (written beside it, synced, renamed), with mode `0600`; " +
				"on any failure the previous file is left untouched. The folder must exist."},
		{name: "results_path", kind: kindString, role: roleOptional, strings: path,
			description: "Where to write the results file: one CSV row per user that could not be exported, with columns " +
				"`userPrincipalName`, `objectId`, `operation`, `status`, `code`, `message`, `requestId`. Written atomically, mode `0600`. " +
				"Must differ from the other paths."},
		{name: "manifest_path", kind: kindString, role: roleOptionalComputed, strings: path,
			description: "Where to write the snapshot's manifest: JSON evidence of what was exported (provider version, tenant, cloud, " +
				"application, columns, selection, start and end times, counts, the `sha256` of the CSV and of the results file, and the " +
				"link to the directory's change log). Never a secret or a token. Mode `0600`, atomic, written last. Defaults to " +
				"`<output_path>.manifest.json` when `incremental` is true; unset otherwise."},
		{name: "changes_path", kind: kindString, role: roleOptional, strings: path,
			description: "Where to write what changed since the previous snapshot (the one `manifest_path` describes): a CSV with columns " +
				"`objectId`, `userPrincipalName`, `change` (`added`, `removed`, `changed`), `column`, `old`, `new`; one row per changed " +
				"cell and one per added or removed user, sorted like the export. Same encoding and formula escaping, atomic, mode `0600`. " +
				"Needs the `userPrincipalName` and `objectId` (or `id`) columns, and `manifest_path` (or `incremental`) to find the " +
				"previous snapshot; without one, every user is listed as added."},
		{name: "report_path", kind: kindString, role: roleOptional, strings: path,
			description: "Where to write a compliance report of the same snapshot: one self-contained HTML page (no network, no script; " +
				"charts as inline SVG with their numbers beside them; printable on A4) with the population (members and guests, " +
				"enabled, synced, minors), departments, strong authentication and stale accounts, each shown when its columns were " +
				"exported, and the per-user errors. Atomic, mode `0600`."},
	}
}

// exportOutcome: what the export did, for state.
func exportOutcome() []exportAttr {
	return []exportAttr{
		{name: "user_count", kind: kindInt64, role: roleComputed,
			description: "The number of users (rows, header excluded) written to `output_path`."},
		{name: "error_count", kind: kindInt64, role: roleComputed,
			description: "The number of users that could not be exported (the rows of `results_path`)."},
		{name: "sha256", kind: kindString, role: roleComputed,
			description: "The hex SHA-256 of the CSV's bytes, computed while writing. The same directory gives the same checksum."},
		{name: "mode", kind: kindString, role: roleComputed,
			description: "`incremental` when the snapshot was built from the previous one and the change log, `full` when the selection was listed."},
		{name: "added_count", kind: kindInt64, role: roleComputed,
			description: "Users added since the previous snapshot (0 without `changes_path`)."},
		{name: "removed_count", kind: kindInt64, role: roleComputed,
			description: "Users removed since the previous snapshot (0 without `changes_path`)."},
		{name: "changed_count", kind: kindInt64, role: roleComputed,
			description: "Users with at least one changed cell since the previous snapshot (0 without `changes_path`)."},
	}
}

// columnNeeds says what the columns that need more than User.Read.All need.
func columnNeeds() string {
	return fmt.Sprintf("The columns `authenticationPhoneNumber`, `authenticationAlternativePhoneNumber` and `authenticationEmail` "+
		"cost one extra Graph call per user and need the `%s` permission; `signInActivity` and its fields need `%s` and a %s licence "+
		"(and make Graph answer pages of 120 users); the registration report's columns need `%s` and a %s licence.",
		export.PermAuthMethods, export.PermAuditLog, export.LicenceP1, export.PermAuditLog, export.LicenceP1)
}

// flags are the schema's Required, Optional and Computed for the role.
func (r attrRole) flags() (required, optional, computed bool) {
	return r == roleRequired, r == roleOptional || r == roleOptionalComputed, r == roleComputed || r == roleOptionalComputed
}

// dataSourceAttributes is the table as the data source's schema, with its
// id.
func dataSourceAttributes() map[string]dschema.Attribute {
	out := map[string]dschema.Attribute{
		"id": dschema.StringAttribute{Computed: true,
			MarkdownDescription: "The same as `sha256`: two reads share an ID exactly when they wrote the same bytes."},
	}
	for _, a := range usersExportAttributes() {
		req, opt, comp := a.role.flags()
		switch a.kind {
		case kindString:
			out[a.name] = dschema.StringAttribute{Required: req, Optional: opt, Computed: comp, MarkdownDescription: a.description, Validators: a.strings}
		case kindBool:
			out[a.name] = dschema.BoolAttribute{Required: req, Optional: opt, Computed: comp, MarkdownDescription: a.description}
		case kindInt64:
			out[a.name] = dschema.Int64Attribute{Required: req, Optional: opt, Computed: comp, MarkdownDescription: a.description, Validators: a.ints}
		case kindStringList:
			out[a.name] = dschema.ListAttribute{ElementType: types.StringType, Required: req, Optional: opt, Computed: comp,
				MarkdownDescription: a.description, Validators: a.lists}
		}
	}
	return out
}

// resourceAttributes is the table as the resource's schema. Its computed
// attributes are known only after an apply that exports; the
// configuration's defaults are resolved by the resource when it plans.
func resourceAttributes() map[string]rschema.Attribute {
	out := map[string]rschema.Attribute{}
	for _, a := range usersExportAttributes() {
		req, opt, comp := a.role.flags()
		switch a.kind {
		case kindString:
			out[a.name] = rschema.StringAttribute{Required: req, Optional: opt, Computed: comp, MarkdownDescription: a.description, Validators: a.strings}
		case kindBool:
			out[a.name] = rschema.BoolAttribute{Required: req, Optional: opt, Computed: comp, MarkdownDescription: a.description}
		case kindInt64:
			out[a.name] = rschema.Int64Attribute{Required: req, Optional: opt, Computed: comp, MarkdownDescription: a.description, Validators: a.ints}
		case kindStringList:
			out[a.name] = rschema.ListAttribute{ElementType: types.StringType, Required: req, Optional: opt, Computed: comp,
				MarkdownDescription: a.description, Validators: a.lists}
		}
	}
	return out
}
