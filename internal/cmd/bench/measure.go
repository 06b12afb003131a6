package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/aad-export/terraform-provider-aad/internal/export"
	"github.com/aad-export/terraform-provider-aad/internal/graphemu"
)

// row is one measured export: a line of the table.
type row struct {
	Name     string // what ran
	Profile  string // the emulator's
	Columns  int
	Users    int
	Wall     time.Duration
	CPU      time.Duration
	PeakRSS  int64 // bytes
	Requests int   // HTTP requests the emulator served (a $batch once)
	Inner    int   // requests inside $batch bodies
	Thr      int   // 429 answers, outer and inner
	RU       int64 // resource units charged
	SHA256   string
	Output   string        // the CSV written
	EmuCPU   time.Duration // the emulator's CPU time during the row; -1 unknown
	Others   time.Duration // CPU time of everything else on the machine meanwhile; -1 unknown
	Attempts int           // times measured (see bench.measure)
	Live     *liveCheck    // the directory changed while it ran: how the export kept its promise
	Mode     string        // export.Result's: "full" or "incremental"
	Added    int           // the changes report's counts
	Removed  int
	Changed  int
	Delta    int // change-log (GET /users/delta) pages the emulator served
}

// disturbance is the share of a core other processes used during the row.
func (r row) disturbance() float64 {
	if r.Others < 0 {
		return 0
	}
	return r.Others.Seconds() / r.Wall.Seconds()
}

// disturbed: other processes used more than half a core meanwhile.
func (r row) disturbed() bool { return r.disturbance() > 0.5 }

func (r row) usersPerSecond() float64 { return float64(r.Users) / r.Wall.Seconds() }

// cpuPer100k is CPU seconds per 100,000 users.
func (r row) cpuPer100k() float64 { return r.CPU.Seconds() * 100_000 / float64(r.Users) }

// wallPerUser is the wall time per user, for comparing runs of other sizes.
func (r row) wallPerUser() float64 { return r.Wall.Seconds() / float64(r.Users) }

// measurer runs exports in child processes against emulators.
type measurer struct {
	self string // the executable to re-run as a child
	dir  string // scratch: CSVs, logs
	seq  int
}

// export runs one job in a child process and reads what it cost: the
// child's wall time for the export, its CPU time and peak RSS from wait4,
// and the emulator's counters for exactly that run. On an emulator whose
// directory changes, it reads the directory right before the child starts
// and the changes right after it ends, and holds the CSV to the
// live-directory promise; otherwise the CSV must hold every user.
func (m *measurer) export(ctx context.Context, emu *emulator, name string, j job) (row, error) {
	m.seq++
	j.Output = filepath.Join(m.dir, fmt.Sprintf("%02d-%s.csv", m.seq, slug(name)))
	spec, err := json.Marshal(j)
	if err != nil {
		return row{}, err
	}
	if _, err := emu.takeCounters(ctx); err != nil {
		return row{}, err
	}
	logPath := strings.TrimSuffix(j.Output, ".csv") + ".log"
	logFile, err := os.Create(logPath)
	if err != nil {
		return row{}, err
	}
	defer func() { _ = logFile.Close() }()  // written by the child; nothing buffered here
	cmd := exec.CommandContext(ctx, m.self) //nolint:gosec // this very program, re-run in its child mode
	dieWithParent(cmd)
	env := []string{childEnv + "=" + string(spec)}
	if prefix := os.Getenv(profileEnv); prefix != "" {
		// One pair of profiles per row, named like its CSV.
		env = append(env, profileEnv+"="+prefix+"-"+strings.TrimSuffix(filepath.Base(j.Output), ".csv"))
	}
	cmd.Env = emu.environ(env...)
	if j.Previous != "" {
		if err := copySnapshot(j.Previous, j.Output); err != nil {
			return row{}, err
		}
	}
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, logFile
	var dir graphemu.Snapshot
	if emu.churns() {
		if dir, err = emu.snapshot(ctx); err != nil {
			return row{}, err
		}
	}
	before := snapshotCPU(emu.pid())
	if err := cmd.Run(); err != nil {
		return row{}, fmt.Errorf("%s: %w; the end of its log:\n%s", name, err, logTail(logPath))
	}
	after := snapshotCPU(emu.pid())
	use, err := usageOf(cmd.ProcessState)
	if err != nil {
		return row{}, err
	}
	var out outcome
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return row{}, fmt.Errorf("%s: reading the child's outcome %q: %w", name, stdout.String(), err)
	}
	live, err := checkOutcome(ctx, emu, name, j, out, dir, logPath)
	if err != nil {
		return row{}, err
	}
	counters, err := emu.takeCounters(ctx)
	if err != nil {
		return row{}, err
	}
	r := row{
		Name: name, Profile: emu.spec.Profile, Columns: len(j.Columns), Users: out.Users,
		Wall: time.Duration(out.Seconds * float64(time.Second)), CPU: use.CPU, PeakRSS: use.PeakRSS,
		SHA256: out.SHA256, Output: j.Output, Live: live,
		Mode: out.Mode, Added: out.Added, Removed: out.Removed, Changed: out.Changed,
	}
	if out.PeakRSS > 0 {
		r.PeakRSS = out.PeakRSS // see peakRSS: wait4's figure has the parent's peak as a floor
	}
	r.attribute(before, after)
	r.addCounters(counters)
	return r, nil
}

