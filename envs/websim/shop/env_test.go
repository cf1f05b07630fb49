package shop

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/dojotest"
	"github.com/dojo-rl/dojo/internal/race"
)

func shopRegistry(t testing.TB) *dojo.Registry {
	t.Helper()
	var r dojo.Registry
	if err := Register(&r); err != nil {
		t.Fatal(err)
	}
	return &r
}

func makeShop(t testing.TB, opts dojo.Options) *Env {
	t.Helper()
	env, err := shopRegistry(t).Make(ID, opts)
	if err != nil {
		t.Fatal(err)
	}
	return env.(*Env)
}

// shopPlay resets env to seed and takes the actions (text actions written
// as strings), failing on an error; it returns the last step.
func shopPlay(t testing.TB, env *Env, seed uint64, acts ...string) dojo.Step {
	t.Helper()
	ctx := context.Background()
	if _, _, err := env.Reset(ctx, seed); err != nil {
		t.Fatal(err)
	}
	var st dojo.Step
	for _, a := range acts {
		var err error
		if st, err = env.Step(ctx, dojo.TextAction(a)); err != nil {
			t.Fatalf("Step(%q): %v", a, err)
		}
	}
	return st
}

func TestShopCheckEnv(t *testing.T) {
	t.Parallel()
	for _, opts := range []dojo.Options{
		nil,
		{"action_format": "tools"},
		{"observation": "simple", "show_attrs": true},
		{"invalid_action": "terminate", "max_invalid": 2},
		{"products": 100, "variants": 0, "goal_attributes": 3, "reward": "shaped"},
		{"catalog_seed": 5, "max_steps": 10, "paraphrase": 1.0, "reward": "sparse"},
	} {
		t.Run(optionsLabel(opts), func(t *testing.T) {
			t.Parallel()
			dojotest.CheckEnv(t, makeShop(t, opts))
		})
	}
}

func optionsLabel(o dojo.Options) string {
	if len(o) == 0 {
		return "default"
	}
	b, _ := json.Marshal(o)
	return string(b)
}

// episodeOf plays one episode of a policy from seed and returns whether
// it succeeded, WebShop's score and the episode's return.
func episodeOf(t testing.TB, env *Env, seed uint64, policy func() (dojo.Action, error)) (bool, float64, float64) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := env.Reset(ctx, seed); err != nil {
		t.Fatal(err)
	}
	ret := 0.0
	for {
		a, err := policy()
		if err != nil {
			t.Fatal(err)
		}
		st, err := env.Step(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		ret += st.Reward
		if st.Done() {
			return st.Info.Success, st.Info.Parts[cWebShop].Value, ret
		}
	}
}

// TestShopOracleAndProbes plays the oracle on many seeds (it must reach
// WebShop's score 1 every time) and the baselines and hack probes (which
// must not): buying the first result of the first search, buying the
// target without choosing options, clicking every button, buying the
// cheapest result, clicking at random; the top-result baseline (WebShop's
// rule baseline with the instruction's option values) must stay well below
// the oracle.
func TestShopOracleAndProbes(t *testing.T) {
	t.Parallel()
	n := uint64(2000)
	if race.Enabled {
		n = 100
	}
	ctx := context.Background()
	for _, opts := range []dojo.Options{nil, {"action_format": "tools", "variants": 0, "catalog_seed": 3}} {
		t.Run(optionsLabel(opts), func(t *testing.T) {
			t.Parallel()
			env := makeShop(t, opts)
			type tally struct {
				wins  int
				score float64
			}
			probes := map[string]*tally{}
			for _, name := range append(env.Baselines(), "no-options") {
				probes[name] = &tally{}
			}
			for seed := range n {
				ok, score, ret := episodeOf(t, env, seed, func() (dojo.Action, error) { return env.OracleAction(ctx) })
				if !ok || score != 1 || ret != 1 {
					t.Fatalf("seed %d: oracle success %v, score %v, return %v", seed, ok, score, ret)
				}
				if seed%4 != 0 && !race.Enabled { // the probes on a quarter of the seeds keep the test fast
					continue
				}
				for _, name := range env.Baselines() {
					ok, score, _ := episodeOf(t, env, seed, func() (dojo.Action, error) { return env.BaselineAction(ctx, name) })
					probes[name].score += score
					if ok {
						probes[name].wins++
					}
				}
				// the oracle's path, but buying without choosing options
				ok, score, _ = episodeOf(t, env, seed, func() (dojo.Action, error) {
					if env.ep.page == pageItem && env.ep.item == env.ep.target {
						return env.actionOf(action{"click", btnBuy}), nil
					}
					return env.OracleAction(ctx)
				})
				probes["no-options"].score += score
				if ok {
					probes["no-options"].wins++
				}
			}
			played := float64((n + 3) / 4)
			if race.Enabled {
				played = float64(n)
			}
			for name, limit := range map[string]float64{"first-result": 0, "no-options": 0, "cheapest": 0, "random-click": 0.02, "click-all": 0.12, "top-result": 0.75} {
				rate := float64(probes[name].wins) / played
				t.Logf("%-12s success %.3f, mean score %.3f", name, rate, probes[name].score/played)
				if rate > limit {
					t.Errorf("%s succeeded on %.1f%% of %v seeds, want at most %.0f%%", name, 100*rate, played, 100*limit)
				}
			}
			if probes["top-result"].wins == 0 {
				t.Errorf("top-result never succeeded: the instructions do not describe their targets")
			}
		})
	}
}

