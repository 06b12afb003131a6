package provider

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aad-export/terraform-provider-aad/internal/export"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// TestAccUsersExportGolden exports the golden tenant in every shape the
// data source offers and compares the files byte for byte.
func TestAccUsersExportGolden(t *testing.T) {
	t.Parallel()
	srv := startEmulator(t, graphemu.Config{})
	tests := []struct {
		name   string
		attrs  map[string]string
		golden string
		users  int // -1: whatever the file holds (checked against the state)
		checks []statecheck.StateCheck
	}{
		{
			name: "default columns", golden: "default.csv", users: goldenUsers,
			checks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("columns"), knownvalue.ListExact(stringValues(export.DefaultColumns()))),
				statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("escape_formulas"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("fail_on_user_errors"), knownvalue.Bool(false)),
				statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("line_ending"), knownvalue.StringExact("lf")),
				statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("byte_order_mark"), knownvalue.Bool(false)),
			},
		},
		{
			name: "extra Graph columns", golden: "extra_columns.csv", users: goldenUsers,
			attrs: map[string]string{"columns": hclList(
				"userPrincipalName", "objectId", "displayName", "accountEnabled", "employeeId", "companyName",
				"createdDateTime", "creationType", "onPremisesSyncEnabled", "mailNickname", "proxyAddresses",
				"businessPhones", "otherMails", "identities", "signInActivity", "assignedLicenses", "onPremisesExtensionAttributes",
			)},
		},
		{name: "formulas not escaped", golden: "default_unescaped.csv", users: goldenUsers, attrs: map[string]string{"escape_formulas": "false"}},
		{
			name: "CRLF and BOM", golden: "crlf_bom.csv", users: goldenUsers,
			attrs: map[string]string{"line_ending": hcl("crlf"), "byte_order_mark": "true", "concurrency": "3"},
		},
		{
			name: "filter", golden: "filter_guests.csv", users: -1,
			attrs: map[string]string{"filter": hcl("userType eq 'Guest'")},
		},
		{
			name: "advanced filter", golden: "filter_advanced.csv", users: -1,
			attrs: map[string]string{"filter": hcl("endsWith(mail,'.com') and accountEnabled ne false"), "columns": hclList("userPrincipalName", "mail", "accountEnabled")},
		},
		{
			name: "search", golden: "search.csv", users: -1,
			attrs: map[string]string{"search": hcl(`"displayName:an"`), "columns": hclList("userPrincipalName", "displayName")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "users.csv")
			attrs := map[string]string{"output_path": hcl(out)}
			for k, v := range tt.attrs {
				attrs[k] = v
			}
			var count knownvalue.Check = knownvalue.Int64Exact(int64(tt.users))
			if tt.users < 0 {
				count = knownvalue.Int64Func(rowsOf(out))
			}
			checks := append([]statecheck.StateCheck{
				statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("user_count"), count),
				statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("error_count"), knownvalue.Int64Exact(0)),
				statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("sha256"), knownvalue.StringFunc(sha256OfFile(out))),
				statecheck.CompareValuePairs(dataSource, tfjsonpath.New("id"), dataSource, tfjsonpath.New("sha256"), compare.ValuesSame()),
			}, tt.checks...)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: factories(nil),
				Steps: []resource.TestStep{{
					Config:            exportConfig(secretProvider(srv, nil), attrs),
					ConfigStateChecks: checks,
					Check:             resource.ComposeAggregateTestCheckFunc(checkGolden(out, tt.golden), checkPrivateFile(out)),
				}},
			})
		})
	}
}

// rowsOf checks a user_count against the rows of the file, for selections
// whose size the test does not fix in advance; an empty selection would
// prove nothing.
func rowsOf(path string) func(int64) error {
	return func(n int64) error {
		records, err := readCSVFile(path)
		if err != nil {
			return err
		}
		rows := int64(len(records) - 1)
		switch {
		case rows == 0:
			return fmt.Errorf("%s holds no users: the selection proves nothing", path)
		case rows != n:
			return fmt.Errorf("user_count is %d but %s holds %d rows", n, path, rows)
		}
		return nil
	}
}

// readCSVFile reads and parses a CSV file the export wrote, after its byte
// order mark if it has one.
func readCSVFile(path string) ([][]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")))).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s is not CSV: %w", path, err)
	}
	return records, nil
}

