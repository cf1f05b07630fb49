package dojo_test

import (
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
)

// TestModelPartsCheck checks that parts which do not fit their model are
// refused with an error naming what is wrong.
func TestModelPartsCheck(t *testing.T) {
	m := &dojo.MDP{NS: 2, NA: 1, InitialStateDistrib: []float64{1, 0}, P: [][][]dojo.Outcome{
		{{{Prob: 1, Next: 1, Terminated: true}}},
		{{{Prob: 1, Next: 1}}},
	}}
	good := func() *dojo.ModelParts {
		return &dojo.ModelParts{Components: []string{"success", "bonus"}, Values: []float64{1, 0, 0, 0}, MaxSteps: 3, Gamma: 0.9,
			StepScale: [][]float64{nil, {1, 2, 3}}, StateSteps: []int{0, -1}, Unmodelled: []string{"bonus"}}
	}
	if err := good().Check(m); err != nil {
		t.Fatalf("good parts: %v", err)
	}
	for _, c := range []struct {
		edit func(p *dojo.ModelParts)
		want string
	}{
		{func(p *dojo.ModelParts) { p.Values = p.Values[:3] }, "3 values for 2 outcomes and 2 components"},
		{func(p *dojo.ModelParts) { p.StepScale = [][]float64{nil} }, "1 step scales for 2 components"},
		{func(p *dojo.ModelParts) { p.StepScale[1] = []float64{1} }, `component "bonus" has 1 step scales, want max_steps 3`},
		{func(p *dojo.ModelParts) { p.StepScale[0] = []float64{1, 1, 1} }, `"success" component cannot depend on the step count`},
		{func(p *dojo.ModelParts) { p.StateSteps = []int{0} }, "1 state steps for 2 states"},
		{func(p *dojo.ModelParts) { p.Unmodelled = []string{"nope"} }, `unmodelled component "nope" is not a component`},
		{func(p *dojo.ModelParts) { p.MaxSteps = 0 }, "step limit 0 is not positive"},
	} {
		p := good()
		c.edit(p)
		if err := p.Check(m); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error with %q", err, c.want)
		}
	}
}
