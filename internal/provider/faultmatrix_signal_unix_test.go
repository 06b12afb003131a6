//go:build unix

package provider

import (
	"os"
	"os/exec"
	"syscall"
)

// ownGroup starts cmd in a process group of its own when group is set, so
// that a signal to the group (a terminal's Ctrl-C) reaches terraform and its
// plugins but not the test.
func ownGroup(cmd *exec.Cmd, group bool) {
	if group {
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	}
}

// interrupt sends SIGINT to cmd, or to its whole process group.
func interrupt(cmd *exec.Cmd, group bool) error {
	if group {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
	}
	return cmd.Process.Signal(os.Interrupt)
}