func stringValues(values []string) []knownvalue.Check {
	checks := make([]knownvalue.Check, len(values))
	for i, v := range values {
		checks[i] = knownvalue.StringExact(v)
	}
	return checks
}

// pickUsers returns n users of the tenant, guests among them when there are.
func pickUsers(t *testing.T, ten *tenant.Tenant, n int) []tenant.User {
	t.Helper()
	var members, guests []tenant.User
	for u := range ten.Users() {
		if strings.Contains(u.UserPrincipalName, "#EXT#") {
			guests = append(guests, u)
		} else {
			members = append(members, u)
		}
	}
	picked := slices.Concat(guests[:min(1, len(guests))], members)
	if len(picked) < n {
		t.Fatalf("the tenant has %d users, want %d", len(picked), n)
	}
	return picked[:n]
}

// TestAccUsersExportExplicit selects users one by one, some of which do not
// exist: they become per-user errors in the results file and error_count;
// the others are exported.
func TestAccUsersExportExplicit(t *testing.T) {
	t.Parallel()
	ten := generatedTenant(t, goldenSeed, goldenUsers)
	srv := startEmulator(t, graphemu.Config{Tenant: ten})
	users := pickUsers(t, ten, 3)
	missingUPNs := []string{"o'brien_fabrikam.com#EXT#@contoso.onmicrosoft.com", "zoë.ünïcode@contoso.onmicrosoft.com", "x') or (1 eq 1"}
	const missingID = "00000000-0000-4000-8000-00000000dead"

	dir := t.TempDir()
	out, results := filepath.Join(dir, "users.csv"), filepath.Join(dir, "results.csv")
	upns := []string{strings.ToUpper(users[0].UserPrincipalName), users[1].UserPrincipalName}
	upns = append(upns, missingUPNs...)
	attrs := map[string]string{
		"output_path":          hcl(out),
		"results_path":         hcl(results),
		"user_principal_names": hclList(upns...),
		"object_ids":           hclList(users[2].ID, missingID),
		"columns":              hclList("userPrincipalName", "objectId", "displayName"),
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(nil),
		Steps: []resource.TestStep{{
			Config: exportConfig(secretProvider(srv, nil), attrs),
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("user_count"), knownvalue.Int64Exact(3)),
				statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("error_count"), knownvalue.Int64Exact(int64(len(missingUPNs)+1))),
			},
			Check: resource.ComposeAggregateTestCheckFunc(
				checkPrivateFile(out), checkPrivateFile(results),
				checkRowsAre(out, users[0].UserPrincipalName, users[1].UserPrincipalName, users[2].UserPrincipalName),
				checkResults(results, append(missingUPNs, missingID)),
			),
		}},
	})
}

// checkRowsAre checks the first column of a CSV holds exactly these names,
// in the export's order (lower-cased userPrincipalName).
func checkRowsAre(path string, upns ...string) func(*terraform.State) error {
	return func(*terraform.State) error {
		records, err := readCSVFile(path)
		if err != nil {
			return err
		}
		var got []string
		for _, r := range records[1:] {
			got = append(got, strings.ToLower(r[0]))
		}
		want := make([]string, len(upns))
		for i, u := range upns {
			want[i] = strings.ToLower(u)
		}
		slices.Sort(want)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			return fmt.Errorf("%s holds %q, want %q", path, got, want)
		}
		return nil
	}
}

// checkResults checks the results file names each missing user once, with
// Graph's status, code and a request-id.
func checkResults(path string, missing []string) func(*terraform.State) error {
	return func(*terraform.State) error {
		records, err := readCSVFile(path)
		if err != nil {
			return err
		}
		if want := []string{"userPrincipalName", "objectId", "operation", "status", "code", "message", "requestId"}; strings.Join(records[0], ",") != strings.Join(want, ",") {
			return fmt.Errorf("results header %q, want %q", records[0], want)
		}
		if len(records)-1 != len(missing) {
			return fmt.Errorf("results file has %d rows, want %d: %q", len(records)-1, len(missing), records[1:])
		}
		named := map[string]bool{}
		for _, r := range records[1:] {
			named[r[0]], named[r[1]] = true, true
			if r[2] != "lookupUser" || r[3] != "404" || r[4] == "" || r[6] == "" {
				return fmt.Errorf("results row %q: want operation lookupUser, status 404, a code and a request-id", r)
			}
		}
		for _, m := range missing {
			if !named[m] {
				return fmt.Errorf("results file does not name %q: %q", m, records[1:])
			}
		}
		return nil
	}
}

