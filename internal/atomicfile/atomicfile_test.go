//go:build unix

package atomicfile

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/dojo-rl/dojo/dojotest"
)

func waitString(t *testing.T, ch <-chan string) string {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(20 * time.Second):
		t.Fatal("the reader of the pipe got nothing in 20s")
		return ""
	}
}

func isFIFO(t *testing.T, path string) bool {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode()&os.ModeNamedPipe != 0
}

func TestWriteFIFOInPlace(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	got := dojotest.FIFOReader(t, fifo)
	errc := make(chan error, 1)
	go func() { errc <- WriteFile(fifo, []byte("hello\n")) }()
	if s := waitString(t, got); s != "hello\n" {
		t.Errorf("the reader got %q, want %q", s, "hello\n")
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if !isFIFO(t, fifo) {
		t.Errorf("%s is no longer a named pipe", fifo)
	}
	assertNoTemp(t, dir)
}

func TestWriteSymlinkToFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	got := dojotest.FIFOReader(t, fifo)
	link := filepath.Join(dir, "link")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- WriteFile(link, []byte("through the link\n")) }()
	if s := waitString(t, got); s != "through the link\n" {
		t.Errorf("the reader got %q", s)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Errorf("%s is no longer a symlink (%v)", link, err)
	}
	if !isFIFO(t, fifo) {
		t.Errorf("%s is no longer a named pipe", fifo)
	}
}

func TestWriteSymlinkToRegularKeepsLink(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(sub, "real.jsonl")
	if err := os.WriteFile(target, []byte("old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "out.jsonl")
	if err := os.Symlink("sub/real.jsonl", link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(link, []byte("new\n")); err != nil {
		t.Fatal(err)
	}
	st, err := os.Lstat(link)
	if err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("%s is no longer a symlink (%v)", link, err)
	}
	b, err := os.ReadFile(target)
	if err != nil || string(b) != "new\n" {
		t.Errorf("target holds %q (%v), want the new content", b, err)
	}
	if st, err := os.Stat(target); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("target mode %v (%v): want its 0600 kept", st.Mode(), err)
	}
	assertNoTemp(t, dir)
	assertNoTemp(t, sub)
}

func TestWriteDanglingSymlinkCreatesTarget(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(dir, "out")
	if err := os.Symlink("target", link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(link, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "target")); err != nil || string(b) != "x" {
		t.Errorf("target holds %q (%v)", b, err)
	}
	if st, _ := os.Lstat(link); st.Mode()&os.ModeSymlink == 0 {
		t.Error("the link was replaced")
	}
}

func TestWriteRegularIsWhole(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	err := Write(path, func(w io.Writer) error {
		w.Write([]byte("half"))
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want the writer's", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("a failed write left %q, want the old content", b)
	}
	assertNoTemp(t, dir)
	if err := WriteFile(path, []byte("new")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Errorf("got %q", b)
	}
}

func TestWriteRefusesDirAndSocket(t *testing.T) {
	dir := t.TempDir()
	if err := WriteFile(dir, []byte("x")); err == nil {
		t.Error("writing a directory: no error")
	}
	sock := filepath.Join(dir, "s")
	fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Skip(err)
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: sock}); err != nil {
		t.Skip(err)
	}
	err = WriteFile(sock, []byte("x"))
	if err == nil {
		t.Fatal("writing a socket: no error")
	}
	if st, _ := os.Lstat(sock); st.Mode()&os.ModeSocket == 0 {
		t.Error("the socket was replaced")
	}
}

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip(err)
	}
	return cmd.Process.Pid
}

func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "big.jsonl")
	dead := deadPID(t)
	stale := filepath.Join(dir, ".big.jsonl"+tmpMarker+strconv.Itoa(dead)+".123456")
	live := filepath.Join(dir, ".big.jsonl"+tmpMarker+strconv.Itoa(os.Getppid())+".42")
	own := filepath.Join(dir, ".big.jsonl"+tmpMarker+strconv.Itoa(os.Getpid())+".7")
	others := []string{
		filepath.Join(dir, ".big.jsonl.123456"),                                // not our pattern
		filepath.Join(dir, ".other.jsonl"+tmpMarker+strconv.Itoa(dead)+".1"),   // another output
		filepath.Join(dir, ".big.jsonl"+tmpMarker+strconv.Itoa(dead)+".1.bak"), // not our pattern
		filepath.Join(dir, ".big.jsonl"+tmpMarker+"x"+strconv.Itoa(dead)+".1"), // not a pid
	}
	for _, p := range append([]string{stale, live, own}, others...) {
		if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := WriteFile(out, []byte("done\n")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the temporary file of dead process %d is still there (%v)", dead, err)
	}
	for _, p := range append([]string{live, own}, others...) {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
}

// assertNoTemp fails if dir holds a temporary file of this package.
func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if _, ok := ownerPID(e.Name(), "."); ok || len(e.Name()) > 0 && e.Name()[0] == '.' {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}
