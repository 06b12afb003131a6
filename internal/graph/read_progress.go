package graph

import (
	"context"
	"sync/atomic"
	"time"
)

// progressEvery is how often a read reports its progress at INFO, unless a
// test sets Client.progressEvery otherwise.
const progressEvery = 5 * time.Second

// progress reports a read's users, rate and throttling while it runs.
type progress struct {
	c         *Client
	start     time.Time
	users     atomic.Int64
	throttled int64 // the client's count when the read began
	quit      chan struct{}
	done      chan struct{}
}

func (c *Client) startProgress(ctx context.Context) *progress {
	p := &progress{
		c:         c,
		start:     time.Now(),
		throttled: c.stats.throttled.Load(),
		quit:      make(chan struct{}),
		done:      make(chan struct{}),
	}
	go p.loop(ctx)
	return p
}

func (p *progress) add(n int) { p.users.Add(int64(n)) }

func (p *progress) loop(ctx context.Context) {
	defer close(p.done)
	t := time.NewTicker(p.c.progressEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			p.report(ctx, "reading users")
		case <-p.quit:
			return
		case <-ctx.Done():
			return
		}
	}
}

// stop ends the reports with a summary.
func (p *progress) stop(ctx context.Context) {
	close(p.quit)
	<-p.done
	p.report(ctx, "read users")
}

func (p *progress) report(ctx context.Context, msg string) {
	elapsed := time.Since(p.start)
	n := p.users.Load()
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(n) / s
	}
	p.c.log.InfoContext(ctx, msg,
		"users", n,
		"users_per_second", int64(rate),
		"throttled_requests", p.c.stats.throttled.Load()-p.throttled,
		"elapsed", elapsed.Round(time.Millisecond))
}
