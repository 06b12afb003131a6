package provider

import (
	"context"
	"fmt"
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
