package sql

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
	"github.com/dojo-rl/dojo/internal/race"
)

var genIDs = []string{"sql/Generated-v0", "sql/Retail-v0", "sql/HR-v0", "sql/School-v0", "sql/Flights-v0", "sql/Library-v0", "sql/Hospital-v0"}

func registry(t testing.TB) *dojo.Registry {
	t.Helper()
	var r dojo.Registry
	if err := Register(&r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func makeEnv(t testing.TB, r *dojo.Registry, id string, opts dojo.Options) *Env {
	t.Helper()
	env, err := r.Make(id, opts)
	if err != nil {
		t.Fatal(err)
	}
	return env.(*Env)
}

func TestCheckEnv(t *testing.T) {
	t.Parallel()
	r := registry(t)
	for _, id := range genIDs {
		for _, mode := range []string{"multi", "single"} {
			t.Run(id+"/"+mode, func(t *testing.T) {
				t.Parallel()
				dojotest.CheckEnv(t, makeEnv(t, r, id, dojo.Options{"mode": mode}))
			})
		}
	}
}

func call(name, args string) dojo.ToolCall {
	return dojo.ToolCall{ID: "c1", Name: name, Arguments: json.RawMessage(args)}
}

func submitAction(sql string) dojo.Action {
	b, _ := json.Marshal(map[string]string{"sql": sql})
	return dojo.MessageAction("", dojo.ToolCall{ID: "c1", Name: "submit_sql", Arguments: b})
}

// play resets env to seed, plays a and returns the last step.
func play(t testing.TB, env *Env, seed uint64, a ...dojo.Action) dojo.Step {
	t.Helper()
	ctx := context.Background()
	if _, _, err := env.Reset(ctx, seed); err != nil {
		t.Fatal(err)
	}
	var st dojo.Step
	for _, x := range a {
		var err error
		if st, err = env.Step(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// TestOracleAndHacks plays, per id and over many seeds, the oracle (which
// must succeed) and the hack probes (which must not): an empty answer,
// SELECT * of the entity table, destructive statements (which must leave
// the data unchanged), a huge cross join (cut by the row cap or the
// deadline), and the gold with its WHERE clause removed.
func TestOracleAndHacks(t *testing.T) {
	t.Parallel()
	n := uint64(1000)
	if race.Enabled {
		n = 15
	}
	r := registry(t)
	for _, id := range genIDs {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			env := makeEnv(t, r, id, nil)
			single := makeEnv(t, r, id, dojo.Options{"mode": "single"})
			ctx := context.Background()
			for seed := range n {
				a, _ := func() (dojo.Action, error) { env.Reset(ctx, seed); return env.OracleAction(ctx) }()
				st, _ := env.Step(ctx, a)
				if !st.Info.Success || st.Reward < 1.5 {
					t.Fatalf("seed %d: oracle %v failed: %+v", seed, a, st.Info)
				}
				st = play(t, single, seed, dojo.TextAction("<think>easy</think><answer>"+env.task.q.SQL+"</answer>"))
				if !st.Info.Success {
					t.Fatalf("seed %d: oracle in single mode failed: %+v", seed, st.Info)
				}
				if seed%7 != 0 { // the probes on a seventh of the seeds keep the test fast
					continue
				}
				d := env.task.db.dom
				probes := []dojo.Action{
					dojo.TextAction(""),
					submitAction(""),
					submitAction("SELECT * FROM " + d.eTable),
					submitAction("DROP TABLE " + d.eTable),
					submitAction("DELETE FROM " + d.lTable),
					submitAction("UPDATE " + d.eTable + " SET " + d.eNum + " = 0"),
					submitAction("SELECT 1; DELETE FROM " + d.eTable),
					submitAction(fmt.Sprintf("SELECT * FROM %s a, %s b, %s c, %s d", d.lTable, d.lTable, d.lTable, d.lTable)),
				}
				if nw, ok := stripWhere(env.task.q.SQL); ok {
					probes = append(probes, submitAction(nw))
				}
				for _, p := range probes {
					st := play(t, env, seed, p)
					if st.Info.Success || st.Reward > 0.5 {
						t.Fatalf("seed %d: probe %v succeeded or scored %v (parts %v)", seed, p, st.Reward, st.Info.Parts)
					}
					if !st.Done() {
						t.Fatalf("seed %d: probe %v did not end the episode", seed, p)
					}
				}
				// run_sql with destructive statements answers with an error and changes nothing
				st = play(t, env, seed, dojo.MessageAction("", call("run_sql", `{"sql":"DELETE FROM `+d.eTable+`"}`)))
				if !strings.Contains(st.Obs.Messages[0].Content, "error") {
					t.Fatalf("seed %d: DELETE through run_sql: %q", seed, st.Obs.Messages[0].Content)
				}
				a, _ = env.OracleAction(ctx)
				if st, _ = env.Step(ctx, a); !st.Info.Success {
					t.Fatalf("seed %d: oracle after a DELETE attempt failed: the data changed", seed)
				}
			}
		})
	}
}

// TestCrossJoinDeadline shows that a huge cross join that no row cap stops
// (an aggregate over it) ends at the deadline and fails cleanly.
func TestCrossJoinDeadline(t *testing.T) {
	t.Parallel()
	r := registry(t)
	env := makeEnv(t, r, "sql/Retail-v0", dojo.Options{"timeout_ms": 50})
	q := "SELECT COUNT(*) FROM orders a, orders b, orders c, orders d, orders e"
	st := play(t, env, 3, dojo.MessageAction("", call("run_sql", `{"sql":"`+q+`"}`)))
	if got := st.Obs.Messages[0].Content; !strings.Contains(got, "ran out of time") {
		t.Fatalf("run_sql of a huge aggregate: %q, want a timeout note", got)
	}
	st = play(t, env, 3, submitAction(q))
	if st.Info.Success || st.Info.Parts[cExecutes].Value != 0 {
		t.Fatalf("submitting a huge aggregate: %+v", st.Info)
	}
}

func TestTools(t *testing.T) {
	t.Parallel()
	r := registry(t)
	env := makeEnv(t, r, "sql/Library-v0", dojo.Options{"max_rows": 2, "tool_budget": 2})
	st := play(t, env, 5, dojo.MessageAction("",
		call("list_tables", `{}`),
		call("describe_table", `{"table":"books"}`),
		call("run_sql", `{"sql":"SELECT title FROM books ORDER BY id"}`),
		call("describe_table", `{"table":"nope"}`),
		call("fly", `{}`)))
	msgs := st.Obs.Messages
	if len(msgs) != 5 {
		t.Fatalf("got %d tool messages, want 5", len(msgs))
	}
	for i, want := range []string{"publishers\nbooks\nmembers\nloans", "CREATE TABLE books", "(only the first 2 rows are shown)", `no table \"nope\"`, `unknown tool \"fly\"`} {
		if !strings.Contains(msgs[i].Content, want) {
			t.Errorf("message %d = %q, want it to contain %q", i, msgs[i].Content, want)
		}
	}
	if got := st.Info.Parts[cInvalid].Value; got != -2 {
		t.Errorf("invalid = %v, want -2", got)
	}
	if got := st.Info.Parts[cEfficiency].Value; got != -3 {
		t.Errorf("efficiency = %v, want -3 (5 calls, budget 2)", got)
	}
	if !st.Info.Invalid || st.Done() {
		t.Errorf("invalid %v done %v, want an invalid, continuing step", st.Info.Invalid, st.Done())
	}
	// a text <tool_call> block works as well
	st, err := env.Step(context.Background(), dojo.TextAction(`<tool_call>{"name":"run_sql","arguments":{"sql":"SELECT COUNT(*) FROM loans"}}</tool_call>`))
	if err != nil || !strings.Contains(st.Obs.Messages[0].Content, "COUNT(*)\n60") {
		t.Fatalf("text tool call: %v %+v", err, st.Obs)
	}
}

func TestExtractSQL(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"Here:\n```sql\nSELECT a FROM t;\n```\ndone", "SELECT a FROM t"},
		{"```\nSELECT 2\n```", "SELECT 2"},
		{"<think>x</think><answer> SELECT 3; </answer>", "SELECT 3"},
		{"", ""},
		{"<think>t</think><answer>```sql SELECT 4```</answer>", "SELECT 4"},
		{"```SQLite\nSELECT 5\n```", "SELECT 5"},
	} {
		if got := extractSQL(c.in); got != c.want {
			t.Errorf("extractSQL(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func FuzzExtractSQL(f *testing.F) {
	for _, s := range []string{"SELECT 1", "```sql\nSELECT 1\n```", "<answer>x</answer>", "```", "``````", "<think>a</think><answer>```sql b```</answer>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := extractSQL(s)
		if strings.TrimSpace(got) != got {
			t.Fatalf("extractSQL(%q) = %q: not trimmed", s, got)
		}
		identifiers(s)
		if think, answer, sql, ok := sqlr1Structure(s); ok && (sql == "" || !strings.Contains(s, think) || !strings.Contains(s, answer)) {
			t.Fatalf("sqlr1Structure(%q) = %q, %q, %q: parts not from the text", s, think, answer, sql)
		}
	})
}

// TestProfiles checks the arctic and sqlr1 presets on a correct, a running
// but wrong, and a failing submission.
func TestProfiles(t *testing.T) {
	t.Parallel()
	r := registry(t)
	for _, c := range []struct {
		profile          string
		good, wrong, bad float64
	}{
		{"arctic", 1, 0.1, 0},
		{"sqlr1", 6, 0, -1},
		{"sparse", 1, 0, 0},
	} {
		env := makeEnv(t, r, "sql/HR-v0", dojo.Options{"reward": c.profile})
		play(t, env, 9)
		gold := env.task.q.SQL
		for _, x := range []struct {
			sql  string
			want float64
		}{{gold, c.good}, {"SELECT 12345", c.wrong}, {"SELEC nonsense", c.bad}} {
			if st := play(t, env, 9, submitAction(x.sql)); st.Reward != x.want {
				t.Errorf("%s: %q scored %v, want %v", c.profile, x.sql, st.Reward, x.want)
			}
		}
	}
}

func TestRewardParts(t *testing.T) {
	t.Parallel()
	gold := &Result{Columns: []string{"a", "b"}, Rows: [][]any{{int64(1), "x"}, {int64(2), "y"}}}
	pred := &Result{Columns: []string{"a"}, Rows: [][]any{{1.0}, {int64(2)}}}
	// rows: no pred row equals a gold row (F1 0); columns: a matches (P 1, R 1/2: F1 2/3)
	if got, want := overlap(gold, pred), (0+2.0/3)/2; got != want {
		t.Errorf("overlap = %v, want %v", got, want)
	}
	tables, cols := []string{"products", "suppliers"}, []string{"id", "name", "price", "supplier_id"}
	g := "SELECT products.name FROM products JOIN suppliers ON products.supplier_id = suppliers.id WHERE suppliers.name = 'price'"
	if got := schemaF1(tables, cols, g, "SELECT name FROM products"); got != f1(2, 2, 5) {
		t.Errorf("schemaF1 = %v, want %v", got, f1(2, 2, 5))
	}
}

func TestVerifyTask(t *testing.T) {
	t.Parallel()
	r := registry(t)
	env := makeEnv(t, r, "sql/Generated-v0", nil)
	ctx := context.Background()
	for seed := range uint64(50) {
		task0, err := env.GenerateTask(ctx, seed)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(task0)
		var task dojo.Task // as dojo gen writes it and dojo verify reads it
		if err := json.Unmarshal(b, &task); err != nil {
			t.Fatal(err)
		}
		var vb verifyBlock
		if err := json.Unmarshal(task.Verify, &vb); err != nil {
			t.Fatal(err)
		}
		s, err := env.VerifyTask(ctx, task, dojo.Response{Text: "```sql\n" + vb.GoldSQL + "\n```"})
		if err != nil || !s.Success {
			t.Fatalf("seed %d: gold scored %+v, %v", seed, s, err)
		}
		s, err = env.VerifyTask(ctx, task, dojo.Response{Messages: []dojo.Message{{Role: "assistant", ToolCalls: []dojo.ToolCall{call("list_tables", "{}")}}, {Role: "tool", Content: "x"}, {Role: "assistant", Content: "<answer>" + vb.GoldSQL + "</answer>"}}})
		if err != nil || !s.Success {
			t.Fatalf("seed %d: gold in messages scored %+v, %v", seed, s, err)
		}
		task.Verify = nil
		if s, err = env.VerifyTask(ctx, task, dojo.Response{Text: "SELECT 1"}); err != nil || s.Success {
			t.Fatalf("seed %d: SELECT 1 scored %+v, %v", seed, s, err)
		}
	}
	if _, err := env.VerifyTask(ctx, dojo.Task{Verify: json.RawMessage(`{"domain":"mars"}`)}, dojo.Response{}); err == nil {
		t.Error("a verify block with an unknown domain was accepted")
	}
}

// TestMatchOptions plays the oracle with bird matching and with DISTINCT
// kept, and a reordered gold where order does not matter.
func TestMatchOptions(t *testing.T) {
	t.Parallel()
	r := registry(t)
	for _, opts := range []dojo.Options{{"match_mode": "bird"}, {"keep_distinct": true}, {"mode": "single", "match_mode": "bird"}} {
		env := makeEnv(t, r, "sql/Generated-v0", opts)
		ctx := context.Background()
		for seed := range uint64(100) {
			env.Reset(ctx, seed)
			a, _ := env.OracleAction(ctx)
			if st, _ := env.Step(ctx, a); !st.Info.Success {
				t.Fatalf("%v seed %d: oracle failed: %+v", opts, seed, st.Info)
			}
		}
	}
}

// TestTerminatePolicy ends the episode after max_invalid invalid calls.
func TestTerminatePolicy(t *testing.T) {
	t.Parallel()
	r := registry(t)
	env := makeEnv(t, r, "sql/School-v0", dojo.Options{"invalid_action": "terminate", "max_invalid": 2})
	st := play(t, env, 2, dojo.MessageAction("", call("nope", `{}`)))
	if st.Done() || !st.Info.Invalid {
		t.Fatalf("first invalid call: done %v invalid %v, want an invalid, continuing step", st.Done(), st.Info.Invalid)
	}
	st, err := env.Step(context.Background(), dojo.MessageAction("", call("describe_table", `{"table":"x"}`)))
	if err != nil || !st.Terminated || st.Info.Success {
		t.Fatalf("second invalid call: %v %+v, want a failed termination", err, st)
	}
	if _, err := env.Step(context.Background(), dojo.TextAction("SELECT 1")); err == nil {
		t.Fatal("Step after the end succeeded")
	}
}

// TestSQLR1Text scores SQL-R1's text format in single mode: format,
// execution, result and the length term of a correct answer.
func TestSQLR1Text(t *testing.T) {
	t.Parallel()
	r := registry(t)
	env := makeEnv(t, r, "sql/Retail-v0", dojo.Options{"mode": "single", "reward": "sqlr1"})
	play(t, env, 4)
	gold := env.task.q.SQL
	think, answer := "the question asks for it", "```sql\n"+gold+"\n```"
	st := play(t, env, 4, dojo.TextAction("<think>"+think+"</think>\n<answer>"+answer+"</answer>"))
	want := 1 + 2 + 3 + 0.5*float64(len(think)+len(answer))/2048 + float64(len(strings.Join(strings.Fields(gold), " ")))/float64(len(answer))
	if !st.Info.Success || st.Reward != want {
		t.Fatalf("SQL-R1 formatted gold: success %v reward %v, want %v", st.Info.Success, st.Reward, want)
	}
	if st := play(t, env, 4, dojo.TextAction("```sql\n"+gold+"\n```")); !st.Info.Success || st.Reward != -1 {
		t.Fatalf("gold without SQL-R1's tags: success %v reward %v, want success and -1 (format only)", st.Info.Success, st.Reward)
	}
}
