package graphemu

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

const reportPath = "/v1.0/reports/authenticationMethods/userRegistrationDetails"

// The report over HTTP, byte for byte: its context, rows and nextLink, and
// the next page the link leads to.
func TestReportGolden(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{Tenant: goldenTenant(t)})
	first := ts.graph("GET", reportPath+"?$top=2&$filter="+url.QueryEscape("startsWith(userPrincipalName,'user') and isMfaRegistered eq true"), nil, "")
	if first.status != 200 {
		t.Fatalf("%s", first)
	}
	checkGolden(t, "report_first_page.golden", render(first))
	next := ts.graph("GET", linkPath(t, first.body, "@odata.nextLink"), nil, "")
	if next.status != 200 || !strings.Contains(string(next.body), `"userPrincipalName":"user`) {
		t.Fatalf("next page: %s", next)
	}
}

// Graph's refusals, in its order: permission, then licence, then query.
func TestReportRefusals(t *testing.T) {
	t.Parallel()
	users := appWith("1", PermUserReadAll, PermAuthMethodReadAll)
	audit := appWith("2", PermAuditLogReadAll)
	tests := []struct {
		name       string
		app        App
		noLicence  bool
		method     string
		query      string
		status     int
		code, text string
	}{
		{"no AuditLog.Read.All", users, false, "GET", "", 403, codePermissionMissing, msgAuditLogMissing},
		{"no permission nor licence", users, true, "GET", "", 403, codePermissionMissing, msgAuditLogMissing},
		{"no licence", audit, true, "GET", "", 403, tenant.CodeNonPremiumTenant, "Neither tenant is B2C or tenant doesn't have premium license"},
		{"no licence, bad query", audit, true, "GET", "?$top=5000", 400, tenant.CodeReportBadRequest, "The limit of '999' for Top query has been exceeded."},
		{"unsupported filter", audit, false, "GET", "?$filter=" + url.QueryEscape("isMfaRegistered ne true"), 400, tenant.CodeReportBadRequest, "Logical operator 'NotEqual' is not allowed."},
		{"POST", audit, false, "POST", "", 405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ten := newTestTenant(t)
			ten.SetPremiumLicense(!tt.noLicence)
			ts := newServer(t, Config{Tenant: ten, Apps: []App{users, audit}})
			r := ts.handle(tt.method, reportPath+tt.query, map[string]string{"Authorization": "Bearer " + ts.tokenFor(tt.app)}, "")
			e := checkEnvelope(t, r)
			if r.status != tt.status || e.Code != tt.code || !strings.Contains(e.Message, tt.text) {
				t.Errorf("got %d %+v, want %d %s %q", r.status, e, tt.status, tt.code, tt.text)
			}
		})
	}
}

// The reports service throttles requests, not resource units: 5 per 10 s
// per app, apart from the directory's budget, which report pages do not
// touch.
func TestReportThrottle(t *testing.T) {
	t.Parallel()
	ts := newServer(t, Config{Profile: Profile{Throttle: true, TenantBudget: 3, RetryAfter: RetryAfterFractional}})
	for i := range 5 {
		r := ts.graph("GET", reportPath, nil, "")
		if r.status != 200 || r.header.Get("x-ms-resource-unit") != "" {
			t.Fatalf("report request %d: %s %v", i+1, r, r.header)
		}
	}
	r := ts.graph("GET", reportPath, nil, "")
	if e := checkEnvelope(t, r); r.status != 429 || e.Code != codeTooManyRequests || r.header.Get("Retry-After") != "2" {
		t.Fatalf("6th report request: %s %v", r, r.header)
	}
	if r := ts.graph("GET", "/v1.0/users?$select=id", nil, ""); r.status != 200 {
		t.Errorf("the directory shares the report's limit: %s", r)
	}
	ts.clock.Advance(2 * time.Second)
	if r := ts.graph("GET", reportPath, nil, ""); r.status != 200 {
		t.Errorf("after Retry-After: %s", r)
	}
	c := ts.Counters()
	if c.ResourceUnits != 1 || c.Requests[EndpointRegistrationDetails][200] != 6 || c.Requests[EndpointRegistrationDetails][429] != 1 {
		t.Errorf("counters %+v", c)
	}
}

// Faults, latency and $batch reach the report like any endpoint.
func TestReportPipeline(t *testing.T) {
	t.Parallel()
	p := RealisticProfile(1)
	p.Throttle = false
	ts := newServer(t, Config{Profile: p})
	ts.Inject(Fault{Endpoint: EndpointRegistrationDetails, Status: http.StatusServiceUnavailable})
	if r := ts.graph("GET", reportPath, nil, ""); r.status != 503 {
		t.Fatalf("fault: %s", r)
	}
	if r := ts.graph("GET", reportPath+"?$top=3", nil, ""); r.status != 200 {
		t.Fatalf("%s", r)
	}
	if slept := ts.clock.Slept(); slept[len(slept)-1] != 303*time.Millisecond {
		t.Errorf("latency of a 3-row page: %v", slept)
	}
	body := `{"requests":[{"id":"1","method":"GET","url":"/reports/authenticationMethods/userRegistrationDetails?$select=id&$top=1"}]}`
	r := ts.graph("POST", "/v1.0/$batch", map[string]string{"Content-Type": "application/json"}, body)
	if r.status != 200 || !strings.Contains(string(r.body), `"status":200`) || !strings.Contains(string(r.body), "userRegistrationDetails(id)") {
		t.Errorf("batch: %s", r)
	}
	c := ts.Counters()
	if c.FaultsFired != 1 || c.Requests[EndpointRegistrationDetails][503] != 1 || c.InnerTotal(EndpointRegistrationDetails) != 1 {
		t.Errorf("counters %+v", c)
	}
}

// Directory extensions over HTTP: selected by name, filtered, left out
// when unset.
func TestExtensionsOverHTTP(t *testing.T) {
	t.Parallel()
	users := testUsers()
	users[0].Extensions = map[string]any{tenant.ExtensionCostCentre: "CC-1", tenant.ExtensionSkills: []string{"Go"}}
	ten, err := tenant.New(testDomain, users)
	if err != nil {
		t.Fatal(err)
	}
	ts := newServer(t, Config{Tenant: ten})
	q := url.Values{"$select": {"id," + tenant.ExtensionCostCentre + "," + tenant.ExtensionSkills},
		"$filter": {tenant.ExtensionCostCentre + " eq 'CC-1' or id eq '" + users[1].ID + "'"}}
	r := ts.graph("GET", "/v1.0/users?"+q.Encode(), nil, "")
	want := `"value":[{"id":"` + users[1].ID + `"},{"id":"` + users[0].ID + `","` + tenant.ExtensionCostCentre + `":"CC-1","` + tenant.ExtensionSkills + `":["Go"]}]`
	if r.status != 200 || !strings.Contains(string(r.body), want) {
		t.Errorf("%s\nwant %s", r, want)
	}
}
