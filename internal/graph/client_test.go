package graph

import (
	"context"
	"strings"
	"testing"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

func TestWithConcurrency(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 71, Users: 2500})
	srv := emutest.Start(t, tn)
	c := newEmuClient(t, srv, func(c *Config) { c.Concurrency = 4 })
	tests := []struct {
		n, want int
	}{{8, 8}, {0, 4}, {-1, 4}, {MaxConcurrency, MaxConcurrency}, {MaxConcurrency + 1, MaxConcurrency}}
	for _, tt := range tests {
		d := c.WithConcurrency(tt.n)
		if d.concurrency != tt.want || d.adapter != c.adapter || d.tokens != c.tokens || d.retry != c.retry || d.pageSlots != c.pageSlots {
			t.Errorf("WithConcurrency(%d): concurrency %d, want %d, sharing c's adapter, tokens, retry policy and page slots", tt.n, d.concurrency, tt.want)
		}
	}
	var before collector
	if err := c.Users(context.Background(), directory.Query{Select: listColumns()}, &before); err != nil {
		t.Fatal(err)
	}
	d := c.WithConcurrency(16)
	var after collector
	if err := d.Users(context.Background(), directory.Query{Select: listColumns()}, &after); err != nil {
		t.Fatal(err)
	}
	checkExactly(t, after.ids(), emutest.IDs(tn, nil))
	if n := srv.Counters().TokensIssued; n != 1 {
		t.Errorf("%d tokens issued for two reads, want 1: the clients share the credential's tokens", n)
	}
	if cs, ds := c.Stats(), d.Stats(); cs.Users != int64(tn.Len()) || ds.Users != int64(tn.Len()) {
		t.Errorf("users counted %d and %d, want %d each: each client counts its own", cs.Users, ds.Users, tn.Len())
	}
}

func TestConcurrencyIsBounded(t *testing.T) {
	t.Parallel()
	for _, n := range []int{-1, MaxConcurrency + 1} {
		_, err := New(context.Background(), Config{Concurrency: n, Credentials: Credentials{UseCLI: true}})
		if err == nil || !strings.Contains(err.Error(), "concurrency must be between 0") {
			t.Errorf("Concurrency %d: err = %v, want it refused", n, err)
		}
	}
}
