package group

import (
	"context"
	"database/sql"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func nearAll(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !near(a[i], b[i]) {
			return false
		}
	}
	return true
}

// run scores input lines with opt and returns the output lines, decoded.
func run(t *testing.T, opt Options, lines ...string) ([]map[string]json.RawMessage, int) {
	t.Helper()
	var out strings.Builder
	n, failed, err := Run(context.Background(), strings.NewReader(strings.Join(lines, "\n")+"\n"), &out, opt)
	if err != nil {
		t.Fatal(err)
	}
	if n != len(lines) {
		t.Fatalf("%d lines read, want %d", n, len(lines))
	}
	var res []map[string]json.RawMessage
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("output line %q: %v", l, err)
		}
		res = append(res, m)
	}
	if len(res) != len(lines) {
		t.Fatalf("%d output lines for %d input lines:\n%s", len(res), len(lines), out.String())
	}
	return res, failed
}

func result(t *testing.T, m map[string]json.RawMessage) Result {
	t.Helper()
	if e, ok := m["error"]; ok {
		t.Fatalf("error: %s", e)
	}
	b, _ := json.Marshal(m)
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestLengthTermsByHand(t *testing.T) {
	// Correct lengths 10, 20, 30: m = 20, population s = √(200/3), so
	// z = −√1.5, 0, √1.5 and σ(√1.5) = 0.772897...; the wrong response
	// (length 5) gets no term and does not count in m and s.
	got := LengthTerms([]bool{true, true, false, true}, []float64{10, 20, 5, 30}, 0.6)
	want := []float64{-0.1362615116614105, -0.3, 0, -0.46373848833858944}
	if !nearAll(got, want) {
		t.Errorf("LengthTerms = %v, want %v", got, want)
	}
	// One correct response, or all of one length: z = 0, the term is −α/2.
	if got := LengthTerms([]bool{false, true}, []float64{3, 7}, 0.5); !nearAll(got, []float64{0, -0.25}) {
		t.Errorf("one correct: %v", got)
	}
	if got := LengthTerms([]bool{true, true}, []float64{4, 4}, 1); !nearAll(got, []float64{-0.5, -0.5}) {
		t.Errorf("equal lengths: %v", got)
	}
	if got := LengthTerms([]bool{false, false}, []float64{4, 9}, 1); !nearAll(got, []float64{0, 0}) {
		t.Errorf("none correct: %v", got)
	}
}

func TestAdvantagesByHand(t *testing.T) {
	r := []float64{1, 0, 0, 1}
	// μ = 0.5; sample s = √(1/3), population s = 0.5.
	adv, mean, sd := Advantages(r, StdSample, 1e-6)
	a := 0.5 / (math.Sqrt(1.0/3) + 1e-6)
	if !near(mean, 0.5) || !near(sd, math.Sqrt(1.0/3)) || !nearAll(adv, []float64{a, -a, -a, a}) {
		t.Errorf("sample: %v %v %v", adv, mean, sd)
	}
	adv, _, sd = Advantages(r, StdPopulation, 1e-6)
	if !near(sd, 0.5) || !nearAll(adv, []float64{0.999998000004, -0.999998000004, -0.999998000004, 0.999998000004}) {
		t.Errorf("population: %v %v", adv, sd)
	}
	if got := DrAdvantages([]float64{1, 0, 0, 0}); !nearAll(got, []float64{0.75, -0.25, -0.25, -0.25}) {
		t.Errorf("Dr. GRPO: %v", got)
	}
	// All equal: s = 0, the advantages are 0; one response: s = 0.
	if adv, _, sd := Advantages([]float64{1, 1, 1}, StdSample, 1e-6); sd != 0 || !nearAll(adv, []float64{0, 0, 0}) {
		t.Errorf("equal rewards: %v %v", adv, sd)
	}
	if adv, _, sd := Advantages([]float64{0.7}, StdSample, 1e-6); sd != 0 || adv[0] != 0 {
		t.Errorf("one reward: %v %v", adv, sd)
	}
}

func TestTopLambda(t *testing.T) {
	// ⌈0.4·5⌉ = 2 groups: the two most accurate, the earlier of a tie.
	got := TopLambda([]float64{0.25, 1, 0.5, 0.5, 0}, 0.4)
	want := []bool{false, true, true, false, false}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("TopLambda = %v, want %v", got, want)
		}
	}
	if got := TopLambda([]float64{0.1, 0.2}, 0); got[0] || got[1] {
		t.Errorf("λ = 0 gates nothing: %v", got)
	}
}

