package minigrid

import (
	"context"
	"fmt"
	"strings"

	"github.com/dojo-rl/dojo"
)

// A MiniGrid world followed by its oracle, with MiniGrid's reward.
func Example_miniGrid() {
	r := new(dojo.Registry)
	if err := Register(r); err != nil {
		panic(err)
	}
	env, err := r.Make("gridworld/DoorKey-5x5-v0", nil)
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	obs, _, _ := env.Reset(ctx, 1)
	v := obs.Value.(*Obs)
	fmt.Println("mission:", v.Mission)
	fmt.Println("image:", len(v.Image), "numbers, direction", v.Direction)
	labels := env.Spec().Action.Labels
	var words []string
	for {
		a, _ := env.(dojo.Oracle).OracleAction(ctx)
		st, _ := env.Step(ctx, a)
		words = append(words, labels[a.Index])
		if st.Done() {
			fmt.Println(strings.Join(words, " "))
			fmt.Printf("success %v after %d steps, reward %.4f\n", st.Info.Success, len(words), st.Reward)
			break
		}
	}
	// Output:
	// mission: use the key to open the door and then get to the goal
	// image: 147 numbers, direction 2
	// right pickup right toggle forward forward right forward
	// success true after 8 steps, reward 0.9712
}

// A custom ASCII map observed as text, and actions given as words.
func Example_miniGridText() {
	r := new(dojo.Registry)
	if err := Register(r); err != nil {
		panic(err)
	}
	env, err := r.Make("gridworld/Custom-v0", dojo.Options{
		"map": []string{
			"#######",
			"#>.a.G#",
			"#######",
			"",
			"a: closed red door",
		},
		"text": true,
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	env.Reset(ctx, 0)
	env.Step(ctx, dojo.TextAction("forward"))
	st, _ := env.Step(ctx, dojo.TextAction("<answer>toggle</answer>"))
	fmt.Println(st.Obs.Text)
	// Output:
	// Mission: get to the green goal square
	// You face east and carry nothing. In front of you is an open red door.
	// You see a wall 4 steps forward.
	// You see a wall 1 step left.
	// You see a wall 1 step right.
	// You see an open red door 1 step forward.
	// You see the green goal square 3 steps forward.
	// Steps left: 208. Actions: left, right, forward, pickup, drop, toggle, done.
}
