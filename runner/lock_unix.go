//go:build unix

package runner

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/dojo-rl/dojo"
)

// pidLockOffset is the byte of the output file, far past any record, on
// which the writer also takes a POSIX record lock: flock cannot say who
// holds it, but F_GETLK on that byte names the holder's pid.
const pidLockOffset = 1 << 62

// lockOut takes the advisory lock (flock) that keeps a second run from
// writing the output file at once. Filesystems without locks leave the
// file unlocked.
func lockOut(f *os.File, path string) error {
	fd := int(f.Fd())
	err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
	switch {
	case err == nil:
		lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: pidLockOffset, Len: 1}
		unix.FcntlFlock(uintptr(fd), unix.F_SETLK, &lk) // only to name this process to others
		return nil
	case errors.Is(err, unix.EWOULDBLOCK):
		holder := "another process"
		lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0, Start: pidLockOffset, Len: 1}
		if unix.FcntlFlock(uintptr(fd), unix.F_GETLK, &lk) == nil && lk.Type != unix.F_UNLCK && lk.Pid > 0 {
			holder = fmt.Sprintf("process %d", lk.Pid)
		}
		return dojo.Errorf(dojo.CodeInvalid, "%s is locked by %s, a run writing it now: two runs on one file would record episodes twice; wait for it to end (then rerun to resume), or use another output file", path, holder).WithField("out")
	case errors.Is(err, unix.ENOLCK), errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.ENOSYS):
		return nil
	default:
		return dojo.Errorf(dojo.CodeInternal, "locking %s: %w", path, err).WithField("out")
	}
}
