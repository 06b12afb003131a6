package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMain lets the test binary serve as the benchmark's child process, as
// the benchmark program re-runs itself.
func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		if err := runChild(context.Background(), spec, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "bench child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestSmoke runs the whole benchmark on tiny tenants with a compressed
// clock: every scenario, child process, emulator process, counter read and
// report path, so that the program cannot rot. It asserts what does not
// depend on timing: every row ran with the right number of users, target 5
// (exactness) passed, and the report and README section were written.
func TestSmoke(t *testing.T) {
	t.Parallel()
	only := []string{scenarioSpeed, scenarioBudget, scenarioCPU, scenarioMemory, scenarioExact, scenarioClock}
	if _, err := exec.LookPath("terraform"); err == nil && !testing.Short() {
		only = append(only, scenarioTerraform)
	}
	dir := t.TempDir()
	out, readme := filepath.Join(dir, "BENCHMARKS.md"), filepath.Join(dir, "README.md")
	before := "# Title\n\n## Performance\n\n" + readmeBegin + ": kept -->\n\nold text\n\n" + readmeEnd + "\n\n## Next\n"
	if err := os.WriteFile(readme, []byte(before), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{
		"-root", "../../..", "-work", filepath.Join(dir, "work"), "-out", out, "-readme", readme,
		"-only", strings.Join(only, ","), "-time-scale", "0.01",
		"-large", "2500", "-medium", "1200", "-baseline-users", "1000", "-exact-users", "2000", "-e2e-users", "1000",
	}
	var stdout bytes.Buffer
	err := run(t.Context(), args, &stdout, io.Discard)
	if err != nil && !errors.Is(err, errTargetsMissed) {
		t.Fatalf("run: %v\n%s", err, stdout.String())
	}
	if !strings.Contains(stdout.String(), "target 5 PASS") {
		t.Errorf("target 5 did not pass:\n%s", stdout.String())
	}
	report, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| 1 | provider | realistic | 23 | 2,500 |", "| 1 | single chain, $top=999 | realistic | 23 | 1,000 |",
		"| 1 | single chain, 100 a page |", "| 2 | provider | realistic | 26 | 1,200 |", "| 3 | raw lower bound (no SDK) | zero | 23 | 2,500 |",
		"| 4 | provider | zero | 26 | 2,500 |", "| 4 | provider | zero | 26 | 1,200 |", "| 5 | provider, concurrency 1 | zero | 26 | 2,000 |",
		"| (1) | provider (time scale 0.001) | realistic | 23 | 2,500 |", "5. **PASS**", "## Method"} {
		if !strings.Contains(string(report), want) {
			t.Errorf("the report lacks %q:\n%s", want, report)
		}
	}
	if slices.Contains(only, scenarioTerraform) && !strings.Contains(string(report), "| e2e | terraform apply | realistic | 23 | 1,000 |") {
		t.Errorf("the report lacks the terraform row:\n%s", report)
	}
	after, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(after); strings.Contains(s, "old text") || !strings.HasPrefix(s, "# Title\n\n## Performance\n\n"+readmeBegin+": kept -->\n") ||
		!strings.HasSuffix(s, readmeEnd+"\n\n## Next\n") || !strings.Contains(s, "[BENCHMARKS.md](BENCHMARKS.md)") {
		t.Errorf("README section:\n%s", s)
	}
}
