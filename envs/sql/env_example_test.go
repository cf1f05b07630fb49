package sql_test

import (
	"context"
	"fmt"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/sql"
)

// The oracle submits the gold query of a generated retail question.
func Example() {
	var r dojo.Registry
	if err := sql.Register(&r); err != nil {
		panic(err)
	}
	env, _ := r.Make("sql/Retail-v0", dojo.Options{"difficulty": "medium"})
	ctx := context.Background()
	obs, _, _ := env.Reset(ctx, 7)
	fmt.Println(obs.Messages[1].Content)
	a, _ := env.(dojo.Oracle).OracleAction(ctx)
	fmt.Println(a.ToolCalls[0].Name, string(a.ToolCalls[0].Arguments))
	st, _ := env.Step(ctx, a)
	fmt.Println(st.Obs.Text)
	fmt.Printf("success: %v, reward: %.2f\n", st.Info.Success, st.Reward)
	// Output:
	// What are the name and price of the 2 products with the lowest price, lowest first?
	// submit_sql {"sql":"SELECT name, price FROM products ORDER BY price ASC LIMIT 2"}
	// The episode is over: the submitted SQL is correct.
	// success: true, reward: 1.50
}
