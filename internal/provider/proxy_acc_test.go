package provider

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
)

// The names the proxy serves the emulator under. They are in .test (RFC
// 6761), which no resolver answers: a request that does not go through the
// proxy cannot reach them.
const (
	proxiedGraphHost = "graph.aad-export.test"
	proxiedLoginHost = "login.aad-export.test"
)

// proxyUser and proxyPassword are the credentials the proxy asks for, as
// corporate proxies do; clients give them in HTTPS_PROXY's URL.
const (
	proxyUser     = "exporter"
	proxyPassword = "proxy-Pass~9d2e"
)

// inspectingProxy is an HTTPS proxy as corporate networks run them: a
// client sends CONNECT host:port, and rather than open a tunnel to host the
// proxy answers the TLS handshake itself, with a certificate for host that
// it issued (the one the client is told to trust), and reads every request.
// What answers the requests here is the emulator, which the proxy is the
// only way to.
type inspectingProxy struct {
	url    string // what HTTPS_PROXY holds: http://user:password@127.0.0.1:port
	caFile string // what SSL_CERT_FILE holds: the certificate it answers with
	hosts  []string

	tunnels *tunnelListener

	mu       sync.Mutex
	connects map[string]int // CONNECT targets the proxy opened, by host:port
	refused  map[string]int // what it refused: other targets, other methods, no credentials
	requests map[string]int // requests read inside the tunnels, by "host endpoint" (graphemu.Endpoint)
}

// startInspectingProxy serves handler behind a new proxy under the names
// in hosts, on port 443 of each.
func startInspectingProxy(t *testing.T, emu *graphemu.Server, hosts ...string) *inspectingProxy {
	t.Helper()
	cert, certPEM, err := emutest.SelfSignedCertificate("aad-export test proxy", nil, hosts)
	if err != nil {
		t.Fatal(err)
	}
	p := &inspectingProxy{
		caFile: filepath.Join(t.TempDir(), "proxy-ca.pem"), hosts: hosts, tunnels: newTunnelListener(),
		connects: map[string]int{}, refused: map[string]int{}, requests: map[string]int{},
	}
	if err := os.WriteFile(p.caFile, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	inside := &http.Server{
		Handler:           p.reading(emu),
		ReadHeaderTimeout: 30 * time.Second,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ErrorLog:          emutest.DiscardLog(),
	}
	go func() { _ = inside.ServeTLS(p.tunnels, "", "") }() // ends with ErrServerClosed when the test closes it
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0") // binding is immediate; nothing to cancel
	if err != nil {
		t.Fatal(err)
	}
	front := &http.Server{Handler: http.HandlerFunc(p.connect), ReadHeaderTimeout: 30 * time.Second, ErrorLog: emutest.DiscardLog()}
	go func() { _ = front.Serve(ln) }() // likewise
	t.Cleanup(func() {
		_ = front.Close()
		_ = inside.Close()
	})
	p.url = "http://" + proxyUser + ":" + proxyPassword + "@" + ln.Addr().String()
	return p
}

// connect opens a tunnel for a CONNECT to one of the proxy's names, with the
// proxy's credentials, and hands it to the TLS server inside.
func (p *inspectingProxy) connect(w http.ResponseWriter, r *http.Request) {
	host, port, err := net.SplitHostPort(r.Host)
	switch {
	case r.Method != http.MethodConnect || err != nil || port != "443" || !slices.Contains(p.hosts, host):
		p.count(p.refused, r.Method+" "+r.Host)
		http.Error(w, "this proxy opens tunnels to the emulator's names only", http.StatusForbidden)
		return
	case r.Header.Get("Proxy-Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(proxyUser+":"+proxyPassword)):
		p.count(p.refused, "unauthenticated CONNECT "+r.Host)
		w.Header().Set("Proxy-Authenticate", `Basic realm="aad-export test proxy"`)
		w.WriteHeader(http.StatusProxyAuthRequired)
		return
	}
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		return // the client went away
	}
	// Go's client sends nothing before this answer, so nothing is buffered.
	if _, err := conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		_ = conn.Close()
		return
	}
	p.count(p.connects, r.Host)
	if !p.tunnels.push(conn) {
		_ = conn.Close()
	}
}

// reading counts each request inside a tunnel, by the emulator's name for
// it, before the emulator answers it.
func (p *inspectingProxy) reading(emu *graphemu.Server) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, err := net.SplitHostPort(r.Host)
		if err != nil {
			host = r.Host
		}
		p.count(p.requests, host+" "+emu.EndpointOf(r).String())
		emu.Handler().ServeHTTP(w, r)
	})
}

func (p *inspectingProxy) count(m map[string]int, key string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	m[key]++
}

// seen returns copies of what the proxy counted.
func (p *inspectingProxy) seen() (connects, refused, requests map[string]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return maps.Clone(p.connects), maps.Clone(p.refused), maps.Clone(p.requests)
}

