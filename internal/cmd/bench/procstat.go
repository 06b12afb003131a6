package main

import (
	"os"
	"slices"
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

// On Linux a child's ru_maxrss is never below the peak RSS of the process
// that started it: exec folds the high-water mark of the address space it
// leaves (the parent's, with vfork) into the child's. So the peaks in the
// table are VmHWM, the high-water mark of the program image itself, read
// from /proc/PID/status: by a child of its own just before it exits, and by
// sampling for the terraform process tree.

// peakRSS is a process's VmHWM in bytes.
func peakRSS(pid string) (int64, bool) {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024, err == nil
		}
	}
	return 0, false
}

// treePeak samples the VmHWM of a process and its descendants until done
// is closed, and returns the largest single process's.
func treePeak(root int, done <-chan struct{}) int64 {
	peaks := map[int]int64{}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		for _, pid := range descendants(root) {
			if v, ok := peakRSS(strconv.Itoa(pid)); ok && v > peaks[pid] {
				peaks[pid] = v
			}
		}
		select {
		case <-done:
			var most int64
			for _, v := range peaks {
				most = max(most, v)
			}
			return most
		case <-tick.C:
		}
	}
}

// descendants lists root and every process below it, from /proc's parent
// links.
func descendants(root int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return []int{root}
	}
	parent := map[int]int{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 {
			if ppid, err := strconv.Atoi(f[1]); err == nil {
				parent[pid] = ppid
			}
		}
	}
	out := []int{root}
	for changed := true; changed; {
		changed = false
		for pid, ppid := range parent {
			if slices.Contains(out, ppid) && !slices.Contains(out, pid) {
				out = append(out, pid)
				changed = true
			}
		}
	}
	return out
}
