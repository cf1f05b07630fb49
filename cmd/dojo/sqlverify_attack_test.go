package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestVerifySQLAttacksHoldTimeout: two predictions whose single steps no
// interrupt reaches (a 1 GB blob, a 900 MB printf) end within seconds
// under --timeout 1s, each an error (before: 67-84 s and 2.4 GB).
func TestVerifySQLAttacksHoldTimeout(t *testing.T) {
	t.Parallel()
	dir := spiderDev(t)
	tmp := t.TempDir()
	preds := "SELECT length(randomblob(1000000000))\nSELECT printf('%.*c',900000000,'x')\n"
	if err := os.WriteFile(filepath.Join(tmp, "pred.sql"), []byte(preds), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := dojoCmd(t, tmp, "verify", "sql", "--spider", dir, "--predictions", "pred.sql", "--timeout", "1s")
	if took := time.Since(start); took > 20*time.Second {
		t.Fatalf("took %v under --timeout 1s", took)
	}
	vs := parseVerdicts(t, r.stdout)
	if len(vs) < 2 {
		t.Fatalf("%d verdicts: %s %s", len(vs), r.stdout, r.stderr)
	}
	for _, v := range vs[:2] {
		if v.Match != 0 || !strings.Contains(v.Error, "too big") {
			t.Errorf("prediction %d: match %d error %q, want a failure: too big", v.Index, v.Match, v.Error)
		}
	}
	if r := dojoCmd(t, tmp, "verify", "sql", "--spider", dir, "--predictions", "pred.sql", "--max-result-bytes", "0"); r.code == 0 || !strings.Contains(r.stderr, "--max-result-bytes") {
		t.Errorf("--max-result-bytes 0: exit %d, %s", r.code, r.stderr)
	}
}
