package provider

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
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

// tracedUsers is the size of the directory TestAccSecretsNeverLogged
// exports.
const tracedUsers = 150

// secretsCase is one credential configuration of TestAccSecretsNeverLogged:
// the environment that configures it, the secret values it holds, and
// whether Entra (the emulator) accepts it.
type secretsCase struct {
	name    string
	env     map[string]string
	secrets []string
	fails   string // a regexp the failed plan's output must match; "" = the export succeeds
	// pkcs12, when set, adds to env and secrets what needs a PKCS#12 file.
	// It runs inside the case's subtest: the file is made with the openssl
	// command, and without one only the cases that need it skip.
	pkcs12 func(t *testing.T) (env map[string]string, secrets []string)
}

// TestAccSecretsNeverLogged runs an export with the provider built as a real
// plugin binary, through the terraform CLI with dev_overrides and
// TF_LOG=TRACE, once per kind of credential and with credentials Entra
// refuses, and checks that no secret (client secret, certificate contents,
// its password, OIDC tokens and request tokens) nor any access token the
// emulator issued appears in anything Terraform leaves behind: stdout and
// stderr (error messages included), the TF_LOG_PATH file, the saved plan,
// the state.
func TestAccSecretsNeverLogged(t *testing.T) {
	t.Parallel()
	tf := terraformBinary(t)
	plugins := providerPlugin(t)
	ca := newCertApp(t)
	emu, err := graphemu.New(graphemu.Config{Tenant: generatedTenant(t, goldenSeed, tracedUsers), Apps: []graphemu.App{graphemu.DefaultApp(), ca.app}})
	if err != nil {
		t.Fatal(err)
	}
	rec := &tokenRecorder{next: emu.Handler(), tokens: map[string]bool{}}
	ts := httptest.NewTLSServer(rec)
	t.Cleanup(ts.Close)
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	base := map[string]string{
		"TF_LOG": "TRACE", "SSL_CERT_FILE": caFile,
		"ARM_TENANT_ID": emu.TenantID(), "ARM_USE_CLI": "false", envGraphEndpoint: ts.URL, envAuthorityHost: ts.URL + "/",
	}
	for _, tc := range secretsCases(t, emu, ca, ts.URL) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.pkcs12 != nil {
				env, secrets := tc.pkcs12(t)
				tc.env, tc.secrets = merge(tc.env, env), append(tc.secrets, secrets...)
			}
			env := merge(base, tc.env)
			places := runLoggedExport(t, tf, plugins, env, tc.fails)
			tokens := rec.all()
			if tc.fails == "" && len(tokens) == 0 {
				t.Fatal("the emulator issued no token: the export did not authenticate")
			}
			checkNoSecrets(t, places, append(tc.secrets, tokens...))
		})
	}
}

