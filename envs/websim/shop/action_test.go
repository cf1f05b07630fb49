package shop

import (
	"context"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
)

func TestParseShopText(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in       string
		verb     string
		arg      string
		errMatch string
	}{
		{"search[rain jacket]", "search", "rain jacket", ""},
		{"click[Buy Now]", "click", "Buy Now", ""},
		{"  CLICK[< Prev]  ", "click", "< Prev", ""},
		{"click[Next >]", "click", "Next >", ""},
		{"Thought: page two.\nAction: click[next >]", "click", "next >", ""},
		{"search[a] then click[b0abc]", "click", "b0abc", ""},
		{"<think>click[x]</think><answer>click[y]</answer>", "click", "y", ""},
		{"click[[Buy Now]]", "click", "[Buy Now]", ""},
		{"search[men's [rain] jacket]", "search", "men's [rain] jacket", ""},
		{"think[not yet]", "think", "not yet", ""},
		{"doubleclick[x]", "", "", "no action in"},
		{"click [x]", "", "", "no action in"},
		{"", "", "", "empty action"},
		{"click[unclosed", "", "", "click[ is never closed"},
		{"search[ok] click[unclosed", "search", "ok", ""}, // the closed action counts
	} {
		a, err := parseText(c.in)
		switch {
		case c.errMatch != "" && (err == nil || !strings.Contains(err.Error(), c.errMatch)):
			t.Errorf("parseText(%q) = %v, %v; want an error containing %q", c.in, a, err, c.errMatch)
		case c.errMatch == "" && (err != nil || a.verb != c.verb || a.arg != c.arg):
			t.Errorf("parseText(%q) = %v, %v; want %s[%s]", c.in, a, err, c.verb, c.arg)
		}
	}
	acts, err := parseActions("search[rain jacket]\nclick[B0X]\nclick[navy], then click[buy now].")
	if err != nil || len(acts) != 4 || acts[3] != (action{"click", "buy now"}) {
		t.Errorf("parseActions: %v, %v", acts, err)
	}
}

// FuzzShopText checks the text-action parser and a step on any text: no
// panic, arguments taken from the text, and bad text reported as an
// invalid action, never an error.
func FuzzShopText(f *testing.F) {
	for _, s := range []string{"search[rain jacket]", "click[Buy Now]", "click[[x]]", "search[", "]]]", "think[a[b]c]", "CLICK[next >]", "<answer>click[x</answer>", "\x00click[\xff]", "search[a]search[b]"} {
		f.Add(s)
	}
	env := makeShop(f, dojo.Options{"products": 100})
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, s string) {
		acts, _ := parseActions(s)
		for _, a := range acts {
			if !strings.Contains(strings.ToLower(s), strings.ToLower(a.verb)+"["+strings.ToLower(a.arg)+"]") {
				t.Fatalf("parseActions(%q) found %v, which is not in the text", s, a)
			}
		}
		if a, err := parseText(s); err == nil && len(acts) == 0 && !strings.Contains(dojo.Answer(s), a.String()) {
			t.Fatalf("parseText(%q) = %v from nowhere", s, a)
		}
		for _, prefix := range []string{"", "search[rain jacket]"} {
			if _, _, err := env.Reset(ctx, 1); err != nil {
				t.Fatal(err)
			}
			if prefix != "" {
				env.Step(ctx, dojo.TextAction(prefix))
			}
			st, err := env.Step(ctx, dojo.TextAction(s))
			if err != nil {
				t.Fatalf("Step(%q): %v", s, err)
			}
			if st.Info.Invalid && st.Info.Error == "" {
				t.Fatalf("Step(%q): invalid without a reason", s)
			}
		}
	})
}