// TestShopPages walks the pages of one session: searching, paging through
// results, an item with its options and sub-pages, going back (which
// forgets the options, as in WebShop) and buying.
func TestShopPages(t *testing.T) {
	t.Parallel()
	env := makeShop(t, dojo.Options{"show_attrs": true, "max_steps": 40})
	ctx := context.Background()
	obs, info, err := env.Reset(ctx, 11)
	if err != nil {
		t.Fatal(err)
	}
	instr := env.g.Instruction
	if info.Extra["instruction"] != instr || !strings.Contains(obs.Text, "Instruction:\n"+instr+"\n[Search]") {
		t.Fatalf("search page %q, info %v", obs.Text, info.Extra)
	}
	if len(obs.Messages) != 2 || obs.Messages[0].Role != "system" || obs.Messages[1].Content != obs.Text {
		t.Fatalf("reset messages %+v", obs.Messages)
	}
	v := obs.Value.(*view)
	if v.Page != "search" || !v.HasSearchBar || len(v.Clickables) != 0 {
		t.Fatalf("search page view %+v", v)
	}
	step := func(a string) dojo.Step {
		t.Helper()
		st, err := env.Step(ctx, dojo.TextAction(a))
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	st := step("search[" + env.g.ASIN + " " + strings.Join(strings.Fields(env.g.Instruction)[2:6], " ") + "]")
	if st.Info.Invalid || !strings.Contains(st.Obs.Text, "Page 1 (1-10) of 50 total results\n[Next >]\n[B0") {
		t.Fatalf("results page: %+v\n%s", st.Info, st.Obs.Text)
	}
	if strings.Contains(st.Obs.Text, "[< Prev]") || st.Obs.Messages[0].Role != "user" || st.Obs.Messages[0].Content != st.Obs.Text {
		t.Errorf("first results page shows < Prev, or its message is not the page: %+v", st.Obs.Messages)
	}
	v = st.Obs.Value.(*view)
	if v.Page != "results" || v.HasSearchBar || len(v.Clickables) != 12 || v.Clickables[0] != "back to search" || v.Clickables[1] != "next >" {
		t.Fatalf("results view %+v", v)
	}
	for p := 2; p <= 5; p++ {
		st = step("click[Next >]")
		if !strings.Contains(st.Obs.Text, "[< Prev]") || st.Info.Invalid {
			t.Fatalf("page %d: %s", p, st.Obs.Text)
		}
	}
	if !strings.Contains(st.Obs.Text, "Page 5 (41-50) of 50 total results\n[< Prev]\n") {
		t.Fatalf("last page: %s", st.Obs.Text)
	}
	if st = step("click[next >]"); !st.Info.Invalid || !strings.Contains(st.Info.Error, `"next >" is not a button of this page`) {
		t.Errorf("Next > on the last page: %+v", st.Info)
	}
	st = step("click[< prev]")
	first := env.ep.pageResultsShown()[0]
	p := &env.c.products[first]
	st = step("click[" + strings.ToLower(p.ASIN) + "]")
	if !strings.Contains(st.Obs.Text, p.Title+"\nPrice: "+p.priceText()+"\nRating: "+p.rating()+"\n[Description] [Features] [Reviews] [Attributes] [Buy Now]") {
		t.Fatalf("item page: %s", st.Obs.Text)
	}
	o := p.Options[0]
	st = step("click[" + o.Values[len(o.Values)-1] + "]")
	if !strings.Contains(st.Obs.Text, "(selected: "+o.Values[len(o.Values)-1]+")") {
		t.Fatalf("option not shown selected: %s", st.Obs.Text)
	}
	st = step("click[" + o.Values[0] + "]")
	if !strings.Contains(st.Obs.Text, "(selected: "+o.Values[0]+")") || len(env.ep.chosen) != 1 {
		t.Fatalf("option not replaced: %s (%v)", st.Obs.Text, env.ep.chosen)
	}
	for _, sub := range []struct{ button, want string }{
		{"Description", p.Description}, {"Features", p.Features[0]}, {"Attributes", p.Attributes[0]}, {"Reviews", ""},
	} {
		st = step("click[" + sub.button + "]")
		if !strings.Contains(st.Obs.Text, "[Back to Search] [< Prev]\n"+sub.want) || st.Obs.Value.(*view).Page != "item_sub" {
			t.Fatalf("%s page: %s", sub.button, st.Obs.Text)
		}
		step("click[< Prev]")
	}
	if len(env.ep.chosen) != 1 {
		t.Errorf("sub-pages forgot the chosen option")
	}
	step("click[< Prev]") // back to the results: options are forgotten
	step("click[" + p.ASIN + "]")
	if len(env.ep.chosen) != 0 || strings.Contains(env.renderPage(""), "selected") {
		t.Errorf("options survived going back to the results")
	}
	st = step("click[Back to Search]")
	if st.Obs.Value.(*view).Page != "search" {
		t.Fatalf("Back to Search: %s", st.Obs.Text)
	}
	st = step("search[" + env.g.Instruction + "]")
	for !st.Done() {
		a, _ := env.OracleAction(ctx)
		st, _ = env.Step(ctx, a)
	}
	if !st.Terminated || !st.Info.Success || st.Info.Extra["asin"] != env.g.ASIN || st.Info.Extra["target"] != env.g.ASIN {
		t.Fatalf("purchase: %+v", st.Info)
	}
	if !strings.HasPrefix(st.Obs.Text, "Thank you for shopping with us!\nYou bought "+env.g.ASIN) || !strings.HasSuffix(st.Obs.Text, "Your score (min 0.0, max 1.0): 1") {
		t.Errorf("done page: %s", st.Obs.Text)
	}
	if _, err := env.Step(ctx, dojo.TextAction("click[back to search]")); dojo.ErrorCode(err) != dojo.CodeState {
		t.Errorf("step after buying: %v", err)
	}
}

// TestShopInvalidActions checks that bad actions change nothing, say what
// was wrong, and score invalid −1.
func TestShopInvalidActions(t *testing.T) {
	t.Parallel()
	env := makeShop(t, dojo.Options{"reward": "shaped"})
	for _, c := range []struct {
		before []string
		act    string
		want   string
	}{
		{nil, "", "empty action"},
		{nil, "buy it now", `no action in "buy it now"`},
		{nil, "search[]", "search[] needs a query"},
		{nil, "search[rain jacket", "search[ is never closed"},
		{nil, "click[Search]", "the Search button needs a query"},
		{nil, "click[Buy Now]", `"buy now" is not a button of this page (buttons: )`},
		{[]string{"search[rain jacket]"}, "search[boots]", "there is no search box on the results page: click[Back to Search]"},
		{[]string{"search[rain jacket]"}, "click[< Prev]", `"< prev" is not a button of this page (buttons: back to search, next >, b0`},
		{[]string{"search[rain jacket]"}, "click[B000000000]", `"b000000000" is not a button of this page`},
		{[]string{"search[rain jacket]"}, "click[]", "click[] needs a button"},
		{[]string{"search[qwertyuiop]"}, "click[next >]", `"next >" is not a button of this page (buttons: back to search)`},
	} {
		t.Run(c.act, func(t *testing.T) {
			st := shopPlay(t, env, 4, c.before...)
			before := env.renderPage("")
			st, err := env.Step(context.Background(), dojo.TextAction(c.act))
			if err != nil {
				t.Fatal(err)
			}
			if !st.Info.Invalid || !strings.Contains(st.Info.Error, c.want) {
				t.Fatalf("invalid %v, error %q; want it to contain %q", st.Info.Invalid, st.Info.Error, c.want)
			}
			if st.Obs.Text != "Invalid action: "+st.Info.Error+"\n"+before {
				t.Errorf("observation %q, want the error and the unchanged page", st.Obs.Text)
			}
			if st.Done() || st.Info.Parts[cInvalid].Value != -1 || st.Info.Parts[cStepCost].Value != -1 {
				t.Errorf("done %v, parts %v", st.Done(), st.Info.Parts)
			}
			if want := -0.1; math.Abs(st.Reward-want) > 1e-12 { // the invalid penalty; no step cost in shaped
				t.Errorf("shaped reward of an invalid action %v, want %v", st.Reward, want)
			}
		})
	}
	// a page where nothing matches the query: no results, only Back to Search
	st := shopPlay(t, env, 4, "search[qwertyuiop]")
	if !strings.Contains(st.Obs.Text, "[Back to Search]\nNo results: try other words.") {
		t.Errorf("empty results page: %s", st.Obs.Text)
	}
}

// TestShopActionForms checks the forms a language agent may use: reasoning
// before the action, an <answer> block, brackets copied from the page, any
// case, think[...], tool calls (in order, several per turn, as text
// blocks), and indices into the clickables.
func TestShopActionForms(t *testing.T) {
	t.Parallel()
	env := makeShop(t, nil)
	ctx := context.Background()
	st := shopPlay(t, env, 2, "Thought: the instruction wants a product.\nAction: search[rain jacket]")
	if st.Info.Invalid || env.ep.page != pageResults || env.ep.keywords != "rain jacket" {
		t.Fatalf("reasoned search: %+v", st.Info)
	}
	asin := env.c.products[env.ep.results[0]].ASIN
	for _, form := range []string{"<answer>click[" + asin + "]</answer>", "CLICK[[" + asin + "]]", "click[\"" + strings.ToLower(asin) + "\"]"} {
		st = shopPlay(t, env, 2, "search[rain jacket]", form)
		if st.Info.Invalid || env.ep.page != pageItem {
			t.Errorf("%q: %+v", form, st.Info)
		}
	}
	st = shopPlay(t, env, 2, "think[I should look for the jacket first]")
	if st.Info.Invalid || !strings.HasPrefix(st.Obs.Text, "OK.\nWebShop") || env.ep.steps != 1 {
		t.Errorf("think: %+v %q", st.Info, st.Obs.Text)
	}
	// index actions click the view's clickables
	shopPlay(t, env, 2, "search[rain jacket]")
	if st, _ = env.Step(ctx, dojo.IndexAction(2)); st.Info.Invalid || env.ep.page != pageItem {
		t.Errorf("index 2 on results: %+v", st.Info)
	}
	if st, _ = env.Step(ctx, dojo.IndexAction(99)); !st.Info.Invalid || !strings.Contains(st.Info.Error, "index 99 is not one of the page's") {
		t.Errorf("index 99: %+v", st.Info)
	}
	// tool calls: several in one turn run in order, one action each; after
	// the purchase the rest are not run
	shopPlay(t, env, 2)
	g := env.g
	var calls []dojo.ToolCall
	for _, a := range goldPlan(env) {
		calls = append(calls, toolCallOf(a, "c"+itoa(len(calls))))
	}
	calls = append(calls, toolCallOf(action{"click", btnBackSearch}, "late"))
	st, err := env.Step(ctx, dojo.MessageAction("", calls...))
	if err != nil {
		t.Fatal(err)
	}
	if !st.Info.Success || len(st.Obs.Messages) != len(calls) || st.Obs.Messages[len(calls)-1].Content != "Not run: the session ended before this call." {
		t.Fatalf("tool turn: %+v, %d messages", st.Info, len(st.Obs.Messages))
	}
	for i, m := range st.Obs.Messages {
		if m.Role != "tool" || m.ToolCallID != calls[i].ID || m.Name != calls[i].Name {
			t.Errorf("message %d: %+v", i, m)
		}
	}
	if got := st.Info.Parts[cStepCost].Value; got != -float64(len(calls)-1) {
		t.Errorf("step_cost %v over %d calls", got, len(calls)-1)
	}
	_ = g
	// bad tool calls are invalid actions, named
	for _, c := range []struct{ call, want string }{
		{`{"name":"search","arguments":{}}`, `search: missing argument "query"`},
		{`{"name":"click","arguments":{"button":3}}`, `click: argument "button" is 3, not a string`},
		{`{"name":"click","arguments":{"label":"x"}}`, `click: unknown argument "label"`},
		{`{"name":"buy","arguments":{}}`, `unknown tool "buy"`},
		{`{"name":"click","arguments":"[1]"}`, "click: arguments [1] are not a JSON object"},
	} {
		var call dojo.ToolCall
		if err := json.Unmarshal([]byte(c.call), &call); err != nil {
			t.Fatal(err)
		}
		shopPlay(t, env, 2)
		st, _ := env.Step(ctx, dojo.MessageAction("", call))
		if !st.Info.Invalid || !strings.Contains(st.Info.Error, c.want) || st.Obs.Messages[0].Role != "tool" {
			t.Errorf("%s: %+v", c.call, st.Info)
		}
	}
	// <tool_call> blocks in a text action
	shopPlay(t, env, 2)
	st, _ = env.Step(ctx, dojo.TextAction(`<tool_call>{"name": "search", "arguments": {"query": "rain jacket"}}</tool_call>`))
	if st.Info.Invalid || env.ep.page != pageResults {
		t.Errorf("text tool call: %+v", st.Info)
	}
}

// goldPlan returns the oracle's actions for env's current session, played
// on a copy of it.
func goldPlan(env *Env) []action {
	ep := newEpisode(env.c, env.g, env.showAttrs)
	var out []action
	for !ep.done() && len(out) < 50 {
		a := ep.oracle()
		out = append(out, a)
		ep.act(a)
	}
	return out
}

// TestShopLimits checks truncation at max_steps and termination after
// max_invalid invalid actions with invalid_action=terminate.
func TestShopLimits(t *testing.T) {
	t.Parallel()
	env := makeShop(t, dojo.Options{"max_steps": 3})
	st := shopPlay(t, env, 1, "search[rain jacket]", "click[next >]")
	if st.Done() {
		t.Fatalf("done after 2 of 3 steps")
	}
	st, _ = env.Step(context.Background(), dojo.TextAction("click[next >]"))
	if !st.Truncated || st.Terminated || st.Info.Success {
		t.Fatalf("third step: %+v", st)
	}
	env = makeShop(t, dojo.Options{"invalid_action": "terminate", "max_invalid": 2})
	if st = shopPlay(t, env, 1, "nonsense"); st.Done() {
		t.Fatalf("done after one invalid action of two")
	}
	if st, _ = env.Step(context.Background(), dojo.TextAction("more nonsense")); !st.Terminated || st.Info.Success {
		t.Fatalf("second invalid action: %+v", st)
	}
}

// TestShopRewardProfiles checks the profiles on the oracle's purchase and
// that the progress shaping sums to zero over a finished episode.
func TestShopRewardProfiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []struct {
		profile string
		want    float64 // the episode's return
	}{
		{"webshop", 1},
		{"", 1},
		{"sparse", 1},
	} {
		env := makeShop(t, dojo.Options{"reward": c.profile})
		if c.profile == "" {
			env = makeShop(t, nil)
		}
		ok, _, ret := episodeOf(t, env, 21, func() (dojo.Action, error) { return env.OracleAction(ctx) })
		if !ok || ret != c.want {
			t.Errorf("%q: success %v, return %v, want %v", c.profile, ok, ret, c.want)
		}
	}
	env := makeShop(t, dojo.Options{"reward": "shaped"})
	if _, _, err := env.Reset(ctx, 21); err != nil {
		t.Fatal(err)
	}
	steps, progress, ret := 0, 0.0, 0.0
	for {
		a, _ := env.OracleAction(ctx)
		st, _ := env.Step(ctx, a)
		steps++
		progress += st.Info.Parts[cProgress].Value
		ret += st.Reward
		if st.Done() {
			break
		}
	}
	if math.Abs(progress) > 1e-12 {
		t.Errorf("progress sums to %v over a finished episode, want 0", progress)
	}
	if want := 1.0; math.Abs(ret-want) > 1e-9 {
		t.Errorf("shaped return %v, want %v (score 1; shaped has no step cost)", ret, want)
	}
	// An episode truncated on the target's page, where Φ > 0: the last
	// step takes Φ(s') = 0, so progress still sums to 0.
	for _, maxSteps := range []int{1, 2, 3} {
		env := makeShop(t, dojo.Options{"reward": "shaped", "max_steps": maxSteps})
		if _, _, err := env.Reset(ctx, 21); err != nil {
			t.Fatal(err)
		}
		progress, ret := 0.0, 0.0
		for {
			a, _ := env.OracleAction(ctx)
			st, _ := env.Step(ctx, a)
			progress += st.Info.Parts[cProgress].Value
			ret += st.Reward
			if st.Done() {
				if !st.Truncated || st.Info.Success {
					t.Fatalf("max_steps %d: the oracle's episode ended with %+v, want truncated", maxSteps, st)
				}
				break
			}
		}
		if math.Abs(progress) > 1e-12 || math.Abs(ret) > 1e-12 {
			t.Errorf("max_steps %d: progress sums to %v and the shaped return is %v over a truncated episode, want 0", maxSteps, progress, ret)
		}
	}
	// no options chosen: the score counts attributes and price only
	shopPlay(t, env, 21)
	for env.ep.page != pageItem || env.ep.item != env.ep.target {
		a, _ := env.OracleAction(ctx)
		env.Step(ctx, a)
	}
	st, _ := env.Step(ctx, dojo.TextAction("click[buy now]"))
	g := env.g
	if want := float64(len(g.Attributes)+1) / float64(len(g.Attributes)+len(g.Options)+1); st.Info.Parts[cWebShop].Value != want || st.Info.Success {
		t.Errorf("buying without options scored %v (success %v), want %v", st.Info.Parts[cWebShop].Value, st.Info.Success, want)
	}
}

