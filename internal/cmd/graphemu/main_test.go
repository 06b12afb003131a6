package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

func TestParseFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    string
		wantErr bool
	}{
		{"", false},
		{"--users 1000000 --profile realistic --time-scale 0.1 --retry-after mixed", false},
		{"--profile fast", true},
		{"--users -1", true},
		{"--time-scale 0", true},
		{"--retry-after soon", true},
		{"extra", true},
		{"--no-such-flag", true},
		{"--churn-interval 1s --churn-renames 5 --churn-creates 2 --consistency-lag 30s --order id", false},
		{"--churn-renames 5", true},
		{"--churn-interval 1s", true},
		{"--churn-interval -1s --churn-renames 1", true},
		{"--churn-interval 1s --churn-deletes -1", true},
		{"--consistency-lag 31s", true},
		{"--consistency-lag -1s", true},
		{"--order displayName", true},
		{"--premium-license=false --extension-share 0.3", false},
		{"--extension-share -1", false},
		{"--extension-share 1.5", true},
	}
	for _, tt := range tests {
		o, err := parseFlags(strings.Fields(tt.args), io.Discard)
		if err == nil {
			_, err = o.serviceProfile()
		}
		if (err != nil) != tt.wantErr {
			t.Errorf("%q: error %v, want error %v", tt.args, err, tt.wantErr)
		}
	}
}

