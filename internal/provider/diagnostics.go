package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/export"
	"github.com/aad-export/terraform-provider-aad/internal/graph"
	"github.com/aad-export/terraform-provider-aad/internal/graph/credential"
)

// userErrorSummary is shared by every per-user warning: Terraform collapses
// warnings with one summary into "and N more similar warnings".
const userErrorSummary = "User not exported"

const nothingWritten = "Nothing was written: the previous file at output_path, if any, is unchanged."

// failureContext is what an error diagnostic needs to say what to do.
type failureContext struct {
	tenantID, clientID string
	columns            []string
	filter, search     string
	resultsPath        string
	timeout            time.Duration
}

// configError reports a configuration the Graph client refused, in the
// provider's words; without any credential it lists the ways to configure
// one.
func configError(err error) diag.Diagnostic {
	detail := inTerraformWords(err)
	if errors.Is(err, credential.ErrNoCredential) {
		detail += "; " + credentialHelp()
	}
	return diag.NewErrorDiagnostic("Cannot configure the Microsoft Graph client", detail)
}

// snapshotWarnings are the export's warnings about the snapshot itself: one
// that could not be incremental, a changes report with nothing to compare.
func snapshotWarnings(res export.Result) diag.Diagnostics {
	var out diag.Diagnostics
	for _, w := range res.Warnings {
		out = append(out, diag.NewWarningDiagnostic("Snapshot not built as asked", w))
	}
	return out
}

// userErrorWarnings turns the first per-user errors into warnings, plus one
// that gives the total and where to find them all. With fail_on_user_errors
// the error diagnostic gives the total instead.
func userErrorWarnings(res export.Result, opts export.Options) diag.Diagnostics {
	if res.Errors == 0 {
		return nil
	}
	out := make(diag.Diagnostics, 0, len(res.FirstErrors)+1)
	for _, e := range res.FirstErrors {
		out = append(out, diag.NewWarningDiagnostic(userErrorSummary, userErrorDetail(e)))
	}
	if opts.FailOnUserErrors {
		return out
	}
	return append(out, diag.NewWarningDiagnostic(
		fmt.Sprintf("%d of the selected users were not exported", res.Errors),
		fmt.Sprintf("The export wrote %d users; %d could not be exported (the first %d are shown above). %s "+
			"Set fail_on_user_errors = true to make this an error.", res.Users, res.Errors, len(res.FirstErrors), resultsHint(opts.ResultsPath))))
}

func userErrorDetail(e directory.UserError) string {
	return fmt.Sprintf("%s: %s failed: Microsoft Graph answered %d %s: %s (request-id %s)",
		e.Subject(), e.Operation, e.Status, e.Code, e.Message, orNone(e.RequestID))
}

func resultsHint(resultsPath string) string {
	if resultsPath == "" {
		return "Set results_path to get every one of them, with the reason, in a CSV file."
	}
	return fmt.Sprintf("Every one of them, with the reason, is in the results file %q.", resultsPath)
}

// exportError turns a failed export into one error diagnostic: what went
// wrong, what to do, then Graph's own words.
func exportError(ctx context.Context, err error, fc failureContext) diag.Diagnostic {
	var ge *graph.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded),
		errors.Is(err, graph.ErrThrottledPastTimeout):
		return timeoutError(err, fc)
	case errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled):
		return diag.NewErrorDiagnostic("Export cancelled",
			"The export was interrupted before it finished. "+nothingWritten)
	case errors.Is(err, graph.ErrIncomplete):
		return diag.NewErrorDiagnostic("Export incomplete",
			"Microsoft Graph listed fewer users than it counted, however often the short part of the directory was listed and "+
				"counted again, for a minute, so the export stopped rather than write a short file. While many users are created or "+
				"deleted Graph's count can lag its listing for longer: run it again later.\n\n"+
				err.Error()+"\n\n"+nothingWritten)
	case errors.Is(err, export.ErrUserErrors):
		return diag.NewErrorDiagnostic("Users not exported",
			fmt.Sprintf("Some of the selected users could not be exported and fail_on_user_errors is true (%v). %s "+
				"The CSV was not written: the previous file at output_path, if any, is unchanged.", err, resultsHint(fc.resultsPath)))
	case errors.As(err, &ge):
		summary, advice := graphAdvice(ge, fc)
		return diag.NewErrorDiagnostic(summary, advice+"\n\n"+graphSays(ge)+"\n\n"+nothingWritten)
	default:
		return diag.NewErrorDiagnostic("Export failed", fmt.Sprintf("%v\n\n%s", err, nothingWritten))
	}
}

