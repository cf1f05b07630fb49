package bandit

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
)

func TestParseArm(t *testing.T) {
	tests := []struct {
		text string
		want int // -1: invalid
	}{
		{"arm3", 3},
		{"ARM3", 3},
		{"Arm 3", 3},
		{"  arm3\n", 3},
		{"3", 3},
		{"0", 0},
		{"arm0", 0},
		{"arm9", 9},
		{"<answer>arm3</answer>", 3},
		{"<ANSWER> arm 3 </Answer>", 3},
		{"I think arm2 is best. <answer>arm3</answer>", 3},
		{"<answer>arm2</answer> no, wait: <answer>arm3</answer>", 3},
		{"<answer>arm3", 3}, // a stop sequence cut the closing tag
		{"<answer>7</answer> trailing words", 7},
		{"arm10", -1},
		{"10", -1},
		{"arm03", -1},
		{"03", -1},
		{"-1", -1},
		{"+3", -1},
		{"3.0", -1},
		{"arm", -1},
		{"", -1},
		{"   ", -1},
		{"pull arm3", -1},
		{"arm3 please", -1},
		{"arm 3 4", -1},
		{"<answer></answer>", -1},
		{"<answer>arm3</answer><answer>", -1},
		{"<answr>arm3</answr>", -1},
		{"arm١", -1}, // an Arabic-Indic digit
		{"arm99999999999999999999", -1},
	}
	for _, tt := range tests {
		got, ok := parseArm(tt.text, 10)
		if !ok {
			got = -1
		}
		if got != tt.want {
			t.Errorf("parseArm(%q, 10) = %d, %v; want %d", tt.text, got, ok, tt.want)
		}
	}
}

// The reference parser: the same grammar written with regular expressions.
var (
	refAnswer = regexp.MustCompile(`(?s)^.*<[aA][nN][sS][wW][eE][rR]>(.*?)(?:</[aA][nN][sS][wW][eE][rR]>.*)?$`)
	refArm    = regexp.MustCompile(`(?s)^(?:[aA][rR][mM])?(.*)$`)
	refIndex  = regexp.MustCompile(`^(?:0|[1-9][0-9]{0,8})$`)
)

