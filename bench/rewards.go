package bench

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/internal/stats"
	"github.com/dojo-rl/dojo/runner"
)

// RewardLab is the reward lab's analysis of episode records: for each env
// (with its options), how every reward part and every reward profile of
// the env tracks success, how often each part fires, and which failed
// episodes a profile nevertheless rewards well (hacking candidates).
type RewardLab struct {
	Groups []RewardGroup `json:"groups"`
}

// RewardGroup analyses the episodes of one env and options (the reward
// option aside: profiles are recomputed from the parts).
type RewardGroup struct {
	Label   string       `json:"label"`
	Env     string       `json:"env"`
	Options dojo.Options `json:"options"`
	Agents  []string     `json:"agents"`
	// Episodes completed without error, of which Successes succeeded;
	// Errors were left out.
	Episodes  int `json:"episodes"`
	Successes int `json:"successes"`
	Errors    int `json:"errors"`
	Steps     int `json:"steps"`
	// Parts are the reward components, in the env's order.
	Parts []PartSignal `json:"parts"`
	// Profiles are the reward as played and as each profile of the env
	// would have paid it, recomputed from the parts.
	Profiles []ProfileSignal `json:"profiles"`
	Notes    []string        `json:"notes,omitempty"`
}

// PartSignal is one reward component: its value summed over an episode
// (unweighted), and how that sum correlates with success.
type PartSignal struct {
	Name   string  `json:"name"`
	Weight float64 `json:"weight"` // as played
	Mean   float64 `json:"mean"`
	// MeanSuccess and MeanFailure are its mean over the successful and
	// the failed episodes (nil with none).
	MeanSuccess *float64 `json:"mean_success,omitempty"`
	MeanFailure *float64 `json:"mean_failure,omitempty"`
	// R is the point-biserial correlation of the episode sum with success
	// and P its two-sided p-value; nil where undefined (a part that never
	// varies, a run without successes or failures).
	R *float64 `json:"r,omitempty"`
	P *float64 `json:"p,omitempty"`
	// Fired is the share of episodes in which the part was not 0 at some
	// step; StepRate the share of all steps.
	Fired    float64 `json:"fired"`
	StepRate float64 `json:"step_rate"`
}

// ProfileSignal is one reward profile's return over the episodes.
type ProfileSignal struct {
	Name string `json:"name"`
	// AsPlayed marks the weights the episodes were played with.
	AsPlayed    bool               `json:"as_played"`
	Weights     map[string]float64 `json:"weights"`
	MeanSuccess *float64           `json:"mean_success,omitempty"`
	MeanFailure *float64           `json:"mean_failure,omitempty"`
	R           *float64           `json:"r,omitempty"`
	P           *float64           `json:"p,omitempty"`
	// BestFailure is the highest return of a failed episode.
	BestFailure *float64 `json:"best_failure,omitempty"`
	// Threshold is the median return of the successful episodes under
	// this profile: Candidates failed episodes score at least that much,
	// paid like a typical success. LowThreshold is the lowest return of a
	// success: LowCandidates failures (Candidates among them) are paid
	// like some success. There are no thresholds without a successful
	// episode.
	Threshold     *float64 `json:"threshold,omitempty"`
	Candidates    int      `json:"candidates"`
	LowThreshold  *float64 `json:"low_threshold,omitempty"`
	LowCandidates int      `json:"low_candidates"`
	Failures      int      `json:"failures"`
	// Top are the highest-paid of the LowCandidates, highest first.
	Top []Candidate `json:"top,omitempty"`
}

// Candidate is a failed episode with a high return.
type Candidate struct {
	Episode int     `json:"episode"`
	Seed    uint64  `json:"seed"`
	Agent   string  `json:"agent"`
	Return  float64 `json:"return"`
	Length  int     `json:"length"`
}

