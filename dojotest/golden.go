package dojotest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Golden compares got with the golden file at path, byte for byte. With
// update set (each package's -update flag) it first rewrites the file,
// creating its folder. A difference is reported with the first line that
// differs, so episode transcripts, generated tasks and protocol sessions
// show where they changed.
func Golden(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if bytes.Equal(got, want) {
		return
	}
	gl, wl := bytes.Split(got, []byte{'\n'}), bytes.Split(want, []byte{'\n'})
	for i := range min(len(gl), len(wl)) {
		if !bytes.Equal(gl[i], wl[i]) {
			t.Errorf("%s differs at line %d (go test -update rewrites it if the change is intended):\ngot:  %.600s\nwant: %.600s", path, i+1, gl[i], wl[i])
			return
		}
	}
	t.Errorf("%s: got %d lines, want %d (go test -update rewrites it if the change is intended)", path, len(gl), len(wl))
}
