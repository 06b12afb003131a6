package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
)

// recovered returns f with a panic turned into a *panicError. Every
// goroutine the client starts runs its work through it: a panic that
// escapes a goroutine ends the whole provider process at once, without the
// export's clean-up (its temporary files full of personal data stay behind)
// and without a diagnostic, where a panic on the caller's goroutine unwinds
// through that clean-up.
func recovered(f func() error) func() error {
	return func() (err error) {
		defer func() {
			if v := recover(); v != nil {
				err = newPanicError(v)
			}
		}()
		return f()
	}
}

// panicError is a panic caught on one of the client's goroutines. Its
// message names the panic only by its kind: a panic's value may be built
// from what Graph returned (a user's name), which must not reach a
// diagnostic. The stack holds code locations only; Users logs it at DEBUG.
type panicError struct {
	kind  string
	stack []byte
}

func newPanicError(v any) *panicError {
	kind := fmt.Sprintf("%T", v)
	var re runtime.Error
	if err, ok := v.(error); ok && errors.As(err, &re) {
		// The runtime's own messages (an index out of range, a nil
		// dereference) hold numbers and types, never data.
		kind = re.Error()
	}
	return &panicError{kind: kind, stack: debug.Stack()}
}

func (e *panicError) Error() string {
	return "internal error in the Microsoft Graph client (panic: " + e.kind + "); this is a bug in the provider: " +
		"please report it with the stack from the DEBUG log (TF_LOG=DEBUG)"
}

// logPanic writes the stack of a panic that ended the read to the DEBUG log.
func logPanic(ctx context.Context, log *slog.Logger, err error) {
	var pe *panicError
	if errors.As(err, &pe) {
		log.DebugContext(ctx, "a goroutine of the graph client panicked", "panic", pe.kind, "stack", string(pe.stack))
	}
}