func ptr(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

// AnalyzeRewards analyses episode records (of one run or several pooled:
// pooling agents of different skill gives the correlations successes and
// failures to work with). reg supplies each env's profiles; an env it
// does not know is analysed with the weights as played only. top bounds
// the candidates listed per profile.
func AnalyzeRewards(eps []runner.Episode, reg *dojo.Registry, top int) (*RewardLab, error) {
	type group struct {
		g   *RewardGroup
		eps []*runner.Episode
	}
	var groups []*group
	byKey := map[string]*group{}
	for i := range eps {
		ep := &eps[i]
		opts := ep.Options.Clone()
		delete(opts, dojo.RewardOption)
		key, err := canonicalJSON(struct {
			Env     string       `json:"env"`
			Options dojo.Options `json:"options"`
		}{ep.Env, opts})
		if err != nil {
			return nil, dojo.Errorf(dojo.CodeInvalid, "episode %d of %s: options: %v", ep.Episode, ep.Env, err)
		}
		gr := byKey[string(key)]
		if gr == nil {
			gr = &group{g: &RewardGroup{Env: ep.Env, Options: opts}}
			byKey[string(key)] = gr
			groups = append(groups, gr)
		}
		if !slices.Contains(gr.g.Agents, ep.Agent) {
			gr.g.Agents = append(gr.g.Agents, ep.Agent)
		}
		if ep.Error != "" {
			gr.g.Errors++
			continue
		}
		if ep.PartTotals() == nil {
			return nil, dojo.Errorf(dojo.CodeInvalid, "episode %d of %s has no reward parts (written by an older dojo with --no-steps): run it again", ep.Episode, ep.Env)
		}
		gr.eps = append(gr.eps, ep)
	}
	lab := &RewardLab{}
	for _, gr := range groups {
		analyzeGroup(gr.g, gr.eps, reg, top)
		lab.Groups = append(lab.Groups, *gr.g)
	}
	if len(lab.Groups) == 0 {
		return nil, dojo.Errorf(dojo.CodeInvalid, "no episodes to analyse")
	}
	return lab, nil
}

func analyzeGroup(g *RewardGroup, eps []*runner.Episode, reg *dojo.Registry, top int) {
	g.Label = g.Env
	spec, specErr := reg.Spec(g.Env)
	if specErr == nil {
		defaults, _ := spec.Resolve(nil)
		for _, o := range spec.Options {
			if v, ok := g.Options[o.Name]; ok && fmt.Sprint(v) != fmt.Sprint(defaults[o.Name]) {
				g.Label += fmt.Sprintf(" %s=%v", o.Name, v)
			}
		}
	} else {
		g.Notes = append(g.Notes, fmt.Sprintf("%s is not registered in this build: only the weights as played are analysed", g.Env))
	}
	g.Episodes = len(eps)
	success := make([]bool, len(eps))
	for i, ep := range eps {
		success[i] = ep.Success
		if ep.Success {
			g.Successes++
		}
		g.Steps += ep.Length
	}
	if g.Episodes == 0 {
		g.Notes = append(g.Notes, "every episode failed with an error: nothing to analyse")
		return
	}
	if g.Successes == 0 || g.Successes == g.Episodes {
		g.Notes = append(g.Notes, "all episodes have the same outcome: correlations with success are undefined; pool runs of a weaker and a stronger agent")
	}

	// The parts, in the env's order, then any the spec does not list.
	var names []string
	if specErr == nil {
		for _, c := range spec.Rewards {
			names = append(names, c.Name)
		}
	}
	sums := map[string][]float64{}
	played := map[string]float64{}
	fired := map[string]int{}
	firedSteps := map[string]int{}
	for i, ep := range eps {
		for _, p := range ep.PartTotals() {
			if !slices.Contains(names, p.Name) {
				names = append(names, p.Name)
			}
			if sums[p.Name] == nil {
				sums[p.Name] = make([]float64, len(eps))
			}
			sums[p.Name][i] = p.Sum
			played[p.Name] = p.Weight
			if p.Fired > 0 {
				fired[p.Name]++
			}
			firedSteps[p.Name] += p.Fired
		}
	}
	for _, name := range names {
		xs := sums[name]
		if xs == nil {
			xs = make([]float64, len(eps))
		}
		ps := PartSignal{Name: name, Weight: played[name], Mean: stats.Average(xs),
			Fired: float64(fired[name]) / float64(len(eps))}
		if g.Steps > 0 {
			ps.StepRate = float64(firedSteps[name]) / float64(g.Steps)
		}
		ps.MeanSuccess, ps.MeanFailure, ps.R, ps.P = split(xs, success)
		g.Parts = append(g.Parts, ps)
	}

	// The profiles: as played, then the env's named ones.
	type profile struct {
		name string
		w    map[string]float64
	}
	profiles := []profile{{"as played", played}}
	if specErr == nil {
		pnames := append([]string{"sparse", "shaped"}, slices.Sorted(maps.Keys(spec.Profiles))...)
		for _, pn := range pnames {
			ws, err := spec.Weights(pn)
			if err != nil {
				continue
			}
			w := map[string]float64{}
			for i, c := range spec.Rewards {
				w[c.Name] = ws[i]
			}
			if sameWeights(w, played) {
				profiles[0].name = pn
				continue
			}
			profiles = append(profiles, profile{pn, w})
		}
	}
	for k, pr := range profiles {
		ret := make([]float64, len(eps))
		for i := range eps {
			for _, name := range names {
				if xs := sums[name]; xs != nil {
					ret[i] += float64(pr.w[name] * xs[i])
				}
			}
		}
		sig := ProfileSignal{Name: pr.name, AsPlayed: k == 0, Weights: pr.w}
		sig.MeanSuccess, sig.MeanFailure, sig.R, sig.P = split(ret, success)
		var succ []float64
		for i, s := range success {
			if s {
				succ = append(succ, ret[i])
			}
		}
		sig.Failures = g.Episodes - g.Successes
		for i, s := range success {
			if !s && (sig.BestFailure == nil || ret[i] > *sig.BestFailure) {
				sig.BestFailure = &ret[i]
			}
		}
		if len(succ) > 0 {
			th, low := stats.Quantile(succ, 0.5), slices.Min(succ)
			sig.Threshold, sig.LowThreshold = &th, &low
			var cands []Candidate
			for i, ep := range eps {
				if !success[i] && ret[i] >= low {
					cands = append(cands, Candidate{Episode: ep.Episode, Seed: ep.Seed, Agent: ep.Agent, Return: ret[i], Length: ep.Length})
					if ret[i] >= th {
						sig.Candidates++
					}
				}
			}
			slices.SortStableFunc(cands, func(a, b Candidate) int {
				return cmp.Or(cmp.Compare(b.Return, a.Return), cmp.Compare(a.Seed, b.Seed))
			})
			sig.LowCandidates = len(cands)
			sig.Top = cands[:min(top, len(cands))]
		}
		g.Profiles = append(g.Profiles, sig)
	}
}

// sameWeights reports whether two weight maps weigh every component alike
// (a missing component weighs 0).
func sameWeights(a, b map[string]float64) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return true
}

