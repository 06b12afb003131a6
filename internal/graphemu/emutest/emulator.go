package emutest

import (
	"testing"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// Start serves an emulator of tn over TLS on 127.0.0.1 until the test ends.
// mods adjust its configuration (Seed 1 unless they say otherwise).
func Start(tb testing.TB, tn *tenant.Tenant, mods ...func(*graphemu.Config)) *graphemu.Server {
	tb.Helper()
	cfg := graphemu.Config{Tenant: tn, Seed: 1}
	for _, m := range mods {
		m(&cfg)
	}
	srv, err := graphemu.Start(cfg)
	if err != nil {
		tb.Fatalf("starting the emulator: %v", err)
	}
	tb.Cleanup(srv.Close)
	return srv
}

// Generate builds a synthetic tenant.
func Generate(tb testing.TB, opts tenant.GenerateOptions) *tenant.Tenant {
	tb.Helper()
	tn, err := tenant.Generate(opts)
	if err != nil {
		tb.Fatalf("generating the tenant: %v", err)
	}
	return tn
}

// Churn starts changing tn (see tenant.StartChurn) until the test ends; a
// zero opts.Interval leaves the rounds to Step. It fails the test at its
// end if a round of the loop failed.
func Churn(tb testing.TB, tn *tenant.Tenant, opts tenant.ChurnOptions) *tenant.Churn {
	tb.Helper()
	c := tenant.StartChurn(tb.Context(), tn, opts)
	tb.Cleanup(func() {
		c.Stop()
		if err := c.Err(); err != nil {
			tb.Errorf("churn: %v", err)
		}
	})
	return c
}
