package group_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/dojo-rl/dojo/reward/group"
)

// Four answers to one question, two of them right: the group's accuracy
// 0.5 reaches λ = 0.5, so the right answers pay the length penalty
// −α·σ(z), the longer one more; the advantages use the sample standard
// deviation.
func ExampleRun() {
	in := `{"scorer":"em","golds":["Paris"],"responses":["<answer>Paris</answer>","<answer>Lyon</answer>","<answer>paris</answer>","<answer>Nice</answer>"],"lengths":[100,80,300,50]}`
	opt := group.DefaultOptions()
	opt.Lambda, opt.Alpha = 0.5, 0.5
	var out strings.Builder
	if _, _, err := group.Run(context.Background(), strings.NewReader(in), &out, opt); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(out.String())
	// Output:
	// {"scorer":"em","rewards":[0.8655292893150024,0,0.6344707106849976,0],"parts":[{"em":1,"length":-0.13447071068499755},{"em":0,"length":0},{"em":1,"length":-0.36552928931500245},{"em":0,"length":0}],"correct":[true,false,true,false],"lengths":[100,80,300,50],"accuracy":0.5,"gated":true,"mean":0.375,"std":0.44316815220232114,"advantages":[1.1068669533457505,-0.8461780296224235,0.5854891058990965,-0.8461780296224235],"advantages_dr":[0.4905292893150024,-0.375,0.2594707106849976,-0.375]}
}
