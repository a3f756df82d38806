package proc

import "syscall"

// sysProcAttr puts the child in its own process group and has the kernel
// kill it if the runner dies without cleaning up (kill -9), so no orphaned
// DynamoDB Local or GoAWS keeps its port.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
