package shop

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
	"github.com/dojo-rl/dojo/protocol"
)

// shopGoldenCases are the options and seeds of the golden episodes and
// tasks.
var shopGoldenCases = []struct {
	opts dojo.Options
	seed uint64
}{
	{nil, 0},
	{nil, 7},
	{dojo.Options{"action_format": "tools", "reward": "shaped"}, 3},
	{dojo.Options{"observation": "simple", "products": 200, "variants": 0}, 12},
	{dojo.Options{"goal_attributes": 3, "paraphrase": 1.0, "catalog_seed": 9, "show_attrs": true}, 5},
}

// TestShopGoldenEpisodes pins whole episodes byte for byte: the oracle's,
// and one of detours and mistakes (paging, a sub-page, an invalid click,
// going back, buying without all options).
func TestShopGoldenEpisodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var b bytes.Buffer
	write := func(label string, v any) {
		line, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(label + " ")
		b.Write(line)
		b.WriteByte('\n')
	}
	for _, c := range shopGoldenCases {
		env := makeShop(t, c.opts)
		for _, kind := range []string{"oracle", "detours"} {
			obs, info, err := env.Reset(ctx, c.seed)
			if err != nil {
				t.Fatal(err)
			}
			write(kind+" "+optionsLabel(c.opts)+" seed "+itoa(int(c.seed))+" reset", struct {
				Obs  dojo.Obs  `json:"observation"`
				Info dojo.Info `json:"info"`
			}{obs, info})
			detours := []string{"search[" + strings.Join(strings.Fields(env.g.Instruction)[:5], " ") + "]", "click[next >]", "click[< prev]", "click[nothing here]"}
			for i := 0; ; i++ {
				var a dojo.Action
				switch {
				case kind == "detours" && i < len(detours):
					a = dojo.TextAction(detours[i])
				case kind == "detours" && env.ep.page == pageItem && env.ep.item == env.ep.target && len(env.ep.chosen) > 0:
					a = dojo.TextAction("click[Features]")
					if env.ep.steps > 8 {
						a = dojo.TextAction("click[buy now]")
					}
				default:
					a, err = env.OracleAction(ctx)
					if err != nil {
						t.Fatal(err)
					}
				}
				st, err := env.Step(ctx, a)
				if err != nil {
					t.Fatal(err)
				}
				write("step", struct {
					Action dojo.Action `json:"action"`
					Step   dojo.Step   `json:"step"`
				}{a, st})
				if st.Done() {
					break
				}
			}
		}
	}
	dojotest.Golden(t, filepath.Join("testdata", "shop_episodes.jsonl"), b.Bytes(), updateGolden())
}

