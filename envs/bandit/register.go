package bandit

import "github.com/dojo-rl/dojo"

// variants are the registered envs, in registration order.
var variants = []variant{
	{kindBernoulli, 2}, {kindBernoulli, 5}, {kindBernoulli, 10}, {kindBernoulli, 20},
	{kindGaussian, 10},
	{kindDrifting, 10},
	{kindLinear, 10},
}

// Register adds the bandit envs to r.
func Register(r *dojo.Registry) error {
	for _, v := range variants {
		spec := v.spec(defaultConfig(v))
		if err := r.Register(spec, func(o dojo.Options) (dojo.Env, error) { return newEnv(v, o) }); err != nil {
			return err
		}
	}
	return nil
}
