package main

import (
	"context"
	"fmt"
)

// Target 9: the compliance report, computed from the rows as they are
// written, costs little next to the export it describes.

// maxReportRatio is target 9's bound on the wall time of an export with
// the report against the same export without it.
const maxReportRatio = 1.1

// complianceReport is target 9: the list export of one realistic
// directory, with and without the report, on one emulator.
func (b *bench) complianceReport(ctx context.Context) error {
	list := listColumns()
	return b.withEmulator(ctx, b.realistic(b.cfg.repUsers), func(emu *emulator) error {
		if err := b.measure(ctx, emu, keyReportWith, "provider + compliance report", job{Kind: kindProvider, Columns: list, Report: true}); err != nil {
			return err
		}
		return b.measure(ctx, emu, keyReportWithout, "provider, no report", job{Kind: kindProvider, Columns: list})
	})
}

func (b *bench) checkReport() check {
	c := check{N: 9, Title: fmt.Sprintf("%s users, %d list columns, realistic: export with the HTML compliance report against without",
		thousands(int64(b.cfg.repUsers)), len(listColumns())),
		Threshold: fmt.Sprintf("wall <= %.1fx", maxReportRatio)}
	rs, ok := b.rowsFor(keyReportWithout, keyReportWith)
	if !ok {
		c.Skipped = true
		return c
	}
	without, with := rs[0], rs[1]
	ratio := with.Wall.Seconds() / without.Wall.Seconds()
	c.Figure = fmt.Sprintf("%.2fx: %.2f s against %.2f s (CPU %.2f s against %.2f s, peak RSS %.0f MB against %.0f MB)",
		ratio, with.Wall.Seconds(), without.Wall.Seconds(), with.CPU.Seconds(), without.CPU.Seconds(),
		float64(with.PeakRSS)/1e6, float64(without.PeakRSS)/1e6)
	c.Pass = ratio <= maxReportRatio
	return c
}

// reportMethod is BENCHMARKS.md's paragraph on target 9.
func (r report) reportMethod() string {
	text := fmt.Sprintf("**Target 9** exports the list columns of one realistic directory of %s users twice on one emulator, with "+
		"`Options.ReportPath` (the HTML compliance report, first, so that whatever a first run pays counts against the report) "+
		"and without. The size, 500,000 users by default, is target 1's rather than a smaller one on purpose: the report is computed from the rows as they are "+
		"written, so its cost grows with the rows, while the export's fixed costs (the token, the partition probes, the slowest "+
		"chain's tail) do not, and at the larger size the ratio measures the report rather than those. A second of disturbance on "+
		"the shared machine moves the ratio of a 100,000-user export (about 3 s) by a third",
		thousands(int64(r.b.cfg.repUsers)))
	if x, ok := r.b.rows[keyReportWithout]; ok {
		text += fmt.Sprintf("; that of this run's %.2f s export by %.2f", x.Wall.Seconds(), 1/x.Wall.Seconds())
	}
	return text + "."
}