// secretsCases builds the credential configurations: each kind the provider
// offers, and credentials Entra refuses (their error messages are checked
// too). The secret values are long and distinctive, so that a leak of them
// cannot go unseen.
func secretsCases(t *testing.T, emu *graphemu.Server, ca certApp, baseURL string) []secretsCase {
	t.Helper()
	const password = "pfx-Password~7c1d9e#not-in-any-log"
	// withPFX configures the certificate as a PKCS#12 file protected by
	// password, and sends passwordSent with it.
	withPFX := func(passwordSent string) func(t *testing.T) (map[string]string, []string) {
		return func(t *testing.T) (map[string]string, []string) {
			t.Helper()
			pfx64 := base64.StdEncoding.EncodeToString(pkcs12Bundle(t, ca.pem, password))
			// A leak may be partial: look for pieces of the encoded certificate too.
			pfxPieces := []string{pfx64, pfx64[:48], pfx64[len(pfx64)/2 : len(pfx64)/2+48], pfx64[len(pfx64)-48:]}
			return map[string]string{"ARM_CLIENT_CERTIFICATE": pfx64, "ARM_CLIENT_CERTIFICATE_PASSWORD": passwordSent}, pfxPieces
		}
	}
	_, keyPEM, _ := strings.Cut(string(ca.pem), "-----BEGIN PRIVATE KEY-----\n")
	keyLines := strings.Split(keyPEM, "\n")
	keyPieces := []string{keyLines[0], keyLines[4]}
	assertion := ca.assertionFor(t, baseURL+"/"+emu.TenantID()+"/oauth2/v2.0/token")
	requestToken := "gh-request-token-5f0e2a9b-not-in-any-log"
	requestURL := oidcRequestServer(t, requestToken, assertion)
	app := emu.App()
	certApp := map[string]string{"ARM_CLIENT_ID": ca.app.ClientID}
	secretFile := filepath.Join(t.TempDir(), "client-secret")
	assertionFile := filepath.Join(t.TempDir(), "azure-identity-token")
	for path, content := range map[string]string{secretFile: app.ClientSecret + "\n", assertionFile: assertion} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return []secretsCase{
		{
			name:    "client secret file",
			env:     map[string]string{"ARM_CLIENT_ID": app.ClientID, "ARM_CLIENT_SECRET_FILE_PATH": secretFile},
			secrets: []string{app.ClientSecret},
		},
		{
			name: "client secret file that disagrees with ARM_CLIENT_SECRET",
			env: map[string]string{
				"ARM_CLIENT_ID": app.ClientID, "ARM_CLIENT_SECRET_FILE_PATH": secretFile, "ARM_CLIENT_SECRET": "other-Secret~51ad-not-in-any-log",
			},
			secrets: []string{app.ClientSecret, "other-Secret~51ad-not-in-any-log"},
			fails:   `client_secret_file_path holds another value`,
		},
		{
			name: "AKS workload identity",
			env: merge(certApp, map[string]string{
				"ARM_USE_AKS_WORKLOAD_IDENTITY": "true", "AZURE_FEDERATED_TOKEN_FILE": assertionFile, "AZURE_CLIENT_ID": ca.app.ClientID,
			}),
			secrets: []string{assertion},
		},
		{name: "client secret", env: map[string]string{"ARM_CLIENT_ID": app.ClientID, "ARM_CLIENT_SECRET": app.ClientSecret}, secrets: []string{app.ClientSecret}},
		{
			name:    "client certificate (PKCS#12, base64) with a password",
			env:     certApp,
			secrets: []string{password},
			pkcs12:  withPFX(password),
		},
		{
			name:    "client certificate (PEM, base64)",
			env:     merge(certApp, map[string]string{"ARM_CLIENT_CERTIFICATE": base64.StdEncoding.EncodeToString(ca.pem)}),
			secrets: append([]string{base64.StdEncoding.EncodeToString(ca.pem)[:64]}, keyPieces...),
		},
		{
			name:    "OIDC token",
			env:     merge(certApp, map[string]string{"ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN": assertion}),
			secrets: []string{assertion},
		},
		{
			name: "OIDC request token (GitHub Actions)",
			env: merge(certApp, map[string]string{
				"ARM_USE_OIDC": "true", "ACTIONS_ID_TOKEN_REQUEST_URL": requestURL, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": requestToken,
			}),
			secrets: []string{requestToken, assertion},
		},
		{
			name:    "wrong client secret",
			env:     map[string]string{"ARM_CLIENT_ID": app.ClientID, "ARM_CLIENT_SECRET": "wrong-Secret~3b8f0c2d-not-in-any-log"},
			secrets: []string{"wrong-Secret~3b8f0c2d-not-in-any-log"},
			fails:   `AADSTS7000215`,
		},
		{
			name:    "certificate with a wrong password",
			env:     certApp,
			secrets: []string{password},
			fails:   `client_certificate_password`,
			pkcs12:  withPFX("wrong-" + password),
		},
		{
			name: "OIDC request token refused",
			env: merge(certApp, map[string]string{
				"ARM_USE_OIDC": "true", "ACTIONS_ID_TOKEN_REQUEST_URL": requestURL, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "refused-" + requestToken,
			}),
			secrets: []string{requestToken},
			fails:   `401 Unauthorized`,
		},
		{
			name:    "OIDC token of an app Entra does not trust",
			env:     map[string]string{"ARM_CLIENT_ID": app.ClientID, "ARM_USE_OIDC": "true", "ARM_OIDC_TOKEN": assertion},
			secrets: []string{assertion},
			fails:   `Authentication to Entra ID failed`,
		},
	}
}

