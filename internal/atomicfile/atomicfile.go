// Package atomicfile writes output files whole, without ever replacing
// what is not a regular file.
//
// Write and WriteFile give a reader of the output path either its old
// content or the complete new one: the content goes to a hidden temporary
// file beside the output (".NAME.dojo-tmp.PID.RANDOM"), which is synced and
// renamed onto the output path once complete. A failed or interrupted
// write removes its temporary file; a process killed outright (SIGKILL)
// cannot, so each write first removes the temporary files of the same
// output left by dead processes (see below).
//
// What exists at the output path decides how it is written:
//
//   - nothing, or a regular file: temporary file and rename. A regular
//     file keeps its permission bits; a new one gets 0644.
//   - a symlink to a regular file (or to nothing yet): the link is kept and
//     its target is written, by temporary file and rename beside the
//     target.
//   - a named pipe, a device (/dev/null, /dev/stdout on a terminal or
//     pipe), or a symlink to one: written in place, never replaced, without
//     a temporary file; a reader of a pipe sees the content as it is
//     written.
//   - a socket or a directory: an error naming the path and what it is.
//
// # Stale temporary files
//
// A temporary file is recognised as a leftover of this package by its name
// alone: ".NAME.dojo-tmp.PID.RANDOM" beside the output NAME, where PID is
// the process that wrote it. Before writing NAME, files of that pattern
// whose PID is not a live process (on Unix, kill(PID, 0) fails with ESRCH)
// are removed; a file whose PID is alive, this process included, is left
// alone, whatever its age, as is any file of another name. Files of another
// owner cannot be removed by an unprivileged user and are left alone too.
// On systems without process signals no leftovers are removed.
package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// tmpMarker separates an output's name from the owner pid in the names of
// its temporary files.
const tmpMarker = ".dojo-tmp."

// WriteFile writes b to path as Write does.
func WriteFile(path string, b []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// Write calls write with a writer for path and makes what it wrote the
// content of path, whole (see the package doc). An error from write is
// returned as is and leaves a regular output file untouched; other errors
// name the path.
func Write(path string, write func(w io.Writer) error) error {
	target, inPlace, err := Resolve(path)
	if err != nil {
		return err
	}
	if inPlace {
		// O_TRUNC does nothing to a pipe or a device; O_CREATE creates the
		// target of a dangling symlink.
		f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return fmt.Errorf("opening %s: %w", path, err)
		}
		if err := write(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
		return nil
	}
	RemoveStale(target)
	perm := fs.FileMode(0o644)
	if st, err := os.Stat(target); err == nil {
		perm = st.Mode().Perm()
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, tmpPrefix(base)+"*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is nothing to remove
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// Resolve says how path is written: target is the file to write (path, or
// the final target of a symlink) and inPlace reports that it exists and is
// not a regular file (a pipe or a device), so it is opened and written
// rather than replaced. A socket, a directory or a symlink loop is an
// error naming path.
func Resolve(path string) (target string, inPlace bool, err error) {
	target = path
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return path, false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("output %s: %w", path, err)
	}
	if st.Mode()&fs.ModeSymlink != 0 {
		t, err := filepath.EvalSymlinks(path)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				return "", false, fmt.Errorf("output %s: %w", path, err)
			}
			// A dangling link: create its target in place, keeping the link.
			return path, true, nil
		}
		target = t
		if st, err = os.Stat(target); err != nil {
			return "", false, fmt.Errorf("output %s: %w", path, err)
		}
	}
	switch m := st.Mode(); {
	case m.IsRegular():
		return target, false, nil
	case m.IsDir():
		return "", false, fmt.Errorf("output %s is a directory: want a file name", path)
	case m&fs.ModeSocket != 0:
		return "", false, fmt.Errorf("output %s is a socket: want a file, a named pipe or a device", path)
	default:
		return target, true, nil
	}
}

// IsRegular reports whether path names a regular file or a symlink to
// one; false when it does not exist.
func IsRegular(path string) bool {
	st, err := os.Stat(path)
	return err == nil && st.Mode().IsRegular()
}

// tmpPrefix is the start of the names of the temporary files of output
// base written by this process.
func tmpPrefix(base string) string {
	return "." + base + tmpMarker + strconv.Itoa(os.Getpid()) + "."
}

// RemoveStale removes the temporary files of output path (see the package
// doc) left by processes that are no longer alive, and returns the names
// it removed.
func RemoveStale(path string) []string {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	prefix := "." + base + tmpMarker
	var removed []string
	for _, e := range entries {
		pid, ok := ownerPID(e.Name(), prefix)
		if !ok || !e.Type().IsRegular() || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		name := filepath.Join(dir, e.Name())
		if os.Remove(name) == nil {
			removed = append(removed, name)
		}
	}
	return removed
}

// ownerPID parses the pid out of a temporary file's name: prefix, digits,
// a dot, and the random part CreateTemp adds (digits).
func ownerPID(name, prefix string) (int, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return 0, false
	}
	p, random, ok := strings.Cut(rest, ".")
	if !ok || !allDigits([]byte(p)) || !allDigits([]byte(random)) {
		return 0, false
	}
	pid, err := strconv.Atoi(p)
	if err != nil || pid <= 0 {
		return 0, false
	}
	return pid, true
}

func allDigits(b []byte) bool {
	return len(b) > 0 && len(bytes.TrimLeft(b, "0123456789")) == 0
}
