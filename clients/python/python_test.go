// Package python holds the tests that run the Python client, the
// dojo_client package, against a freshly built dojo binary.
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

// TestPython builds cmd/dojo and runs the client's unittest suites with
// DOJO_BIN pointing at it: test_dojo_client (over stdio), test_net (over
// the network server, which it starts with dojo serve --listen
// 127.0.0.1:0), test_trl (the TRL adapter over both), test_gym (the
// Gymnasium adapter against Gymnasium's checkers) and test_package (the
// venv install round trip, finding or building the binary, the reward
// functions in TRL's and verl's call shapes, the Ray launcher, mypy
// --strict).
//
// The interpreter is $DOJO_PYTHON if set, else the first of
// /usr/bin/python3 and python3 on PATH that imports numpy (Debian's
// python3-numpy is for /usr/bin/python3; PATH may hold another Python),
// else python3 on PATH. Gymnasium comes from ../shared/third_party when it
// is there (PYTHONPATH). Without numpy or Gymnasium test_gym skips with a
// message; under CI (CI set) that, a missing venv, pip or mypy fail. The
// test is skipped with -short and where python3 is missing.
func TestPython(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the dojo binary and runs the Python client's tests; skipped with -short")
	}
	py, hasNumpy := pickPython()
	if py == "" {
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
	here, err := filepath.Abs(".")
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
	pythonPath := []string{here}
	third := filepath.Join(root, "..", "shared", "third_party")
	gym := filepath.Join(third, "gymnasium-1.4.0")
	if _, err := os.Stat(filepath.Join(gym, "gymnasium", "__init__.py")); err == nil {
		pythonPath = append(pythonPath, gym, filepath.Join(third, "stubs"))
	} else if os.Getenv("CI") != "" {
		t.Fatalf("CI must run the Gymnasium tests: no Gymnasium source at %s", gym)
	} else {
		t.Logf("no Gymnasium at %s: test_gym skips", gym)
	}
	if !hasNumpy {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must run the Gymnasium tests: no Python with numpy (.ci/run installs python3-numpy for /usr/bin/python3)")
		}
		t.Logf("%s has no numpy: test_gym skips", py)
	}
	modules := []string{"test_dojo_client", "test_net", "test_trl", "test_gym", "test_package"}
	cmd := exec.Command(py, append([]string{"-m", "unittest", "-v"}, modules...)...)
	cmd.Env = append(os.Environ(), "DOJO_BIN="+bin, "PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1",
		"PYTHONPATH="+strings.Join(pythonPath, string(os.PathListSeparator)))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s -m unittest %s: %v\n%s", py, strings.Join(modules, " "), err, out)
	}
	if testing.Verbose() {
		t.Logf("%s", out)
	}
	// A suite that skipped everything (no binary found) proves nothing.
	if !strings.Contains(string(out), "\nOK") || strings.Contains(string(out), "no dojo binary") {
		t.Fatalf("the Python tests did not run:\n%s", out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "skipped") {
			t.Log(line)
		}
	}
}

// pickPython returns the interpreter the Python tests run with and whether
// it imports numpy: $DOJO_PYTHON, else the first of /usr/bin/python3 and
// python3 on PATH with numpy, else python3 on PATH ("" if none).
func pickPython() (string, bool) {
	hasNumpy := func(py string) bool {
		return exec.Command(py, "-c", "import numpy").Run() == nil
	}
	if py := os.Getenv("DOJO_PYTHON"); py != "" {
		return py, hasNumpy(py)
	}
	var candidates []string
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		candidates = append(candidates, "/usr/bin/python3")
	}
	onPath, _ := exec.LookPath("python3")
	if onPath != "" {
		candidates = append(candidates, onPath)
	}
	for _, py := range candidates {
		if hasNumpy(py) {
			return py, true
		}
	}
	if onPath != "" {
		return onPath, false
	}
	if len(candidates) > 0 {
		return candidates[0], false
	}
	return "", false
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
		case ".go", ".py", ".mod", ".sum", ".toml":
			_, err = os.Stat(path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