// runLoggedExport runs plan, apply and show (or, for a credential that must
// fail, plan alone) at TRACE and returns everything terraform left behind.
func runLoggedExport(t *testing.T, tf, plugins string, env map[string]string, fails string) map[string][]byte {
	t.Helper()
	dir := t.TempDir()
	logFile := filepath.Join(dir, "terraform.log")
	work, cliEnv := cliWorkspace(t, dir, plugins, `data "aad_users_export" "test" {
  output_path  = "${path.module}/users.csv"
  results_path = "${path.module}/results.csv"
  columns      = ["userPrincipalName", "objectId", "authenticationEmail"]
}

output "users" {
  value = data.aad_users_export.test.user_count
}
`)
	env = merge(env, cliEnv, map[string]string{"TF_LOG_PATH": logFile})
	var captured bytes.Buffer
	run := func(args ...string) error {
		cmd := exec.CommandContext(t.Context(), tf, append([]string{"-chdir=" + work}, args...)...) //nolint:gosec // the terraform CLI the acceptance tests are configured with
		cmd.Env = environ(env)
		out, err := cmd.CombinedOutput()
		captured.Write(out)
		if err != nil {
			return fmt.Errorf("terraform %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	places := map[string][]byte{}
	if fails != "" {
		err := run("plan", "-input=false", "-no-color")
		if err == nil || !regexp.MustCompile(fails).Match(captured.Bytes()) {
			t.Fatalf("plan with a bad credential: %v, want a failure saying %s:\n%s", err, fails, captured.String())
		}
	} else {
		for _, args := range [][]string{{"plan", "-input=false", "-out=export.tfplan"}, {"apply", "-input=false", "export.tfplan"}, {"show", "-json", "export.tfplan"}, {"show", "-json"}, {"output", "users"}} {
			if err := run(args...); err != nil {
				t.Fatal(err)
			}
		}
		if !strings.Contains(lastLine(captured.String()), strconv.Itoa(tracedUsers)) {
			t.Errorf("terraform output users = %q, want %d", lastLine(captured.String()), tracedUsers)
		}
		for name, path := range map[string]string{"saved plan": filepath.Join(work, "export.tfplan"), "state": filepath.Join(work, "terraform.tfstate")} {
			places[name] = readFile(t, path)
		}
	}
	places["stdout and stderr"] = captured.Bytes()
	places["TF_LOG_PATH file"] = readFile(t, logFile)
	// The checks could pass vacuously: make sure the provider really
	// logged at TRACE (and read, when the credential works).
	log := string(places["TF_LOG_PATH file"])
	wants := []string{"[TRACE]", "provider.terraform-provider-aad"}
	if fails == "" {
		wants = append(wants, "exporting users", "exported users")
		checkReadUsersLogged(t, log, tracedUsers)
	}
	for _, want := range wants {
		if !strings.Contains(log, want) {
			t.Errorf("the TRACE log lacks %q: the test would not see a leak", want)
		}
	}
	return places
}

// checkReadUsersLogged checks the progress the Graph client logs at INFO
// reaches Terraform's log: the record that ends each read, with the number
// of users it read, which must be the number exported.
func checkReadUsersLogged(t *testing.T, log string, users int) {
	t.Helper()
	records := regexp.MustCompile(`\[INFO\]\s+provider\.terraform-provider-aad: read users: .*`).FindAllString(log, -1)
	if len(records) == 0 {
		t.Error(`the log lacks the Graph client's INFO record "read users": the export's progress is not logged`)
	}
	field := regexp.MustCompile(`(?:^|\s)users=(\d+)(?:\s|$)`)
	for _, r := range records {
		if m := field.FindStringSubmatch(r); len(m) < 2 || m[1] != strconv.Itoa(users) {
			t.Errorf("the INFO record that ends the read does not say users=%d: %s", users, r)
		}
	}
}

// checkNoSecrets fails for every secret found in any place.
func checkNoSecrets(t *testing.T, places map[string][]byte, secrets []string) {
	t.Helper()
	if len(secrets) == 0 {
		t.Fatal("no secret to look for: the test proves nothing")
	}
	for place, b := range places {
		for _, s := range secrets {
			if s != "" && bytes.Contains(b, []byte(s)) {
				t.Errorf("a secret (%d bytes, starting %.4q) appears in the %s", len(s), s, place)
			}
		}
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pkcs12Bundle converts a PEM certificate and key into a password-protected
// PKCS#12 file with the openssl command, in the legacy algorithms (SHA-1 MAC,
// 3DES) that azidentity reads, as Windows and older tools write them.
func pkcs12Bundle(t *testing.T, bundle []byte, password string) []byte {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("no openssl command to make a PKCS#12 file")
	}
	dir := t.TempDir()
	in, out := filepath.Join(dir, "app.pem"), filepath.Join(dir, "app.pfx")
	if err := os.WriteFile(in, bundle, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), "openssl", "pkcs12", "-export", "-in", in, "-out", out, "-passout", "env:PFX_PASSWORD", //nolint:gosec // the test's own files
		"-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1")
	cmd.Env = append(os.Environ(), "PFX_PASSWORD="+password)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl pkcs12: %v\n%s", err, msg)
	}
	return readFile(t, out)
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