// checkOutcome fails a row whose export is not what its figures would
// claim: one with per-user errors, a partial one, or an incremental job
// that listed everything. On an emulator whose directory changes, it holds
// the CSV to the live-directory promise, given the directory as it was
// before (dir), and says how it kept it.
func checkOutcome(ctx context.Context, emu *emulator, name string, j job, out outcome, dir graphemu.Snapshot, logPath string) (*liveCheck, error) {
	if out.Errors != 0 {
		return nil, fmt.Errorf("%s: the export reported %d per-user errors: its figures are not a whole export's; the end of its log:\n%s",
			name, out.Errors, logTail(logPath))
	}
	if j.Previous != "" && out.Mode != string(export.ModeIncremental) {
		return nil, fmt.Errorf("%s: the snapshot was %s, not incremental: %s", name, out.Mode, out.FullBecause)
	}
	if emu.churns() {
		return checkLive(ctx, emu, dir, j.Output)
	}
	return nil, wholeExport(name, out.Users, emu.users)
}

// wholeExport fails a row that did not export every user of its tenant: a
// faster figure for a partial export would be a false one.
func wholeExport(name string, users, tenant int) error {
	if users != tenant {
		return fmt.Errorf("%s: exported %s users of the tenant's %s: its figures are not a whole export's",
			name, thousands(int64(users)), thousands(int64(tenant)))
	}
	return nil
}

func (r *row) addCounters(c graphemu.Counters) {
	for e := range c.Requests {
		r.Requests += c.Total(e)
	}
	for e := range c.Inner {
		r.Inner += c.InnerTotal(e)
	}
	r.Thr, r.RU = c.Throttled, c.ResourceUnits
	r.Delta = c.Total(graphemu.EndpointDelta)
}

// copySnapshot copies a snapshot's CSV and manifest from the CSV at from to
// the CSV at to (mode 0600, as the export writes them).
func copySnapshot(from, to string) error {
	for _, p := range [][2]string{{from, to}, {manifestPath(from), manifestPath(to)}} {
		if err := copyFile(p[0], p[1]); err != nil {
			return fmt.Errorf("copying the previous snapshot: %w", err)
		}
	}
	return nil
}

func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer func() { _ = src.Close() }() // read-only
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, src)
	return errors.Join(err, dst.Close())
}

// logTail is the end of a log file, for an error message: the scratch
// folder, and the log with it, is removed when the run ends.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(unreadable: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-25):], "\n")
}

// slug makes a file name of a row's name.
func slug(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return '-'
	}, s)
}