func TestServiceProfile(t *testing.T) {
	t.Parallel()
	o, err := parseFlags(strings.Fields("--profile realistic --time-scale 0.5 --budget 100 --retry-after fractional"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	p, err := o.serviceProfile()
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "realistic" || p.TimeScale != 0.5 || p.TenantBudget != 100 || !p.Throttle || p.RetryAfter != graphemu.RetryAfterFractional {
		t.Errorf("%+v", p)
	}
}

func TestDirectoryFlags(t *testing.T) {
	t.Parallel()
	o, err := parseFlags(strings.Fields("--seed 9 --churn-interval 2s --churn-renames 3 --churn-restores 1 --order id --consistency-lag 5s"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := tenant.ChurnOptions{Interval: 2 * time.Second, Renames: 3, Restores: 1, Seed: 9}
	if o.churn != want || o.order != tenant.OrderID || o.consistencyLag != 5*time.Second {
		t.Errorf("%+v", o)
	}
	if o, err = parseFlags(strings.Fields("--seed 9 --churn-seed 0"), io.Discard); err != nil || o.churn.Seed != 0 || o.order != tenant.OrderUPN || !o.premiumLicense {
		t.Errorf("an explicit churn seed: %+v %v", o, err)
	}
}

// TestNoPremiumLicense: --premium-license=false gives a tenant whose
// registration report Graph refuses, and says so.
func TestNoPremiumLicense(t *testing.T) {
	t.Parallel()
	o, err := parseFlags(strings.Fields("--users 3 --premium-license=false --extension-share -1"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ten, _, err := o.newTenant()
	if err != nil {
		t.Fatal(err)
	}
	if _, e := ten.UserRegistrationDetails(nil); e == nil || e.Code != tenant.CodeNonPremiumTenant {
		t.Errorf("report without a licence: %v", e)
	}
	var b strings.Builder
	describeDirectory(&b, o)
	if !strings.Contains(b.String(), "Premium licence: none") {
		t.Errorf("description %q", b.String())
	}
}

// TestRunChurns runs the program with churn: the directory changes while
// it serves, and the program says what changed when it stops.
func TestRunChurns(t *testing.T) {
	t.Parallel()
	envFile := filepath.Join(t.TempDir(), "emu.env")
	ctx, cancel := context.WithCancel(t.Context())
	var stdout bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, strings.Fields("--users 200 --tls=false --order id --consistency-lag 1s --churn-interval 1ms --churn-creates 2 --churn-renames 1 --env-file "+envFile), &stdout, io.Discard)
	}()
	env := waitForEnv(t, envFile, done)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {env["ARM_CLIENT_ID"]},
		"client_secret": {env["ARM_CLIENT_SECRET"]}, "scope": {env["AAD_EMULATOR_URL"] + "/.default"}}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, env["AAD_EMULATOR_TOKEN_URL"], strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := errors.Join(json.NewDecoder(resp.Body).Decode(&tok), resp.Body.Close()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		// getWith asks for eventual consistency: the listing grows, a second late.
		status, body := emutest.Get(t, http.DefaultClient, env["AAD_EMULATOR_URL"]+"/v1.0/users?$select=id&$top=999", tok.AccessToken)
		if status == http.StatusOK && strings.Count(body, `"id"`) > 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the directory did not grow within a minute: %d", status)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	for _, want := range []string{"Default order:   id", "Eventual lag:    1s", "Churn:           every 1ms: 2 creates", "created, 0 soft-deleted"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
}

// TestShellQuote sources quoted values with a real shell.
func TestShellQuote(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	values := []string{"plain", "it's", `$HOME and "quotes" and \ and ;`, "", "a\nb"}
	path := filepath.Join(t.TempDir(), "env")
	lines := make([][2]string, len(values))
	for i, v := range values {
		lines[i] = [2]string{"V" + string(rune('A'+i)), v}
	}
	if err := writeEnvFile(path, lines); err != nil {
		t.Fatal(err)
	}
	for i, v := range values {
		cmd := exec.CommandContext(t.Context(), "sh", "-c", `. "$ENV_FILE"; eval "printf %s \"\$$ENV_NAME\""`)
		cmd.Env = append(os.Environ(), "ENV_FILE="+path, "ENV_NAME="+lines[i][0])
		out, err := cmd.Output()
		if err != nil || string(out) != v {
			t.Errorf("%q came back as %q (%v)", v, out, err)
		}
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("env file mode: %v %v", info, err)
	}
}

// TestRun runs the program: it writes the env file once ready, serves a
// client that only knows that file, and cleans up when interrupted.
func TestRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	envFile, caFile := filepath.Join(dir, "emu.env"), filepath.Join(dir, "ca.pem")
	ctx, cancel := context.WithCancel(t.Context())
	var stdout bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--users", "300", "--env-file", envFile, "--ca-file", caFile, "--counters-endpoint"}, &stdout, io.Discard)
	}()
	env := waitForEnv(t, envFile, done)
	for _, k := range []string{"AAD_EMULATOR_URL", "AAD_GRAPH_ENDPOINT", "AAD_AUTHORITY_HOST", "ARM_TENANT_ID", "ARM_CLIENT_ID", "ARM_CLIENT_SECRET", "SSL_CERT_FILE", "AAD_EMULATOR_COUNTERS_URL"} {
		if env[k] == "" {
			t.Errorf("env file lacks %s", k)
		}
	}
	if env["SSL_CERT_FILE"] != caFile {
		t.Errorf("SSL_CERT_FILE %q, want %q", env["SSL_CERT_FILE"], caFile)
	}
	client := clientTrusting(t, env["SSL_CERT_FILE"])
	cred, err := azidentity.NewClientSecretCredential(env["ARM_TENANT_ID"], env["ARM_CLIENT_ID"], env["ARM_CLIENT_SECRET"],
		&azidentity.ClientSecretCredentialOptions{ClientOptions: azcore.ClientOptions{
			Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: env["AAD_AUTHORITY_HOST"]}, Transport: client,
		}, DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{env["AAD_EMULATOR_URL"] + "/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	status, body := emutest.Get(t, client, env["AAD_EMULATOR_URL"]+"/v1.0/users/$count", tok.Token)
	if status != http.StatusOK || body != "300" {
		t.Errorf("$count: %d %q", status, body)
	}
	status, body = emutest.Get(t, client, env["AAD_EMULATOR_COUNTERS_URL"], "")
	var counters graphemu.Counters
	if err := json.Unmarshal([]byte(body), &counters); status != http.StatusOK || err != nil ||
		counters.Requests[graphemu.EndpointCount][http.StatusOK] != 1 || counters.TokensIssued != 1 {
		t.Errorf("counters: %d %s (%v)", status, body, err)
	}
	for _, want := range []string{"Graph URL:", "Token URL:", "Tenant ID:", "Client ID:", "Client secret:", "CA file:", "Counters:"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if _, err := os.Stat(envFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("env file left behind: %v", err)
	}
	if _, err := os.Stat(caFile); err != nil {
		t.Errorf("the CA file asked for is gone: %v", err)
	}
}

// waitForEnv polls for the env file and parses it; the file appears whole
// or not at all.
func waitForEnv(t *testing.T, path string, done <-chan error) map[string]string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("run ended early: %v", err)
		default:
		}
		f, err := os.Open(path)
		if errors.Is(err, os.ErrNotExist) {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		env := map[string]string{}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			k, v, ok := strings.Cut(sc.Text(), "=")
			if !ok || !strings.HasPrefix(v, "'") || !strings.HasSuffix(v, "'") {
				t.Fatalf("line %q", sc.Text())
			}
			env[k] = strings.Trim(v, "'")
		}
		if err := errors.Join(sc.Err(), f.Close()); err != nil {
			t.Fatal(err)
		}
		return env
	}
	t.Fatal("no env file within a minute")
	return nil
}

func clientTrusting(t *testing.T, caFile string) *http.Client {
	t.Helper()
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in the CA file")
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
}
