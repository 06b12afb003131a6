package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/export"
	"github.com/aad-export/terraform-provider-aad/internal/graph"
)

func TestExportError(t *testing.T) {
	t.Parallel()
	base := failureContext{
		tenantID: testTenant, clientID: testClient, timeout: 90 * time.Minute,
		columns: []string{"userPrincipalName", "authenticationEmail", "signInActivity"},
	}
	withFilter := base
	withFilter.filter = "endsWith(displayName,'x')"
	withBoth := withFilter
	withBoth.search = `"mail:ann"`

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancelExpired := context.WithDeadline(context.Background(), time.Unix(0, 0))
	t.Cleanup(cancelExpired)

	tests := []struct {
		name        string
		ctx         context.Context
		err         error
		fc          failureContext
		wantSummary string
		wantDetail  []string
	}{
		{
			name: "bad client secret",
			err: fmt.Errorf("token: %w", &graph.Error{
				Operation: graph.OpToken, Status: 401, Code: "AADSTS7000215",
				Message: "Invalid client secret provided.", RequestID: "req-1",
			}),
			fc:          base,
			wantSummary: "Authentication to Entra ID failed",
			wantDetail:  []string{"client_secret", "AADSTS7000215", "Invalid client secret provided.", "req-1", nothingWritten},
		},
		{
			name:        "unknown application",
			err:         &graph.Error{Operation: graph.OpToken, Status: 400, Code: "AADSTS700016", RequestID: "req-2"},
			fc:          base,
			wantSummary: "Authentication to Entra ID failed",
			wantDetail:  []string{"No application " + testClient + " exists in tenant " + testTenant},
		},
		{
			name:        "token refused without an AADSTS code",
			err:         &graph.Error{Operation: graph.OpToken, Status: 400, Code: "invalid_client", RequestID: "req-11"},
			fc:          base,
			wantSummary: "Authentication to Entra ID failed",
			wantDetail:  []string{"Check tenant_id, client_id and the credential", "invalid_client", "req-11"},
		},
		{
			name: "listing without User.Read.All",
			err: &graph.Error{
				Operation: graph.OpListUsers, Status: 403, Code: "Authorization_RequestDenied",
				Message: "Insufficient privileges to complete the operation.", RequestID: "req-3", ClientRequestID: "creq-3",
			},
			fc:          base,
			wantSummary: "Missing permission to read users",
			wantDetail: []string{
				"User.Read.All", "the application " + testClient, "tenant " + testTenant, "AuditLog.Read.All",
				"Authorization_RequestDenied", "Insufficient privileges", "req-3", "creq-3",
			},
		},
		{
			name: "token rejected by Graph",
			err: &graph.Error{
				Operation: graph.OpListUsers, Status: 401, Code: "InvalidAuthenticationToken",
				Message: "Lifetime validation failed, the token is expired.", RequestID: "req-9",
			},
			fc:          base,
			wantSummary: "Microsoft Graph rejected the access token",
			wantDetail:  []string{"the application " + testClient, "tenant " + testTenant, "InvalidAuthenticationToken", "req-9", nothingWritten},
		},
		{
			name: "authentication methods without permission",
			err: &graph.Error{
				Operation: graph.OpAuthMethods, Status: 403, Code: "accessDenied",
				Message: "Request Authorization failed", RequestID: "req-4",
			},
			fc:          base,
			wantSummary: "Missing permission to read authentication methods",
			wantDetail:  []string{"UserAuthenticationMethod.Read.All", "authenticationEmail", "remove these columns", "accessDenied", "req-4"},
		},
		{
			name: "filter Graph does not support",
			err: &graph.Error{
				Operation: graph.OpListUsers, Status: 400, Code: "Request_UnsupportedQuery",
				Message: "Unsupported Query.", RequestID: "req-5",
			},
			fc:          withFilter,
			wantSummary: "Microsoft Graph rejected the filter or search",
			wantDetail:  []string{"endsWith(displayName,'x')", "ConsistencyLevel: eventual", "Request_UnsupportedQuery", "req-5"},
		},
		{
			name:        "filter with search Graph refuses",
			err:         &graph.Error{Operation: graph.OpListUsers, Status: 400, Code: "Request_UnsupportedQuery", Message: "Unsupported Query.", RequestID: "req-10"},
			fc:          withBoth,
			wantSummary: "Microsoft Graph rejected the filter or search",
			wantDetail:  []string{`Graph refused filter "endsWith(displayName,'x')" with search "\"mail:ann\"".`, "req-10"},
		},
		{
			name:        "malformed filter",
			err:         &graph.Error{Operation: graph.OpListUsers, Status: 400, Code: "BadRequest", Message: "Invalid filter clause", RequestID: "req-6"},
			fc:          withFilter,
			wantSummary: "Microsoft Graph rejected the filter or search",
			wantDetail:  []string{"single quotes", "Invalid filter clause"},
		},
		{
			name: "throttled past the timeout",
			ctx:  expired,
			err: fmt.Errorf("list: %w", &graph.Error{
				Operation: graph.OpAuthMethods, Status: 429, Code: "TooManyRequests", RequestID: "req-7",
				Err: context.DeadlineExceeded,
			}),
			fc:          base,
			wantSummary: "Export timed out",
			wantDetail:  []string{"1h30m0s", "429", "timeouts", "authenticationEmail", "req-7", nothingWritten},
		},
		{
			name: "throttled until the next wait would pass the deadline",
			err: &graph.Error{
				Operation: graph.OpListUsers, Status: 429, Code: "TooManyRequests", RequestID: "req-8",
				Message: "throttled past the read timeout", Err: graph.ErrThrottledPastTimeout,
			},
			fc:          base,
			wantSummary: "Export timed out",
			wantDetail:  []string{"429", "timeouts", "req-8", nothingWritten},
		},
		{
			name:        "listing short of Graph's count",
			err:         &graph.Error{Operation: graph.OpListUsers, Err: graph.ErrIncomplete, Message: "graph counts 10 users but listing returned 9, twice"},
			fc:          base,
			wantSummary: "Export incomplete",
			wantDetail:  []string{"run it again later", "10 users", nothingWritten},
		},
		{
			name:        "cancelled",
			ctx:         cancelled,
			err:         context.Canceled,
			fc:          base,
			wantSummary: "Export cancelled",
			wantDetail:  []string{nothingWritten},
		},
		{
			name:        "per-user errors with fail_on_user_errors",
			err:         fmt.Errorf("3 users: %w", export.ErrUserErrors),
			fc:          failureContext{resultsPath: "/tmp/results.csv"},
			wantSummary: "Users not exported",
			wantDetail:  []string{"3 users", "/tmp/results.csv", "fail_on_user_errors"},
		},
		{
			name:        "server failing on every try",
			err:         &graph.Error{Operation: graph.OpListUsers, Status: 502, Code: "UnknownError", RequestID: "req-11"},
			fc:          base,
			wantSummary: "Microsoft Graph kept failing",
			wantDetail:  []string{"answered 502 to every try", "again later", "HTTP 502", "req-11", nothingWritten},
		},
		{
			name:        "transport failure",
			err:         &graph.Error{Operation: graph.OpListUsers, Err: errors.New("connection reset by peer")},
			fc:          base,
			wantSummary: "Microsoft Graph request failed",
			wantDetail:  []string{"failed before Microsoft Graph answered: connection reset by peer"},
		},
		{
			name:        "file system",
			err:         errors.New("create /nope/users.csv: no such file or directory"),
			fc:          base,
			wantSummary: "Export failed",
			wantDetail:  []string{"/nope/users.csv", nothingWritten},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			d := exportError(ctx, tt.err, tt.fc)
			if d.Severity() != diag.SeverityError {
				t.Errorf("severity = %v, want error", d.Severity())
			}
			if d.Summary() != tt.wantSummary {
				t.Errorf("summary = %q, want %q", d.Summary(), tt.wantSummary)
			}
			for _, want := range tt.wantDetail {
				if !strings.Contains(d.Detail(), want) {
					t.Errorf("detail lacks %q:\n%s", want, d.Detail())
				}
			}
		})
	}
}

