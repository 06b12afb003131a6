package main

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// The machine is shared: other engineers' builds may run during a row. To
// tell a disturbed figure from a real one, each row also records the CPU
// time the emulator spent serving it and the CPU time everything else on
// the machine spent meanwhile (all busy time, less the export's and the
// emulator's).

// clockTick is Linux's USER_HZ, the unit of /proc's CPU times.
const clockTick = 10 * time.Millisecond

// cpuSnapshot is the machine's busy CPU time and one process's CPU time.
type cpuSnapshot struct {
	busy, proc time.Duration
	ok         bool
}

func snapshotCPU(pid int) cpuSnapshot {
	busy, ok1 := machineBusy()
	proc, ok2 := processCPU(pid)
	return cpuSnapshot{busy: busy, proc: proc, ok: ok1 && ok2}
}

// machineBusy sums the non-idle times of /proc/stat's first line: user,
// nice, system, irq, softirq and steal.
func machineBusy() (time.Duration, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, false
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, false
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		v, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return 0, false
		}
		ticks += v
	}
	return time.Duration(ticks) * clockTick, true
}

// processCPU is a process's user and system time from /proc/PID/stat.
func processCPU(pid int) (time.Duration, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name, in parentheses, may hold spaces: fields are
	// counted after it. utime and stime are fields 14 and 15.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return time.Duration(utime+stime) * clockTick, true
}

// attribute fills in a row's emulator and other CPU from snapshots taken
// around it.
func (r *row) attribute(before, after cpuSnapshot) {
	if !before.ok || !after.ok {
		r.EmuCPU, r.Others = -1, -1
		return
	}
	r.EmuCPU = after.proc - before.proc
	r.Others = max(0, after.busy-before.busy-r.EmuCPU-r.CPU)
}
