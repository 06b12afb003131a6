package provider

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// A daily audit snapshot through the real CLI: the first run lists the
// directory, the next one (after the directory changed) reads only the
// changes, writes the same bytes a full export does, reports what changed,
// and the compliance report describes the same file.
func TestAccIncrementalSnapshot(t *testing.T) {
	t.Parallel()
	ten := generatedTenant(t, goldenSeed, 2500)
	srv := startEmulator(t, graphemu.Config{Tenant: ten})
	dir := t.TempDir()
	snap := filepath.Join(dir, "users.csv")
	full := filepath.Join(dir, "full.csv")
	changes := filepath.Join(dir, "changes.csv")
	report := filepath.Join(dir, "report.html")
	columns := hclList("userPrincipalName", "objectId", "displayName", "department", "jobTitle", "accountEnabled", "userType")
	config := secretProvider(srv, nil) + block(`data "aad_users_export" "test"`, map[string]string{
		"output_path": hcl(snap), "columns": columns, "incremental": "true",
		"changes_path": hcl(changes), "report_path": hcl(report),
	}) + block(`data "aad_users_export" "full"`, map[string]string{"output_path": hcl(full), "columns": columns})
	users := usersOf(ten)
	var renamed, deleted tenant.User
	sameBytes := statecheck.CompareValuePairs(dataSource, tfjsonpath.New("sha256"), "data.aad_users_export.full", tfjsonpath.New("sha256"), compare.ValuesSame())

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(nil),
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("mode"), knownvalue.StringExact("full")),
					statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("added_count"), knownvalue.Int64Exact(2500)),
					statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("manifest_path"), knownvalue.StringExact(snap+".manifest.json")),
					sameBytes,
				},
				Check: resource.ComposeTestCheckFunc(checkPrivateFile(snap+".manifest.json"), checkPrivateFile(report), checkPrivateFile(changes)),
			},
			{
				PreConfig: func() {
					renamed, deleted = users[10], users[20]
					mustDo(t, ten.Update(renamed.ID, func(u *tenant.User) { u.UserPrincipalName = "zzz.renamed@" + ten.Domain() }))
					mustDo(t, ten.Update(users[30].ID, func(u *tenant.User) { u.Department = "Internal Audit" }))
					mustDo(t, ten.SoftDelete(deleted.ID))
					mustDo(t, ten.Add(tenant.User{UserPrincipalName: "new.hire@" + ten.Domain(), DisplayName: "New Hire", UserType: "Member"}))
				},
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("mode"), knownvalue.StringExact("incremental")),
					statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("added_count"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("removed_count"), knownvalue.Int64Exact(1)),
					statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("changed_count"), knownvalue.Int64Exact(2)),
					statecheck.ExpectKnownValue(dataSource, tfjsonpath.New("user_count"), knownvalue.Int64Exact(2500)),
					sameBytes,
				},
				Check: func(*terraform.State) error {
					got, err := os.ReadFile(changes)
					if err != nil {
						return err
					}
					for _, want := range []string{
						renamed.ID + ",zzz.renamed@" + ten.Domain() + ",changed,userPrincipalName," + renamed.UserPrincipalName,
						deleted.ID + "," + deleted.UserPrincipalName + ",removed",
						"new.hire@" + ten.Domain() + ",added",
						",changed,department,",
					} {
						if !strings.Contains(string(got), want) {
							return fmt.Errorf("the changes report has no %q:\n%s", want, got)
						}
					}
					page, err := os.ReadFile(report)
					if err != nil {
						return err
					}
					if sum, _ := fileSHA256(snap); !bytes.Contains(page, []byte(sum)) {
						return fmt.Errorf("the report does not name the CSV's sha256 %s", sum)
					}
					return nil
				},
			},
		},
	})
}

func usersOf(ten *tenant.Tenant) []tenant.User {
	var out []tenant.User
	for u := range ten.Users() {
		out = append(out, u)
	}
	return out
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
