package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes Linux kill the process cmd starts when this one dies,
// however it dies (SIGKILL too, which no handler sees): an emulator or an
// export left behind would hold a port, memory and CPU on a shared machine.
// Linux sends the signal when the thread that started the process exits; Go
// keeps its threads for the life of the process unless a goroutine locked
// to one ends, which this program never does.
func dieWithParent(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
