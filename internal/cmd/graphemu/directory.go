package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// How the directory behaves while it is served: its default listing order,
// the lag of eventual requests, its licence, and churn.

// newTenant generates the tenant and sets how it behaves; it reports how
// long generating took.
func (o options) newTenant() (*tenant.Tenant, time.Duration, error) {
	began := time.Now()
	ten, err := tenant.Generate(tenant.GenerateOptions{
		Seed: o.seed, Users: o.users, Domain: o.domain,
		SharedPrefixShare: o.sharedPrefixShare, SharedPrefix: o.sharedPrefix, ExtensionShare: o.extensionShare,
	})
	if err != nil {
		return nil, 0, fmt.Errorf("generate the tenant: %w", err)
	}
	took := time.Since(began)
	ten.SetDefaultOrder(o.order)
	ten.SetConsistencyLag(o.consistencyLag)
	ten.SetPremiumLicense(o.premiumLicense)
	return ten, took, nil
}

// startChurn starts the churn the flags ask for, until ctx is done; nil
// when they ask for none.
func (o options) startChurn(ctx context.Context, ten *tenant.Tenant) *tenant.Churn {
	if o.churn.Interval <= 0 {
		return nil
	}
	return tenant.StartChurn(ctx, ten, o.churn)
}

// checkChurn refuses churn flags that would do nothing or make no sense.
func (o options) checkChurn() error {
	c := o.churn
	perRound := []int{c.Creates, c.Deletes, c.Renames, c.Updates, c.Restores}
	switch {
	case c.Interval < 0:
		return errors.New("--churn-interval must not be negative")
	case slices.ContainsFunc(perRound, func(n int) bool { return n < 0 }):
		return errors.New("--churn-* counts must not be negative")
	case c.Interval == 0 && slices.ContainsFunc(perRound, func(n int) bool { return n > 0 }):
		return errors.New("--churn-* counts need a --churn-interval")
	case c.Interval > 0 && !slices.ContainsFunc(perRound, func(n int) bool { return n > 0 }):
		return errors.New("--churn-interval needs at least one --churn-* count")
	}
	return nil
}

// flagSet reports whether the command line set the flag.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// describeDirectory says how the directory behaves beyond the defaults.
func describeDirectory(w *strings.Builder, o options) {
	if o.order != tenant.OrderUPN {
		fmt.Fprintf(w, "Default order:   %s\n", o.order)
	}
	if o.consistencyLag > 0 {
		fmt.Fprintf(w, "Eventual lag:    %v\n", o.consistencyLag)
	}
	if !o.premiumLicense {
		w.WriteString("Premium licence: none (the registration report answers 403)\n")
	}
	if c := o.churn; c.Interval > 0 {
		fmt.Fprintf(w, "Churn:           every %v: %d creates, %d deletes, %d renames, %d updates, %d restores (seed %d)\n",
			c.Interval, c.Creates, c.Deletes, c.Renames, c.Updates, c.Restores, c.Seed)
	}
}

// reportChurn stops the churn and says what it changed.
func reportChurn(w io.Writer, churn *tenant.Churn) error {
	if churn == nil {
		return nil
	}
	events := churn.Stop()
	n := map[tenant.EventKind]int{}
	for _, ev := range events {
		n[ev.Kind]++
	}
	var parts []string
	for k := tenant.EventCreated; k <= tenant.EventUpdated; k++ {
		parts = append(parts, fmt.Sprintf("%d %s", n[k], k))
	}
	if _, err := fmt.Fprintf(w, "Churn: %d changes (%s).\n", len(events), strings.Join(parts, ", ")); err != nil {
		return fmt.Errorf("print: %w", err)
	}
	if err := churn.Err(); err != nil {
		return fmt.Errorf("churn: %w", err)
	}
	return nil
}