// TestAccUsersExportFailures: whole-export failures give one error that
// names Graph's code and the fix, and never touch the previous file.
func TestAccUsersExportFailures(t *testing.T) {
	t.Parallel()
	onlyUsers := graphemu.App{
		Name: "no-auth-methods", ClientID: graphemu.DefaultClientID, ClientSecret: graphemu.DefaultClientSecret,
		Permissions: []string{graphemu.PermUserReadAll},
	}
	onlyMethods := onlyUsers
	onlyMethods.Permissions = []string{graphemu.PermAuthMethodReadAll}
	tests := []struct {
		name     string
		cfg      graphemu.Config
		provider map[string]string
		attrs    map[string]string
		timeouts string
		want     string
	}{
		{
			name: "wrong client secret", provider: map[string]string{"client_secret": hcl("not-the-secret")},
			want: `(?s)Authentication to Entra ID failed.*client_secret.*AADSTS7000215.*request-id`,
		},
		{
			name: "no User.Read.All", cfg: graphemu.Config{Apps: []graphemu.App{onlyMethods}},
			want: `(?s)Missing permission to read users.*User\.Read\.All.*Authorization_RequestDenied`,
		},
		{
			name: "no UserAuthenticationMethod.Read.All", cfg: graphemu.Config{Apps: []graphemu.App{onlyUsers}},
			want: `(?s)Missing permission to read authentication methods.*authenticationPhoneNumber.*UserAuthenticationMethod\.Read\.All.*accessDenied`,
		},
		{
			name: "filter Graph rejects", attrs: map[string]string{"filter": hcl("legalAgeGroupClassification eq 'Adult'")},
			want: `(?s)Microsoft Graph rejected the filter or search.*legalAgeGroupClassification.*request-id`,
		},
		{
			name: "malformed filter", attrs: map[string]string{"filter": hcl("displayName eq 'unterminated")},
			want: `(?s)Microsoft Graph rejected the filter or search.*request-id`,
		},
		{
			name: "throttled past the timeout",
			cfg: graphemu.Config{Profile: graphemu.Profile{
				Throttle: true, TenantBudget: 1, Latency: map[graphemu.Endpoint]graphemu.Latency{graphemu.EndpointListFirst: {Base: 200 * time.Millisecond}},
			}},
			timeouts: "3s",
			want:     `(?s)Export timed out.*3s.*timeouts`,
		},
		{
			name:     "slow past the timeout",
			cfg:      graphemu.Config{Profile: graphemu.Profile{Latency: map[graphemu.Endpoint]graphemu.Latency{graphemu.EndpointListFirst: {Base: time.Minute}}}},
			timeouts: "2s",
			want:     `(?s)Export timed out.*2s`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startEmulator(t, tt.cfg)
			out := filepath.Join(t.TempDir(), "users.csv")
			writePrevious(t, out)
			attrs := map[string]string{"output_path": hcl(out)}
			for k, v := range tt.attrs {
				attrs[k] = v
			}
			var blocks []string
			if tt.timeouts != "" {
				blocks = append(blocks, block("  timeouts", map[string]string{"read": hcl(tt.timeouts)}))
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: factories(nil),
				Steps: []resource.TestStep{{
					Config:      exportConfig(secretProvider(srv, tt.provider), attrs, blocks...),
					ExpectError: regexp.MustCompile(tt.want),
				}},
			})
			if err := untouched(out); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestAccUsersExportFailOnUserErrors: per-user errors fail the read when
// asked; the results file is written, the CSV is not.
func TestAccUsersExportFailOnUserErrors(t *testing.T) {
	t.Parallel()
	ten := generatedTenant(t, goldenSeed, goldenUsers)
	srv := startEmulator(t, graphemu.Config{Tenant: ten})
	dir := t.TempDir()
	out, results := filepath.Join(dir, "users.csv"), filepath.Join(dir, "results.csv")
	writePrevious(t, out)
	attrs := map[string]string{
		"output_path":          hcl(out),
		"results_path":         hcl(results),
		"fail_on_user_errors":  "true",
		"user_principal_names": hclList(pickUsers(t, ten, 1)[0].UserPrincipalName, "nobody@contoso.onmicrosoft.com"),
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(nil),
		Steps: []resource.TestStep{{
			Config:      exportConfig(secretProvider(srv, nil), attrs),
			ExpectError: regexp.MustCompile(`(?s)Users not exported.*fail_on_user_errors.*results file`),
		}},
	})
	if err := untouched(out, filepath.Base(results)); err != nil {
		t.Error(err)
	}
	if err := checkResults(results, []string{"nobody@contoso.onmicrosoft.com"})(nil); err != nil {
		t.Error(err)
	}
}

// TestAccUsersExportUnknownAtPlan: an output_path known only at apply makes
// the plan defer the read to apply, which then writes the file.
func TestAccUsersExportUnknownAtPlan(t *testing.T) {
	t.Parallel()
	srv := startEmulator(t, graphemu.Config{})
	dir := t.TempDir()
	out := filepath.Join(dir, "users.csv")
	config := secretProvider(srv, nil) + fmt.Sprintf(`
resource "terraform_data" "dir" {
  input = %s
}

data "aad_users_export" "test" {
  output_path = "${terraform_data.dir.output}/users.csv"
  columns     = ["userPrincipalName", "objectId"]
}
`, hcl(dir))
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(nil),
		Steps: []resource.TestStep{{
			Config: config,
			ConfigPlanChecks: resource.ConfigPlanChecks{
				PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(dataSource, plancheck.ResourceActionRead)},
			},
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("user_count"), knownvalue.Int64Exact(goldenUsers)),
				statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("sha256"), knownvalue.StringFunc(sha256OfFile(out))),
			},
		}},
	})
}

