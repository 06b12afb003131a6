package provider

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestPathClaims(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, res := filepath.Join(dir, "users.csv"), filepath.Join(dir, "results.csv")
	claim := func(p, attr string) pathClaim { return pathClaim{path: p, attr: attr} }
	tests := []struct {
		name   string
		first  []pathClaim
		second []pathClaim
		want   string // "" = the second claim succeeds
	}{
		{"other files", []pathClaim{claim(out, "output_path")}, []pathClaim{claim(filepath.Join(dir, "other.csv"), "output_path")}, ""},
		{"same output_path", []pathClaim{claim(out, "output_path")}, []pathClaim{claim(out, "output_path")},
			`output_path "` + out + `" is already written by another aad_users_export in this run (as its output_path`},
		{"spelt differently", []pathClaim{claim(out, "output_path")}, []pathClaim{claim(dir+"/sub/../USERS.csv", "output_path")}, "already written"},
		{"results_path is another's output_path", []pathClaim{claim(out, "output_path")},
			[]pathClaim{claim(filepath.Join(dir, "mine.csv"), "output_path"), claim(out, "results_path")}, `results_path "` + out + `"`},
		{"output_path is another's results_path", []pathClaim{claim(out, "output_path"), claim(res, "results_path")},
			[]pathClaim{claim(res, "output_path")}, "(as its results_path"},
		{"empty results_path twice is no conflict", []pathClaim{claim(out, "output_path"), claim("", "results_path")},
			[]pathClaim{claim(filepath.Join(dir, "b.csv"), "output_path"), claim("", "results_path")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var c pathClaims
			if err := c.claim(tt.first...); err != nil {
				t.Fatal(err)
			}
			err := c.claim(tt.second...)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("second claim = %v, want it granted", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("second claim = %v, want an error saying %q", err, tt.want)
			}
			// The claims stay for the walk: a later read of the first's
			// file fails too.
			if err := c.claim(tt.first[0]); err == nil {
				t.Error("the first file was claimed again")
			}
		})
	}
}

// A refused claim claims none of its files: the export that asked runs
// nothing, and another export may still write them.
func TestRefusedClaimClaimsNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	taken, free := filepath.Join(dir, "users.csv"), filepath.Join(dir, "mine.csv")
	var c pathClaims
	if err := c.claim(pathClaim{path: taken, attr: "output_path"}); err != nil {
		t.Fatal(err)
	}
	if err := c.claim(pathClaim{path: free, attr: "output_path"}, pathClaim{path: taken, attr: "results_path"}); err == nil {
		t.Fatal("a claim of a taken file was granted")
	}
	if err := c.claim(pathClaim{path: free, attr: "output_path"}); err != nil {
		t.Errorf("the refused claim kept %s: %v", free, err)
	}
}