// TestShopGoldenTasks pins generated tasks byte for byte.
func TestShopGoldenTasks(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	for _, c := range shopGoldenCases {
		task, err := makeShop(t, c.opts).GenerateTask(context.Background(), c.seed)
		if err != nil {
			t.Fatal(err)
		}
		line, err := json.Marshal(task)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	dojotest.Golden(t, filepath.Join("testdata", "shop_tasks.jsonl"), b.Bytes(), updateGolden())
}

// TestShopTaskMatchesReset checks that a task's prompt is what Reset shows,
// and that generation is deterministic.
func TestShopTaskMatchesReset(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, opts := range []dojo.Options{nil, {"action_format": "tools"}} {
		env := makeShop(t, opts)
		for seed := range uint64(20) {
			a, err := env.GenerateTask(ctx, seed)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := env.GenerateTask(ctx, seed)
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if !bytes.Equal(ja, jb) {
				t.Fatalf("seed %d: two generations differ", seed)
			}
			obs, _, err := env.Reset(ctx, seed)
			if err != nil {
				t.Fatal(err)
			}
			jp, _ := json.Marshal(obs.Messages)
			jt, _ := json.Marshal(a.Prompt)
			if !bytes.Equal(jp, jt) {
				t.Fatalf("seed %d: Reset's messages differ from the task's prompt", seed)
			}
			if (opts != nil) != (len(a.Tools) == 2) {
				t.Errorf("seed %d: %d tools", seed, len(a.Tools))
			}
		}
	}
}

// TestShopVerify scores responses by replaying their actions: the oracle's
// plan as text, as assistant turns with text or tool calls, partial and
// empty responses, and malformed verify blocks.
func TestShopVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	env := makeShop(t, nil)
	for seed := range uint64(30) {
		task, err := env.GenerateTask(ctx, seed)
		if err != nil {
			t.Fatal(err)
		}
		shopPlay(t, env, seed)
		plan := goldPlan(env)
		var turns, calls []dojo.Message
		for i, a := range plan {
			turns = append(turns, dojo.Message{Role: "assistant", Content: "Thought: step " + itoa(i) + ".\nAction: " + a.String()},
				dojo.Message{Role: "user", Content: "(the page)"})
			calls = append(calls, dojo.Message{Role: "assistant", ToolCalls: []dojo.ToolCall{toolCallOf(a, "c"+itoa(i))}})
		}
		for name, r := range map[string]dojo.Response{
			"plan":  {Text: joinActions(plan)},
			"turns": {Messages: turns},
			"calls": {Messages: calls},
		} {
			s, err := env.VerifyTask(ctx, task, r)
			if err != nil {
				t.Fatal(err)
			}
			if !s.Success || s.Reward != 1 || s.Error != "" || s.Parts[cStepCost].Value != -float64(len(plan)) {
				t.Fatalf("seed %d %s: %+v", seed, name, s)
			}
		}
		// without options: not a success; WebShop's partial score
		var noOpts []action
		for _, a := range plan {
			if a.verb == "search" || a.arg == btnNext || a.arg == btnPrev || a.arg == env.g.ASIN || a.arg == btnBuy {
				noOpts = append(noOpts, a)
			}
		}
		s, _ := env.VerifyTask(ctx, task, dojo.Response{Text: joinActions(noOpts)})
		if s.Success || s.Reward <= 0 || s.Reward >= 1 {
			t.Errorf("seed %d: buying without options: %+v", seed, s)
		}
	}
	task, _ := env.GenerateTask(ctx, 1)
	for _, c := range []struct {
		resp dojo.Response
		want string
	}{
		{dojo.Response{Text: ""}, "empty action"},
		{dojo.Response{Text: "I would buy the jacket."}, "no action in"},
		{dojo.Response{Messages: []dojo.Message{{Role: "user", Content: "hi"}}}, "no assistant turn"},
	} {
		s, err := env.VerifyTask(ctx, task, c.resp)
		if err != nil || s.Success || !strings.Contains(s.Error, c.want) || s.Reward != 0 {
			t.Errorf("%+v: %+v, %v; want an error note containing %q", c.resp, s, err, c.want)
		}
	}
	// a response that never buys scores WebShop's 0 and no success
	if s, _ := env.VerifyTask(ctx, task, dojo.Response{Text: "search[anything]\nclick[next >]"}); s.Success || s.Parts[cWebShop].Value != 0 {
		t.Errorf("no purchase: %+v", s)
	}
	// the gold is rebuilt from the seed without a verify block
	bare := task
	bare.Verify = nil
	shopPlay(t, env, 1)
	if s, err := env.VerifyTask(ctx, bare, dojo.Response{Text: joinActions(goldPlan(env))}); err != nil || !s.Success {
		t.Errorf("without verify block: %+v %v", s, err)
	}
	for _, c := range []struct {
		change func(*verifyBlock)
		raw    string
		want   string
	}{
		{func(v *verifyBlock) { v.CatalogHash = "0000" }, "", "does not hash to catalog_hash"},
		{func(v *verifyBlock) { v.Goal.ASIN = "B0NOPE" }, "", `the goal's product "B0NOPE" is not in the catalog`},
		{func(v *verifyBlock) { v.Catalog.Products = 10 << 20 }, "", "want 50..100000"},
		{nil, `{"catalog": {}, "extra": 1}`, `unknown field "extra"`},
		{nil, `[1, 2]`, "verify block"},
	} {
		bad := task
		if c.change != nil {
			var vb verifyBlock
			json.Unmarshal(task.Verify, &vb)
			c.change(&vb)
			bad.Verify, _ = json.Marshal(vb)
		} else {
			bad.Verify = json.RawMessage(c.raw)
		}
		if _, err := env.VerifyTask(ctx, bad, dojo.Response{Text: "click[buy now]"}); err == nil || !strings.Contains(err.Error(), c.want) || dojo.ErrorCode(err) != dojo.CodeInvalid {
			t.Errorf("verify block %s: error %v, want one containing %q", bad.Verify, err, c.want)
		}
	}
}

// TestShopTaskProtocol runs the dojo gen / dojo verify path: tasks written
// by protocol.GenerateTasks, responses scored by protocol.VerifyResponses.
func TestShopTaskProtocol(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	reg := shopRegistry(t)
	var tasks bytes.Buffer
	if err := protocol.GenerateTasks(ctx, reg, ID, dojo.Options{"products": 200}, 40, 5, &tasks); err != nil {
		t.Fatal(err)
	}
	env := makeShop(t, dojo.Options{"products": 200})
	var responses bytes.Buffer
	for line := range bytes.Lines(tasks.Bytes()) {
		var task dojo.Task
		if err := json.Unmarshal(line, &task); err != nil {
			t.Fatal(err)
		}
		shopPlay(t, env, task.Seed)
		b, _ := json.Marshal(map[string]string{"id": task.ID, "response": joinActions(goldPlan(env))})
		responses.Write(append(b, '\n'))
		b, _ = json.Marshal(map[string]string{"id": task.ID, "response": "click[buy now]"})
		responses.Write(append(b, '\n'))
	}
	var out bytes.Buffer
	// Two responses per task, on purpose: every copy is scored.
	sum, err := protocol.VerifyResponses(ctx, reg, &tasks, &responses, &out, protocol.VerifyConfig{AllowDuplicates: true}, func(e *protocol.LineError) { t.Error(e) })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Scored != 10 || sum.SuccessRate != 0.5 {
		t.Fatalf("summary %+v, want 10 scored, half successes", sum)
	}
	if got := strings.Count(out.String(), `"success":true`); got != 5 {
		t.Errorf("%d successes in the scores:\n%s", got, out.String())
	}
}

// joinActions writes actions as a text plan, one per line.
func joinActions(acts []action) string {
	var b strings.Builder
	for i, a := range acts {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(a.String())
	}
	return b.String()
}
