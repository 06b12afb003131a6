package main

import (
	"fmt"
	"strings"
	"time"
)

// markdown is BENCHMARKS.md: the table, the targets, the machine and the
// method, all from this run.
func (r report) markdown() string {
	b := r.b
	var w strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&w, format+"\n", args...) }
	p("# Benchmarks")
	p("")
	p("Written by `make bench` (the program `internal/cmd/bench`) on %s. Do not edit by hand: run it again.", r.date.Format("2006-01-02 15:04 MST"))
	p("")
	if !b.cfg.standard() {
		p("**This is not the standard run** (every scenario, default sizes, time scale 1): its figures are a quick look, not the published ones.")
		p("")
	}
	p("- **Machine:** %s", b.machine)
	p("- **Command:** %s", b.cfg.commandLine())
	p("- **Took:** %s. Load average %s at the start and %s at the end: the machine is shared, and other builds may have run meanwhile.",
		r.elapsed.Round(time.Second), b.machine.LoadStart, r.loadEnd)
	p("")
	p("## Results")
	p("")
	w.WriteString(r.markdownTable(b.order))
	p("")
	p("## Targets")
	p("")
	for _, c := range r.checks {
		p("%d. **%s** — %s. %s (threshold: %s).", c.N, c.verdict(), c.Title, orDash(c.Figure), c.Threshold)
	}
	if line := r.terraformLine(); line != "" {
		p("")
		p("End to end: %s.", line)
	}
	if line := r.clockLine(); line != "" {
		p("")
		p("The clock: %s.", line)
	}
	if line := r.remeasuredLine(); line != "" {
		p("")
		p("Disturbance: %s.", line)
	}
	if b.exact != nil {
		p("")
		p("Target 5's directory: %s users, %s of whose userPrincipalNames begin with %q; names begin with these characters outside a-z: %s.",
			thousands(int64(b.exact.Expected)), thousands(int64(b.exact.Shared)), sharedPrefixString, "`"+strings.Join(b.exact.Firsts, "` `")+"`")
	}
	p("")
	w.WriteString(r.method())
	return w.String()
}

// method explains how the figures were made and what each row means.
func (r report) method() string {
	b := r.b
	units, window := b.throttleBudget()
	var w strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&w, format+"\n", args...) }
	p("## Method")
	p("")
	p("**The emulator.** Every row talks to `internal/cmd/graphemu`, built once and started as its own process for each tenant " +
		"(its CPU is not the export's), over TLS on loopback. Its counters are read and reset through its opt-in " +
		"`/_emulator/counters` endpoint around each export, so *requests*, *429s* and *RU spent* are the emulator's own count " +
		"for that export alone: HTTP requests it served (the token request included, a `$batch` once, the requests inside " +
		"batches in parentheses), 429 answers (inside batches too) and resource units charged.")
	p("")
	p("**Profiles.** `zero`: no latency, no throttling, so the client's own work is all there is. `realistic`: a list page takes "+
		"100 ms + 1 ms per user returned, a single GET 50 ms, a `$batch` 100 ms + its slowest inner request, `$count` 100 ms, the "+
		"token 100 ms; one app may spend %s resource units per %s (one per authentication-methods GET, one per `$select` list page), "+
		"refilled continuously. The realistic runs use time scale %g (1 is Graph's own clock). The rows marked (1) run target "+
		"1 again on a clock %d times faster, to show why it is not compressed: the single chains, bound by latency, speed up with "+
		"the clock, while the provider, which keeps %d chains busy, becomes bound by the two cores, so a compressed clock would "+
		"understate its lead.", thousands(int64(units)), window, b.cfg.timeScale, clockCompression, defaultConcurrency())
	p("")
	p("**Each export runs in a child process** (this program re-run in its child mode), so that its CPU time (user + system, " +
		"from `wait4`) and peak RSS are its own. The peak is the child's `VmHWM` (`/proc/self/status`), read just before it exits: " +
		"`wait4`'s `ru_maxrss` would not do, as Linux carries the parent's peak into a child at exec. Wall time is the child's, from building the client to the CSV renamed into " +
		"place. The CSV goes to a real file on disk. *emulator CPU s* is what the emulator process spent meanwhile; *others' CPU s* " +
		"is what every other process on the machine spent (all busy CPU time from `/proc/stat`, less the export's and the " +
		"emulator's): the machine is shared, and a row with a large figure there ran next to someone else's build. A row during " +
		"which others used more than half a core is measured again, up to three times, after one throttle window on a realistic " +
		"emulator (so the bucket is full again), and the least disturbed run is kept.")
	p("")
	p("**Rows.**")
	p("")
	p("- *provider*: `graph.Client.Users` + `export.Run` with the default concurrency (%d list chains), as the data source runs "+
		"it: partitioned listing, `$batch` authentication-method lookups when the columns need them, sorted CSV, sha256, formula "+
		"escaping. *list columns* are the %d the list returns; *all* are the portal's 26, whose three authentication columns cost "+
		"one GET per user, 20 to a `$batch`.", defaultConcurrency(), len(listColumns()))
	p("- *single chain, $top=999* and *single chain, 100 a page*: how other tools list users, one nextLink chain " +
		"(`graph.Client.UsersSingleChain` + the same `export.Run`, so the CSV work is the same and only the listing differs). They " +
		"run on a smaller tenant of the same profile and are compared per user: a chain's cost per user does not depend on the " +
		"directory's size (each page costs the same), while the provider's large run includes its planning probes.")
	p("- *raw lower bound*: no SDK at all: a token by a plain form POST, one `$select`+`$top=999` chain with `net/http`, " +
		"`encoding/json` into a struct, `encoding/csv` in Graph's order. No sort, no checksum, no escaping, no retries: less work " +
		"than any real export, hence a floor for CPU per user.")
	p("- *terraform apply*: the provider built from this tree, found through a `dev_overrides` CLI configuration, " +
		"`terraform apply -auto-approve` of one `aad_users_export` with the list columns. Wall time is the whole CLI run; CPU " +
		"includes the provider plugin (terraform waits for it, and Linux adds a waited-for child's time), and peak RSS is the " +
		"larger of the two processes' `VmHWM`, sampled every 50 ms. *provider (direct)* is the direct export on the same emulator right after it.")
	p("")
	p("**Target 2's floor.** It is set by the RU the export needs, not by what it spent (a client that wasted RU would "+
		"otherwise raise its own floor): one per authentication-methods GET (one per user) plus one per `$select`+`$top=%d` "+
		"list page (users / %d, rounded up); the token and the `$batch` envelopes cost none, and `$count` probes, smaller "+
		"pages and retries are the client's own choice. The budget refills at %.0f RU/s and starts full. A client can spend "+
		"the initial %s RU at once, so the true lower bound of the wall time is (RU needed − %s) / %.0f per second: that strict "+
		"reading is the one checked. RU needed / rate, which counts the initial bucket as if it too had to be earned, is the "+
		"lenient one, shown alongside, with RU spent against RU needed (flagged as wasteful above %.0f%% more).",
		maxPageSize, maxPageSize, units/window.Seconds(), thousands(int64(units)), thousands(int64(units)), units/window.Seconds(),
		100*(ruWasteFlag-1))
	p("")
	p("**Target 4** is measured on the zero profile: nothing paces the flow of pages and batches there, which is the worst " +
		"case for memory. The list-only export at zero latency (target 3's provider row) holds more: every one of its chains " +
		"has a page (about 1 MB of JSON) answered at once, and HTTP/2 delivers each whole into the transport's buffers whether " +
		"or not the client is ready to decode it, so the pages waiting for the two cores sit in memory; with Graph's latencies " +
		"(target 1's provider row) pages arrive spread out and the peak is lower. **Target 5** compares the objectIds of the CSV with the emulator's own list (the same generator, seed " +
		"and options, in this process), and the sha256 of the file written with concurrency 1 with the default's.")
	p("")
	c := churnOptions()
	p("**Target 6** runs the list export of the same realistic tenant on two fresh emulators: one whose directory holds still, "+
		"and one that changes it every %v (the emulator's `--churn-*` flags: %d create, %d delete, %d rename and %d updates a round). "+
		"Right before the changing export the benchmark reads the directory through the emulator's `/_emulator/snapshot`, right "+
		"after it the changes made since through `/_emulator/events`, and holds the CSV's objectId and userPrincipalName columns to "+
		"`emutest.CheckLive`: a user that lived through the export appears exactly once, a renamed one once under one of its names, "+
		"a created or deleted one at most once, and no object id twice. Its *users* are the rows written, which the changes make "+
		"differ from the tenant's size.", c.Interval, c.Creates, c.Deletes, c.Renames, c.Updates)
	p("")
	p("%s", r.snapshotsMethod())
	p("")
	p("%s", r.reportMethod())
	return w.String()
}

