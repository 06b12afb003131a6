package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/emutest"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu/tenant"
)

// Target 6: the export of a directory that changes while it runs costs
// little more than that of one that holds still, and keeps the promise of
// README's "Live directories".

// maxChurnRatio is target 6's bound on the wall time under churn, against
// the same export of a directory that holds still.
const maxChurnRatio = 1.2

// churnOptions change the directory every 100 ms: a create, a delete (soft
// or hard), a rename and two updates a round.
func churnOptions() tenant.ChurnOptions {
	return tenant.ChurnOptions{Interval: 100 * time.Millisecond, Creates: 1, Deletes: 1, Renames: 1, Updates: 2, Seed: benchSeed}
}

// churn is target 6: the list export of the same realistic tenant, holding
// still and changing, each on a fresh emulator.
func (b *bench) churn(ctx context.Context) error {
	spec := b.realistic(b.cfg.churnUsers)
	j := job{Kind: kindProvider, Columns: listColumns()}
	err := b.withEmulator(ctx, spec, func(emu *emulator) error {
		return b.measure(ctx, emu, keyChurnStill, "provider, directory still", j)
	})
	if err != nil {
		return err
	}
	spec.Churn = churnOptions()
	return b.withEmulator(ctx, spec, func(emu *emulator) error {
		return b.measure(ctx, emu, keyChurnLive, "provider, directory changing", j)
	})
}

// liveCheck is how an export of a changing directory kept its promise.
type liveCheck struct {
	Changes    map[tenant.EventKind]int // made while it ran, by kind
	Violations []string                 // emutest.CheckLive's
}

func (lc *liveCheck) total() int {
	n := 0
	for _, c := range lc.Changes {
		n += c
	}
	return n
}

// checkLive holds the CSV at csvPath to the promise, given the directory
// as it was right before the export and the changes the emulator made
// since.
func checkLive(ctx context.Context, emu *emulator, before graphemu.Snapshot, csvPath string) (*liveCheck, error) {
	events, err := emu.events(ctx, before.Seq)
	if err != nil {
		return nil, err
	}
	var rows []emutest.Exported
	err = eachRow(csvPath, []string{"objectId", "userPrincipalName"}, func(cells []string) {
		rows = append(rows, emutest.Exported{ID: cells[0], UPN: unescaped(cells[1])})
	})
	if err != nil {
		return nil, err
	}
	lc := &liveCheck{Changes: map[tenant.EventKind]int{}, Violations: emutest.CheckLive(before.Users, events, rows)}
	for _, e := range events {
		lc.Changes[e.Kind]++
	}
	return lc, nil
}

// unescaped is a userPrincipalName as Graph gave it, read from its cell:
// the export (with formula escaping on, as the data source's default)
// writes a name that begins like a formula (+, -, =, @, TAB, CR) after a
// quote. Reading it back is ambiguous for a name that itself begins with a
// quote and such a character; the emulator makes none.
func unescaped(cell string) string {
	if len(cell) > 1 && cell[0] == '\'' && strings.ContainsRune("+-=@\t\r", rune(cell[1])) {
		return cell[1:]
	}
	return cell
}

// String says what changed, kind by kind.
func (lc *liveCheck) String() string {
	var parts []string
	for k := tenant.EventCreated; k <= tenant.EventUpdated; k++ {
		if n := lc.Changes[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	return strings.Join(parts, ", ")
}

func (b *bench) checkChurn() check {
	c := check{N: 6, Title: fmt.Sprintf("%s users, %d list columns, realistic, the directory changing every %v: "+
		"wall against the same export of a directory that holds still, and the live-directory promise",
		thousands(int64(b.cfg.churnUsers)), len(listColumns()), churnOptions().Interval),
		Threshold: fmt.Sprintf("wall <= %.1fx; changes made while it ran, and no violation of emutest.CheckLive", maxChurnRatio)}
	rs, ok := b.rowsFor(keyChurnStill, keyChurnLive)
	if !ok {
		c.Skipped = true
		return c
	}
	still, live := rs[0], rs[1]
	ratio := live.Wall.Seconds() / still.Wall.Seconds()
	c.Figure = fmt.Sprintf("%.2fx: %.2f s against %.2f s", ratio, live.Wall.Seconds(), still.Wall.Seconds())
	lc := live.Live
	if lc == nil {
		c.Figure += "; the changing export was not checked"
		return c
	}
	c.Figure += fmt.Sprintf("; %d changes while it ran (%s), %d violations", lc.total(), lc, len(lc.Violations))
	if len(lc.Violations) > 0 {
		c.Figure += ", the first: " + strings.Join(lc.Violations[:min(3, len(lc.Violations))], "; ")
	}
	c.Pass = ratio <= maxChurnRatio && lc.total() > 0 && len(lc.Violations) == 0
	return c
}