func refParseArm(text string, k int) (int, bool) {
	if m := refAnswer.FindStringSubmatch(text); m != nil {
		text = m[1]
	}
	s := strings.TrimSpace(text)
	s = strings.TrimSpace(refArm.FindStringSubmatch(s)[1])
	if !refIndex.MatchString(s) {
		return -1, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n >= k {
		return -1, false
	}
	return n, true
}

// FuzzParseArm checks the arm-name parser against the regular-expression
// reference and checks that every arm's name parses back to the arm, in any
// case and wrapping.
func FuzzParseArm(f *testing.F) {
	for _, s := range []string{"arm3", "ARM 19", "<answer>arm2</answer>", "<answer>5", "12", "0", "arm03", "", "<answer>a</answer><answer>arm1</answer>", "arm\u00a03", "\x00"} {
		f.Add(s, uint8(20))
	}
	f.Fuzz(func(t *testing.T, text string, kb uint8) {
		k := int(kb%64) + 1
		got, ok := parseArm(text, k)
		if ok && (got < 0 || got >= k) {
			t.Fatalf("parseArm(%q, %d) = %d, out of range", text, k, got)
		}
		want, wantOK := refParseArm(text, k)
		if got != want || ok != wantOK {
			t.Fatalf("parseArm(%q, %d) = %d, %v; the reference says %d, %v", text, k, got, ok, want, wantOK)
		}
		if ok {
			for _, s := range []string{armName(got), strings.ToUpper(armName(got)), " <answer>" + armName(got) + "</answer>", text + "<answer>" + armName(got)} {
				if again, ok := parseArm(s, k); !ok || again != got {
					t.Fatalf("parseArm(%q, %d) = %d, %v; want %d", s, k, again, ok, got)
				}
			}
		}
	})
}

func TestInvalidActions(t *testing.T) {
	tests := []struct {
		a    dojo.Action
		want []string // substrings of Info.Error
	}{
		{dojo.IndexAction(-1), []string{"index -1", "out of range", "arm0, arm1, arm2, arm3, arm4, arm5, arm6, arm7, arm8, arm9"}},
		{dojo.IndexAction(10), []string{"index 10", "indices 0 to 9"}},
		{dojo.TextAction("arm10"), []string{`"arm10" does not name an arm`, "arm0, arm1", "arm9", "<answer>arm0</answer>"}},
		{dojo.TextAction(""), []string{`"" does not name an arm`}},
		{dojo.TextAction("pull the lever " + strings.Repeat("x", 100)), []string{`"pull the lever xxx`, `x"... does not`}},
		{dojo.MessageAction("", dojo.ToolCall{Name: "pull", Arguments: []byte(`{"arm":1}`)}), []string{"no tools", `"pull"`, "arm0"}},
		{dojo.MessageAction("armx"), []string{`"armx" does not name an arm`}},
	}
	for _, tt := range tests {
		t.Run(tt.a.String(), func(t *testing.T) {
			e := makeEnv(t, "bandit/Bernoulli-10-v0", dojo.Options{"text": true})
			_, info := reset(t, e, 2)
			best := info.Metrics[mBestArm].Value
			s := step(t, e, tt.a)
			if !s.Info.Invalid {
				t.Fatalf("action %v was not invalid", tt.a)
			}
			for _, w := range tt.want {
				if !strings.Contains(s.Info.Error, w) {
					t.Errorf("error %q does not contain %q", s.Info.Error, w)
				}
			}
			if !strings.Contains(s.Obs.Text, "Invalid action: "+s.Info.Error) || !strings.Contains(s.Obs.Text, "No arm was pulled") {
				t.Errorf("observation does not explain the invalid action:\n%s", s.Obs.Text)
			}
			for a, n := range e.pulls {
				if n != 0 {
					t.Errorf("arm %d was pulled %d times by an invalid action", a, n)
				}
			}
			mu := e.Means()
			lo := mu[0]
			for _, m := range mu {
				lo = min(lo, m)
			}
			if e.t != 1 || s.Reward != 0 || part(t, s.Info.Parts, "invalid") != -1 || s.Info.Metrics[mRegret].Value != mu[int(best)]-lo {
				t.Errorf("invalid step: t=%d reward %v parts %v metrics %v; want a counted step, no payout, invalid=-1, the worst arm's regret", e.t, s.Reward, s.Info.Parts, s.Info.Metrics)
			}
		})
	}
	// Valid text and message actions pull the arm they name.
	e := makeEnv(t, "bandit/Bernoulli-10-v0", nil)
	reset(t, e, 2)
	for i, a := range []dojo.Action{dojo.TextAction(" Arm7 "), dojo.MessageAction("<answer>arm7</answer>"), dojo.TextAction("7")} {
		if s := step(t, e, a); s.Info.Invalid || e.pulls[7] != i+1 {
			t.Errorf("%v: invalid=%v (%s), arm 7 pulled %d times", a, s.Info.Invalid, s.Info.Error, e.pulls[7])
		}
	}
}

// TestTextObservation checks the text summary after a few steps of the
// deterministic gap-1 instance.
func TestTextObservation(t *testing.T) {
	e := makeEnv(t, "bandit/Bernoulli-2-v0", dojo.Options{"gap": 1.0, "best_mean": 1.0, "horizon": 4, "text": true})
	obs, info := reset(t, e, 1)
	best := int(info.Metrics[mBestArm].Value)
	worst := 1 - best
	if len(obs.Messages) != 1 || obs.Messages[0].Role != "user" || obs.Messages[0].Content != obs.Text {
		t.Fatalf("Messages %+v, want one user message with the Text", obs.Messages)
	}
	for _, w := range []string{"2-armed bandit for 4 pulls", "Step 0 of 4.", "arm0: not pulled yet\narm1: not pulled yet\n", "<answer>arm0</answer>"} {
		if !strings.Contains(obs.Text, w) {
			t.Errorf("reset text lacks %q:\n%s", w, obs.Text)
		}
	}
	step(t, e, dojo.IndexAction(best))
	step(t, e, dojo.IndexAction(worst))
	s := step(t, e, dojo.IndexAction(best))
	wantLines := map[int]string{best: "2 pulls, mean reward 1", worst: "1 pull, mean reward 0"}
	for _, w := range []string{
		"Step 3 of 4. You pulled arm" + strconv.Itoa(best) + " and it paid 1.",
		"arm" + strconv.Itoa(best) + ": " + wantLines[best] + "\n",
		"arm" + strconv.Itoa(worst) + ": " + wantLines[worst] + "\n",
		"Reply with the arm to pull next",
	} {
		if !strings.Contains(s.Obs.Text, w) {
			t.Errorf("step 3 text lacks %q:\n%s", w, s.Obs.Text)
		}
	}
	s = step(t, e, dojo.IndexAction(best))
	if !strings.Contains(s.Obs.Text, "The episode is over.") || strings.Contains(s.Obs.Text, "Reply with") {
		t.Errorf("last text does not say the episode is over:\n%s", s.Obs.Text)
	}
	// Without text, no text.
	e = makeEnv(t, "bandit/Bernoulli-2-v0", nil)
	obs, _ = reset(t, e, 1)
	if obs.Text != "" || obs.Messages != nil || obs.Value != 0 {
		t.Errorf("text=false observation %+v, want Value 0 only", obs)
	}
}

func TestAppendNum(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0"}, {1, "1"}, {0.5, "0.5"}, {2.0 / 3, "0.667"}, {-0.0001, "0"}, {-1.25, "-1.25"}, {100, "100"}, {10.5, "10.5"}, {0.0004, "0"},
	}
	for _, tt := range tests {
		if got := string(appendNum(nil, tt.v)); got != tt.want {
			t.Errorf("appendNum(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}
