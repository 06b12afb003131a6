package graphemu

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
)

func TestCA(t *testing.T) {
	t.Parallel()
	ca, err := testCA()
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := ca.leaf(certHosts("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(leaf.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	for host, ok := range map[string]bool{"127.0.0.1": true, "::1": true, "localhost": true, "example.com": false, "10.0.0.1": false} {
		_, err := cert.Verify(x509.VerifyOptions{DNSName: host, Roots: ca.Pool()})
		if (err == nil) != ok {
			t.Errorf("%s: verify error %v, want ok=%v", host, err, ok)
		}
	}
	if _, err := cert.Verify(x509.VerifyOptions{DNSName: "localhost", Roots: x509.NewCertPool()}); err == nil {
		t.Error("the leaf verifies without the CA")
	}

	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := ca.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, rest := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" || len(rest) != 0 || info.Mode().Perm() != 0o644 {
		t.Fatalf("file %o: %s", info.Mode().Perm(), b)
	}
	parsed, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !parsed.IsCA || !parsed.Equal(ca.Certificate()) {
		t.Errorf("written CA: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestCertHosts(t *testing.T) {
	t.Parallel()
	tests := map[string]int{"127.0.0.1": 3, "": 3, "0.0.0.0": 3, "::": 3, "localhost": 3, "10.1.2.3": 4, "emu.internal": 4}
	for host, n := range tests {
		if got := certHosts(host); len(got) != n {
			t.Errorf("%q: %v", host, got)
		}
	}
	if got := urlHost("0.0.0.0", "[::]:8443"); got != "127.0.0.1:8443" {
		t.Errorf("urlHost: %s", got)
	}
	if got := urlHost("::1", "[::1]:8443"); got != "[::1]:8443" {
		t.Errorf("urlHost: %s", got)
	}
}

func TestClientCertificatePEM(t *testing.T) {
	t.Parallel()
	c := testCerts(t)[0]
	b, err := c.PEM()
	if err != nil {
		t.Fatal(err)
	}
	certBlock, rest := pem.Decode(b)
	keyBlock, _ := pem.Decode(rest)
	if certBlock == nil || certBlock.Type != "CERTIFICATE" || keyBlock == nil || keyBlock.Type != "PRIVATE KEY" {
		t.Fatalf("%s", b)
	}
	key, err := x509.ParsePKCS8PrivateKey(keyBlock.Bytes)
	if err != nil || !c.Key.Equal(key) {
		t.Errorf("key: %v", err)
	}
}
