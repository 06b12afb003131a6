package graph

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// logRecords is a slog handler that keeps the records at INFO and above,
// and closes ticked at the first periodic progress report.
type logRecords struct {
	mu      sync.Mutex
	records []map[string]any // the message under "msg", then the attributes
	ticked  chan struct{}
	once    sync.Once
}

func (h *logRecords) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }
func (h *logRecords) WithAttrs([]slog.Attr) slog.Handler           { return h }
func (h *logRecords) WithGroup(string) slog.Handler                { return h }

func (h *logRecords) Handle(_ context.Context, r slog.Record) error {
	rec := map[string]any{"msg": r.Message}
	r.Attrs(func(a slog.Attr) bool {
		rec[a.Key] = a.Value.Any()
		return true
	})
	h.mu.Lock()
	h.records = append(h.records, rec)
	h.mu.Unlock()
	if r.Message == "reading users" {
		h.once.Do(func() { close(h.ticked) })
	}
	return nil
}

// named returns the records with message msg.
func (h *logRecords) named(msg string) []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []map[string]any
	for _, r := range h.records {
		if r["msg"] == msg {
			out = append(out, r)
		}
	}
	return out
}

// waitForTick is a sink that holds its first delivery until the read has
// reported its progress once, so that a periodic report is certain to come
// while users are being read, however fast the machine.
type waitForTick struct {
	collector
	ticked <-chan struct{}
	once   sync.Once
}

func (s *waitForTick) Users(ctx context.Context, users []directory.User) error {
	s.once.Do(func() {
		// The bound only keeps a broken reporter from hanging the test;
		// the test then fails for want of a report.
		select {
		case <-s.ticked:
		case <-time.After(10 * time.Second):
		case <-ctx.Done():
		}
	})
	return s.collector.Users(ctx, users)
}

func TestProgressIsLoggedAtInfo(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 72, Users: 3000})
	srv := emutest.Start(t, tn)
	const throttles = 2
	srv.Inject(graphemu.Fault{Endpoint: graphemu.EndpointListFirst, Times: throttles, Status: 429,
		RetryAfter: 10 * time.Millisecond, RetryAfterStyle: graphemu.RetryAfterFractional})
	logs := &logRecords{ticked: make(chan struct{})}
	c := newEmuClient(t, srv, func(c *Config) { c.Logger = slog.New(logs) })
	c.progressEvery = time.Millisecond
	// Two reads: the second's report counts its own users and throttling
	// only (the faults are spent by then).
	for read, wantThrottled := range []int64{throttles, 0} {
		sink := &waitForTick{ticked: logs.ticked}
		if err := c.Users(context.Background(), directory.Query{Select: listColumns()}, sink); err != nil {
			t.Fatalf("Users: %v", err)
		}
		final := logs.named("read users")
		if len(final) != read+1 {
			t.Fatalf("%d final reports after %d reads", len(final), read+1)
		}
		got := final[read]
		if got["users"] != int64(tn.Len()) || got["throttled_requests"] != wantThrottled {
			t.Errorf("read %d: final report %v, want %d users and %d throttled requests", read+1, got, tn.Len(), wantThrottled)
		}
		if rate, ok := got["users_per_second"].(int64); !ok || rate <= 0 {
			t.Errorf("read %d: final report %v, want a positive users_per_second", read+1, got)
		}
		if _, ok := got["elapsed"].(time.Duration); !ok {
			t.Errorf("read %d: final report %v, want the elapsed time", read+1, got)
		}
	}
	if len(logs.named("reading users")) == 0 {
		t.Error("no progress was reported while the users were read")
	}
}
