package searchqa_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/websim/searchqa"
)

// The oracle answers a two-hop question in Search-R1's text protocol: one
// search per hop, then the answer.
func Example() {
	var r dojo.Registry
	if err := searchqa.Register(&r); err != nil {
		panic(err)
	}
	env, _ := r.Make("websim/SearchR1-v0", dojo.Options{"kind": "bridge", "hops": 2})
	ctx := context.Background()
	obs, _, _ := env.Reset(ctx, 7)
	_, question, _ := strings.Cut(obs.Messages[0].Content, "Question: ")
	fmt.Print(question)
	oracle := env.(dojo.Oracle)
	for {
		a, _ := oracle.OracleAction(ctx)
		st, _ := env.Step(ctx, a)
		fmt.Println(a.Text)
		if st.Done() {
			fmt.Println("reward:", st.Reward, "success:", st.Info.Success)
			return
		}
	}
	// Output:
	// What is the capital of the country of Corhaven?
	// <think>I need the page about Corhaven.</think>
	// <search>Corhaven</search>
	// <think>I need the page about Yarand.</think>
	// <search>Yarand</search>
	// <think>The pages I found give the answer.</think>
	// <answer>Bryenholt</answer>
	// reward: 1 success: true
}

// A search over a generated world, as the search tool runs it: the
// organisation's page, and a distractor page of a refuted claim about it.
func ExampleWorld_search() {
	w, _ := searchqa.NewWorld(searchqa.WorldOptions{Size: 60, Noise: 0.3, Seed: 1})
	const q = "who founded Pennovic Chemical Works"
	for _, h := range w.Index.Search(q, 3) {
		fmt.Printf("%s (%.2f): %s\n", w.Pages[h.Doc].ID, h.Score, w.Index.Snippet(h.Doc, q))
	}
	// Output:
	// pennovic-chemical-works (7.26): Pennovic Chemical Works (Pennovic Chemical Works Ltd) is a chemicals company based in Grimacrest. It was founded in 2020 by Benedikt Pennovic. It employs 18,836 people. People who work …
	// rumours-about-pennovic-chemical-works (5.05): An unverified forum post says that Pennovic Chemical Works was founded by Silas Istton in 2017. No source confirms this.
	// benedikt-pennovic (4.46): … film director. Pennovic's full name is Benedikt Sabine Pennovic. Pennovic is a graduate of College of Kalfield. Today Pennovic works at Vargilard Bakeries. Pennovic founded Pennovic Chemical Works. A …
}
