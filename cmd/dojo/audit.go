package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/reward/audit"
)

// profileFlags collects repeated --reward flags.
type profileFlags []string

func (p *profileFlags) String() string     { return strings.Join(*p, " ") }
func (p *profileFlags) Set(s string) error { *p = append(*p, s); return nil }

// auditModel makes env id with the --opt options (no reward: the model's
// components are the same under every profile) and returns its model.
func auditModel(ctx context.Context, a *app, id string, opts []string, seed uint64, maxStates int) (*audit.Model, dojo.Spec, error) {
	o, err := resolveOptions(a.reg, id, opts, "")
	if err != nil {
		return nil, dojo.Spec{}, err
	}
	if _, ok := o[dojo.RewardOption]; ok {
		return nil, dojo.Spec{}, usagef("give reward profiles with --reward (or --a/--b), not --opt reward=")
	}
	env, err := a.reg.Make(id, o)
	if err != nil {
		return nil, dojo.Spec{}, err
	}
	defer dojo.Close(env)
	spec := env.Spec()
	if !audit.HasModel(env) {
		var with []string
		for _, s := range a.reg.Specs() {
			e, err := a.reg.Make(s.ID, nil)
			if err != nil {
				continue
			}
			if audit.HasModel(e) {
				with = append(with, s.ID)
			}
			dojo.Close(e)
		}
		return nil, spec, usagef("%s has no exact model with reward components (envs with one: %s)", id, strings.Join(with, ", "))
	}
	m, err := audit.FromEnv(ctx, env, seed, maxStates)
	if err != nil {
		return nil, spec, err
	}
	return m, spec, nil
}

// auditProfile resolves a --reward (or --a, --b) value: a profile name or
// a JSON object of weights.
func auditProfile(spec *dojo.Spec, s string) (audit.Profile, error) {
	v, err := spec.ParseOptionString(dojo.RewardOption, s)
	if err != nil {
		return audit.Profile{}, err
	}
	return audit.NewProfile(spec, s, v)
}

const seedHelp = "the Reset seed of the world to model, for envs whose world is drawn at Reset (MiniGrid layouts, bandit arm means)"