// federatedTokenWarning warns, at the start of a read, when the OIDC token
// the provider was given (or its file holds now) expires before the read's
// deadline: the export exchanges it again whenever its access token needs
// renewing, and an expired one fails the export then, with advice about
// the clock that would mislead.
func federatedTokenWarning(client *graph.Client, now time.Time, timeout time.Duration) diag.Diagnostics {
	tok, ok := client.FederatedTokenExpiry()
	if !ok || !tok.Expires.Before(now.Add(timeout)) {
		return nil
	}
	source := "The OIDC token given as oidc_token (ARM_OIDC_TOKEN)"
	fresh := "Give it as oidc_token_file_path instead, a file your CI system keeps fresh (it is read again at each renewal)"
	if tok.FromFile {
		source = "The OIDC token in oidc_token_file_path"
		fresh = "The file is read again at each renewal: have it replaced with a fresh token before then (as Kubernetes does with " +
			"projected service account tokens)"
	}
	when := "expires at " + tok.Expires.UTC().Format(time.RFC3339)
	if !tok.Expires.After(now) {
		when = "expired at " + tok.Expires.UTC().Format(time.RFC3339)
	}
	return diag.Diagnostics{diag.NewWarningDiagnostic("OIDC token expires before the export may end", fmt.Sprintf(
		"%s %s, before the read timeout of %s ends. The export exchanges it for a new access token whenever the current one "+
			"nears its end (access tokens live about an hour), and Entra ID refuses an expired token: an export still running "+
			"then fails. %s; or use oidc_request_url with oidc_request_token (in GitHub Actions, use_oidc = true alone reads "+
			"ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN), which asks for a fresh token at each renewal; or "+
			"set a read timeout that ends before then (timeouts { read = \"30m\" }).", source, when, timeout, fresh))}
}

func timeoutError(err error, fc failureContext) diag.Diagnostic {
	detail := fmt.Sprintf("The export did not finish within its read timeout of %s. ", fc.timeout)
	var ge *graph.Error
	if errors.As(err, &ge) && ge.Status == 429 {
		detail += "Microsoft Graph was throttling the requests (429 TooManyRequests) until the end: other applications may share " +
			"the tenant's throttle budget. "
	}
	detail += "Raise it with a timeouts block (timeouts { read = \"120m\" })."
	if auth := export.AuthColumns(fc.columns); len(auth) > 0 {
		detail += " The columns " + strings.Join(auth, ", ") + " cost one throttled Graph call per user: without them the export is much faster."
	}
	if ge != nil {
		detail += "\n\n" + graphSays(ge)
	}
	return diag.NewErrorDiagnostic("Export timed out", detail+"\n\n"+nothingWritten)
}

// graphSays renders Graph's error verbatim for a support case.
func graphSays(ge *graph.Error) string {
	if ge.Status == 0 {
		return fmt.Sprintf("The %s request failed before Microsoft Graph answered: %v", ge.Operation, ge.Err)
	}
	return fmt.Sprintf("Microsoft Graph answered the %s request with HTTP %d, code %s: %s\nrequest-id: %s, client-request-id: %s",
		ge.Operation, ge.Status, orNone(ge.Code), ge.Message, orNone(ge.RequestID), orNone(ge.ClientRequestID))
}

