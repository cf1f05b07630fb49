package protocol

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestGenerateTasksWritesOneTaskPerLine(t *testing.T) {
	t.Parallel()
	reg := testRegistry()
	var out bytes.Buffer
	if err := GenerateTasks(context.Background(), reg, arithID, dojo.Options{"digits": 3}, 40, 5, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("%d lines", len(lines))
	}
	tk := NewTasker(reg)
	defer tk.Close()
	for i, line := range lines {
		var task dojo.Task
		if err := json.Unmarshal([]byte(line), &task); err != nil {
			t.Fatal(err)
		}
		want, _ := tk.Generate(context.Background(), arithID, dojo.Options{"digits": 3}, uint64(40+i))
		wantLine, _ := marshal(want)
		if line != string(wantLine) || task.Verify == nil || strings.Contains(line, `\u003c`) {
			t.Errorf("line %d: %s\nwant %s", i, line, wantLine)
		}
	}
	// The same call writes the same bytes.
	var again bytes.Buffer
	GenerateTasks(context.Background(), reg, arithID, dojo.Options{"digits": 3}, 40, 5, &again)
	if !bytes.Equal(out.Bytes(), again.Bytes()) {
		t.Errorf("two generations differ")
	}
	for _, tc := range []struct {
		id   string
		opts dojo.Options
		seed uint64
		n    int
		code dojo.Code
		want string
	}{
		{"gridworld/FrozenLake-v1", nil, 0, 1, CodeUnsupported, "does not generate tasks"},
		{"arith/Nope-v0", nil, 0, 1, dojo.CodeNotFound, "unknown env id"},
		{arithID, dojo.Options{"digits": 0}, 0, 1, dojo.CodeInvalid, `option "digits"`},
		{arithID, nil, 0, -1, dojo.CodeInvalid, "-1 tasks"},
		{arithID, nil, 1<<64 - 2, 3, dojo.CodeInvalid, "overflow"},
	} {
		err := GenerateTasks(context.Background(), reg, tc.id, tc.opts, tc.seed, tc.n, &bytes.Buffer{})
		if dojo.ErrorCode(err) != tc.code || !strings.Contains(fmt.Sprint(err), tc.want) {
			t.Errorf("GenerateTasks(%s, %v, n=%d): %v, want code %s saying %q", tc.id, tc.opts, tc.n, err, tc.code, tc.want)
		}
	}
}

func TestVerifyResponsesScoresInOrderAndReportsBadLines(t *testing.T) {
	t.Parallel()
	reg := testRegistry()
	ctx := context.Background()
	var tasks bytes.Buffer
	if err := GenerateTasks(ctx, reg, arithID, nil, 0, 4, &tasks); err != nil {
		t.Fatal(err)
	}
	var gold []arithGold
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(tasks.String()), "\n") {
		var task dojo.Task
		json.Unmarshal([]byte(line), &task)
		var g arithGold
		json.Unmarshal(task.Verify, &g)
		gold = append(gold, g)
		ids = append(ids, task.ID)
	}
	// A malformed task line, a task line without an id, and a repeated id.
	tasks.WriteString("not a task\n{\"env\":\"arith/Add-v0\"}\n")
	dup, _ := json.Marshal(dojo.Task{ID: ids[0], Env: arithID, Seed: 99})
	tasks.Write(append(dup, '\n'))

	responses := strings.Join([]string{
		fmt.Sprintf(`{"id":%q,"response":"<answer>%d</answer>","prompt":"ignored"}`, ids[0], gold[0].Sum),
		fmt.Sprintf(`{"id":%q,"response":"%d"}`, ids[1], gold[1].Sum),
		`{"id":"arith/Add-v0:d2:999","response":"1"}`,
		`this is not json`,
		``,
		fmt.Sprintf(`{"id":%q,"messages":[{"role":"assistant","content":"<answer>%d</answer>"}]}`, ids[2], gold[2].Sum+1),
		fmt.Sprintf(`{"response":"<answer>%d</answer>"}`, gold[3].Sum),
		fmt.Sprintf(`{"id":%q,"response":{"text":"no idea"}}`, ids[3]),
		fmt.Sprintf(`{"id":%q}`, ids[3]),
		fmt.Sprintf(`{"id":%q,"response":"1","messages":[]}`, ids[3]),
		fmt.Sprintf(`{"id":%q,"response":5}`, ids[3]),
	}, "\n") + "\n"
	var out bytes.Buffer
	var reported []string
	sum, err := VerifyResponses(ctx, reg, &tasks, strings.NewReader(responses), &out, VerifyConfig{ResponsesName: "r.jsonl", Workers: 3},
		func(e *LineError) { reported = append(reported, e.Error()) })
	if err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("output line %s: %v", line, err)
		}
		delete(m, "parts")
		got = append(got, m)
	}
	want := []map[string]any{
		{"id": ids[0], "reward": 1.1, "success": true},
		{"id": ids[1], "reward": 1.0, "success": true},
		{"line": 3.0, "id": "arith/Add-v0:d2:999", "error": `unknown task id "arith/Add-v0:d2:999": it is not in tasks`},
		{"line": 4.0, "error": `malformed response line: not valid JSON (at byte 2); want {"id": task id, "response": "text"} or {"id", "messages": [...]}`},
		{"id": ids[2], "reward": 0.1, "success": false},
		{"line": 7.0, "error": `no "id": a response line names its task's id`},
		{"id": ids[3], "reward": 0.0, "success": false, "error": "no number in the response"},
		{"line": 9.0, "id": ids[3], "error": `response: required: the model's final text, or {"text", "messages"}`},
		{"line": 10.0, "id": ids[3], "error": `give the response as "response" or as "messages", not both`},
		{"line": 11.0, "id": ids[3], "error": `response: got a number, want the model's final text or {"text", "messages"}`},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scores (-want +got):\n%s", diff)
	}
	wantReports := []string{
		"tasks:5: not a task: not valid JSON (at byte 2)",
		`tasks:6: not a task: a task line has an "id" and an "env" (dojo gen writes them)`,
		fmt.Sprintf(`tasks:7: task %q: repeats the id of line 1: ids must be unique; the first is used`, ids[0]),
		`r.jsonl:3: task "arith/Add-v0:d2:999": unknown task id "arith/Add-v0:d2:999": it is not in tasks`,
		"r.jsonl:4: malformed response line: not valid JSON (at byte 2); want {\"id\": task id, \"response\": \"text\"} or {\"id\", \"messages\": [...]}",
		`r.jsonl:7: no "id": a response line names its task's id`,
		fmt.Sprintf(`r.jsonl:9: task %q: response: required: the model's final text, or {"text", "messages"}`, ids[3]),
		fmt.Sprintf(`r.jsonl:10: task %q: give the response as "response" or as "messages", not both`, ids[3]),
		fmt.Sprintf(`r.jsonl:11: task %q: response: got a number, want the model's final text or {"text", "messages"}`, ids[3]),
	}
	if diff := cmp.Diff(wantReports, reported); diff != "" {
		t.Errorf("reports (-want +got):\n%s", diff)
	}
	wantSum := VerifySummary{Responses: 10, Scored: 4, Failed: 6, TaskErrors: 3, Tasks: 4, MeanReward: 0.55, SuccessRate: 0.5, CoveredMeanReward: 0.55, CoveredSuccessRate: 0.5}
	if !cmp.Equal(sum, wantSum) {
		t.Errorf("summary %+v, want %+v", sum, wantSum)
	}
}

