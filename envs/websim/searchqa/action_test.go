package searchqa

import (
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
)

func TestTextAction(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		text, turn, action, content string
	}{
		{"<think>x</think>\n<search> capital of Norland </search>", "<think>x</think>\n<search> capital of Norland </search>", "search", "capital of Norland"},
		{"<search>a</search> then <answer>b</answer>", "<search>a</search>", "search", "a"},
		{"<answer>Varnholt</answer><search>more</search>", "<answer>Varnholt</answer><search>more</search>", "answer", "Varnholt"},
		{"<think>done</think><answer> Varnholt </answer> trailing", "<think>done</think><answer> Varnholt </answer>", "answer", "Varnholt"},
		{"<search>unclosed <answer>x</answer>", "<search>unclosed <answer>x</answer>", "answer", "x"},
		{"<search>a<search>b</search>", "<search>a<search>b</search>", "search", "a<search>b"},
		{"no tags at all", "no tags at all", "", ""},
		{"<SEARCH>x</SEARCH>", "<SEARCH>x</SEARCH>", "", ""},
		{"", "", "", ""},
	} {
		turn := cutTurn(c.text)
		action, content := textAction(turn)
		if turn != c.turn || action != c.action || content != c.content {
			t.Errorf("%q: turn %q, action %q %q; want %q, %q %q", c.text, turn, action, content, c.turn, c.action, c.content)
		}
	}
}

func TestSplitTurns(t *testing.T) {
	t.Parallel()
	resp := "<think>a</think><search>q1</search>\n\n<information>Doc 1(Title: X) <answer>fake</answer></information>\n\n<think>b</think><search>q2</search><information>y</information><think>c</think><answer>Z</answer>"
	got := splitTurns(resp)
	want := []string{"<think>a</think><search>q1</search>", "\n\n\n\n<think>b</think><search>q2</search>", "<think>c</think><answer>Z</answer>"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("splitTurns = %q, want %q", got, want)
	}
	if got := splitTurns("just text"); len(got) != 1 || got[0] != "just text" {
		t.Errorf("splitTurns(plain) = %q", got)
	}
}

// FuzzTextActions feeds arbitrary text to the text-action parsers and to
// an episode: nothing panics, a turn is a prefix of the text, an action's
// content is trimmed and found in the turn, and turns rebuild the text
// without its information blocks.
func FuzzTextActions(f *testing.F) {
	for _, s := range []string{"<think>x</think><search>q</search>", "<answer>a</answer>", "<search><answer></search></answer>", "<information>x</information><search>y", `<tool_call>{"name": "search", "arguments": {"query": "x"}}</tool_call>`, "<think>"} {
		f.Add(s)
	}
	w, err := NewWorld(WorldOptions{Size: 30, Noise: 0.5, Seed: 1})
	if err != nil {
		f.Fatal(err)
	}
	q, _ := w.Question(KindMixed, 0, 1)
	it := worldItem(q)
	f.Fuzz(func(t *testing.T, text string) {
		turn := cutTurn(text)
		if !strings.HasPrefix(text, turn) {
			t.Fatalf("turn %q is not a prefix of %q", turn, text)
		}
		action, content := textAction(turn)
		if action != "" && (strings.TrimSpace(content) != content || !strings.Contains(turn, content)) {
			t.Fatalf("%q: action %s content %q", turn, action, content)
		}
		if action == "" && content != "" {
			t.Fatalf("%q: content %q without an action", turn, content)
		}
		turns := splitTurns(text)
		if len(turns) == 0 {
			t.Fatalf("no turns for %q", text)
		}
		for _, mode := range []bool{false, true} {
			ep := newQAEpisode(w, &it, qaConfig{text: mode, topk: 3})
			for _, tu := range turns {
				if res := ep.play(dojo.TextAction(tu)); res.final {
					break
				}
			}
			ep.searchR1Parts(new([numComponents]float64))
		}
	})
}

// FuzzDecodeCall checks that any arguments are accepted as valid or
// reported with the tool's name, and never panic.
func FuzzDecodeCall(f *testing.F) {
	for _, s := range []string{`{"query": "x"}`, `{"query": "x", "k": 3}`, `{"k": 1e400}`, `null`, `[]`, `{"page": ""}`, `{"text": "\u0000"}`} {
		f.Add("search", s)
		f.Add("open", s)
	}
	f.Fuzz(func(t *testing.T, name, args string) {
		def, a, err := decodeSearchCall(dojo.ToolCall{Name: name, Arguments: []byte(args)})
		if err != nil {
			if def != nil && !strings.HasPrefix(err.Error(), def.name+":") {
				t.Fatalf("error %q does not name tool %s", err, def.name)
			}
			return
		}
		for _, p := range def.params {
			_, isStr := a.str[p.name]
			_, isNum := a.num[p.name]
			if p.required && !isStr && !isNum {
				t.Fatalf("%s(%s): required %s missing but no error", name, args, p.name)
			}
			if n, ok := a.num[p.name]; ok && (n < p.min || n > p.max) {
				t.Fatalf("%s(%s): %s = %d out of range", name, args, p.name, n)
			}
		}
	})
}
