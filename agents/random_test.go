package agents

import (
	"context"
	"slices"
	"testing"

	"github.com/dojo-rl/dojo"
)

func TestRandomUniform(t *testing.T) {
	t.Parallel()
	maker := mustNew(t, "random")
	const n, episodes, steps = 5, 200, 100
	counts := make([]int, n)
	var first []int
	for ep := range episodes {
		agent, err := maker.NewAgent(context.Background(), dojo.EpisodeStart{Seed: uint64(ep), Spec: dojo.Spec{Action: dojo.Discrete(n)}})
		if err != nil {
			t.Fatal(err)
		}
		var seq []int
		for range steps {
			a, err := agent.Act(context.Background(), dojo.Turn{})
			if err != nil {
				t.Fatal(err)
			}
			if a.Kind != dojo.ActIndex || a.Index < 0 || a.Index >= n {
				t.Fatalf("action %v outside Discrete(%d)", a, n)
			}
			counts[a.Index]++
			seq = append(seq, a.Index)
		}
		if ep == 0 {
			first = seq
		} else if slices.Equal(seq, first) {
			t.Errorf("seed %d repeats the actions of seed 0", ep)
		}
	}
	// Pearson's chi-square against uniform, 4 degrees of freedom: 18.47 is
	// the 0.999 quantile. The draws are seeded, so this cannot flake.
	expected := float64(episodes*steps) / n
	var chi2 float64
	for _, c := range counts {
		d := float64(c) - expected
		chi2 += d * d / expected
	}
	if chi2 > 18.47 {
		t.Errorf("counts %v: chi-square %.2f > 18.47, not uniform", counts, chi2)
	}

	// The same seed gives the same actions.
	again, _ := maker.NewAgent(context.Background(), dojo.EpisodeStart{Seed: 0, Spec: dojo.Spec{Action: dojo.Discrete(n)}})
	for i, want := range first {
		if a, _ := again.Act(context.Background(), dojo.Turn{}); a.Index != want {
			t.Fatalf("seed 0 replayed: action %d is %d, was %d", i, a.Index, want)
		}
	}
}

func TestRandomTextAndToolSpaces(t *testing.T) {
	t.Parallel()
	maker := mustNew(t, "random")
	labels := []string{"north", "south", "east", "west"}
	agent, err := maker.NewAgent(context.Background(), dojo.EpisodeStart{Seed: 3, Spec: dojo.Spec{Action: dojo.Space{Kind: dojo.KindText, Labels: labels}}})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for range 400 {
		a, _ := agent.Act(context.Background(), dojo.Turn{})
		if a.Kind != dojo.ActText || !slices.Contains(labels, a.Text) {
			t.Fatalf("action %v is not one of the labels %v", a, labels)
		}
		seen[a.Text]++
	}
	for _, l := range labels {
		if seen[l] < 60 {
			t.Errorf("label %q drawn %d times of 400", l, seen[l])
		}
	}
	tools, err := maker.NewAgent(context.Background(), dojo.EpisodeStart{Spec: dojo.Spec{Action: dojo.Space{Kind: dojo.KindToolCalls, Tools: []dojo.Tool{{Name: "search"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := tools.Act(context.Background(), dojo.Turn{})
	if a.Kind != dojo.ActMessage || a.Text != "" || len(a.ToolCalls) != 0 {
		t.Errorf("tool-call space: action %+v, want an empty final answer", a)
	}
	free, err := maker.NewAgent(context.Background(), dojo.EpisodeStart{Spec: dojo.Spec{ID: "test/Text-v0", Action: dojo.Space{Kind: dojo.KindText}}})
	if err != nil {
		t.Fatal(err)
	}
	a, _ = free.Act(context.Background(), dojo.Turn{})
	if a.Kind != dojo.ActText || a.Text != "" {
		t.Errorf("free text space: action %+v, want the empty text", a)
	}
}

func TestRandomOnLake(t *testing.T) {
	t.Parallel()
	// Random walks rarely cross FrozenLake: about 1.5% succeed.
	if rate := tabSuccessRate(t, "random", false, 400); rate > 0.05 {
		t.Errorf("random succeeded %.3f of the time on FrozenLake 4x4", rate)
	}
}

func BenchmarkRandomAct(b *testing.B) {
	agent, err := mustNew(b, "random").NewAgent(context.Background(), dojo.EpisodeStart{Seed: 1, Spec: dojo.Spec{Action: dojo.Discrete(4)}})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		agent.Act(context.Background(), dojo.Turn{})
	}
}
