//go:build !unix

package provider

import (
	"os"
	"os/exec"
)

// ownGroup does nothing where process groups are not POSIX ones.
func ownGroup(*exec.Cmd, bool) {}

// interrupt sends an interrupt to cmd (there is no group to signal).
func interrupt(cmd *exec.Cmd, _ bool) error { return cmd.Process.Signal(os.Interrupt) }
