package provider

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
)

// update rewrites the golden files under testdata/ from what the tests write.
var update = flag.Bool("update", false, "rewrite the golden files in testdata/") //nolint:gochecknoglobals // a test flag

// testCA is the one certificate authority of every emulator this test process
// starts. TestMain points SSL_CERT_FILE at it (and at frontCert) before
// anything loads the system roots, so the in-process provider trusts every
// emulator as it would trust Microsoft Graph, without a test-only transport.
var testCA *graphemu.CA //nolint:gochecknoglobals // set once by TestMain before any test runs

// testDir is a folder of the test process, removed when it ends: the CA
// file and what tests build once for all (the provider binary).
var testDir string //nolint:gochecknoglobals // set once by TestMain before any test runs

func TestMain(m *testing.M) {
	flag.Parse()
	code, err := runTests(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func runTests(m *testing.M) (int, error) {
	ca, err := graphemu.NewCA()
	if err != nil {
		return 0, err
	}
	dir, err := os.MkdirTemp("", "aad-provider-test-")
	if err != nil {
		return 0, err
	}
	defer func() {
		if err := os.RemoveAll(dir); err != nil {
			fmt.Fprintln(os.Stderr, "removing the test CA:", err)
		}
	}()
	front, frontPEM, err := emutest.LoopbackCertificate("aad-export fault matrix front")
	if err != nil {
		return 0, err
	}
	// The roots: the emulators' CA, and the certificate of the fault
	// matrix's recording fronts.
	caFile := filepath.Join(dir, "test-roots.pem")
	if err := os.WriteFile(caFile, append(ca.PEM(), frontPEM...), 0o600); err != nil {
		return 0, err
	}
	// Go reads SSL_CERT_FILE once, when a TLS client first needs the system
	// roots: no test has run yet.
	if err := os.Setenv("SSL_CERT_FILE", caFile); err != nil {
		return 0, err
	}
	testCA, frontCert, testDir = ca, front, dir
	return m.Run(), nil
}