// TestShopSimpleObservation checks WebShop's text mode: the page's
// elements joined by [SEP].
func TestShopSimpleObservation(t *testing.T) {
	t.Parallel()
	env := makeShop(t, dojo.Options{"observation": "simple"})
	st := shopPlay(t, env, 6)
	_ = st
	obs, _, _ := env.Reset(context.Background(), 6)
	if want := "WebShop [SEP] Instruction: [SEP] " + env.g.Instruction + " [SEP] Search"; obs.Text != want {
		t.Errorf("search page %q, want %q", obs.Text, want)
	}
	st = shopPlay(t, env, 6, "search["+env.g.Instruction+"]")
	if !strings.HasPrefix(st.Obs.Text, "Instruction: [SEP] "+env.g.Instruction+" [SEP] Back to Search [SEP] Page 1 (1-10) of 50 total results [SEP] Next > [SEP] B0") || strings.Contains(st.Obs.Text, "\n") {
		t.Errorf("results page %q", st.Obs.Text)
	}
}

// TestShopLifecycleErrors: Step, OracleAction and BaselineAction before
// Reset are ErrNotReset, after the session ended ErrEnded, and a done
// context is dojo.CheckContext's error (code canceled or timeout, wrapping
// the context's error) in Reset, Step, GenerateTask and VerifyTask.
func TestShopLifecycleErrors(t *testing.T) {
	ctx := context.Background()
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	env := makeShop(t, nil)
	if _, err := env.Step(ctx, dojo.TextAction("search[x]")); err != dojo.ErrNotReset {
		t.Fatalf("Step before Reset: %v, want ErrNotReset", err)
	}
	if _, err := env.OracleAction(ctx); err != dojo.ErrNotReset {
		t.Fatalf("OracleAction before Reset: %v, want ErrNotReset", err)
	}
	if _, err := env.BaselineAction(ctx, "top-result"); err != dojo.ErrNotReset {
		t.Fatalf("BaselineAction before Reset: %v, want ErrNotReset", err)
	}
	isCanceled := func(what string, err error) {
		t.Helper()
		if dojo.ErrorCode(err) != dojo.CodeCanceled || !errors.Is(err, context.Canceled) {
			t.Fatalf("%s with a canceled context: %v (code %q), want code canceled wrapping context.Canceled", what, err, dojo.ErrorCode(err))
		}
	}
	_, _, err := env.Reset(canceled, 1)
	isCanceled("Reset", err)
	_, err = env.GenerateTask(canceled, 1)
	isCanceled("GenerateTask", err)
	_, err = env.VerifyTask(canceled, dojo.Task{Seed: 1}, dojo.Response{Text: "search[x]"})
	isCanceled("VerifyTask", err)
	shopPlay(t, env, 1)
	_, err = env.Step(canceled, dojo.TextAction("search[x]"))
	isCanceled("Step", err)
	episodeOf(t, env, 1, func() (dojo.Action, error) { return env.OracleAction(ctx) })
	if _, err := env.Step(ctx, dojo.TextAction("search[x]")); err != dojo.ErrEnded {
		t.Fatalf("Step after the end: %v, want ErrEnded", err)
	}
	if _, err := env.OracleAction(ctx); err != dojo.ErrEnded {
		t.Fatalf("OracleAction after the end: %v, want ErrEnded", err)
	}
	if _, err := env.BaselineAction(ctx, "top-result"); err != dojo.ErrEnded {
		t.Fatalf("BaselineAction after the end: %v, want ErrEnded", err)
	}
}
