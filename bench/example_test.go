package bench_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/dojo-rl/dojo/agents"
	"github.com/dojo-rl/dojo/bench"
	"github.com/dojo-rl/dojo/envs"
)

// A benchmark run of a small suite: the directory receives the episodes
// and report.json, report.md and the plots.
func ExampleRun() {
	suite := &bench.Suite{Name: "example-v1", Entries: []bench.Entry{
		{Env: "gridworld/FrozenLake-v1", Tasks: 50, Seed: 0},
		{Env: "toolcall/Bank-v0", Tasks: 20, Seed: 0},
	}}
	dir, _ := os.MkdirTemp("", "bench-example")
	defer os.RemoveAll(dir)
	oracle, _ := agents.New("oracle")
	rep, err := bench.Run(context.Background(), bench.Config{
		Registry: envs.Default(), Suite: suite, Agent: oracle, AgentName: "oracle", Dir: dir,
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range rep.Entries {
		fmt.Printf("%s: %d/%d successes, 95%% CI [%.2f, %.2f], score %.0f\n", e.Label, e.Successes, e.Episodes, e.SuccessCI.Lo, e.SuccessCI.Hi, *e.Score)
	}
	// Output:
	// gridworld/FrozenLake-v1: 31/50 successes, 95% CI [0.48, 0.74], score 100
	// toolcall/Bank-v0: 20/20 successes, 95% CI [0.84, 1.00], score 100
}

// Two runs on the same suite have the same manifest hash; any change of
// the work changes it.
func ExampleSuite_Manifest() {
	a := &bench.Suite{Name: "mine-v1", Entries: []bench.Entry{{Env: "gridworld/Taxi-v3", Tasks: 100}}}
	b := &bench.Suite{Name: "mine-v1", Entries: []bench.Entry{{Env: "gridworld/Taxi-v3", Tasks: 100, Seed: 1}}}
	ma, _ := a.Manifest(envs.Default())
	mb, _ := b.Manifest(envs.Default())
	fmt.Println(len(ma.SHA256), ma.SHA256 == mb.SHA256)
	// Output: 64 false
}
