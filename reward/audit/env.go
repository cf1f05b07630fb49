package audit

import (
	"fmt"
	"sort"

	"github.com/dojo-rl/dojo"
)

// FromEnv returns the model of env, which must implement dojo.PartsModel
// with its components in the order of its spec's.
func FromEnv(env dojo.Env) (*Model, error) {
	spec := env.Spec()
	pm, ok := env.(dojo.PartsModel)
	if !ok {
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s has no exact model with reward components (dojo.PartsModel)", spec.ID)
	}
	m, err := NewModel(pm.MDP(), pm.ModelParts())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", spec.ID, err)
	}
	if len(spec.Rewards) != len(m.Parts.Components) {
		return nil, fmt.Errorf("%s: model has %d components, spec %d", spec.ID, len(m.Parts.Components), len(spec.Rewards))
	}
	for i, c := range spec.Rewards {
		if m.Parts.Components[i] != c.Name {
			return nil, fmt.Errorf("%s: model component %d is %q, spec's %q", spec.ID, i, m.Parts.Components[i], c.Name)
		}
	}
	return m, nil
}

// NewProfile resolves a value of the "reward" option (a profile name or
// a map of weights) against spec; name labels it in reports.
func NewProfile(spec *dojo.Spec, name string, v any) (Profile, error) {
	w, err := spec.Weights(v)
	if err != nil {
		return Profile{}, err
	}
	return Profile{Name: name, Weights: w}, nil
}

// BuiltIn returns the spec's built-in profiles: sparse, shaped, then its
// named presets in name order.
func BuiltIn(spec *dojo.Spec) ([]Profile, error) {
	names := []string{"sparse", "shaped"}
	var more []string
	for n := range spec.Profiles {
		more = append(more, n)
	}
	sort.Strings(more)
	var out []Profile
	for _, n := range append(names, more...) {
		p, err := NewProfile(spec, n, n)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}
