package toytext

import (
	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/envs/internal/family"
)

// Register registers the toy-text worlds in r.
func Register(r *dojo.Registry) error {
	for _, e := range []struct {
		spec dojo.Spec
		f    dojo.Factory
	}{
		{frozenLakeSpec("gridworld/FrozenLake-v1", "4x4"), newFrozenLake("gridworld/FrozenLake-v1")},
		{frozenLakeSpec("gridworld/FrozenLake8x8-v1", "8x8"), newFrozenLake("gridworld/FrozenLake8x8-v1")},
		{cliffWalkingSpec(), newCliffWalking},
		{taxiSpec(), newTaxi},
	} {
		if err := r.Register(e.spec, e.f); err != nil {
			return err
		}
	}
	return nil
}

// numComponents is the number of reward components, len(toyRewards(…)).
const numComponents = 5

// Indices of the reward components in Spec.Rewards: constants, so that
// Step sets its parts without bounds checks, held to the components' names
// when the package is initialised (family.MustConst).
const (
	cSuccess = iota
	cGym
	cPotential
	cStepCost
	cInvalid
)

var _ = [...]int{
	family.MustConst(toyRewards(""), cSuccess, dojo.SuccessComponent),
	family.MustConst(toyRewards(""), cGym, "gym"),
	family.MustConst(toyRewards(""), cPotential, "potential"),
	family.MustConst(toyRewards(""), cStepCost, "step_cost"),
	family.MustConst(toyRewards(""), cInvalid, "invalid"),
}

func toyRewards(gymDoc string) []dojo.Component {
	return []dojo.Component{
		{Name: dojo.SuccessComponent, Shaped: 1, Description: "1 on the step that ends the episode successfully, else 0"},
		{Name: "gym", Shaped: 0, Description: "Gymnasium's native reward for the transition: " + gymDoc + "; 0 for an invalid action"},
		{Name: "potential", Shaped: 1, Description: "potential-based shaping γΦ(s')−Φ(s) (Ng et al. 1999), Φ(s) = 1 − d(s)/(D+1), d the shortest-path distance to success in the deterministic map graph, D its largest finite value, Φ = 0 where no path exists; Φ(s')=0 when the step ends the episode (terminated, or truncated at the step limit); an invalid action stays in s"},
		{Name: "step_cost", Shaped: 0, Description: "−1 on every step (weight 0.01 in shaped+cost; not in shaped: it can change the optimal policy)"},
		{Name: "invalid", Shaped: 0.1, Description: "−1 when the action is invalid (out of range or an unknown word), else 0"},
	}
}

// toyProfiles returns the named reward presets: "gym" weighs Gymnasium's
// reward alone; "shaped+cost" is shaped with a step cost of 0.01, which
// does not keep the optimal policies (on slippery FrozenLake 8x8 its
// optimum walks into a hole).
func toyProfiles() map[string]map[string]float64 {
	return map[string]map[string]float64{
		"gym":         {"gym": 1},
		"shaped+cost": {dojo.SuccessComponent: 1, "potential": 1, "step_cost": 0.01, "invalid": 0.1},
	}
}

func toyTags() []string { return []string{"gymnasium", "toy-text", "tabular"} }

// toyOptions returns the options the three worlds share.
func toyOptions(maxSteps, minSteps int, maxStepsDoc string) []dojo.Option {
	opts := []dojo.Option{
		dojo.Option{Name: "max_steps", Type: dojo.OptInt, Default: maxSteps, Description: maxStepsDoc}.Range(float64(minSteps), 1e7),
		dojo.Option{Name: "gamma", Type: dojo.OptFloat, Default: 0.99, Description: "discount γ of the potential shaping γΦ(s')−Φ(s)"}.Range(0, 1),
		family.Text("also observe the map as text (Obs.Text and one user message), as Gymnasium's ansi render draws it, with a legend and the action words"),
		{Name: "instructions", Type: dojo.OptBool, Default: false, Description: "with text=true, start the Reset observation with a system message for language agents: the task and its rules, the step limit, each action word and what it does, and the reply format (the word alone, its number, or <answer>word</answer>); needs text=true"},
	}
	opts = append(opts, family.InvalidOptions(family.InvalidText{
		Action:  "what an invalid action does: penalize (invalid component −1, state unchanged, episode goes on) or terminate (also end the episode, unsuccessfully, after max_invalid invalid actions)",
		Counted: "invalid actions",
		Ends:    "ends",
		Max:     1e9,
	})...)
	return append(opts, dojo.Option{Name: dojo.RewardOption, Type: dojo.OptReward, Description: "reward profile: gym (default: Gymnasium's rewards), sparse, shaped, shaped+cost, or an object of component weights"})
}