// TestAccUsersExportPlanThenApply: a plan reads the data source (and writes
// the file) without an apply; the apply that follows writes the same bytes.
func TestAccUsersExportPlanThenApply(t *testing.T) {
	t.Parallel()
	srv := startEmulator(t, graphemu.Config{})
	out := filepath.Join(t.TempDir(), "users.csv")
	config := exportConfig(secretProvider(srv, nil), map[string]string{"output_path": hcl(out), "columns": hclList("userPrincipalName", "displayName")})
	var planned string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(nil),
		Steps: []resource.TestStep{
			{Config: config, PlanOnly: true},
			{
				PreConfig: func() {
					sum, err := fileSHA256(out)
					if err != nil {
						t.Errorf("the plan did not write the export: %v", err)
					}
					planned = sum
				},
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("sha256"), knownvalue.StringFunc(func(v string) error {
						if v != planned {
							return fmt.Errorf("apply wrote %s, the plan %s: the same directory must give the same bytes", v, planned)
						}
						return sha256OfFile(out)(v)
					})),
				},
			},
		},
	})
}

// TestAccUsersExportBadPaths: output paths that cannot be written fail the
// read with a message that names the problem, before Graph is asked for
// anything, and leave nothing behind.
func TestAccUsersExportBadPaths(t *testing.T) {
	t.Parallel()
	srv := startEmulator(t, graphemu.Config{})
	tests := []struct {
		name  string
		attrs func(dir string) map[string]string
		want  string
	}{
		{
			name: "missing folder",
			attrs: func(dir string) map[string]string {
				return map[string]string{"output_path": hcl(filepath.Join(dir, "nope", "users.csv"))}
			},
			want: `(?s)Export failed.*does\s+not\s+exist`,
		},
		{
			name:  "a folder",
			attrs: func(dir string) map[string]string { return map[string]string{"output_path": hcl(dir)} },
			want:  `(?s)Export failed.*is\s+a\s+folder`,
		},
		{
			name: "results file over the export",
			attrs: func(dir string) map[string]string {
				return map[string]string{"output_path": hcl(filepath.Join(dir, "users.csv")), "results_path": hcl(filepath.Join(dir, ".", "users.csv"))}
			},
			want: `results_path is output_path`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: factories(nil),
				Steps: []resource.TestStep{{
					Config:      exportConfig(secretProvider(srv, nil), tt.attrs(dir)),
					ExpectError: regexp.MustCompile(tt.want),
				}},
			})
			entries, err := os.ReadDir(dir)
			if err != nil || len(entries) > 0 {
				t.Errorf("a failed read left %v in its folder (%v)", entries, err)
			}
		})
	}
}
