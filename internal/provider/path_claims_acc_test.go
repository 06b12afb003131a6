package provider

import (
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
)

// TestAccSameFileTwiceInOneRun: two exports of one run that write one file
// (two data sources, for_each instances, a results_path that is another's
// output_path) would race, and the loser's sha256 in state would describe
// bytes no longer on disk. The second to start fails at once, naming the
// file; the first writes it whole.
func TestAccSameFileTwiceInOneRun(t *testing.T) {
	t.Parallel()
	srv := startEmulator(t, graphemu.Config{})
	provider := secretProvider(srv, nil)
	tests := []struct {
		name   string
		config func(dir string) string
		file   string // the file the first export writes whole
	}{
		{
			name: "two data sources, one output_path spelt two ways",
			config: func(dir string) string {
				return provider +
					block(`data "aad_users_export" "a"`, map[string]string{"output_path": hcl(filepath.Join(dir, "users.csv"))}) +
					block(`data "aad_users_export" "b"`, map[string]string{"output_path": hcl(dir + "/sub/../users.csv")})
			},
			file: "users.csv",
		},
		{
			name: "for_each instances",
			config: func(dir string) string {
				return provider + block(`data "aad_users_export" "each"`, map[string]string{
					"for_each":    `toset(["first", "second"])`,
					"output_path": hcl(filepath.Join(dir, "users.csv")),
					"columns":     `each.key == "first" ? ["userPrincipalName"] : ["userPrincipalName", "mail"]`,
				})
			},
			file: "users.csv",
		},
		{
			name: "results_path is another export's output_path",
			config: func(dir string) string {
				return provider +
					block(`data "aad_users_export" "a"`, map[string]string{"output_path": hcl(filepath.Join(dir, "users.csv"))}) +
					block(`data "aad_users_export" "b"`, map[string]string{
						"output_path":  hcl(filepath.Join(dir, "guests.csv")),
						"results_path": hcl(filepath.Join(dir, "users.csv")),
						"filter":       hcl("userType eq 'Guest'"),
					})
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: factories(nil),
				Steps: []resource.TestStep{{
					Config:      tt.config(dir),
					ExpectError: regexp.MustCompile(`(?s)File written twice in one run.*is already written by another\s+aad_users_export in this run`),
				}},
			})
			if tt.file == "" {
				return
			}
			records, err := readCSVFile(filepath.Join(dir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(records) != goldenUsers+1 {
				t.Errorf("%s holds %d rows, want the header and %d users", tt.file, len(records), goldenUsers)
			}
		})
	}
}
