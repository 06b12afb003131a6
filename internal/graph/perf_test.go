package graph

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// envInt reads a tuning knob of the measurement runs.
func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// discard is a sink that counts.
type discard struct{ n int64 }

func (d *discard) Users(_ context.Context, users []directory.User) error {
	d.n += int64(len(users))
	return nil
}
func (*discard) UserError(context.Context, directory.UserError) {}

// TestMeasureRealistic measures a full listing under the emulator's
// realistic profile. It is a measurement, not a check: it runs only with
// GRAPH_MEASURE=1 (GRAPH_USERS, GRAPH_SCALE in per mille, GRAPH_CONCURRENCY,
// GRAPH_SHARED in per cent tune it).
func TestMeasureRealistic(t *testing.T) {
	t.Parallel()
	if os.Getenv("GRAPH_MEASURE") == "" {
		t.Skip("set GRAPH_MEASURE=1 to measure")
	}
	users := envInt("GRAPH_USERS", 100000)
	scale := float64(envInt("GRAPH_SCALE", 1000)) / 1000
	tn := generated(t, tenant.GenerateOptions{Seed: 3, Users: users, SharedPrefixShare: float64(envInt("GRAPH_SHARED", 0)) / 100})
	srv := emulator(t, tn, func(c *graphemu.Config) {
		if scale > 0 {
			c.Profile = graphemu.RealisticProfile(scale)
		}
	})
	c := newEmuClient(t, srv, func(c *Config) { c.Concurrency = envInt("GRAPH_CONCURRENCY", 0) })
	var sink discard
	start := time.Now()
	auth := os.Getenv("GRAPH_AUTH") != ""
	if err := c.Users(context.Background(), directory.Query{Select: listColumns(), AuthMethods: auth}, &sink); err != nil {
		t.Fatal(err)
	}
	wall := time.Since(start)
	pages := (users + 998) / 999
	chain999 := time.Duration(float64(pages)*float64(100*time.Millisecond)*scale + float64(users)*float64(time.Millisecond)*scale)
	chain100 := time.Duration(float64((users+99)/100)*float64(100*time.Millisecond)*scale + float64(users)*float64(time.Millisecond)*scale)
	cnt := srv.Counters()
	if auth {
		// The floor: every resource unit spent, at the budget's rate.
		floor := time.Duration(float64(cnt.ResourceUnits) / 800 * scale * float64(time.Second))
		t.Logf("auth: users=%d wall=%v floor=%v ratio=%.3f RU=%d throttled=%d batches=%d",
			sink.n, wall.Round(time.Millisecond), floor.Round(time.Millisecond), float64(wall)/float64(floor),
			cnt.ResourceUnits, cnt.Throttled, cnt.Total(graphemu.EndpointBatch))
	}
	t.Logf("users=%d wall=%v users/s=%.0f vs $top=999 chain %v (x%.1f), vs 100-a-page chain %v (x%.1f); requests=%d count probes=%d max concurrency=%d",
		sink.n, wall.Round(time.Millisecond), float64(sink.n)/wall.Seconds(), chain999.Round(time.Second), float64(chain999)/float64(wall),
		chain100.Round(time.Second), float64(chain100)/float64(wall), c.Stats().Requests, cnt.Total(graphemu.EndpointCount), cnt.MaxConcurrency)
}