// Diagnostics name the tenant and the application by their IDs, and only
// when they are GUIDs: anything else could be a secret set in the wrong
// place (the provider refuses such IDs first; this is the second line).
func TestDiagnosticsShowOnlyGUIDs(t *testing.T) {
	t.Parallel()
	const secret = "Q8~not-a-guid.but-a-secret"
	errs := []error{
		&graph.Error{Operation: graph.OpListUsers, Status: 403, Code: "Authorization_RequestDenied", RequestID: "r"},
		&graph.Error{Operation: graph.OpListUsers, Status: 401, Code: "InvalidAuthenticationToken", RequestID: "r"},
		&graph.Error{Operation: graph.OpAuthMethods, Status: 403, Code: "accessDenied", RequestID: "r"},
		&graph.Error{Operation: graph.OpToken, Status: 400, Code: "AADSTS700016"},
		&graph.Error{Operation: graph.OpToken, Status: 400, Code: "AADSTS90002"},
		&graph.Error{Operation: graph.OpToken, Status: 400, Code: "AADSTS900023"},
	}
	for _, err := range errs {
		shown := exportError(context.Background(), err, failureContext{tenantID: testTenant, clientID: testClient})
		hidden := exportError(context.Background(), err, failureContext{tenantID: secret, clientID: secret})
		if !strings.Contains(shown.Detail(), testTenant) && !strings.Contains(shown.Detail(), testClient) {
			t.Errorf("%v: the detail names neither ID, so the test proves nothing:\n%s", err, shown.Detail())
		}
		if strings.Contains(hidden.Detail(), secret) || !strings.Contains(hidden.Detail(), "not shown") {
			t.Errorf("%v: the detail shows a value that is not a GUID, or does not say it was left out:\n%s", err, hidden.Detail())
		}
	}
}