// tunnelListener is a net.Listener whose connections are the tunnels the
// proxy opened.
type tunnelListener struct {
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

func newTunnelListener() *tunnelListener {
	return &tunnelListener{conns: make(chan net.Conn), closed: make(chan struct{})}
}

// push hands a tunnel to the server; false once the listener is closed.
func (l *tunnelListener) push(c net.Conn) bool {
	select {
	case l.conns <- c:
		return true
	case <-l.closed:
		return false
	}
}

func (l *tunnelListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *tunnelListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

func (l *tunnelListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

// proxiedUsers is the size of the directory TestAccHTTPSProxy exports.
const proxiedUsers = 250

// TestAccHTTPSProxy runs exports through the CLI with HTTPS_PROXY pointing
// at a TLS-inspecting proxy, which alone knows the host names the provider
// is configured with, and which the provider trusts through SSL_CERT_FILE.
// With NO_PROXY naming the Graph host, Graph requests must bypass the proxy
// (and, the name resolving nowhere, fail) while token requests still go
// through it.
func TestAccHTTPSProxy(t *testing.T) {
	t.Parallel()
	tf := terraformBinary(t)
	plugins := providerPlugin(t)
	cases := []struct {
		name    string
		noProxy string
		check   func(t *testing.T, out string, err error, p *inspectingProxy)
	}{
		{name: "every request through the proxy", noProxy: "localhost,127.0.0.1,.example.com", check: checkAllProxied},
		{name: "NO_PROXY exempts the Graph host", noProxy: proxiedGraphHost, check: checkGraphBypassed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			emu, err := graphemu.New(graphemu.Config{Tenant: generatedTenant(t, goldenSeed, proxiedUsers)})
			if err != nil {
				t.Fatal(err)
			}
			p := startInspectingProxy(t, emu, proxiedGraphHost, proxiedLoginHost)
			out, err := applyThroughProxy(t, tf, plugins, p, tc.noProxy)
			tc.check(t, out, err, p)
		})
	}
}

// applyThroughProxy runs apply and then prints the user count, in a
// workspace configured for the proxy's names; it returns the CLI's output.
func applyThroughProxy(t *testing.T, tf, plugins string, p *inspectingProxy, noProxy string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	work, cliEnv := cliWorkspace(t, dir, plugins, `data "aad_users_export" "test" {
  output_path = "${path.module}/users.csv"
  columns     = ["userPrincipalName", "objectId", "displayName"]

  # Long enough for the export; short enough that a request the proxy did
  # not carry fails the read soon.
  timeouts {
    read = "20s"
  }
}

output "users" {
  value = data.aad_users_export.test.user_count
}
`)
	env := environ(merge(cliEnv, map[string]string{
		"HTTPS_PROXY": p.url, "NO_PROXY": noProxy, "SSL_CERT_FILE": p.caFile,
		"ARM_TENANT_ID": graphemu.DefaultTenantID, "ARM_CLIENT_ID": graphemu.DefaultClientID,
		"ARM_CLIENT_SECRET": graphemu.DefaultClientSecret, "ARM_USE_CLI": "false",
		envGraphEndpoint: "https://" + proxiedGraphHost, envAuthorityHost: "https://" + proxiedLoginHost + "/",
	}))
	var out strings.Builder
	for _, args := range [][]string{{"apply", "-auto-approve", "-input=false", "-no-color"}, {"output", "-raw", "users"}} {
		cmd := exec.CommandContext(t.Context(), tf, append([]string{"-chdir=" + work}, args...)...) //nolint:gosec // the terraform CLI the acceptance tests are configured with
		cmd.Env = env
		said, err := cmd.CombinedOutput()
		out.Write(said)
		if err != nil {
			return out.String(), err
		}
	}
	return out.String(), nil
}

func checkAllProxied(t *testing.T, out string, err error, p *inspectingProxy) {
	t.Helper()
	if err != nil {
		t.Fatalf("the export through the proxy failed: %v\n%s", err, out)
	}
	if got := lastLine(out); got != strconv.Itoa(proxiedUsers) {
		t.Errorf("user_count = %q, want %d", got, proxiedUsers)
	}
	connects, refused, requests := p.seen()
	if len(refused) > 0 {
		t.Errorf("the proxy refused %v", refused)
	}
	for _, host := range []string{proxiedGraphHost, proxiedLoginHost} {
		if connects[host+":443"] == 0 {
			t.Errorf("no CONNECT to %s:443; the proxy opened %v", host, connects)
		}
	}
	wantSome := []string{proxiedLoginHost + " token", proxiedGraphHost + " count", proxiedGraphHost + " listFirst"}
	for _, key := range wantSome {
		if requests[key] == 0 {
			t.Errorf("no %q request went through the proxy; it read %v", key, requests)
		}
	}
	for key := range requests {
		host, kind, _ := strings.Cut(key, " ")
		if (kind == "token") != (host == proxiedLoginHost) && kind != "discovery" {
			t.Errorf("%q: token requests belong to the login host, Graph requests to the Graph host", key)
		}
	}
}

func checkGraphBypassed(t *testing.T, out string, err error, p *inspectingProxy) {
	t.Helper()
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("the export succeeded (or did not run: %v) though its Graph host resolves nowhere and NO_PROXY exempts it:\n%s", err, out)
	}
	connects, _, requests := p.seen()
	if n := connects[proxiedGraphHost+":443"]; n > 0 {
		t.Errorf("the proxy opened %d tunnels to the Graph host, which NO_PROXY exempts", n)
	}
	if requests[proxiedLoginHost+" token"] == 0 {
		t.Errorf("no token request went through the proxy: NO_PROXY exempted more than the Graph host; it read %v", requests)
	}
}
