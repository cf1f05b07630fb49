//go:build unix

package atomicfile

import (
	"errors"
	"syscall"
)

// processAlive reports whether pid is a live process: kill(pid, 0)
// succeeds, or fails for want of permission (another user's process).
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || !errors.Is(err, syscall.ESRCH)
}
