package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

func TestUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "want one episode file"},
		{[]string{"a.jsonl", "b.jsonl"}, 2, "got 2 arguments"},
		{[]string{"--frobnicate", "a.jsonl"}, 2, "flag provided but not defined"},
	} {
		var stderr bytes.Buffer
		if code := run(c.args, &stderr); code != c.code || !strings.Contains(stderr.String(), c.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", c.args, code, stderr.String(), c.code, c.want)
		}
	}
	var stderr bytes.Buffer
	code := run([]string{filepath.Join(t.TempDir(), "missing.jsonl")}, &stderr)
	if built {
		if code != 1 || !strings.Contains(stderr.String(), "no such file") {
			t.Errorf("a missing file: exit %d, %q", code, stderr.String())
		}
	} else if code != 2 || !strings.Contains(stderr.String(), "go build -tags ebiten -o bin/dojo-viewer ./cmd/dojo-viewer") {
		t.Errorf("the build without the window: exit %d, %q", code, stderr.String())
	}
}