func TestUserErrorWarnings(t *testing.T) {
	t.Parallel()
	first := make([]directory.UserError, 10)
	for i := range first {
		first[i] = directory.UserError{
			UserPrincipalName: fmt.Sprintf("missing%d@contoso.com", i), Operation: directory.OpLookup,
			Status: 404, Code: "Request_ResourceNotFound", Message: "Resource does not exist", RequestID: fmt.Sprintf("r%d", i),
		}
	}
	tests := []struct {
		name         string
		res          export.Result
		opts         export.Options
		wantWarnings int
		wantTotal    []string // in the last warning; nil = no total warning
	}{
		{name: "none", res: export.Result{Users: 5}},
		{
			name:         "many, with a results file",
			res:          export.Result{Users: 5, Errors: 2500, FirstErrors: first},
			opts:         export.Options{ResultsPath: "results.csv"},
			wantWarnings: 11,
			wantTotal:    []string{"2500 of the selected users were not exported", `results file "results.csv"`},
		},
		{
			name:         "few, without a results file",
			res:          export.Result{Users: 5, Errors: 1, FirstErrors: first[:1]},
			wantWarnings: 2,
			wantTotal:    []string{"1 of the selected users", "Set results_path"},
		},
		{
			name:         "failing: the error carries the total",
			res:          export.Result{Errors: 3, FirstErrors: first[:3]},
			opts:         export.Options{FailOnUserErrors: true},
			wantWarnings: 3,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			diags := userErrorWarnings(tt.res, tt.opts)
			if len(diags) != tt.wantWarnings || diags.WarningsCount() != tt.wantWarnings {
				t.Fatalf("got %d diagnostics (%d warnings), want %d warnings", len(diags), diags.WarningsCount(), tt.wantWarnings)
			}
			details := len(tt.res.FirstErrors)
			for i, d := range diags[:details] {
				if d.Summary() != userErrorSummary {
					t.Errorf("warning %d summary = %q, want the shared %q", i, d.Summary(), userErrorSummary)
				}
				e := tt.res.FirstErrors[i]
				for _, want := range []string{e.UserPrincipalName, e.Code, e.RequestID, "404"} {
					if !strings.Contains(d.Detail(), want) {
						t.Errorf("warning %d lacks %q: %s", i, want, d.Detail())
					}
				}
			}
			if tt.wantTotal == nil {
				return
			}
			total := diags[len(diags)-1]
			text := total.Summary() + " " + total.Detail()
			for _, want := range tt.wantTotal {
				if !strings.Contains(text, want) {
					t.Errorf("total warning lacks %q: %s", want, text)
				}
			}
		})
	}
}
