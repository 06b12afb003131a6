package report

import (
	"path/filepath"
	"testing"

	"github.com/aad-export/terraform-provider-aad/internal/golden"
)

func goldenCheck(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), []byte(got), *update)
}
