package provider

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// providerPlugin builds the provider binary once for the tests that drive
// the terraform CLI with dev_overrides, and returns its folder.
func providerPlugin(t *testing.T) string {
	t.Helper()
	plugin.once.Do(func() {
		plugin.dir = filepath.Join(testDir, "plugins")
		build := exec.CommandContext(context.Background(), "go", "build", "-o", filepath.Join(plugin.dir, "terraform-provider-aad"), "../..") //nolint:gosec // the test process's own folder
		if out, err := build.CombinedOutput(); err != nil {
			plugin.err = fmt.Errorf("building the provider: %w\n%s", err, out)
		}
	})
	if plugin.err != nil {
		t.Fatal(plugin.err)
	}
	return plugin.dir
}

// plugin is the provider binary built for this test process.
var plugin struct { //nolint:gochecknoglobals // built once per test process, like the CA
	once sync.Once
	dir  string
	err  error
}

// cliWorkspace prepares dir for runs of the terraform CLI: a working
// directory whose main.tf requires the provider and configures it from the
// environment, then holds body, and a CLI configuration whose dev_overrides
// serve the provider binary in plugins. It returns the working directory
// and the environment that points terraform at them (dir as HOME, no
// update check, no prompts).
func cliWorkspace(t *testing.T, dir, plugins, body string) (work string, env map[string]string) {
	t.Helper()
	work, cliConfig := filepath.Join(dir, "work"), filepath.Join(dir, "terraformrc")
	writeFiles(t, map[string]string{
		cliConfig: devOverrides(plugins),
		filepath.Join(work, "main.tf"): `terraform {
  required_providers {
    aad = { source = "aad-export/aad" }
  }
}

provider "aad" {}

` + body,
	})
	return work, map[string]string{
		"PATH": os.Getenv("PATH"), "HOME": dir, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1", "TF_CLI_CONFIG_FILE": cliConfig,
	}
}

// openTofuAddress is where OpenTofu, whose default registry is its own,
// looks for the provider that main.tf requires as "aad-export/aad".
const openTofuAddress = "registry.opentofu.org/aad-export/aad"

// devOverrides is a CLI configuration that serves the provider binary in
// plugins under both registries' addresses, so that the same workspace runs
// under Terraform and under OpenTofu.
func devOverrides(plugins string) string {
	return "provider_installation {\n  dev_overrides {\n" +
		"    " + hcl(RegistryAddress) + " = " + hcl(plugins) + "\n" +
		"    " + hcl(openTofuAddress) + " = " + hcl(plugins) + "\n" +
		"  }\n  direct {}\n}\n"
}

// environ is env as exec.Cmd.Env wants it.
func environ(env map[string]string) []string {
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}
