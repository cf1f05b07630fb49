package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	sqlenv "github.com/dojo-rl/dojo/envs/sql"
	"github.com/dojo-rl/dojo/protocol"
)

// Copies of one correct prediction do not inflate the score, and questions
// without a prediction count as failures in the headline accuracy.
func TestVerifySQLDuplicatesAndMissing(t *testing.T) {
	t.Parallel()
	dir := spiderDev(t)
	tmp := t.TempDir()
	// Question 0 is "SELECT count(*) FROM singer"; 1034 copies of it.
	copies := strings.Repeat(`{"index": 0, "sql": "SELECT count(*) FROM singer"}`+"\n", 1034)
	if err := os.WriteFile(filepath.Join(tmp, "dup.jsonl"), []byte(copies), 0o644); err != nil {
		t.Fatal(err)
	}
	r := dojoCmd(t, tmp, "verify", "sql", "--spider", dir, "--predictions", "dup.jsonl")
	if r.code != 2 || !strings.Contains(r.stderr, "duplicate predictions: question 0 1034 times") || !strings.Contains(r.stderr, "--allow-duplicates") {
		t.Errorf("1034 copies of one prediction: exit %d, stderr %q; want exit 2 naming the duplicates", r.code, r.stderr)
	}
	r = dojoCmd(t, tmp, "verify", "sql", "--spider", dir, "--predictions", "dup.jsonl", "--allow-duplicates")
	if r.code != 0 || !strings.Contains(r.stderr, "execution accuracy 0.5002 (1034/2067), 1033 questions without a prediction counted as failures; 1.0000 (1034/1034) over the predicted ones") {
		t.Errorf("--allow-duplicates: exit %d, stderr %q", r.code, r.stderr)
	}
	// The official format, two lines for 1034 questions.
	if err := os.WriteFile(filepath.Join(tmp, "two.sql"), []byte("SELECT count(*) FROM singer\nSELECT count(*) FROM singer\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = dojoCmd(t, tmp, "verify", "sql", "--spider", dir, "--predictions", "two.sql")
	if r.code != 0 || !strings.Contains(r.stderr, "execution accuracy 0.0019 (2/1034), 1032 questions without a prediction counted as failures; 1.0000 (2/2) over the predicted ones") {
		t.Errorf("2 of 1034 predicted: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestPredictionCoverage(t *testing.T) {
	preds := []sqlenv.Prediction{{Index: 0}, {Index: 2}, {Index: 2}, {Index: 7}}
	if _, err := predictionCoverage(preds, 5, false); err == nil || !strings.Contains(err.Error(), "question 2 2 times") {
		t.Errorf("duplicates: %v", err)
	}
	missing, err := predictionCoverage(preds, 5, true)
	if err != nil || missing != 3 { // 1, 3 and 4; 7 is out of range, scored as an error
		t.Errorf("missing %d, %v; want 3", missing, err)
	}
	if got := accuracyLine(1, 2, 3); got != "execution accuracy 0.2000 (1/5), 3 questions without a prediction counted as failures; 0.5000 (1/2) over the predicted ones" {
		t.Errorf("accuracyLine: %q", got)
	}
	if got := accuracyLine(3, 4, 0); got != "execution accuracy 0.7500 (3/4)" {
		t.Errorf("accuracyLine: %q", got)
	}
}

func TestVerifySummaryLine(t *testing.T) {
	sum := protocol.VerifySummary{Responses: 10, Scored: 1, Failed: 9, Duplicates: 9, Tasks: 3, Missing: 2,
		MeanReward: 1.0 / 3, SuccessRate: 1.0 / 3, CoveredMeanReward: 1, CoveredSuccessRate: 1, MissingIDs: []string{"a", "b"}}
	want := "dojo verify: 10 responses, 1 scored, 9 failed (9 repeat an earlier response's task); 3 tasks: mean reward 0.3333, success rate 0.3333, 2 tasks without a scored response counted as failures (a, b); over the 1 scored: mean reward 1.0000, success rate 1.0000"
	if got := verifySummaryLine(sum); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
