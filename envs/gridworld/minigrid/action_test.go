package minigrid

import (
	"strings"
	"testing"
)

func TestMiniGridActionWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int
	}{
		{"left", mgActLeft}, {"RIGHT", mgActRight}, {" forward ", mgActForward},
		{"pickup", mgActPickup}, {"pick  up", mgActPickup}, {"Drop.", mgActDrop},
		{"toggle", mgActToggle}, {"open", mgActToggle}, {"done", mgActDone},
		{"turn left", mgActLeft}, {"Turn\tRight", mgActRight}, {"go forward", mgActForward},
		{"move forward!", mgActForward}, {"2", mgActForward}, {"6", mgActDone},
		{"<answer>toggle</answer>", mgActToggle},
		{"<think>the door is locked</think> <ANSWER> Pickup </ANSWER>", mgActPickup},
		{"<answer>left</answer> then <answer>right</answer>", mgActRight},
		{"<answer>drop", mgActDrop},
		{"7", -1}, {"-1", -1}, {"", -1}, {"left right", -1}, {"forwards", -1},
		{"turn", -1}, {"pick", -1}, {"<answer></answer>", -1}, {"turn  left  now", -1},
	}
	for _, tc := range tests {
		got, ok := mgParseActionText(tc.in)
		if !ok {
			got = -1
		}
		if got != tc.want {
			t.Errorf("mgParseActionText(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// FuzzMiniGridAction feeds arbitrary text to the action parser: it must
// not panic, return an action in range, and agree with itself on the
// answer block.
func FuzzMiniGridAction(f *testing.F) {
	for _, s := range []string{"left", "<answer>forward</answer>", "pick up", "Turn Right.", "9", "", "<answer>", "</answer><answer>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := mgParseActionText(s)
		if !ok {
			if a != -1 {
				t.Fatalf("rejected %q but returned %d", s, a)
			}
			return
		}
		if a < 0 || a >= mgNumActs {
			t.Fatalf("%q gave action %d", s, a)
		}
		if b, ok := mgParseActionText("<answer>" + s + "</answer>"); !strings.Contains(strings.ToLower(s), "<answer>") && (!ok || b != a) {
			t.Fatalf("%q gave %d but wrapped in <answer> gave %d, %v", s, a, b, ok)
		}
	})
}
