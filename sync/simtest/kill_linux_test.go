//go:build linux

package simtest

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill a child process when the test process
// dies, so an interrupted run leaves no server or device behind.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
