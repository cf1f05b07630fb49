package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/agents"
	"github.com/dojo-rl/dojo/dojotest"
)

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func cmdList(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "list", "[--json] [FAMILY]")
	asJSON := fs.Bool("json", false, "print the specs as JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("list takes at most one family name, got %q", pos)
	}
	specs := a.reg.Specs()
	if len(pos) == 1 {
		var keep []dojo.Spec
		for _, s := range specs {
			if dojo.Family(s.ID) == pos[0] {
				keep = append(keep, s)
			}
		}
		if len(keep) == 0 {
			return usagef("no env of family %q (families: %s)", pos[0], strings.Join(families(specs), ", "))
		}
		specs = keep
	}
	if *asJSON {
		return writeJSON(a.stdout, specs)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	for _, s := range specs {
		desc, _, _ := strings.Cut(s.Description, ". ")
		fmt.Fprintf(tw, "%s\t%s\n", s.ID, strings.TrimSuffix(desc, "."))
	}
	return tw.Flush()
}

func families(specs []dojo.Spec) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range specs {
		if f := dojo.Family(s.ID); !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	sort.Strings(out)
	return out
}

func oneID(pos []string, cmd string) (string, error) {
	if len(pos) != 1 {
		return "", usagef("%s needs exactly one env id (dojo list shows them), got %d arguments", cmd, len(pos))
	}
	return pos[0], nil
}

func cmdDescribe(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "describe", "ID [--opt k=v ...] [--json]")
	asJSON := fs.Bool("json", false, "print the spec as JSON")
	var opts optFlags
	fs.Var(&opts, "opt", "env option `key=value` (repeatable); the spec shown is the configured env's")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(pos, "describe")
	if err != nil {
		return err
	}
	spec, err := a.reg.Spec(id)
	if err != nil {
		return err
	}
	if len(opts) > 0 {
		o, err := resolveOptions(a.reg, id, opts, "")
		if err != nil {
			return err
		}
		env, err := a.reg.Make(id, o)
		if err != nil {
			return err
		}
		spec = env.Spec()
		dojo.Close(env)
	}
	if *asJSON {
		return writeJSON(a.stdout, spec)
	}
	describe(a.stdout, &spec)
	return nil
}

func describe(w io.Writer, s *dojo.Spec) {
	fmt.Fprintf(w, "%s\n\n%s\n\n", s.ID, s.Description)
	fmt.Fprintf(w, "observation  %s\n", spaceString(&s.Observation))
	if s.ObsText {
		fmt.Fprintf(w, "             + text and chat messages\n")
	}
	fmt.Fprintf(w, "action       %s\n", spaceString(&s.Action))
	fmt.Fprintf(w, "max steps    %d\n", s.MaxSteps)
	if s.Stochastic {
		fmt.Fprintf(w, "stochastic   yes (an optimal policy does not always succeed)\n")
	}
	profiles := make([]string, 0, len(s.Profiles))
	for p := range s.Profiles {
		profiles = append(profiles, p)
	}
	sort.Strings(profiles)
	fmt.Fprintf(w, "\nreward components (profile %q by default):\n", s.DefaultProfile)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  name\tsparse\tshaped")
	for _, p := range profiles {
		fmt.Fprintf(tw, "\t%s", p)
	}
	fmt.Fprintf(tw, "\tdescription\n")
	for _, c := range s.Rewards {
		sparse := 0.0
		if c.Name == dojo.SuccessComponent {
			sparse = 1
		}
		fmt.Fprintf(tw, "  %s\t%g\t%g", c.Name, sparse, c.Shaped)
		for _, p := range profiles {
			fmt.Fprintf(tw, "\t%g", s.Profiles[p][c.Name])
		}
		fmt.Fprintf(tw, "\t%s\n", c.Description)
	}
	tw.Flush()
	fmt.Fprintf(w, "\noptions (--opt key=value):\n")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "  name\ttype\tdefault\tdescription\n")
	for _, o := range s.Options {
		typ := string(o.Type)
		if len(o.Choices) > 0 {
			typ = strings.Join(o.Choices, "|")
		}
		if o.Min != nil && o.Max != nil {
			typ += fmt.Sprintf(" [%g,%g]", *o.Min, *o.Max)
		}
		def := "-"
		if o.Default != nil {
			b, _ := json.Marshal(o.Default)
			def = string(b)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", o.Name, typ, def, o.Description)
	}
	tw.Flush()
}

func spaceString(sp *dojo.Space) string {
	var b strings.Builder
	switch sp.Kind {
	case dojo.KindDiscrete:
		fmt.Fprintf(&b, "Discrete(%d)", sp.N)
		if len(sp.Labels) > 0 {
			fmt.Fprintf(&b, " %s", strings.Join(sp.Labels, ", "))
		}
	case dojo.KindBox:
		fmt.Fprintf(&b, "Box(%g, %g, shape=%v", sp.Low, sp.High, sp.Shape)
		if sp.DType != "" {
			fmt.Fprintf(&b, ", %s", sp.DType)
		}
		b.WriteString(")")
	case dojo.KindDict:
		b.WriteString("Dict(")
		for i, f := range sp.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s: %s", f.Name, spaceString(&f.Space))
		}
		b.WriteString(")")
	case dojo.KindToolCalls:
		names := make([]string, len(sp.Tools))
		for i, t := range sp.Tools {
			names[i] = t.Name
		}
		fmt.Fprintf(&b, "ToolCalls(%s)", strings.Join(names, ", "))
	default:
		b.WriteString(string(sp.Kind))
	}
	if sp.Description != "" {
		fmt.Fprintf(&b, " — %s", sp.Description)
	}
	return b.String()
}

