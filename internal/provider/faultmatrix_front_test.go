package provider

import (
	"crypto/tls"
	"testing"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
)

// frontCert is the certificate of every recording front the fault matrix
// starts. TestMain trusts it through SSL_CERT_FILE beside the emulator's
// CA, so the in-process provider reaches a front as it reaches Graph.
var frontCert tls.Certificate //nolint:gochecknoglobals // set once by TestMain before any test runs

// startFront builds an emulator from cfg and serves it behind a recording
// front (emutest.Front): the matrix reads the provider's behaviour from its
// log, which requests were retried, after how long, with which token.
func startFront(t *testing.T, cfg graphemu.Config) *emutest.Front {
	t.Helper()
	cfg.CA = testCA // unused without the emulator's own listener; saves making a CA
	return emutest.StartFront(t, cfg, frontCert)
}
