// Package python holds the tests that run the Python client, dojo_client.py,
// against a freshly built dojo binary.
package python

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestPython builds cmd/dojo and runs the client's unittest suites
// (test_dojo_client.py over stdio; test_net.py over the network server,
// which it starts with dojo serve --listen 127.0.0.1:0; test_trl.py, the
// TRL adapter over both) with DOJO_BIN pointing at it. It is skipped with
// -short and where python3 is missing.
func TestPython(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the dojo binary and runs the Python client's tests; skipped with -short")
	}
	py, err := exec.LookPath("python3")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("python3 not found in PATH: CI must run the Python client's tests (.ci/run installs python3)")
		}
		t.Skip("python3 not found in PATH: the Python client's tests need it")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	statSources(t, root)
	bin := filepath.Join(t.TempDir(), "dojo")
	build := exec.Command(gobin, "build", "-o", bin, "./cmd/dojo")
	build.Dir = root
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/dojo: %v\n%s", err, out)
	}
	cmd := exec.Command(py, "-m", "unittest", "-v", "test_dojo_client", "test_net", "test_trl")
	cmd.Env = append(os.Environ(), "DOJO_BIN="+bin, "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python3 -m unittest test_dojo_client test_net test_trl: %v\n%s", err, out)
	}
	if testing.Verbose() {
		t.Logf("%s", out)
	}
	// A suite that skipped everything (no binary found) proves nothing.
	if !strings.Contains(string(out), "\nOK") || strings.Contains(string(out), "no dojo binary") {
		t.Fatalf("the Python tests did not run:\n%s", out)
	}
}

// statSources stats the module's Go and Python files, so that go test's
// cache knows this test depends on them: the binary it builds and the Python
// code it runs are read by subprocesses, which the cache does not see.
func statSources(t *testing.T, root string) {
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "__pycache__") {
				return filepath.SkipDir
			}
			return nil
		}
		switch filepath.Ext(path) {
		case ".go", ".py", ".mod", ".sum":
			_, err = os.Stat(path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
