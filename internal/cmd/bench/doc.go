// Command bench is `make bench`: it measures the provider's export path
// against the single-chain ways other tools list users and against a raw
// standard-library lower bound, on the Graph emulator run as its own process
// (internal/cmd/graphemu) with a zero and a realistic service profile, and
// checks the performance targets of DESIGN's performance model, that an
// export of a directory changing under it costs little more and keeps its
// promise (target 6), that an incremental snapshot after 1% of the users
// changed costs a small part of a full one and writes its bytes (target 7),
// and what the changes report and the compliance report add (targets 8
// and 9):
//
//	go run ./internal/cmd/bench -out BENCHMARKS.md -readme README.md
//
// Each export runs in a child process (this program, re-run with its job in
// the environment), so that its CPU time and peak RSS, read from wait4, are
// its own; the emulator's counters (requests, 429s, resource units), read
// through the emulator's /_emulator/counters endpoint, are that export's
// alone; with the churning directory of target 6, its snapshot and change
// log (/_emulator/snapshot, /_emulator/events) are read around the export
// and the CSV is checked with emutest.CheckLive; between the snapshots of
// target 7 the emulator changes its directory at once through
// /_emulator/churn. It prints a table and the targets with PASS or FAIL,
// writes them with the machine, the date and the command to -out, and
// exits non-zero when a target is missed. -only and the size flags run a part, or smaller
// tenants, for a quick look; -work keeps the emulators' and children's logs
// and the CSVs. It runs on Linux.
//
// To find out why a figure is what it is, AAD_BENCH_PROFILE=prefix makes
// each child write a CPU profile and a heap profile taken at its largest
// live heap (prefix-NN-row.cpu.pprof and .heap.pprof), and AAD_BENCH_DEBUG=1
// makes it log the Graph client's DEBUG lines (partitions, retries).
package main