// TestGateThreshold scores one em group of accuracy 0.5 with λ just at and
// just above it: at λ = 0.5 the correct responses get their length terms,
// at 0.51 the rewards stay 0/1.
func TestGateThreshold(t *testing.T) {
	line := `{"scorer":"em","responses":["<answer>Paris</answer>","<answer>The Paris</answer> it is","<answer>Lyon</answer>","no"],"golds":["Paris"],"lengths":[10,30,20,5]}`
	opt := DefaultOptions()
	opt.Lambda = 0.5
	out, _ := run(t, opt, line)
	r := result(t, out[0])
	// Correct: responses 0 and 1 (articles are dropped), lengths 10 and
	// 30: m = 20, s = 10, z = ∓1, σ(1) = 0.7310585786300049.
	s1 := 0.7310585786300049
	want := []float64{1 - 0.6*(1-s1), 1 - 0.6*s1, 0, 0}
	if !r.Gated || r.Accuracy != 0.5 || !nearAll(r.Rewards, want) {
		t.Fatalf("λ = 0.5: gated %v, accuracy %v, rewards %v, want %v", r.Gated, r.Accuracy, r.Rewards, want)
	}
	if !near(r.Parts[1]["length"], -0.6*s1) || r.Parts[1]["em"] != 1 || r.Parts[2]["length"] != 0 {
		t.Errorf("parts %v", r.Parts)
	}
	mean := (want[0] + want[1]) / 4
	if !near(r.Mean, mean) || !near(r.DrAdvantages[0], want[0]-mean) || !near(r.Advantages[3], -mean/(r.Std+1e-6)) {
		t.Errorf("mean %v std %v advantages %v %v", r.Mean, r.Std, r.Advantages, r.DrAdvantages)
	}

	opt.Lambda = 0.51
	out, _ = run(t, opt, line)
	r = result(t, out[0])
	if r.Gated || !nearAll(r.Rewards, []float64{1, 1, 0, 0}) || r.Parts[0]["length"] != 0 {
		t.Errorf("λ = 0.51: gated %v, rewards %v", r.Gated, r.Rewards)
	}
	// The line's own λ overrides the run's.
	out, _ = run(t, opt, strings.Replace(line, `"lengths"`, `"lambda":0.25,"lengths"`, 1))
	if r = result(t, out[0]); !r.Gated {
		t.Errorf("a line's lambda 0.25 should gate accuracy 0.5")
	}
	// Without lengths, lengths are code points.
	opt.Gate = GateNone
	out, _ = run(t, opt, `{"scorer":"em","responses":["é<answer>x</answer>"],"golds":["x"]}`)
	if r = result(t, out[0]); r.Lengths[0] != 19 || r.Gated { // 20 bytes
		t.Errorf("lengths %v, gated %v: want 19 code points, no gate", r.Lengths, r.Gated)
	}
}

func TestScorersByHand(t *testing.T) {
	opt := DefaultOptions()
	opt.Gate = GateNone
	gold := "<think></think>\n<tool_call>\n{\"name\": \"f\", \"parameters\": {\"a\": 1}}\n</tool_call>"
	tl := func(g, r string) string {
		b, _ := json.Marshal(map[string]any{"scorer": "toolrl", "golds": []string{g}, "responses": []string{r, strings.Replace(r, `"a": 1`, `"a": 2`, 1)}})
		return string(b)
	}
	out, failed := run(t, opt,
		`{"scorer":"em","responses":["<answer>The Paris</answer>","Lyon"],"golds":["Paris"]}`,
		`{"scorer":"f1","responses":["<answer>Paris France</answer>","Paris"],"golds":["Paris"]}`,
		`{"scorer":"searchr1","responses":["<think>x</think>\n<answer>Paris</answer>","<answer>Paris</answer>","<think>x</think>\n<answer>Lyon</answer>"],"golds":["Paris"]}`,
		tl(gold, gold),
	)
	if failed != 0 {
		t.Fatalf("%d failed: %v", failed, out)
	}
	cases := []struct {
		name    string
		rewards []float64
		correct []bool
		part    string
		parts   []float64
	}{
		// em: "the" is dropped by SQuAD's normalization.
		{"em", []float64{1, 0}, []bool{true, false}, "em", []float64{1, 0}},
		// f1: pred {paris, france}, gold {paris}: P = 1/2, R = 1, F1 = 2/3.
		{"f1", []float64{2.0 / 3, 1}, []bool{false, true}, "f1", []float64{2.0 / 3, 1}},
		// searchr1: a match in a valid format 1, in an invalid one 1 − 0.2,
		// no match in a valid format 0.2.
		{"searchr1", []float64{1, 0.8, 0.2}, []bool{true, true, false}, "structure", []float64{0, -0.2, 0.2}},
		// toolrl: the gold itself: format 1 + correctness 3; a = 2: names
		// match (1), keys match (1), values 0: S = 2 of Smax = 3,
		// correctness 6·2/3 − 3 = 1.
		{"toolrl", []float64{4, 2}, []bool{true, false}, "correctness", []float64{3, 1}},
	}
	for i, c := range cases {
		r := result(t, out[i])
		if r.Scorer != c.name || !nearAll(r.Rewards, c.rewards) {
			t.Errorf("%s: rewards %v, want %v", c.name, r.Rewards, c.rewards)
		}
		for j := range c.correct {
			if r.Correct[j] != c.correct[j] || !near(r.Parts[j][c.part], c.parts[j]) {
				t.Errorf("%s response %d: correct %v, %s %v; want %v, %v", c.name, j, r.Correct[j], c.part, r.Parts[j][c.part], c.correct[j], c.parts[j])
			}
		}
	}
}

