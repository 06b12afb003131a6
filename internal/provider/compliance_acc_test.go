package provider

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// The compliance columns (the registration report joined by id, a nested
// sign-in field, an extension attribute) and the report, through the CLI:
// every user has its registration cells, and the report's headline counts
// agree with the CSV it describes.
func TestAccComplianceReport(t *testing.T) {
	t.Parallel()
	ten := generatedTenant(t, goldenSeed, 900)
	srv := startEmulator(t, graphemu.Config{Tenant: ten})
	dir := t.TempDir()
	out := filepath.Join(dir, "users.csv")
	report := filepath.Join(dir, "report.html")
	config := exportConfig(secretProvider(srv, nil), map[string]string{
		"output_path": hcl(out), "report_path": hcl(report),
		"columns": hclList("userPrincipalName", "objectId", "userType", "accountEnabled", "isMfaRegistered", "isMfaCapable",
			"methodsRegistered", "signInActivity/lastSignInDateTime", tenant.ExtensionCostCentre),
	})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: factories(nil),
		Steps: []resource.TestStep{{
			Config: config,
			Check: func(*terraform.State) error {
				rows, err := readCSV(out)
				if err != nil {
					return err
				}
				capable, withCentre := 0, 0
				for _, r := range rows[1:] {
					if r[4] == "" || r[5] == "" {
						return fmt.Errorf("user %s has no registration cells: %q", r[0], r)
					}
					if r[5] == "False" {
						capable++
					}
					if r[8] != "" {
						withCentre++
					}
				}
				if withCentre == 0 {
					return fmt.Errorf("no user has the extension attribute %s", tenant.ExtensionCostCentre)
				}
				page, err := os.ReadFile(report)
				if err != nil {
					return err
				}
				for metric, want := range map[string]int{"key/users": len(rows) - 1} {
					got := regexp.MustCompile(`data-metric="` + regexp.QuoteMeta(metric) + `">([0-9,]+)<`).FindSubmatch(page)
					if got == nil {
						return fmt.Errorf("the report has no %s", metric)
					}
					n, _ := strconv.Atoi(string(regexp.MustCompile(",").ReplaceAll(got[1], nil)))
					if n != want {
						return fmt.Errorf("the report says %s = %d, the CSV %d", metric, n, want)
					}
				}
				if !regexp.MustCompile(`data-metric="key/not-mfa-capable"`).Match(page) {
					return fmt.Errorf("the report has no strong-authentication figure (%d users not capable)", capable)
				}
				return nil
			},
		}},
	})
}

func readCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	return csv.NewReader(f).ReadAll()
}
