package toolcall_test

import (
	"context"
	"fmt"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/toolcall"
)

// The oracle serves a bank request: one transfer call, whose result comes
// back as a tool message, then the final answer.
func Example() {
	var r dojo.Registry
	if err := toolcall.Register(&r); err != nil {
		panic(err)
	}
	env, _ := r.Make("toolcall/Bank-v0", dojo.Options{"kind": "single"})
	ctx := context.Background()
	obs, _, _ := env.Reset(ctx, 7)
	fmt.Println(obs.Messages[1].Content)
	oracle := env.(dojo.Oracle)
	for {
		a, _ := oracle.OracleAction(ctx)
		st, _ := env.Step(ctx, a)
		for _, m := range st.Obs.Messages {
			fmt.Println(m.Role, m.Name+":", m.Content)
		}
		if st.Done() {
			fmt.Println("answer:", a.Text)
			fmt.Println("success:", st.Info.Success)
			return
		}
	}
	// Output:
	// Please send 950.00 dollars from ACC-1272 to ACC-1197. Tell me the new balance of ACC-1272.
	// tool transfer: {"amount":950,"from_account":"ACC-1272","from_balance":1381.4,"to_account":"ACC-1197","to_balance":8946.9}
	// answer: <think>The tool results give me everything the user asked for.</think>
	// <response>Transferred $950.00 from ACC-1272 to ACC-1197; the new balance of ACC-1272 is $1,381.40.</response>
	// success: true
}