func TestVerifyRebuildsTasksWithoutGold(t *testing.T) {
	t.Parallel()
	reg := testRegistry()
	tk := NewTasker(reg)
	defer tk.Close()
	ctx := context.Background()
	task, err := tk.Generate(ctx, arithID, dojo.Options{"digits": 5}, 77)
	if err != nil {
		t.Fatal(err)
	}
	var g arithGold
	json.Unmarshal(task.Verify, &g)
	stripped := task
	stripped.Verify = nil
	resp := dojo.Response{Text: fmt.Sprintf("<answer>%d</answer>", g.Sum)}
	a, err := tk.Verify(ctx, task, resp)
	if err != nil {
		t.Fatal(err)
	}
	b, err := tk.Verify(ctx, stripped, resp)
	if err != nil || !cmp.Equal(a, b) || !a.Success {
		t.Errorf("with gold %+v, without %+v (%v)", a, b, err)
	}
	// The Tasker may be used from many goroutines at once.
	errs := make(chan error, 16)
	for i := range 16 {
		go func() {
			task, err := tk.Generate(ctx, arithID, dojo.Options{"digits": 1 + i%3}, uint64(i))
			if err == nil {
				task.Verify = nil
				_, err = tk.Verify(ctx, task, dojo.Response{Text: "1"})
			}
			errs <- err
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// Copies of one correct response do not inflate the score, and tasks
// without a response count as failures in the headline figures.
func TestVerifyResponsesDuplicatesAndMissing(t *testing.T) {
	t.Parallel()
	reg := testRegistry()
	ctx := context.Background()
	var tasks bytes.Buffer
	if err := GenerateTasks(ctx, reg, arithID, nil, 0, 3, &tasks); err != nil {
		t.Fatal(err)
	}
	var first dojo.Task
	var ids []string
	for i, line := range strings.Split(strings.TrimSpace(tasks.String()), "\n") {
		var task dojo.Task
		json.Unmarshal([]byte(line), &task)
		if i == 0 {
			first = task
		}
		ids = append(ids, task.ID)
	}
	var g arithGold
	json.Unmarshal(first.Verify, &g)
	responses := strings.Repeat(fmt.Sprintf(`{"id":%q,"response":"<answer>%d</answer>"}`+"\n", first.ID, g.Sum), 10)
	for _, allow := range []bool{false, true} {
		var out bytes.Buffer
		var reported []string
		sum, err := VerifyResponses(ctx, reg, bytes.NewReader(tasks.Bytes()), strings.NewReader(responses), &out,
			VerifyConfig{AllowDuplicates: allow}, func(e *LineError) { reported = append(reported, e.Error()) })
		if err != nil {
			t.Fatal(err)
		}
		want := VerifySummary{Responses: 10, Scored: 1, Failed: 9, Duplicates: 9, Tasks: 3, Missing: 2,
			MeanReward: 1.1 / 3, SuccessRate: 1.0 / 3, CoveredMeanReward: 1.1, CoveredSuccessRate: 1, MissingIDs: ids[1:]}
		if allow {
			want.Scored, want.Failed = 10, 0
			want.MeanReward, want.SuccessRate = 11.0/12, 10.0/12
		}
		if !cmp.Equal(sum, want, cmpopts.EquateApprox(0, 1e-9)) {
			t.Errorf("allow duplicates %v: summary\n%+v, want\n%+v", allow, sum, want)
		}
		if !allow && (len(reported) != 9 || !strings.Contains(reported[0], fmt.Sprintf(`a second response to task %q (the first is on line 1)`, first.ID))) {
			t.Errorf("reports: %q", reported)
		}
	}
}
