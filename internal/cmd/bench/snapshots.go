package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
)

// Targets 7 and 8: a snapshot taken incrementally, after 1% of a large
// directory changed, costs a small part of the full one and writes the same
// bytes; and its changes report costs little more.

// Thresholds of targets 7 and 8.
const (
	snapChangeShare     = 100 // one user in this many changes between the snapshots
	maxIncrementalWall  = 30 * time.Second
	minIncrementalShare = 10 // the incremental snapshot takes at most 1/this of the full one
	maxChangesRatio     = 1.2
)

// snapBurst is how many changes the emulator makes between the snapshots.
func snapBurst(users int) int { return max(1, users/snapChangeShare) }

// snapshots is targets 7 and 8, on one realistic emulator: a full snapshot
// (incremental set: the first writes the manifest), a burst of changes,
// the incremental snapshot built on the full one with a changes report,
// the same without (each from its own copy of the full snapshot, so both
// follow the same change log from the same point), and a full export of
// the changed directory, whose bytes the incremental ones must match. The
// report's row runs first: whatever a first run pays (caches still cold)
// counts against the report, not for it.
func (b *bench) snapshots(ctx context.Context) error {
	list := listColumns()
	return b.withEmulator(ctx, b.realistic(b.cfg.snapUsers), func(emu *emulator) error {
		if err := b.measure(ctx, emu, keySnapFull, "provider, full snapshot", job{Kind: kindProvider, Columns: list, Incremental: true}); err != nil {
			return err
		}
		burst, err := emu.burst(ctx, snapBurst(b.cfg.snapUsers), benchSeed)
		if err != nil {
			return err
		}
		b.burst = &burst
		b.logf("  the emulator changed %s users: %s", thousands(int64(burst.ChangedUsers)), burstKinds(burst))
		prev := b.rows[keySnapFull].Output
		incremental := job{Kind: kindProvider, Columns: list, Incremental: true, Changes: true, Previous: prev}
		if err := b.measure(ctx, emu, keySnapChanges, "provider, incremental snapshot + changes report", incremental); err != nil {
			return err
		}
		incremental.Changes = false
		if err := b.measure(ctx, emu, keySnapIncremental, "provider, incremental snapshot", incremental); err != nil {
			return err
		}
		return b.measure(ctx, emu, keySnapFresh, "provider, full export of the changed directory", job{Kind: kindProvider, Columns: list})
	})
}

// burstKinds says what a burst made, kind by kind.
func burstKinds(burst graphemu.ChurnBurst) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(burst.Kinds)) {
		parts = append(parts, fmt.Sprintf("%s %s", thousands(int64(burst.Kinds[k])), k))
	}
	return fmt.Sprintf("%s changes (%s)", thousands(int64(burst.Events)), strings.Join(parts, ", "))
}

// deltaFloor is the least time the change log's pages of an incremental
// snapshot take on the realistic profile, whatever the client does: the
// pages follow one another (each holds the link to the next), each costs
// the profile's base latency, and every user that changed is on one of
// them, at the profile's latency per user.
func (b *bench) deltaFloor(pages, users int) time.Duration {
	p := graphemu.RealisticProfile(b.cfg.timeScale)
	l := p.Latency[graphemu.EndpointDelta]
	return time.Duration(float64(time.Duration(pages)*l.Base+time.Duration(users)*l.PerItem) * p.TimeScale)
}

// sameBytes says whether rows wrote one file, and names it.
func sameBytes(a, b row) (string, bool) {
	if a.SHA256 == "" || a.SHA256 != b.SHA256 {
		return fmt.Sprintf("sha256 DIFFERS: %s, against %s", a.SHA256, b.SHA256), false
	}
	return fmt.Sprintf("sha256 %s…, the same", a.SHA256[:16]), true
}

func (b *bench) checkIncremental() check {
	c := check{N: 7, Title: fmt.Sprintf("%s users, %d list columns, realistic, 1%% of them changed (%s changes): incremental snapshot against the full one",
		thousands(int64(b.cfg.snapUsers)), len(listColumns()), thousands(int64(snapBurst(b.cfg.snapUsers)))),
		Threshold: fmt.Sprintf("wall < %v and <= 1/%d of the full snapshot's; peak RSS <= the full snapshot's; "+
			"the same bytes as a full export of the changed directory", maxIncrementalWall, minIncrementalShare)}
	rs, ok := b.rowsFor(keySnapFull, keySnapIncremental, keySnapFresh)
	if !ok {
		c.Skipped = true
		return c
	}
	full, incr, fresh := rs[0], rs[1], rs[2]
	share := incr.Wall.Seconds() / full.Wall.Seconds()
	bytes, same := sameBytes(incr, fresh)
	c.Figure = fmt.Sprintf("%.2f s, %.2f of the full snapshot's %.2f s (1/%.1f); peak RSS %.0f MB against %.0f MB; %s as the full export of the changed directory",
		incr.Wall.Seconds(), share, full.Wall.Seconds(), 1/share, float64(incr.PeakRSS)/1e6, float64(full.PeakRSS)/1e6, bytes)
	if ch, ok := b.rows[keySnapChanges]; ok {
		changed := ch.Added + ch.Removed + ch.Changed
		floor := b.deltaFloor(incr.Delta, changed)
		c.Figure += fmt.Sprintf("; it followed %d change-log pages carrying the %s users that changed, which alone take at least %.2f s on this profile "+
			"(%.2f of the full snapshot's wall)", incr.Delta, thousands(int64(changed)), floor.Seconds(), floor.Seconds()/full.Wall.Seconds())
	}
	c.Pass = incr.Wall < maxIncrementalWall && share <= 1.0/minIncrementalShare && incr.PeakRSS <= full.PeakRSS && same
	return c
}

