package graph

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// group runs goroutines whose first error cancels the others' context.
type group struct{ wg sync.WaitGroup }

func (g *group) go1(cancel context.CancelCauseFunc, f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		if err := recovered(f)(); err != nil {
			cancel(err)
		}
	}()
}

func (g *group) wait() { g.wg.Wait() }

// errPanic marks a panic in one of the read's goroutines, turned into an
// error: a panic there would otherwise end the provider's process without
// removing its temporary files.
var errPanic = errors.New("internal error")

// recovered wraps f so that a panic becomes an error that ends the read.
// The stack stays out of the error: it could hold a user's data.
func recovered(f func() error) func() error {
	return func() (err error) {
		defer func() {
			if v := recover(); v != nil {
				err = fmt.Errorf("%w: panic in the Graph client: %v", errPanic, v)
			}
		}()
		return f()
	}
}
