package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// terraformRun is the end-to-end row: the provider built from this tree,
// found through a dev_overrides CLI configuration, and `terraform apply` of
// a configuration with one aad_users_export data source.
type terraformRun struct {
	terraform string // the CLI
	dir       string // its own scratch folder
	plugins   string // where the provider binary is
}

// setupTerraform builds the provider and writes the CLI configuration and
// the Terraform configuration.
func setupTerraform(ctx context.Context, root, terraform, dir string, columns []string) (*terraformRun, error) {
	t := &terraformRun{terraform: terraform, dir: filepath.Join(dir, "terraform"), plugins: filepath.Join(dir, "plugins")}
	if err := os.MkdirAll(t.dir, 0o700); err != nil {
		return nil, err
	}
	if err := goBuild(ctx, root, filepath.Join(t.plugins, "terraform-provider-aad"), "."); err != nil {
		return nil, err
	}
	rc := fmt.Sprintf(`provider_installation {
  dev_overrides {
    "registry.terraform.io/aad-export/aad" = %q
  }
  direct {}
}
`, t.plugins)
	quoted := make([]string, len(columns))
	for i, c := range columns {
		quoted[i] = strconv.Quote(c)
	}
	config := fmt.Sprintf(`terraform {
  required_providers {
    aad = {
      source = "aad-export/aad"
    }
  }
}

# Credentials and endpoints come from the emulator's env file.
provider "aad" {
  use_cli = false
}

data "aad_users_export" "bench" {
  output_path = "${path.module}/users.csv"
  columns     = [%s]
}

output "user_count" {
  value = data.aad_users_export.bench.user_count
}

output "sha256" {
  value = data.aad_users_export.bench.sha256
}

output "error_count" {
  value = data.aad_users_export.bench.error_count
}
`, strings.Join(quoted, ", "))
	if err := os.WriteFile(filepath.Join(dir, "terraformrc"), []byte(rc), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(t.dir, "main.tf"), []byte(config), 0o600); err != nil {
		return nil, err
	}
	return t, nil
}

// apply runs `terraform apply` against emu and measures the whole CLI run:
// wall time around the process, CPU from wait4 (terraform waits for its
// provider plugin, so the plugin's CPU is included), and the peak RSS of
// the larger of the two processes, sampled (see peakRSS).
func (t *terraformRun) apply(ctx context.Context, emu *emulator, columns int) (row, error) {
	if _, err := emu.takeCounters(ctx); err != nil {
		return row{}, err
	}
	env := emu.environ(
		"TF_CLI_CONFIG_FILE="+filepath.Join(filepath.Dir(t.dir), "terraformrc"),
		"CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=0",
	)
	logPath := filepath.Join(filepath.Dir(t.dir), "terraform-apply.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return row{}, err
	}
	defer func() { _ = logFile.Close() }()                                                                               // written by terraform; nothing buffered here
	cmd := exec.CommandContext(ctx, t.terraform, "-chdir="+t.dir, "apply", "-auto-approve", "-input=false", "-no-color") //nolint:gosec // the terraform CLI the user chose
	cmd.Env, cmd.Stdout, cmd.Stderr = env, logFile, logFile
	before := snapshotCPU(emu.pid())
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return row{}, fmt.Errorf("terraform apply: %w", err)
	}
	exited, peak := make(chan struct{}), make(chan int64, 1)
	go func() { peak <- treePeak(cmd.Process.Pid, exited) }()
	err = cmd.Wait()
	wall := time.Since(began)
	close(exited)
	after := snapshotCPU(emu.pid())
	if err != nil {
		return row{}, fmt.Errorf("terraform apply: %w; the end of its log:\n%s", err, logTail(logPath))
	}
	use, err := usageOf(cmd.ProcessState)
	if err != nil {
		return row{}, err
	}
	counters, err := emu.takeCounters(ctx)
	if err != nil {
		return row{}, err
	}
	users, sha, err := t.outputs(ctx, env)
	if err != nil {
		return row{}, err
	}
	if err := wholeExport("terraform apply", users, emu.spec.Users); err != nil {
		return row{}, err
	}
	r := row{
		Name: "terraform apply", Profile: emu.spec.Profile, Columns: columns, Users: users,
		Wall: wall, CPU: use.CPU, PeakRSS: <-peak, SHA256: sha, Output: filepath.Join(t.dir, "users.csv"),
	}
	r.attribute(before, after)
	r.addCounters(counters)
	return r, nil
}

// outputs reads the data source's user_count and sha256 from the state; an
// export with per-user errors is refused (see wholeExport).
func (t *terraformRun) outputs(ctx context.Context, env []string) (int, string, error) {
	cmd := exec.CommandContext(ctx, t.terraform, "-chdir="+t.dir, "output", "-json") //nolint:gosec // as in apply
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return 0, "", fmt.Errorf("terraform output: %w: %s", err, stderr.String())
	}
	var out struct {
		UserCount struct {
			Value int `json:"value"`
		} `json:"user_count"`
		SHA256 struct {
			Value string `json:"value"`
		} `json:"sha256"`
		ErrorCount struct {
			Value int `json:"value"`
		} `json:"error_count"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return 0, "", fmt.Errorf("terraform output: %w", err)
	}
	if out.ErrorCount.Value != 0 {
		return 0, "", fmt.Errorf("terraform apply: the export reported %d per-user errors: its figures are not a whole export's", out.ErrorCount.Value)
	}
	return out.UserCount.Value, out.SHA256.Value, nil
}

// goBuild builds a package of the module at root into out.
func goBuild(ctx context.Context, root, out, pkg string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg) //nolint:gosec // the go tool building this module's own packages
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w: %s", pkg, err, stderr.String())
	}
	return nil
}
