//go:build !linux

package main

import "os/exec"

// dieWithParent needs Linux's parent-death signal; elsewhere a process this
// program starts outlives it if it is killed (the benchmark measures on
// Linux only, see usageOf).
func dieWithParent(*exec.Cmd) {}
