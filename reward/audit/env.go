package audit

import (
	"context"
	"fmt"
	"sort"

	"github.com/dojo-rl/dojo"
)

// MaxStates is the default cap on the states of a model built by
// enumeration (dojo.WorldModel): larger worlds are refused with an error
// naming the cap.
const MaxStates = 200_000

// HasModel reports whether env has an exact model with reward components:
// it implements dojo.PartsModel or dojo.WorldModel.
func HasModel(env dojo.Env) bool {
	switch env.(type) {
	case dojo.PartsModel, dojo.WorldModel:
		return true
	}
	return false
}

// FromEnv returns the model of env, which must implement dojo.PartsModel
// or dojo.WorldModel (whose model is that of the world of Reset seed, the
// seed being ignored otherwise; maxStates caps its states, MaxStates when
// 0 or less), with its components in the order of its spec's.
func FromEnv(ctx context.Context, env dojo.Env, seed uint64, maxStates int) (*Model, error) {
	if maxStates <= 0 {
		maxStates = MaxStates
	}
	spec := env.Spec()
	var (
		mdp   *dojo.MDP
		parts *dojo.ModelParts
	)
	switch e := env.(type) {
	case dojo.PartsModel:
		mdp, parts = e.MDP(), e.ModelParts()
	case dojo.WorldModel:
		var err error
		if mdp, parts, err = e.WorldModel(ctx, seed, maxStates); err != nil {
			return nil, err
		}
	default:
		return nil, dojo.Errorf(dojo.CodeInvalid, "%s has no exact model with reward components (dojo.PartsModel or dojo.WorldModel)", spec.ID)
	}
	m, err := NewModel(mdp, parts)
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
