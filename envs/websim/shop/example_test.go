package shop_test

import (
	"context"
	"fmt"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/websim/shop"
)

// The oracle shops for an instruction: it searches, opens the target,
// chooses the options the instruction asks for, and buys it.
func Example() {
	var r dojo.Registry
	if err := shop.Register(&r); err != nil {
		panic(err)
	}
	env, _ := r.Make(shop.ID, dojo.Options{"products": 200})
	ctx := context.Background()
	obs, _, _ := env.Reset(ctx, 5)
	fmt.Println(obs.Text)
	for {
		a, _ := env.(dojo.Oracle).OracleAction(ctx)
		st, _ := env.Step(ctx, a)
		fmt.Println(">", a.Text)
		if st.Done() {
			fmt.Println(st.Obs.Text)
			fmt.Printf("success: %v, reward: %.2f\n", st.Info.Success, st.Reward)
			break
		}
	}
	// Output:
	// WebShop
	// Instruction:
	// i would like an insulated, relaxed fit and lightweight fleece hoodie in slate, size xxl, and price lower than 130.00 dollars
	// [Search]
	// > search[i would like an insulated, relaxed fit and lightweight fleece hoodie in slate, size xxl, and price lower than 130.00 dollars]
	// > click[B0EJZ9REFW]
	// > click[slate]
	// > click[xx-large]
	// > click[Buy Now]
	// Thank you for shopping with us!
	// You bought B0EJZ9REFW (Iskelum Relaxed Fit Insulated Fleece Hoodie Full Zip Layer) with color: slate, size: xx-large for $106.00.
	// Your score (min 0.0, max 1.0): 1
	// success: true, reward: 1.00
}
