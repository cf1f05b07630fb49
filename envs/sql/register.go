package sql

import (
	"github.com/dojo-rl/dojo"
)

// Register adds the sql envs to r: sql/Generated-v0 (any domain per
// database) and sql/Retail-v0, HR-v0, School-v0, Flights-v0, Library-v0 and
// Hospital-v0, and the real data sets at option path: sql/Spider-v0,
// sql/KaggleDBQA-v0 and sql/BIRD-v0.
func Register(r *dojo.Registry) error {
	vs := []variant{{}}
	for _, d := range domains {
		vs = append(vs, variant{dom: d})
	}
	for _, d := range dataSources {
		vs = append(vs, variant{data: d})
	}
	for _, v := range vs {
		if err := r.Register(v.spec("multi", 10), func(o dojo.Options) (dojo.Env, error) { return newEnv(v, o) }); err != nil {
			return err
		}
	}
	return nil
}
