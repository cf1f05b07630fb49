//go:build unix

package dojotest

import (
	"io"
	"os"
	"syscall"
	"testing"
)

// FIFOReader makes a named pipe at path (skipping the test where the
// system cannot) and reads it whole in a goroutine: the channel gets what
// was written once the writer closes the pipe, or "open: ..." or
// "read: ..." on a failure. At the end of the test a reader still waiting
// for a writer is let go.
func FIFOReader(t testing.TB, path string) <-chan string {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	ch := make(chan string, 1)
	go func() {
		f, err := os.Open(path)
		if err != nil {
			ch <- "open: " + err.Error()
			return
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			ch <- "read: " + err.Error()
			return
		}
		ch <- string(b)
	}()
	t.Cleanup(func() {
		// Unblock the reader if the writer never came.
		if f, err := os.OpenFile(path, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
	return ch
}
