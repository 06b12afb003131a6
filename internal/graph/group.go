package graph

import (
	"context"
	"sync"
)

// group runs goroutines whose first error cancels the others' context.
type group struct{ wg sync.WaitGroup }

func (g *group) go1(cancel context.CancelCauseFunc, f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := f(); err != nil {
			cancel(err)
		}
	}()
}

func (g *group) wait() { g.wg.Wait() }
