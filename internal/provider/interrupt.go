package provider

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// interruptible returns ctx, also cancelled when the provider's process is
// interrupted (SIGINT) or asked to terminate (SIGTERM) while it runs.
//
// Terraform does not always pass an interrupt on to providers: during the
// planning that `terraform apply` does first, where data sources are read,
// it never calls StopProvider and waits for the read to end. A Ctrl-C does
// reach the provider itself, though: the terminal signals every process of
// its foreground group, plugins included (go-plugin only counts the
// signal). Listening for it here lets an interrupted export stop, keep the
// previous file and remove its temporary files, instead of finishing and
// replacing the file after the user gave up on it, or being killed with its
// temporary files left behind when Terraform stops waiting.
func interruptible(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}
