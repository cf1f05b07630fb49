package dojo_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
)

// fileSpec is an env with a path option, which the factory reports back.
func fileRegistry(t *testing.T, got *string) *dojo.Registry {
	t.Helper()
	var r dojo.Registry
	spec := coinSpec()
	spec.ID = "test/File-v0"
	spec.Options = append(spec.Options, dojo.Option{Name: "file", Type: dojo.OptString, Default: "builtin.txt", Path: true, Description: "a file"})
	if err := r.Register(spec, func(opts dojo.Options) (dojo.Env, error) {
		*got = opts.String("file")
		return newCoin(opts)
	}); err != nil {
		t.Fatal(err)
	}
	return &r
}

func TestWithDataDir(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	for _, p := range []string{filepath.Join(dir, "in.txt"), filepath.Join(outside, "out.txt")} {
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(dir, "escape")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "in.txt"), filepath.Join(dir, "sub", "alias.txt")); err != nil {
		t.Fatal(err)
	}
	var got string
	base := fileRegistry(t, &got)
	r, err := base.WithDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	real, _ := filepath.EvalSymlinks(filepath.Join(dir, "in.txt"))
	for _, ok := range []string{"in.txt", filepath.Join(dir, "in.txt"), "sub/../in.txt", "sub/alias.txt", "./in.txt"} {
		if _, err := r.Make("test/File-v0", dojo.Options{"file": ok}); err != nil {
			t.Errorf("file %q: %v", ok, err)
		} else if got != real {
			t.Errorf("file %q reached the env as %q, want %q", ok, got, real)
		}
	}
	// The default is the env's own: allowed as it is.
	if _, err := r.Make("test/File-v0", nil); err != nil || got != "builtin.txt" {
		t.Errorf("default: %v, %q", err, got)
	}
	for _, bad := range []string{filepath.Join(outside, "out.txt"), "../" + filepath.Base(outside) + "/out.txt", "escape/out.txt", "/etc/passwd", "nope.txt", "sub/../../in.txt"} {
		_, err := r.Make("test/File-v0", dojo.Options{"file": bad})
		de, ok := err.(*dojo.Error)
		if !ok || de.Code != dojo.CodeInvalid || de.Field != "options.file" || !strings.Contains(de.Msg, "data dir") {
			t.Errorf("file %q: %v", bad, err)
		}
	}
	// The registry it came from is unrestricted, as stdio serves it.
	if _, err := base.Make("test/File-v0", dojo.Options{"file": filepath.Join(outside, "out.txt")}); err != nil {
		t.Errorf("unrestricted registry: %v", err)
	}
	if d, restricted := r.DataDir(); !restricted || d == "" {
		t.Errorf("DataDir() = %q, %v", d, restricted)
	}
	if _, restricted := base.DataDir(); restricted {
		t.Error("the base registry reports a data dir")
	}
	// Without a dir, only defaults.
	none, err := base.WithDataDir("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := none.Make("test/File-v0", dojo.Options{"file": filepath.Join(dir, "in.txt")}); err == nil || !strings.Contains(err.Error(), "without a data dir") {
		t.Errorf("no data dir: %v", err)
	}
	if _, err := none.Make("test/File-v0", dojo.Options{"file": "builtin.txt"}); err != nil {
		t.Errorf("no data dir, the default: %v", err)
	}
	if _, err := base.WithDataDir(filepath.Join(dir, "in.txt")); err == nil {
		t.Error("a file was accepted as a data dir")
	}
	if _, err := base.WithDataDir(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing data dir was accepted")
	}
	// A path option must be a string.
	var bad dojo.Registry
	spec := coinSpec()
	spec.Options = append(spec.Options, dojo.Option{Name: "files", Type: dojo.OptStrings, Path: true})
	if err := bad.Register(spec, newCoin); err == nil {
		t.Error("a path option of type strings was registered")
	}
}