// summary is the README's Performance section: the headline rows in a
// narrow table, and the targets.
func (r report) summary(link string) string {
	var w strings.Builder
	fmt.Fprintf(&w, "Measured by `make bench` on %s (%d cores), against the local Graph emulator with Graph's latencies "+
		"and throttle budget, on %s:\n\n", r.b.machine.CPU, r.b.machine.Cores, r.date.Format("2006-01-02"))
	w.WriteString("| export | users | wall s | users/s | CPU s / 100k users | peak RSS MB | 429s | RU spent |\n")
	w.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, k := range []string{keyProviderList, keyChain999, keyChain100, keyProviderAll, keyTerraform} {
		x, ok := r.b.rows[k]
		if !ok {
			continue
		}
		fmt.Fprintf(&w, "| %s | %s | %.2f | %s | %.2f | %.0f | %s | %s |\n", summaryName(k, x), thousands(int64(x.Users)),
			x.Wall.Seconds(), thousands(int64(x.usersPerSecond())), x.cpuPer100k(), float64(x.PeakRSS)/1e6, thousands(int64(x.Thr)), thousands(x.RU))
	}
	w.WriteString("\n")
	for _, c := range r.checks {
		fmt.Fprintf(&w, "- Target %d, **%s** — %s: %s.\n", c.N, c.verdict(), c.Title, orDash(c.Figure))
	}
	fmt.Fprintf(&w, "\nThe method, the machine, every row and what it means: [%s](%s).\n", link, link)
	return w.String()
}

// summaryName says what a headline row is, for readers of the README.
func summaryName(key string, x row) string {
	switch key {
	case keyProviderList:
		return fmt.Sprintf("this provider, %d list columns", x.Columns)
	case keyChain999:
		return "one nextLink chain, `$top=999`"
	case keyChain100:
		return "one nextLink chain, 100 a page (azuread, `Get-MgUser -All`)"
	case keyProviderAll:
		return fmt.Sprintf("this provider, all %d columns (one auth-methods call per user)", x.Columns)
	case keyTerraform:
		return fmt.Sprintf("`terraform apply`, %d list columns", x.Columns)
	}
	return x.Name
}