func (b *bench) checkChanges() check {
	c := check{N: 8, Title: "target 7's incremental snapshot with a changes report against without, from the same previous snapshot and change log",
		Threshold: fmt.Sprintf("wall <= %.1fx; the same CSV", maxChangesRatio)}
	rs, ok := b.rowsFor(keySnapIncremental, keySnapChanges)
	if !ok {
		c.Skipped = true
		return c
	}
	incr, ch := rs[0], rs[1]
	ratio := ch.Wall.Seconds() / incr.Wall.Seconds()
	bytes, same := sameBytes(ch, incr)
	c.Figure = fmt.Sprintf("%.2fx: %.2f s against %.2f s; %s; the report lists %s added, %s removed and %s changed users",
		ratio, ch.Wall.Seconds(), incr.Wall.Seconds(), bytes, thousands(int64(ch.Added)), thousands(int64(ch.Removed)), thousands(int64(ch.Changed)))
	c.Pass = ratio <= maxChangesRatio && same
	return c
}

// snapshotsMethod is BENCHMARKS.md's paragraph on targets 7 and 8,
// with this run's figures where it has them.
func (r report) snapshotsMethod() string {
	b := r.b
	l := graphemu.RealisticProfile(b.cfg.timeScale).Latency[graphemu.EndpointDelta]
	n := snapBurst(b.cfg.snapUsers)
	var w strings.Builder
	fmt.Fprintf(&w, "**Targets 7 and 8** run on one realistic emulator of %s users. First a full snapshot of the list columns with "+
		"`Options.Incremental` set: there is no manifest yet, so it lists everything and writes the manifest, with the link to the "+
		"directory's change log. Then the emulator's `POST %s?events=%d&seed=%d` (`graphemu.Burst`) changes 1%% of the users at once: "+
		"a quarter each created, deleted (about two in three soft), renamed, and updated (department, job title, display name, "+
		"account enabled or mobile phone), drawn from the seed, so that the same burst on the same directory makes the same changes",
		thousands(int64(b.cfg.snapUsers)), graphemu.ChurnPath, n, benchSeed)
	if b.burst != nil {
		fmt.Fprintf(&w, "; in this run %s, touching %s users", burstKinds(*b.burst), thousands(int64(b.burst.ChangedUsers)))
	}
	w.WriteString(". Then the incremental snapshot, twice, with the changes report (target 8's row, first, so that whatever a first " +
		"run pays counts against the report) and without: before each, the benchmark copies the full snapshot's CSV and manifest to " +
		"the row's path (the copy is not the export's cost), so both follow the same change log from the same link and merge the " +
		"same changed users into the same previous CSV; a row whose export says it was not incremental fails the run. Last, a full " +
		"export of the changed directory to another path: the incremental CSVs must have its sha256, byte for byte.\n\n")
	estimate := b.deltaFloor((n+maxDeltaPage-1)/maxDeltaPage, n)
	fmt.Fprintf(&w, "**Target 7's floor.** Graph's change log is one chain of pages: each holds the link to the next, at most %d users "+
		"a page, and the realistic profile charges a change-log page like a list page (%v + %v a user). So the users changed since "+
		"the previous snapshot cost at least pages × %v + users × %v however the client works (about %.1f s for %s changed users), "+
		"while a full snapshot lists the directory over %d chains at once.",
		maxDeltaPage, l.Base, l.PerItem, l.Base, l.PerItem, estimate.Seconds(), thousands(int64(n)), defaultConcurrency())
	if rs, ok := b.rowsFor(keySnapFull, keySnapIncremental, keySnapChanges); ok {
		full, incr, ch := rs[0], rs[1], rs[2]
		changed := ch.Added + ch.Removed + ch.Changed
		least := (changed + maxDeltaPage - 1) / maxDeltaPage
		floor := b.deltaFloor(least, changed)
		tenth := full.Wall / minIncrementalShare
		fmt.Fprintf(&w, " In this run %s users changed: any client needs at least %d pages, %.2f s; this one followed %d "+
			"(the last confirms that nothing more changed) and took %.2f s in all. The full snapshot took %.2f s, a tenth of which, "+
			"%.2f s, is %s that floor.", thousands(int64(changed)), least, floor.Seconds(), incr.Delta, incr.Wall.Seconds(),
			full.Wall.Seconds(), tenth.Seconds(), belowAbove(tenth, floor))
	}
	fmt.Fprintf(&w, " Where a tenth of the full snapshot is below the floor, the target's 1/%d cannot be met by any client on this "+
		"profile: it is kept as the issue states it, and fails visibly, rather than the latency model tuned to pass it. "+
		"The other parts of target 7 (under %v, peak RSS no higher than the full snapshot's, the same bytes) are met or not on their own merits.",
		minIncrementalShare, maxIncrementalWall)
	return w.String()
}

// maxDeltaPage is the most users a change-log page holds.
const maxDeltaPage = 200

func belowAbove(d, floor time.Duration) string {
	if d < floor {
		return "below"
	}
	return "above"
}
