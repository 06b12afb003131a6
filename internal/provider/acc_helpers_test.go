package provider

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/aad-export/terraform-provider-aad/internal/golden"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// goldenSeed and goldenUsers make the tenant of the golden files: large
// enough to hold every awkward value the generator draws (formula starts,
// quotes, commas, newlines, leading spaces, non-Latin scripts, guests,
// nulls), small enough to read in a diff.
const (
	goldenSeed  = 20240110
	goldenUsers = 400
)

// generatedTenant is a synthetic directory; the same arguments give the same
// directory, byte for byte.
func generatedTenant(t *testing.T, seed int64, users int) *tenant.Tenant {
	t.Helper()
	return emutest.Generate(t, tenant.GenerateOptions{Seed: seed, Users: users})
}

// startEmulator serves cfg over TLS on loopback with the test CA; a nil
// Tenant is the golden tenant.
func startEmulator(t *testing.T, cfg graphemu.Config) *graphemu.Server {
	t.Helper()
	if cfg.Tenant == nil {
		cfg.Tenant = generatedTenant(t, goldenSeed, goldenUsers)
	}
	cfg.CA = testCA
	return emutest.Start(t, cfg.Tenant, func(c *graphemu.Config) { *c = cfg })
}

// factories serve the provider in-process; env is all the environment it
// sees, so tests of environment variables run in parallel.
func factories(env map[string]string) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"aad": providerserver.NewProtocol6WithError(&AADProvider{version: "test", lookupEnv: envOf(env)}),
	}
}

// hcl renders a string as an HCL literal: Go's quoting, with template
// sequences escaped.
func hcl(s string) string {
	q := strconv.Quote(s)
	q = strings.ReplaceAll(q, "${", "$${")
	return strings.ReplaceAll(q, "%{", "%%{")
}

func hclList(values ...string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = hcl(v)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// block renders `name { k = v ... }` with the attributes in sorted order;
// values are HCL expressions (use hcl() for strings).
func block(header string, attrs map[string]string) string {
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteString(header + " {\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "  %s = %s\n", k, attrs[k])
	}
	b.WriteString("}\n")
	return b.String()
}

// secretProvider configures the provider for the emulator's default app,
// with a client secret; extra attributes are added or override.
func secretProvider(srv *graphemu.Server, extra map[string]string) string {
	app := srv.App()
	attrs := map[string]string{
		"tenant_id":      hcl(srv.TenantID()),
		"client_id":      hcl(app.ClientID),
		"client_secret":  hcl(app.ClientSecret),
		"graph_endpoint": hcl(srv.URL()),
		"authority_host": hcl(srv.AuthorityHost()),
		"use_cli":        "false",
	}
	for k, v := range extra {
		attrs[k] = v
	}
	return block(`provider "aad"`, attrs)
}

// exportConfig is a provider block plus one aad_users_export "test".
func exportConfig(provider string, attrs map[string]string, blocks ...string) string {
	ds := block(`data "aad_users_export" "test"`, attrs)
	if len(blocks) > 0 {
		ds = strings.TrimSuffix(ds, "}\n") + strings.Join(blocks, "") + "}\n"
	}
	return provider + "\n" + ds
}

const dataSource = "data.aad_users_export.test"

// checkGolden compares a written file with testdata/name byte for byte, or
// rewrites the golden file under -update.
func checkGolden(path, name string) func(*terraform.State) error {
	return func(*terraform.State) error {
		got, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return golden.Compare(filepath.Join("testdata", name), got, *update)
	}
}

// checkPrivateFile checks that a written file is readable by its owner only.
func checkPrivateFile(path string) func(*terraform.State) error {
	return func(*terraform.State) error {
		info, err := os.Stat(path)
		if err != nil {
			return err
		}
		if perm := info.Mode().Perm(); perm != 0o600 {
			return fmt.Errorf("%s has mode %o, want 600", path, perm)
		}
		return nil
	}
}

// fileSHA256 is the hex SHA-256 of a file, to compare with the state.
func fileSHA256(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// sha256OfFile is a knownvalue check function: the state's checksum must be
// the checksum of the bytes on disk.
func sha256OfFile(path string) func(string) error {
	return func(v string) error {
		want, err := fileSHA256(path)
		if err != nil {
			return err
		}
		if v != want {
			return fmt.Errorf("state has sha256 %s, the file has %s", v, want)
		}
		return nil
	}
}
