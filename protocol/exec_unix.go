//go:build unix

package protocol

import (
	"os/exec"
	"syscall"
)

// ownGroup makes cmd start in a process group of its own, so that the
// agent and every process it spawns can be signalled at once.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// signalGroup sends sig to the process group led by pid (the agent's).
func signalGroup(pid int, sig syscall.Signal) error {
	return syscall.Kill(-pid, sig)
}