func cmdMDP(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "mdp", "ID [--opt k=v ...] [--json]")
	asJSON := fs.Bool("json", false, "print the model as JSON in Gymnasium's P layout")
	var opts optFlags
	fs.Var(&opts, "opt", "env option `key=value` (repeatable)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	id, err := oneID(pos, "mdp")
	if err != nil {
		return err
	}
	o, err := resolveOptions(a.reg, id, opts, "")
	if err != nil {
		return err
	}
	env, err := a.reg.Make(id, o)
	if err != nil {
		return err
	}
	defer dojo.Close(env)
	m, ok := env.(dojo.Model)
	if !ok {
		var with []string
		for _, s := range a.reg.Specs() {
			e, err := a.reg.Make(s.ID, nil)
			if err != nil {
				continue
			}
			if _, ok := e.(dojo.Model); ok {
				with = append(with, s.ID)
			}
			dojo.Close(e)
		}
		return usagef("%s has no exact model (envs with one: %s)", id, strings.Join(with, ", "))
	}
	mdp := m.MDP()
	if *asJSON {
		b, err := json.Marshal(mdp)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(a.stdout, "%s\n", b)
		return err
	}
	n := 0
	for _, acts := range mdp.P {
		for _, outs := range acts {
			n += len(outs)
		}
	}
	start := 0
	for _, p := range mdp.InitialStateDistrib {
		if p > 0 {
			start++
		}
	}
	fmt.Fprintf(a.stdout, "%s: %d states, %d actions, %d outcomes, %d possible start states\n", id, mdp.NS, mdp.NA, n, start)
	v, _ := mdp.ValueIteration(0.99, 1e-10)
	var v0 float64
	for s, p := range mdp.InitialStateDistrib {
		v0 += p * v[s]
	}
	fmt.Fprintf(a.stdout, "optimal expected discounted return from the start (γ=0.99): %.6g\n", v0)
	fmt.Fprintf(a.stdout, "(--json prints the full table)\n")
	return nil
}

func cmdCheck(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "check", "[ID ...] [--opt k=v ...] [--seeds N]")
	seeds := fs.Int("seeds", 8, "random-action episodes checked for determinism per env")
	oracle := fs.Int("oracle", 20, "oracle episodes per env")
	var opts optFlags
	fs.Var(&opts, "opt", "env option `key=value` (repeatable; only with one ID)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(opts) > 0 && len(pos) != 1 {
		return usagef("--opt needs exactly one env id")
	}
	ids := pos
	all := len(ids) == 0
	if all {
		ids = a.reg.IDs()
	}
	failed, skipped := 0, 0
	report := func(verdict, id string, err error) {
		fmt.Fprintf(a.stdout, "%-5s %s\n", verdict, id)
		problems := []error{err}
		if ce := (*dojotest.Error)(nil); errors.As(err, &ce) {
			problems = ce.Problems // the id is on the line above
		}
		for _, p := range problems {
			if p != nil {
				fmt.Fprintf(a.stdout, "      %s\n", strings.ReplaceAll(p.Error(), "\n", "\n      "))
			}
		}
	}
	for _, id := range ids {
		o, err := resolveOptions(a.reg, id, opts, "")
		if err != nil {
			return err
		}
		// A data-set env whose data is absent (BIRD is not shipped;
		// Spider and KaggleDBQA are in ../shared/data, beside a
		// checkout) is skipped when checking every env, and fails when
		// named.
		notices, err := checkData(ctx, a, id, o)
		if err != nil {
			if dojo.ErrorCode(err) != dojo.CodeNotFound {
				return err
			}
			err = fmt.Errorf("its data is absent: %w", err)
			if all {
				skipped++
				report("skip", id, err)
			} else {
				failed++
				report("FAIL", id, err)
			}
			continue
		}
		for _, n := range notices {
			fmt.Fprintf(a.stderr, "dojo check: %s: %s\n", id, n)
		}
		env, err := a.reg.Make(id, o)
		if err != nil {
			return err
		}
		err = dojotest.Config{Seeds: *seeds, OracleEpisodes: *oracle}.Check(env)
		dojo.Close(env)
		if err != nil {
			failed++
			report("FAIL", id, err)
		} else {
			report("ok", id, nil)
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d envs failed", failed, len(ids))
	}
	if skipped > 0 {
		fmt.Fprintf(a.stdout, "%d envs ok, %d skipped (their data is absent)\n", len(ids)-skipped, skipped)
	}
	return nil
}

func cmdAgents(ctx context.Context, a *app, args []string) error {
	fs := newFlags(a, "agents", "[--json]")
	asJSON := fs.Bool("json", false, "print as JSON")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	list := agents.List()
	if *asJSON {
		return writeJSON(a.stdout, list)
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	for _, ag := range list {
		fmt.Fprintf(tw, "%s\t%s\n", ag.Name, ag.Doc)
	}
	return tw.Flush()
}
