package main

import (
	"os"
	"syscall"
)

// stopWithParent asks the kernel to send SIGTERM when the parent (make, a
// shell) exits, so the runner never outlives it holding the children:
// `kill -INT <make>` alone makes make exit without passing the signal on.
func stopWithParent() {
	parent := os.Getppid()
	_, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0)
	if errno == 0 && os.Getppid() != parent {
		// The parent was already gone before the request took effect.
		_ = syscall.Kill(os.Getpid(), syscall.SIGTERM)
	}
}