// graphAdvice chooses the summary and the fix for a Graph failure, from the
// operation, the HTTP status and Graph's code (never from the message text).
func graphAdvice(ge *graph.Error, fc failureContext) (summary, advice string) {
	switch {
	case ge.Operation == graph.OpToken:
		return "Authentication to Entra ID failed", tokenAdvice(ge.Code, fc)
	case ge.Status == 401:
		return "Microsoft Graph rejected the access token", fmt.Sprintf(
			"Entra ID issued a token to %s in tenant %s, but Microsoft Graph did not accept it, even once renewed. Check that "+
				"graph_endpoint and authority_host, if set, belong to the same cloud as environment (a token of one cloud is not "+
				"valid in another), and that the application is enabled in the tenant.", who(fc), shownID(fc.tenantID))
	case ge.Status == 403:
		return forbiddenAdvice(ge, fc)
	case ge.Status == 400 && (fc.filter != "" || fc.search != ""):
		return "Microsoft Graph rejected the filter or search", queryAdvice(ge.Code, fc)
	case ge.Status == 429:
		return "Throttled by Microsoft Graph", "Graph kept answering 429 TooManyRequests after every retry. Lower concurrency, " +
			"or run the export when other applications of the tenant are quiet."
	case ge.Unavailable():
		return "Microsoft Graph kept failing", fmt.Sprintf("Graph answered %d to every try of this request, with growing waits between them: "+
			"an outage or an overloaded service. Run the export again later; if it persists, open a support case with Microsoft "+
			"quoting the request-id below.", ge.Status)
	case ge.Status == 501:
		return "Microsoft Graph cannot list a column", "One of the columns is a property Graph returns only for a single user, " +
			"not in a list. Remove it from columns."
	default:
		return "Microsoft Graph request failed", "The export stopped on an error it does not retry. If it persists, " +
			"open a support case with Microsoft quoting the request-id below."
	}
}

// forbiddenAdvice explains a 403: what the request needed that the identity
// or the tenant lacks.
func forbiddenAdvice(ge *graph.Error, fc failureContext) (summary, advice string) {
	switch {
	case ge.Operation == graph.OpAuthMethods:
		return "Missing permission to read authentication methods", fmt.Sprintf(
			"The columns %s come from the authentication methods API, which %s may not read. Grant it the Microsoft Graph "+
				"application permission UserAuthenticationMethod.Read.All (or UserAuthMethod-Phone.Read.All and UserAuthMethod-Email.Read.All) "+
				"and grant admin consent, or remove these columns from columns.",
			strings.Join(export.AuthColumns(fc.columns), ", "), who(fc))
	case ge.Code == codeNoPremiumLicence:
		return licenceAdvice(fc)
	case ge.Operation == graph.OpRegistration:
		return registrationAdvice(fc)
	}
	return "Missing permission to read users", listPermissionAdvice(fc)
}

func who(fc failureContext) string {
	if fc.clientID == "" {
		return "the signed-in identity"
	}
	return "the application " + shownID(fc.clientID)
}

// shownID is a tenant or client ID as a diagnostic may show it: a GUID as
// it is, anything else not at all (it could be a secret set in the wrong
// place; the provider refuses such IDs before a diagnostic could name them,
// so this is the second line).
func shownID(id string) string {
	switch {
	case id == "":
		return "(none)"
	case credential.IsGUID(id):
		return id
	}
	return "(not a GUID, not shown)"
}

// licenceAdvice explains Graph's refusal for want of a premium licence
// (its own code): the columns that need one.
func licenceAdvice(fc failureContext) (summary, advice string) {
	return "The tenant's licence does not include these columns", fmt.Sprintf(
		"The columns %s need a %s licence in tenant %s (sign-in activity and the authentication-method registration report "+
			"are premium features). Remove these columns from columns, or assign the licence.",
		strings.Join(export.LicensedColumns(fc.columns), ", "), export.LicenceP1, shownID(fc.tenantID))
}

