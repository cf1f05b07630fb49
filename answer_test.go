package dojo_test

import (
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
)

func TestAnswer(t *testing.T) {
	tests := []struct{ in, want string }{
		{"left", "left"},
		{"  left \n", "left"},
		{"<answer>left</answer>", "left"},
		{"<ANSWER> Right </Answer>", "Right"},
		{"I think up. <answer>down</answer>", "down"},
		{"<answer>up</answer> no wait <answer>down</answer>", "down"},
		{"<answer>arm3", "arm3"},
		{"</answer>", "</answer>"},
		{"<answer></answer>", ""},
		{"", ""},
	}
	for _, tc := range tests {
		if got := dojo.Answer(tc.in); got != tc.want {
			t.Errorf("Answer(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzAnswer(f *testing.F) {
	for _, s := range []string{"left", "<answer>x</answer>", "<aNsWeR>", "a<answer>b</answer>c<answer>d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := dojo.Answer(s)
		if !strings.Contains(s, got) {
			t.Fatalf("Answer(%q) = %q is not part of the text", s, got)
		}
		if got != strings.TrimSpace(got) {
			t.Fatalf("Answer(%q) = %q is not trimmed", s, got)
		}
		if !strings.Contains(strings.ToLower(s), "<answer>") && got != strings.TrimSpace(s) {
			t.Fatalf("no tag, but Answer(%q) = %q", s, got)
		}
	})
}

func BenchmarkAnswer(b *testing.B) {
	b.ReportAllocs()
	s := "Let me think about the map. The goal is down and right. <answer>right</answer>"
	for b.Loop() {
		dojo.Answer(s)
	}
}
