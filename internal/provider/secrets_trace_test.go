package provider

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
)

// tokenRecorder sits in front of the emulator and remembers every access
// token it issued and every bearer token it was sent.
type tokenRecorder struct {
	next   http.Handler
	mu     sync.Mutex
	tokens map[string]bool
}

func (rec *tokenRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		rec.add(bearer)
	}
	if !strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token") {
		rec.next.ServeHTTP(w, r)
		return
	}
	capture := httptest.NewRecorder()
	rec.next.ServeHTTP(capture, r)
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if json.Unmarshal(capture.Body.Bytes(), &body) == nil {
		rec.add(body.AccessToken)
	}
	for k, v := range capture.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(capture.Code)
	_, _ = w.Write(capture.Body.Bytes())
}

func (rec *tokenRecorder) add(token string) {
	if token == "" {
		return
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.tokens[token] = true
}

func (rec *tokenRecorder) all() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	out := make([]string, 0, len(rec.tokens))
	for tok := range rec.tokens {
		out = append(out, tok)
	}
	return out
}

// TestAccSecretsNeverLogged runs an export with the provider built as a real
// plugin binary, through the terraform CLI with dev_overrides and
// TF_LOG=TRACE, and checks that neither the client secret nor any access
// token the emulator issued appears in anything Terraform leaves behind:
// stdout, stderr, the TF_LOG_PATH file, the saved plan, the state.
func TestAccSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	tf := terraformBinary(t)
	dir := t.TempDir()
	pluginDir := filepath.Join(dir, "plugins")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", filepath.Join(pluginDir, "terraform-provider-aad"), "../..") //nolint:gosec // the test's own temporary folder
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the provider: %v\n%s", err, out)
	}

	emu, err := graphemu.New(graphemu.Config{Tenant: generatedTenant(t, goldenSeed, 150)})
	if err != nil {
		t.Fatal(err)
	}
	rec := &tokenRecorder{next: emu.Handler(), tokens: map[string]bool{}}
	ts := httptest.NewTLSServer(rec)
	t.Cleanup(ts.Close)
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}

	work := filepath.Join(dir, "work")
	cliConfig := filepath.Join(dir, "terraformrc")
	logFile := filepath.Join(dir, "terraform.log")
	writeFiles(t, map[string]string{
		cliConfig: "provider_installation {\n  dev_overrides {\n    " + hcl(RegistryAddress) + " = " + hcl(pluginDir) + "\n  }\n  direct {}\n}\n",
		filepath.Join(work, "main.tf"): `terraform {
  required_providers {
    aad = { source = "aad-export/aad" }
  }
}

provider "aad" {}

data "aad_users_export" "test" {
  output_path  = "${path.module}/users.csv"
  results_path = "${path.module}/results.csv"
}

output "users" {
  value = data.aad_users_export.test.user_count
}
`,
	})

	app := emu.App()
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "CHECKPOINT_DISABLE=1",
		"TF_CLI_CONFIG_FILE=" + cliConfig, "TF_LOG=TRACE", "TF_LOG_PATH=" + logFile, "TF_IN_AUTOMATION=1",
		"SSL_CERT_FILE=" + caFile,
		"ARM_TENANT_ID=" + emu.TenantID(), "ARM_CLIENT_ID=" + app.ClientID, "ARM_CLIENT_SECRET=" + app.ClientSecret,
		"ARM_USE_CLI=false", envGraphEndpoint + "=" + ts.URL, envAuthorityHost + "=" + ts.URL + "/",
	}
	var captured bytes.Buffer
	run := func(args ...string) {
		t.Helper()
		cmd := exec.CommandContext(t.Context(), tf, append([]string{"-chdir=" + work}, args...)...) //nolint:gosec // the terraform CLI the acceptance tests are configured with
		cmd.Env = env
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		captured.Write(stdout.Bytes())
		captured.Write(stderr.Bytes())
		if err != nil {
			t.Fatalf("terraform %s: %v\n%s\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
		}
	}
	run("plan", "-input=false", "-out=export.tfplan")
	run("apply", "-input=false", "export.tfplan")
	run("show", "-json", "export.tfplan")
	run("show", "-json")
	run("output", "users")

	places := map[string][]byte{"stdout and stderr": captured.Bytes()}
	for name, path := range map[string]string{
		"TF_LOG_PATH file": logFile, "saved plan": filepath.Join(work, "export.tfplan"),
		"state": filepath.Join(work, "terraform.tfstate"),
	} {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		places[name] = b
	}

	// The checks below could pass vacuously: make sure there was something
	// to leak and that the provider really logged at TRACE.
	tokens := rec.all()
	if len(tokens) == 0 {
		t.Fatal("the emulator issued no token: the export did not authenticate")
	}
	if !strings.Contains(strings.TrimSpace(lastLine(captured.String())), "150") {
		t.Errorf("terraform output users = %q, want 150", lastLine(captured.String()))
	}
	log := string(places["TF_LOG_PATH file"])
	for _, want := range []string{"exporting users", "exported users", "[TRACE]", "provider.terraform-provider-aad"} {
		if !strings.Contains(log, want) {
			t.Errorf("the TRACE log lacks %q: the test would not see a leak", want)
		}
	}
	for place, b := range places {
		if bytes.Contains(b, []byte(app.ClientSecret)) {
			t.Errorf("the client secret appears in the %s", place)
		}
		for _, tok := range tokens {
			if bytes.Contains(b, []byte(tok)) {
				t.Errorf("an access token the emulator issued appears in the %s", place)
			}
		}
	}
}

// terraformBinary is the CLI the acceptance tests use.
func terraformBinary(t *testing.T) string {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("set TF_ACC=1 to run tests that drive the terraform CLI")
	}
	if p := os.Getenv("TF_ACC_TERRAFORM_PATH"); p != "" {
		return p
	}
	p, err := exec.LookPath("terraform")
	if err != nil {
		t.Fatal("no terraform CLI: set TF_ACC_TERRAFORM_PATH or put terraform on PATH")
	}
	return p
}

func writeFiles(t *testing.T, files map[string]string) {
	t.Helper()
	for path, content := range files {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