// rewardAudit is dojo reward audit.
func rewardAudit(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "reward audit", "ID [--opt k=v ...] [--reward P ...] [--seed N] [--max-states N] [--gamma G] [--json]")
	var opts optFlags
	var profiles profileFlags
	fs.Var(&opts, "opt", "env option key=value (repeatable)")
	fs.Var(&profiles, "reward", "a profile to audit: a name or a JSON object of component weights (repeatable; default: every built-in profile of the env)")
	gamma := fs.Float64("gamma", -1, "discount (default: the env's option gamma, the shaping's discount)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	seed := fs.Uint64("seed", 0, seedHelp)
	maxStates := fs.Int("max-states", audit.MaxStates, "the cap on the states of a model built by enumeration (MiniGrid worlds, bandits)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(pos, "reward audit")
	if err != nil {
		return err
	}
	m, spec, err := auditModel(ctx, a, id, opts, *seed, *maxStates)
	if err != nil {
		return err
	}
	var ps []audit.Profile
	var skipped []audit.Skipped
	if len(profiles) == 0 {
		if ps, err = audit.BuiltIn(&spec); err != nil {
			return err
		}
		ps, skipped = m.Modelled(ps)
	}
	for _, s := range profiles {
		p, err := auditProfile(&spec, s)
		if err != nil {
			return err
		}
		ps = append(ps, p)
	}
	g := m.Parts.Gamma
	if *gamma >= 0 {
		g = *gamma
	}
	rep, err := audit.Audit(m, g, ps)
	if err != nil {
		return err
	}
	rep.Env, rep.Skipped = id, skipped
	if *asJSON {
		b, err := json.Marshal(rep)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(a.stdout, "%s\n", b)
		return err
	}
	return printAudit(a, rep)
}

func printAudit(a *app, rep *audit.Report) error {
	fmt.Fprintf(a.stdout, "%s: %d states × %d steps (%d pairs), %d actions, γ = %v; sparse optimum: success %.4f, return %.4f\n",
		rep.Env, rep.States, rep.MaxSteps, rep.Pairs, rep.Actions, rep.Gamma, rep.Optimum.Success, rep.Optimum.Return)
	tw := tabwriter.NewWriter(a.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "profile\tsuccess\treturn\tloss\tsuboptimal (s,t)\tverdict")
	for _, r := range rep.Profiles {
		fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4g\t%d\t%s\n", r.Profile, r.Success, r.Return, r.Loss, r.Suboptimal, r.Verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range rep.Skipped {
		fmt.Fprintf(a.stdout, "not audited: %s weighs %s, which depends on the episode's history and is not in the model\n", s.Profile, strings.Join(s.Components, ", "))
	}
	return nil
}

// rewardDistance is dojo reward distance.
func rewardDistance(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "reward distance", "ID --a P --b Q [--opt k=v ...] [--seed N] [--max-states N] [--gamma G] [--finite] [--json]")
	var opts optFlags
	fs.Var(&opts, "opt", "env option key=value (repeatable)")
	fa := fs.String("a", "", "first reward: a profile name, a JSON object of component weights, or a reward table file (.json: {\"default\": 0, \"rewards\": [[s, a, next_state, reward], ...]})")
	fb := fs.String("b", "", "second reward, as --a")
	gamma := fs.Float64("gamma", -1, "discount of the canonicalisation, below 1 unless --finite (default: the env's option gamma)")
	finite := fs.Bool("finite", false, "compare the rewards on the finite-horizon model the audit solves (state and steps taken, the env's step limit), which also takes rewards that depend on the step count (MiniGrid's minigrid)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	seed := fs.Uint64("seed", 0, seedHelp)
	maxStates := fs.Int("max-states", audit.MaxStates, "the cap on the states of a model built by enumeration (MiniGrid worlds, bandits)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(pos, "reward distance")
	if err != nil {
		return err
	}
	if *fa == "" || *fb == "" {
		return usagef("reward distance needs both --a and --b (a profile, JSON weights, or a reward table file)")
	}
	m, spec, err := auditModel(ctx, a, id, opts, *seed, *maxStates)
	if err != nil {
		return err
	}
	// reward returns the reward s names: on every outcome (Distance), or
	// at every step with --finite (FiniteDistance).
	reward := func(s string) (r []float64, sr audit.StepReward, err error) {
		if strings.HasSuffix(s, ".json") && !strings.HasPrefix(strings.TrimSpace(s), "{") {
			if _, known := spec.Profiles[s]; !known {
				t, err := audit.ReadTable(s)
				if err != nil {
					return nil, sr, err
				}
				r, err = m.TableRewards(t)
				return r, audit.FixedReward(r), err
			}
		}
		p, err := auditProfile(&spec, s)
		if err != nil {
			if _, statErr := os.Stat(s); statErr == nil {
				return nil, sr, fmt.Errorf("%v (a reward table file must end in .json)", err)
			}
			return nil, sr, err
		}
		if *finite {
			sr, err = m.StepRewards(p)
			return nil, sr, err
		}
		r, err = m.Rewards(p)
		if err != nil && strings.Contains(err.Error(), "depends on the step count") {
			err = fmt.Errorf("%v (or compare on the model with the step count: --finite)", err)
		}
		return r, sr, err
	}
	ra, sa, err := reward(*fa)
	if err != nil {
		return fmt.Errorf("--a: %w", err)
	}
	rb, sb, err := reward(*fb)
	if err != nil {
		return fmt.Errorf("--b: %w", err)
	}
	g := m.Parts.Gamma
	if *gamma >= 0 {
		g = *gamma
	}
	var d float64
	if *finite {
		d, err = m.FiniteDistance(sa, sb, g)
	} else {
		d, err = m.Distance(ra, rb, g)
	}
	if err != nil {
		if *gamma < 0 && g >= 1 {
			return fmt.Errorf("%v (%s has no discount below 1 of its own: give --gamma, e.g. 0.99, or use --finite)", err, id)
		}
		return err
	}
	if *asJSON {
		b, err := json.Marshal(map[string]any{"env": id, "a": *fa, "b": *fb, "gamma": g, "finite": *finite, "distance": d})
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(a.stdout, "%s\n", b)
		return err
	}
	how := ""
	if *finite {
		how = ", finite horizon"
	}
	_, err = fmt.Fprintf(a.stdout, "STARC distance (VAL canonicalisation%s, L2, γ = %v) between %s and %s on %s: %.6g\n", how, g, *fa, *fb, id, d)
	return err
}
