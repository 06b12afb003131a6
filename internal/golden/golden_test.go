package golden

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCompare(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "testdata", "out.csv")
	if err := Compare(path, []byte("a\nb\n"), false); err == nil || !strings.Contains(err.Error(), "-update to create it") {
		t.Errorf("missing golden file: %v", err)
	}
	if err := Compare(path, []byte("a\nb\n"), true); err != nil {
		t.Fatalf("update: %v", err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("written golden file: %v %v", info, err)
	}
	if err := Compare(path, []byte("a\nb\n"), false); err != nil {
		t.Errorf("same bytes: %v", err)
	}
	err := Compare(path, []byte("a\nc\n"), false)
	if err == nil || !diffLine(err.Error(), '-', "b") || !diffLine(err.Error(), '+', "c") {
		t.Errorf("a different line must be shown as removed and added: %v", err)
	}
}

// diffLine reports whether the diff has a line marked mark that shows text.
func diffLine(diff string, mark byte, text string) bool {
	for l := range strings.Lines(diff) {
		l = strings.TrimSpace(l)
		if l != "" && l[0] == mark && strings.Contains(l, text) {
			return true
		}
	}
	return false
}