// split returns the means of xs over the successes and the failures, and
// the point-biserial correlation with its p-value.
func split(xs []float64, success []bool) (ms, mf, r, p *float64) {
	var s, f []float64
	for i, x := range xs {
		if success[i] {
			s = append(s, x)
		} else {
			f = append(f, x)
		}
	}
	ms, mf = ptr(stats.Average(s)), ptr(stats.Average(f))
	rv := stats.PointBiserial(xs, success)
	return ms, mf, ptr(rv), ptr(stats.CorrelationP(rv, len(xs)))
}

func optNum(x *float64) string {
	if x == nil {
		return "–"
	}
	return num(*x)
}

func optP(x *float64) string {
	switch {
	case x == nil:
		return "–"
	case *x < 1e-4:
		return "<0.0001"
	}
	return fmt.Sprintf("%.4f", *x)
}

// WriteText writes the analysis for a terminal.
func (l *RewardLab) WriteText(w io.Writer) error {
	for gi, g := range l.Groups {
		if gi > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s: %d episodes (agent %s), %d successes (%.1f%%)", g.Label, g.Episodes, strings.Join(g.Agents, ", "), g.Successes, 100*float64(g.Successes)/math.Max(1, float64(g.Episodes)))
		if g.Errors > 0 {
			fmt.Fprintf(w, "; %d failed with an error, left out", g.Errors)
		}
		fmt.Fprintln(w)
		for _, n := range g.Notes {
			fmt.Fprintf(w, "note: %s\n", n)
		}
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "part\tweight\tmean/episode\tsuccesses\tfailures\tr(success)\tp\tfires (episodes)\tfires (steps)")
		for _, p := range g.Parts {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.Name, num(p.Weight), num(p.Mean), optNum(p.MeanSuccess), optNum(p.MeanFailure),
				optNum(p.R), optP(p.P), pct(p.Fired), pct(p.StepRate))
		}
		fmt.Fprintln(tw)
		fmt.Fprintln(tw, "profile\treturn|success\treturn|failure\tbest failure\tr(success)\tp\tfailures paid like a success: ≥ median\t≥ lowest")
		for _, p := range g.Profiles {
			name := p.Name
			if p.AsPlayed {
				name += " (played)"
			}
			med, low := "– (no success)", "–"
			if p.Threshold != nil {
				med = fmt.Sprintf("%d of %d (≥ %s)", p.Candidates, p.Failures, num(*p.Threshold))
				low = fmt.Sprintf("%d (≥ %s)", p.LowCandidates, num(*p.LowThreshold))
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, optNum(p.MeanSuccess), optNum(p.MeanFailure), optNum(p.BestFailure), optNum(p.R), optP(p.P), med, low)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		for _, p := range g.Profiles {
			if len(p.Top) == 0 {
				continue
			}
			fmt.Fprintf(w, "\nhacking candidates under %s (failed, yet paid at least the lowest success's %s), highest first:\n", p.Name, num(*p.LowThreshold))
			tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "  episode\tseed\tagent\treturn\tlength")
			for _, c := range p.Top {
				fmt.Fprintf(tw, "  %d\t%d\t%s\t%s\t%d\n", c.Episode, c.Seed, c.Agent, num(c.Return), c.Length)
			}
			if p.LowCandidates > len(p.Top) {
				fmt.Fprintf(tw, "  … %d more\n", p.LowCandidates-len(p.Top))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
		}
	}
	return nil
}