// registrationAdvice explains a registration report refused for want of
// its permission.
func registrationAdvice(fc failureContext) (summary, advice string) {
	cols := strings.Join(export.RegistrationColumns(fc.columns), ", ")
	return "Missing permission to read the registration report", fmt.Sprintf(
		"The columns %s come from Microsoft Graph's authentication-method registration report, which %s may not read. Grant it "+
			"the Microsoft Graph application permission %s and grant admin consent, or remove these columns from columns.",
		cols, who(fc), export.PermAuditLog)
}

// codeNoPremiumLicence is Graph's code for a report the tenant's licence
// does not include.
const codeNoPremiumLicence = "Authentication_RequestFromNonPremiumTenantOrB2CTenant"

func listPermissionAdvice(fc failureContext) string {
	advice := fmt.Sprintf("Listing users needs the Microsoft Graph application permission User.Read.All, which %s does not have "+
		"in tenant %s. Grant it (Entra admin center > App registrations > API permissions > Add a permission > Microsoft Graph > "+
		"Application permissions > User.Read.All) and grant admin consent.", who(fc), shownID(fc.tenantID))
	if audit := export.ColumnsNeeding(fc.columns, export.PermAuditLog); len(audit) > 0 {
		advice += fmt.Sprintf(" The columns %s also need %s.", strings.Join(audit, ", "), export.PermAuditLog)
	}
	return advice
}

func queryAdvice(code string, fc failureContext) string {
	var refused []string
	if fc.filter != "" {
		refused = append(refused, fmt.Sprintf("filter %q", fc.filter))
	}
	if fc.search != "" {
		refused = append(refused, fmt.Sprintf("search %q", fc.search))
	}
	advice := "Graph refused " + strings.Join(refused, " with ") + "."
	if code == "Request_UnsupportedQuery" {
		advice += " The export already sends every filter and search as an advanced query (ConsistencyLevel: eventual with $count=true), " +
			"so this operator or property is not supported even then: for example legalAgeGroupClassification cannot be filtered, " +
			"userPrincipalName supports le but not ge, and $search only works on displayName, mail and a few other properties. " +
			"See https://learn.microsoft.com/graph/aad-advanced-queries for the operators each property supports."
	} else {
		advice += " Check the OData syntax: string literals in single quotes (a quote inside doubled: 'O''Brien'), " +
			"operators in lower case (eq, startsWith), and $search clauses quoted (\"displayName:ada\")."
	}
	return advice
}

// tokenAdvice explains the AADSTS codes people meet most when configuring a
// service principal. The graph client reports Entra's first error code as
// the code, "AADSTS" and its digits.
func tokenAdvice(code string, fc failureContext) string {
	fix := map[string]string{
		"AADSTS7000215": "The client secret is wrong: set client_secret (ARM_CLIENT_SECRET) to the secret's Value, not its Secret ID.",
		"AADSTS7000222": "The client secret has expired: create a new one under the app registration's Certificates & secrets.",
		"AADSTS700016":  fmt.Sprintf("No application %s exists in tenant %s: check client_id and tenant_id.", shownID(fc.clientID), shownID(fc.tenantID)),
		"AADSTS90002":   fmt.Sprintf("Tenant %s was not found: check tenant_id and environment (the cloud).", shownID(fc.tenantID)),
		"AADSTS900023":  fmt.Sprintf("Tenant %s is not a valid tenant ID: check tenant_id.", shownID(fc.tenantID)),
		"AADSTS700027":  "The client certificate is not registered on the application: upload its public certificate under Certificates & secrets.",
		"AADSTS700024": "The client assertion is outside its validity window: an OIDC token (oidc_token, or the one in " +
			"oidc_token_file_path) that has expired, or the clock of this machine.",
		"AADSTS70021":   "No federated identity credential of the application matches the OIDC token: check its issuer, subject and audience.",
		"AADSTS700213":  "No federated identity credential of the application matches the OIDC token's subject.",
		"AADSTS7000112": "The application is disabled in the tenant.",
	}
	if advice, ok := fix[code]; ok {
		return advice
	}
	return "Check tenant_id, client_id and the credential (ARM_* environment variables included), and that the application " +
		"exists in that tenant and cloud."
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