// testDB writes a small SQLite database: t(id, name) with three rows.
func testDB(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "shop", "shop.sqlite")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{"CREATE TABLE t (id INTEGER, name TEXT)", "INSERT INTO t VALUES (1, 'ann'), (2, 'bob'), (3, 'cy')"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestSQLScorer(t *testing.T) {
	path := testDB(t)
	opt := DefaultOptions()
	opt.DBDir = filepath.Dir(filepath.Dir(path))
	line := func(db string) string {
		b, _ := json.Marshal(map[string]any{"scorer": "sql", db: map[string]string{"db": path, "db_id": "shop"}[db],
			"golds": []string{"SELECT name FROM t ORDER BY id"},
			"responses": []string{
				"Here it is:\n```sql\nSELECT name FROM t ORDER BY id;\n```", // matches
				"<answer>SELECT name FROM t ORDER BY name DESC</answer>",    // same rows, wrong order
				"SELECT nme FROM t", // fails
				"```sql\n```",       // no SQL
				"SELECT name FROM t WHERE id < 9 ORDER BY id", // another query, same result
			}})
		return string(b)
	}
	out, failed := run(t, opt, line("db"), line("db_id"), `{"scorer":"sql","db":"`+path+`","golds":["SELECT nope FROM t"],"responses":["SELECT 1"]}`)
	if failed != 1 {
		t.Fatalf("%d failed, want 1 (the bad gold)", failed)
	}
	for i := range 2 {
		r := result(t, out[i])
		// Accuracy 2/5 < λ = 0.5: no length term.
		if !nearAll(r.Rewards, []float64{1, 0, 0, 0, 1}) || !r.Correct[0] || !r.Correct[4] || r.Parts[0]["exec"] != 1 || r.Gated {
			t.Errorf("line %d: rewards %v correct %v gated %v", i+1, r.Rewards, r.Correct, r.Gated)
		}
		if len(r.Errors) != 5 || r.Errors[0] != "" || !strings.Contains(r.Errors[2], "nme") || r.Errors[3] != "no SQL in the response" {
			t.Errorf("line %d: errors %q", i+1, r.Errors)
		}
	}
	if e := string(out[2]["error"]); !strings.Contains(e, `line 3: field \"golds\": gold query 0 fails`) {
		t.Errorf("bad gold: %s", e)
	}
}

func TestGateTop(t *testing.T) {
	opt := DefaultOptions()
	opt.Gate, opt.Lambda = GateTop, 0.5
	g := func(batch string, answers ...string) string {
		b, _ := json.Marshal(map[string]any{"scorer": "em", "golds": []string{"a"}, "responses": answers, "batch": json.RawMessage(batch)})
		return string(b)
	}
	out, failed := run(t, opt,
		g(`1`, "a", "b"),      // accuracy 0.5
		g(`1`, "a", "a"),      // 1: gated (⌈0.5·4⌉ = 2 of batch 1)
		`{"scorer":"em"}`,     // bad: left out of the ranking
		g(`1`, "b", "b"),      // 0
		g(`"x"`, "b", "b"),    // alone in its batch: gated (⌈0.5⌉ = 1)
		g(`1`, "b", "a", "a"), // 2/3: the second of batch 1, gated
	)
	if failed != 1 || !strings.Contains(string(out[2]["error"]), `line 3: field \"responses\": missing`) {
		t.Fatalf("failed %d, line 3: %s", failed, out[2]["error"])
	}
	gated := []bool{false, true, false, false, true, true}
	for i, want := range gated {
		if i == 2 {
			continue
		}
		if r := result(t, out[i]); r.Gated != want {
			t.Errorf("line %d (accuracy %v, batch %s): gated %v, want %v", i+1, r.Accuracy, r.Batch, r.Gated, want)
		}
	}
	// λ per line contradicts the batch's.
	out, failed = run(t, opt, `{"scorer":"em","responses":["a"],"golds":["a"],"lambda":0.3}`)
	if failed != 1 || !strings.Contains(string(out[0]["error"]), `field \"lambda\": with the top gate`) {
		t.Errorf("lambda under top: %s", out[0]["error"])
	}
}

func TestBadLines(t *testing.T) {
	opt := DefaultOptions()
	good := `{"scorer":"em","responses":["a"],"golds":["a"]}`
	lines := []struct{ line, want string }{
		{``, "line 1: empty line"},
		{`[1]`, "line 2: not a JSON object"},
		{`{"scorer":"em","responses":"a","golds":["a"]}`, `line 3: field "responses": got a JSON string, want a list of strings`},
		{`{"scorer":"em","respones":["a"],"golds":["a"]}`, `line 4: unknown field "respones"`},
		{`{"scorer":"bleu","responses":["a"],"golds":["a"]}`, `line 5: field "scorer": unknown scorer "bleu"`},
		{`{"scorer":"em","responses":["a","b"],"golds":["a"],"lengths":[1]}`, `line 6: field "lengths": 1 lengths for 2 responses`},
		{`{"scorer":"em","responses":["a"],"golds":["a"],"std":"pop"}`, `line 7: field "std": "pop": want sample or population`},
		{`{"scorer":"em","responses":["a"],"golds":["a"],"lambda":2}`, `line 8: field "lambda": 2: want a number in [0, 1]`},
		{`{"scorer":"em","responses":["a"],"golds":["a"],"db":"x.sqlite"}`, `line 9: field "db", "db_id", "mode" or "keep_distinct": only the sql scorer`},
		{`{"scorer":"sql","responses":["a"],"golds":["SELECT 1"],"db_id":"x"}`, `line 10: field "db_id": needs the databases' folder`},
		{`{"scorer":"sql","responses":["a"],"golds":["SELECT 1"],"db":"/nonexistent/x.sqlite"}`, `line 11: field "db": sql: database not found`},
		{`{"scorer":"toolrl","responses":["a"],"golds":["a","b"]}`, `line 12: field "golds": toolrl takes one ground truth, got 2`},
		{`{"scorer":"toolrl","responses":["a"],"golds":["<tool_call>\nnot json\n</tool_call>"]}`, `line 13: field "golds": the ToolRL ground truth does not parse`},
		{good, ""},
	}
	var in []string
	for _, l := range lines {
		in = append(in, l.line)
	}
	out, failed := run(t, opt, in...)
	if failed != len(lines)-1 {
		t.Errorf("%d failed, want %d", failed, len(lines)-1)
	}
	for i, l := range lines {
		var e string
		if raw, ok := out[i]["error"]; ok {
			json.Unmarshal(raw, &e)
		}
		if l.want == "" {
			if e != "" {
				t.Errorf("line %d: %s", i+1, e)
			}
			continue
		}
		if !strings.HasPrefix(e, l.want) {
			t.Errorf("line %d: error %q, want it to start with %q", i+1, e, l.want)
		}
	}
}

func TestOptionsChecked(t *testing.T) {
	for _, o := range []Options{
		{Gate: "sometimes", Std: StdSample},
		{Gate: GateNone, Std: "n"},
		{Gate: GateNone, Std: StdSample, Lambda: -0.1},
		{Gate: GateNone, Std: StdSample, Alpha: math.NaN()},
		{Gate: GateNone, Std: StdSample, Eps: -1},
	} {
		if _, _, err := Run(context.Background(), strings.NewReader(""), &strings.Builder{}, o); err == nil {
			t.Errorf("%+v: no error", o)
		}
	}
}

func TestScore(t *testing.T) {
	s, err := NewScorer(DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	l, err := ParseLine([]byte(`{"scorer":"em","responses":["<answer>a</answer>","b"],"golds":["a"],"lengths":[4,4],"alpha":0.2,"std":"population"}`))
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Score(context.Background(), l)
	if err != nil {
		t.Fatal(err)
	}
	// Accuracy 0.5 ≥ λ = 0.5: the one right answer pays α·σ(0) = 0.1;
	// rewards 0.9 and 0, population std 0.45.
	if !r.Gated || !nearAll(r.Rewards, []float64{0.9, 0}) || !near(r.Std, 0.45) || !nearAll(r.DrAdvantages, []float64{0.45, -0.45}) {
		t.Errorf("Score: %+v", r)
	}
	top := DefaultOptions()
	top.Gate = GateTop
	s2, _ := NewScorer(top)
	defer s2.Close()
	if _, err := s2.Score(context.Background(), l); err == nil || !strings.Contains(err.Error(), "score them with Run") {
		t.Errorf("Score under the top gate: %v", err)
	}
}
