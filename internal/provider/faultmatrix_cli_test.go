package provider

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
)

// interrupted returns the rows that need the real CLI: terraform is
// interrupted while the data source is reading the directory. The second
// page of the listing answers only after 20 s, so the read is in flight; a
// provider that missed the interrupt would finish the read and replace the
// file, which the row would see.
//
// With apply, the interrupt is a terminal's Ctrl-C: SIGINT to terraform's
// whole process group, the provider included. Terraform itself does not
// stop providers while apply plans (where data sources are read). With plan,
// only terraform gets the SIGINT and stops the provider through the
// protocol (StopProvider).
func interrupted(command string, group bool) func(t *testing.T) rowOutcome {
	return func(t *testing.T) rowOutcome {
		t.Helper()
		return interruptedRun(t, command, group)
	}
}

func interruptedRun(t *testing.T, command string, group bool) rowOutcome {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		return rowOutcome{did: "not run: needs the terraform CLI (TF_ACC=1, as make test sets)", expected: "-", written: "-", skipped: true}
	}
	tf := terraformBinary(t)
	plugins := providerPlugin(t)
	ten := generatedTenant(t, goldenSeed, pagedUsers)
	f := startFront(t, graphemu.Config{Tenant: ten, Profile: graphemu.Profile{
		Latency: map[graphemu.Endpoint]graphemu.Latency{graphemu.EndpointListNext: {Base: 20 * time.Second}},
	}})

	dir := t.TempDir()
	outDir := filepath.Join(dir, "out")
	out := filepath.Join(outDir, "users.csv")
	work, cliEnv := cliWorkspace(t, dir, plugins, `data "aad_users_export" "test" {
  output_path = `+hcl(out)+`
  columns     = ["userPrincipalName", "objectId", "displayName"]
  concurrency = 1
}
`)
	if err := os.Mkdir(outDir, 0o700); err != nil {
		t.Fatal(err)
	}
	writePrevious(t, out)

	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	args := []string{"-chdir=" + work, command, "-input=false", "-no-color"}
	if command == "apply" {
		args = append(args, "-auto-approve")
	}
	cmd := exec.CommandContext(ctx, tf, args...) //nolint:gosec // the terraform CLI the acceptance tests are configured with
	ownGroup(cmd, group)
	cmd.Env = environ(merge(cliEnv, map[string]string{
		"SSL_CERT_FILE": os.Getenv("SSL_CERT_FILE"),
		"ARM_TENANT_ID": graphemu.DefaultTenantID, "ARM_CLIENT_ID": graphemu.DefaultClientID,
		"ARM_CLIENT_SECRET": graphemu.DefaultClientSecret, "ARM_USE_CLI": "false",
		envGraphEndpoint: f.URL(), envAuthorityHost: f.AuthorityHost(),
	}))
	var output lockedBuffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := cmd.Start(); err != nil {
		return rowOutcome{err: err}
	}
	interruptErr := interruptWhenReading(ctx, cmd, group, f, outDir)
	waitErr := cmd.Wait()
	said := output.String()

	row := rowOutcome{expected: "absent (previous kept)", written: "absent (previous kept)"}
	var errs []error
	if interruptErr != nil {
		errs = append(errs, interruptErr)
	}
	var exit *exec.ExitError
	if !errors.As(waitErr, &exit) {
		errs = append(errs, fmt.Errorf("terraform %s did not fail after SIGINT: %w\n%s", command, waitErr, said))
	}
	if !strings.Contains(said, "Export cancelled") {
		errs = append(errs, fmt.Errorf("terraform's output lacks the provider's \"Export cancelled\" error:\n%s", said))
	}
	if err := untouched(out); err != nil {
		row.written = "CHANGED"
		errs = append(errs, err)
	}
	row.did = fmt.Sprintf("SIGINT while the 2nd page was in flight: the read was cancelled; terraform %s exited %d with error \"Export cancelled\"; "+
		"the temporary file (present at the interrupt) is gone, the previous CSV untouched", command, exitCode(waitErr))
	if row.written == "CHANGED" {
		row.did = fmt.Sprintf("SIGINT while the 2nd page was in flight: the read went on to its end and replaced the CSV; terraform %s exited %d", command, exitCode(waitErr))
	}
	row.err = errors.Join(errs...)
	return row
}

// interruptWhenReading sends SIGINT to terraform (or its process group)
// once the provider asked for the second page, after checking the export's
// temporary file exists (so that "no temporary file remains" is not vacuous).
func interruptWhenReading(ctx context.Context, cmd *exec.Cmd, group bool, f *emutest.Front, outDir string) error {
	if err := waitFor(ctx, f, "listNext"); err != nil {
		_ = cmd.Process.Kill() // the row has failed; do not wait for the 20 s page
		return err
	}
	tmp, err := filepath.Glob(filepath.Join(outDir, ".aad-export-*.tmp"))
	errs := []error{err}
	if len(tmp) == 0 {
		errs = append(errs, errors.New("no temporary file beside the CSV while the export ran"))
	}
	return errors.Join(append(errs, interrupt(cmd, group))...)
}

func exitCode(err error) int {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	return 0
}
