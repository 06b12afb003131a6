package provider

import (
	"fmt"
	"sync"

	"github.com/aad-export/terraform-provider-aad/internal/export"
)

// pathClaims are the files the exports of one Terraform walk write. Two
// exports of one walk (two data sources, or instances of one for_each)
// writing one file would race: both replace it, and the loser's sha256 in
// state would describe bytes no longer on disk. The first to claim a file
// keeps it for the rest of the walk (the provider is configured anew for
// each), so the second fails at once, and so does a later read of the same
// path in the same walk.
type pathClaims struct {
	mu      sync.Mutex
	claimed []pathClaim
}

// pathClaim is a file claimed, and the attribute that names it.
type pathClaim struct {
	path, attr string
}

// exportClaims are the files an export writes, by attribute.
func exportClaims(opts export.Options) []pathClaim {
	return []pathClaim{
		{path: opts.OutputPath, attr: "output_path"}, {path: opts.ResultsPath, attr: "results_path"},
		{path: opts.ManifestPath, attr: "manifest_path"}, {path: opts.ChangesPath, attr: "changes_path"},
		{path: opts.ReportPath, attr: "report_path"},
	}
}

// claim claims every file of want (an empty path is skipped), all or none.
// Paths compare as export.SamePath does.
func (c *pathClaims) claim(want ...pathClaim) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, w := range want {
		if w.path == "" {
			continue
		}
		for _, have := range c.claimed {
			if export.SamePath(w.path, have.path) {
				return fmt.Errorf("%s %q is already written by another aad_users_export in this run (as its %s %q): "+
					"two exports writing one file would replace each other's, and the sha256 in state of one would describe "+
					"bytes no longer on disk. Give each export its own files", w.attr, w.path, have.attr, have.path)
			}
		}
	}
	for _, w := range want {
		if w.path != "" {
			c.claimed = append(c.claimed, w)
		}
	}
	return nil
}
