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
// (exactness) passed, the incremental snapshots wrote the bytes of a full
// export, the report was written and says it is not the standard run, the
// README was left alone, and its section renders.
func TestSmoke(t *testing.T) {
	t.Parallel()
	only := []string{scenarioSpeed, scenarioBudget, scenarioCPU, scenarioMemory, scenarioExact, scenarioChurn, scenarioSnapshots, scenarioReport, scenarioClock}
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
		"-large", "2500", "-medium", "1200", "-baseline-users", "1000", "-exact-users", "2000", "-e2e-users", "1000", "-churn-users", "1500",
		"-snapshot-users", "3000", "-report-users", "2500",
	}
	var stdout bytes.Buffer
	err := run(t.Context(), args, &stdout, io.Discard)
	if err != nil && !errors.Is(err, errTargetsMissed) {
		t.Fatalf("run: %v\n%s", err, stdout.String())
	}
	if !strings.Contains(stdout.String(), "target 5 PASS") {
		t.Errorf("target 5 did not pass:\n%s", stdout.String())
	}
	written, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| 1 | provider | realistic | 23 | 2,500 |", "| 1 | single chain, $top=999 | realistic | 23 | 1,000 |",
		"| 1 | single chain, 100 a page |", "| 2 | provider | realistic | 26 | 1,200 |", "| 3 | raw lower bound (no SDK) | zero | 23 | 2,500 |",
		"| 4 | provider | zero | 26 | 2,500 |", "| 4 | provider | zero | 26 | 1,200 |", "| 5 | provider, concurrency 1 | zero | 26 | 2,000 |",
		"| (1) | provider (time scale 0.001) | realistic | 23 | 2,500 |", "5. **PASS**", "| 6 | provider, directory still | realistic | 23 | 1,500 |",
		"| 6 | provider, directory changing | realistic | 23 |", "6. **",
		"| 7 | provider, full snapshot | realistic | 23 | 3,000 |", "| 8 | provider, incremental snapshot + changes report | realistic | 23 |",
		"| 7 | provider, incremental snapshot | realistic | 23 |", "| 7 | provider, full export of the changed directory | realistic | 23 |",
		"the same as the full export of the changed directory", "8. **", "the same; the report lists",
		"| 9 | provider + compliance report | realistic | 23 | 2,500 |", "| 9 | provider, no report | realistic | 23 | 2,500 |", "9. **",
		"## Method"} {
		if !strings.Contains(string(written), want) {
			t.Errorf("the report lacks %q:\n%s", want, written)
		}
	}
	if slices.Contains(only, scenarioTerraform) && !strings.Contains(string(written), "| e2e | terraform apply | realistic | 23 | 1,000 |") {
		t.Errorf("the report lacks the terraform row:\n%s", written)
	}
	if !strings.Contains(string(written), "This is not the standard run") {
		t.Error("a run on tiny tenants does not say it is not the standard one")
	}
	if after, err := os.ReadFile(readme); err != nil || string(after) != before {
		t.Errorf("a run that is not the standard one changed the README (%v):\n%s", err, after)
	}
	// The README section the standard run writes.
	r := report{b: &bench{rows: map[string]row{keyProviderList: {Name: "provider", Users: 10, Wall: secs(1), Columns: 23}}}}
	updated, err := replaceBetween(before, readmeBegin, readmeEnd, r.summary("BENCHMARKS.md"))
	if err != nil || strings.Contains(updated, "old text") || !strings.HasPrefix(updated, "# Title\n\n## Performance\n\n"+readmeBegin+": kept -->\n") ||
		!strings.HasSuffix(updated, readmeEnd+"\n\n## Next\n") || !strings.Contains(updated, "[BENCHMARKS.md](BENCHMARKS.md)") ||
		!strings.Contains(updated, "| this provider, 23 list columns | 10 |") {
		t.Errorf("README section (%v):\n%s", err, updated)
	}
}
