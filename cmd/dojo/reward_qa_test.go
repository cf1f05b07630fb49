package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func qaInput(t *testing.T, response string, golds ...string) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"response": response, "golds": golds})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRewardQA runs dojo reward em, f1 and searchr1 on lines with good and
// bad inputs: one output line per input, in order, errors in place.
func TestRewardQA(t *testing.T) {
	t.Parallel()
	valid := "<think>x</think><search>q</search><information>The capital is Paris.</information><think>y</think><answer>Lyon</answer>"
	in := strings.Join([]string{
		qaInput(t, "The Eiffel Tower", "Eiffel Tower"),
		qaInput(t, "<think>hm</think> <answer>the eiffel tower in paris</answer>", "Eiffel Tower", "tower"),
		`{"response": "x"}`,
		`{"response": "Paris", "golds": []}`,
		`not json`,
		qaInput(t, valid, "Paris"),
		qaInput(t, "<answer>Paris</answer>", "Paris"),
	}, "\n") + "\n"
	for _, c := range []struct {
		scorer string
		want   []string
	}{
		{"em", []string{`{"reward":1,"parts":{"em":1}}`, `{"reward":0,"parts":{"em":0}}`, `{"error":"line 3: want both`, `{"error":"line 4: \"golds\" is empty`, `{"error":"line 5: not a JSON object`, `{"reward":0,"parts":{"em":0}}`, `{"reward":1,"parts":{"em":1}}`}},
		{"f1", []string{`{"reward":1,"parts":{"f1":1}}`, `{"reward":0.6666666666666666,"parts":{"f1":0.6666666666666666}}`, `{"error":"line 3:`, `{"error":"line 4:`, `{"error":"line 5:`, `{"reward":0,"parts":{"f1":0}}`, `{"reward":1,"parts":{"f1":1}}`}},
		{"searchr1", []string{`{"reward":0,"parts":{"em":0,"structure":0,"final_format":0,"retrieval":0}}`, `{"reward":0.2,"parts":{"em":0,"structure":0.2,"final_format":0,"retrieval":0}}`, `{"error":"line 3:`, `{"error":"line 4:`, `{"error":"line 5:`, `{"reward":0.30000000000000004,"parts":{"em":0,"structure":0.2,"final_format":0,"retrieval":0.1}}`, `{"reward":0.8,"parts":{"em":1,"structure":-0.2,"final_format":0,"retrieval":0}}`}},
	} {
		r := dojoStdin(t, in, "reward", c.scorer)
		if r.code != 1 || !strings.Contains(r.stderr, "3 of 7 lines could not be scored") {
			t.Errorf("%s: exit %d, stderr %q; want 1, counting the bad lines", c.scorer, r.code, r.stderr)
		}
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		if len(lines) != len(c.want) {
			t.Fatalf("%s: %d lines, want %d:\n%s", c.scorer, len(lines), len(c.want), r.stdout)
		}
		for i, w := range c.want {
			if !strings.HasPrefix(lines[i], w) {
				t.Errorf("%s line %d = %s, want it to start with %s", c.scorer, i+1, lines[i], w)
			}
		}
	}
	r := dojoStdin(t, qaInput(t, "<think>a</think>\n<answer>Paris</answer>", "Paris")+"\n", "reward", "searchr1")
	if r.code != 0 || r.stdout != `{"reward":1,"parts":{"em":1,"structure":0,"final_format":0,"retrieval":0}}`+"\n" {
		t.Errorf("searchr1 on one good line: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := dojoCmd(t, "", "reward", "em", "extra"); r.code != 2 || !strings.Contains(r.stderr, "reward em takes no arguments") {
		t.Errorf("reward em extra: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestGenVerifyWebsim generates websim tasks from the command line and
// verifies responses to them: the gold answer after searching succeeds,
// the gold answer without searching does not.
func TestGenVerifyWebsim(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tasks := filepath.Join(dir, "tasks.jsonl")
	r := dojoCmd(t, dir, "gen", "websim/SearchR1-v0", "--n", "3", "--opt", "hops=1", "--out", tasks)
	if r.code != 0 {
		t.Fatalf("gen: exit %d, stderr %s", r.code, r.stderr)
	}
	var lines []string
	for _, task := range readLines(t, tasks) {
		var vb struct {
			Answers  []string   `json:"answers"`
			Targets  []string   `json:"targets"`
			Evidence [][]string `json:"evidence"`
		}
		b := []byte(task["verify"].(string)) // a row's verify column is JSON text
		if err := json.Unmarshal(b, &vb); err != nil || len(vb.Answers) == 0 || len(vb.Targets) != 1 {
			t.Fatalf("task %v: verify block %s", task["id"], b)
		}
		// The hop's page title is what the oracle searches.
		title := strings.ReplaceAll(vb.Targets[0], "-", " ")
		good := "<think>a</think>\n<search>" + title + "</search>\n<think>b</think>\n<answer>" + vb.Answers[0] + "</answer>"
		bad := "<think>b</think>\n<answer>" + vb.Answers[0] + "</answer>"
		for _, resp := range []string{good, bad} {
			l, _ := json.Marshal(map[string]any{"id": task["id"], "response": resp})
			lines = append(lines, string(l))
		}
	}
	responses := filepath.Join(dir, "responses.jsonl")
	os.WriteFile(responses, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	out := filepath.Join(dir, "scores.jsonl")
	r = dojoCmd(t, dir, "verify", "--tasks", tasks, "--responses", responses, "--out", out, "--allow-duplicates") // a right and a wrong response per task
	if r.code != 0 {
		t.Fatalf("verify: exit %d, stderr %s", r.code, r.stderr)
	}
	scores := readLines(t, out)
	if len(scores) != 6 {
		t.Fatalf("%d scores", len(scores))
	}
	for i, s := range scores {
		if want := i%2 == 0; s["success"] != want {
			t.Errorf("score %d: %v, want success %v", i+1, s, want)
		}
	}
}
