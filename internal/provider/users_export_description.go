package provider

// usersExportDescription documents aad_users_export as a whole; it opens
// the data source's page of the registry documentation.
const usersExportDescription = "Exports the users of the Entra ID (Azure AD) directory to a CSV file, like the " +
	"Entra admin center's **Download users**, through Microsoft Graph.\n\n" +
	"The file is audit grade: the same directory gives the same bytes (and the same `sha256`). It is UTF-8 without a BOM, " +
	"with a header row of the column names and LF line endings by default; fields are quoted as RFC 4180 says; booleans are " +
	"`True`/`False`; a missing value is an empty cell; collections are joined with `;`; date-times are ISO 8601 as Graph returns " +
	"them; rows are sorted by lower-cased `userPrincipalName`, then `objectId`. Cells a spreadsheet would run as a formula are " +
	"escaped (see `escape_formulas`). The file is written beside its final path, synced and renamed, with mode `0600`: on any " +
	"failure or interruption the previous file is untouched.\n\n" +
	"Users that cannot be exported (a listed name that does not exist, a user deleted during the export) do not fail the read: " +
	"they are counted in `error_count`, reported as warnings (the first ten in detail) and written to `results_path`. " +
	"Failures of the whole export (credentials, permissions, a filter Graph rejects, throttling past the timeout) fail the read " +
	"with one error that names Graph's code and request-id and says what to do.\n\n" +
	"Like every data source, it is read during each `plan` and `apply`: the file is rewritten each time. The application " +
	"needs the Microsoft Graph application permission `User.Read.All`; `UserAuthenticationMethod.Read.All` for the three " +
	"`authentication*` columns; `AuditLog.Read.All` for `signInActivity`."
