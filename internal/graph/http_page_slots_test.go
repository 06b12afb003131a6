package graph

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/directory"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// heldPages is a sink that records how many deliveries are in progress at
// once. It lingers in each, so that chains whose pages are ready pile up.
type heldPages struct {
	collector
	now, most atomic.Int64
}

func (s *heldPages) Users(ctx context.Context, users []directory.User) error {
	n := s.now.Add(1)
	defer s.now.Add(-1)
	raise(&s.most, n)
	time.Sleep(3 * time.Millisecond)
	return s.collector.Users(ctx, users)
}

// raise sets m to n if n is larger.
func raise(m *atomic.Int64, n int64) {
	for {
		cur := m.Load()
		if n <= cur || m.CompareAndSwap(cur, n) {
			return
		}
	}
}

// Many chains list at once, but no more pages are held than there are page
// slots: the rest wait unread.
func TestPagesHeldAreBoundedBySlots(t *testing.T) {
	t.Parallel()
	tn := emutest.Generate(t, tenant.GenerateOptions{Seed: 11, Users: 30000})
	c := newEmuClient(t, emutest.Start(t, tn), func(c *Config) { c.Concurrency = 48 })
	var sink heldPages
	if err := c.Users(context.Background(), directory.Query{Select: listColumns()}, &sink); err != nil {
		t.Fatal(err)
	}
	checkExactly(t, sink.ids(), emutest.IDs(tn, nil))
	if most := sink.most.Load(); most > int64(cap(c.pageSlots)) {
		t.Errorf("%d pages delivered at once, want at most the %d page slots", most, cap(c.pageSlots))
	}
}
