package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// orphanParentEnv makes TestOrphanParent the parent process of
// TestDieWithParent: it starts a long sleep with dieWithParent, prints its
// pid and waits to be killed.
const orphanParentEnv = "AAD_BENCH_TEST_ORPHAN_PARENT"

func TestOrphanParent(t *testing.T) {
	t.Parallel()
	if os.Getenv(orphanParentEnv) == "" {
		t.Skip("the parent process of TestDieWithParent")
	}
	cmd := exec.Command("sleep", "300") //nolint:noctx // must outlive any context: only its parent's death ends it
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stdout.WriteString(strconv.Itoa(cmd.Process.Pid) + "\n"); err != nil {
		t.Fatal(err)
	}
	select {} // until TestDieWithParent kills this process
}

// TestDieWithParent kills a process that started a child with dieWithParent,
// with SIGKILL (no handler runs), and checks the child dies too.
func TestDieWithParent(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("sleep"); err != nil {
		t.Skip("no sleep command")
	}
	parent := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestOrphanParent$") //nolint:gosec // this test binary
	parent.Env = append(os.Environ(), orphanParentEnv+"=1")
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = parent.Process.Kill() // the test has failed; do not leave it behind
		_ = parent.Wait()
		t.Fatalf("reading the child's pid: %v", err)
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace([]byte(line))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) }) // only if the test failed: it is gone otherwise
	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = parent.Wait() // killed, as intended
	for deadline := time.Now().Add(30 * time.Second); alive(pid); {
		if time.Now().After(deadline) {
			t.Fatalf("process %d outlived its parent", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// alive reports whether pid runs (a zombie, dead but not yet reaped by its
// new parent, does not).
func alive(pid int) bool {
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] != 'Z'
}
