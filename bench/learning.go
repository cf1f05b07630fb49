package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"image/color"
	"io"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/internal/stats"
)

// LearningProfile is a reward profile a learner trains under: a name as
// shown, and the value of the env's reward option (a profile name or a
// map of component weights).
type LearningProfile struct {
	Name   string `json:"name"`
	Reward any    `json:"reward"`
}

// LearningConfig configures Learning.
type LearningConfig struct {
	Registry *dojo.Registry
	Env      string
	// Options are the env's options; the reward option is set by each
	// profile (for training) and to "sparse" (for evaluation).
	Options dojo.Options
	// Profiles to train under; nil for DefaultLearningProfiles.
	Profiles []LearningProfile
	// Learner names the learner, as shown. NewLearner returns it with a
	// training budget of the given number of episodes: an AgentMaker
	// whose NewAgent trains on EpisodeStart.NewEnv (as the qlearning
	// agent does) and returns the learned policy.
	Learner    string
	NewLearner func(episodes int) (dojo.AgentMaker, error)
	// Checkpoints are the training budgets, increasing and positive.
	Checkpoints []int
	// Seeds are the training seeds (EpisodeStart.Seed of each learner).
	Seeds []uint64
	// EvalEpisodes is the number of evaluation episodes of each learned
	// policy, with env seeds EvalSeed, EvalSeed+1, ....
	EvalEpisodes int
	EvalSeed     uint64
	// Workers train and evaluate this many learners at once (default 1).
	Workers int
}

// LearningReport is Learning's result.
type LearningReport struct {
	Env          string       `json:"env"`
	Label        string       `json:"label"`
	Options      dojo.Options `json:"options"`
	Learner      string       `json:"learner"`
	Checkpoints  []int        `json:"checkpoints"`
	Seeds        []uint64     `json:"seeds"`
	EvalEpisodes int          `json:"eval_episodes"`
	EvalSeed     uint64       `json:"eval_seed"`
	// Interval says how the intervals were computed.
	Interval string          `json:"interval"`
	Profiles []LearningCurve `json:"profiles"`
}

// LearningCurve is one profile's success on the sparse task after each
// training budget.
type LearningCurve struct {
	Name    string             `json:"name"`
	Weights map[string]float64 `json:"weights"`
	Points  []LearningPoint    `json:"points"`
}

// LearningPoint is the success of the policies learned with one budget:
// Success is the mean over the training seeds of each policy's success
// rate over the evaluation episodes (PerSeed, in the order of Seeds), and
// [Lo, Hi] its interval.
type LearningPoint struct {
	Episodes int       `json:"episodes"`
	Success  float64   `json:"success"`
	Lo       float64   `json:"lo"`
	Hi       float64   `json:"hi"`
	PerSeed  []float64 `json:"per_seed"`
}

// Learning bootstrap: resamples and the seed of its generator.
const (
	learningResamples = 10_000
	learningBootSeed  = 0x6c6561726e // "learn"
)

// DefaultLearningProfiles are the profiles Learning trains under by
// default: sparse, shaped, then the env's named presets by name.
func DefaultLearningProfiles(spec dojo.Spec) []LearningProfile {
	ps := []LearningProfile{{"sparse", "sparse"}, {"shaped", "shaped"}}
	for _, n := range slices.Sorted(maps.Keys(spec.Profiles)) {
		if n != "sparse" && n != "shaped" {
			ps = append(ps, LearningProfile{n, n})
		}
	}
	return ps
}

// Checkpoints returns k training budgets evenly spaced up to n: n/k,
// 2n/k, ..., n (rounded, duplicates dropped).
func Checkpoints(n, k int) []int {
	var out []int
	for i := 1; i <= k; i++ {
		c := int(math.Round(float64(n) * float64(i) / float64(k)))
		if c > 0 && (len(out) == 0 || c > out[len(out)-1]) {
			out = append(out, c)
		}
	}
	return out
}

// Learning compares reward profiles by what a learner learns under them.
// For every profile, training seed and budget it makes a fresh learner
// with that budget (NewLearner) and one agent from it, which trains on
// private envs with the profile's reward (EpisodeStart.NewEnv; seed
// EpisodeStart.Seed = the training seed), then plays EvalEpisodes
// episodes of the sparse task (the env's options with reward "sparse",
// seeds EvalSeed+i, the same for every profile and seed) in turn,
// without learning from them. Each budget is a separate run from scratch
// (a learner's schedule, such as qlearning's ε decay, follows its
// budget), so a curve's points are independent.
//
// The success of a policy is its rate over the evaluation episodes; a
// point reports the mean over the training seeds and its 95%
// percentile-bootstrap interval over the seeds (10,000 resamples of the
// per-seed rates, from a fixed generator seed): the seeds are the
// independent replications, the evaluation episodes of one policy share
// it. The report is the same for the same configuration, whatever
// Workers.
func Learning(ctx context.Context, cfg LearningConfig) (*LearningReport, error) {
	if cfg.Registry == nil || cfg.NewLearner == nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "learning: a registry and a learner are needed")
	}
	spec, err := cfg.Registry.Spec(cfg.Env)
	if err != nil {
		return nil, err
	}
	if len(cfg.Checkpoints) == 0 || len(cfg.Seeds) == 0 || cfg.EvalEpisodes <= 0 {
		return nil, dojo.Errorf(dojo.CodeInvalid, "learning: want at least one checkpoint, one training seed and one evaluation episode (got %d, %d, %d)", len(cfg.Checkpoints), len(cfg.Seeds), cfg.EvalEpisodes)
	}
	for i, c := range cfg.Checkpoints {
		if c <= 0 || (i > 0 && c <= cfg.Checkpoints[i-1]) {
			return nil, dojo.Errorf(dojo.CodeInvalid, "learning: checkpoints %v: want positive budgets in increasing order", cfg.Checkpoints)
		}
	}
	profiles := cfg.Profiles
	if profiles == nil {
		profiles = DefaultLearningProfiles(spec)
	}
	base := cfg.Options.Clone()
	delete(base, dojo.RewardOption)
	rep := &LearningReport{
		Env: cfg.Env, Label: cfg.Env, Options: base, Learner: cfg.Learner,
		Checkpoints: slices.Clone(cfg.Checkpoints), Seeds: slices.Clone(cfg.Seeds),
		EvalEpisodes: cfg.EvalEpisodes, EvalSeed: cfg.EvalSeed,
		Interval: fmt.Sprintf("95%% percentile bootstrap over the %d training seeds (%d resamples of the per-seed success rates)", len(cfg.Seeds), learningResamples),
	}
	defaults, _ := spec.Resolve(nil)
	for _, o := range spec.Options {
		if v, ok := base[o.Name]; ok && fmt.Sprint(v) != fmt.Sprint(defaults[o.Name]) {
			rep.Label += fmt.Sprintf(" %s=%v", o.Name, v)
		}
	}
	// Resolve every env once, so a bad option or profile fails before
	// any training, naming it.
	withReward := func(r any) dojo.Options {
		o := base.Clone()
		if o == nil {
			o = dojo.Options{}
		}
		o[dojo.RewardOption] = r
		return o
	}
	weights := func(p LearningProfile) (map[string]float64, error) {
		if _, err := spec.Resolve(withReward(p.Reward)); err != nil {
			return nil, fmt.Errorf("profile %s: %w", p.Name, err)
		}
		ws, err := spec.Weights(p.Reward)
		if err != nil {
			return nil, fmt.Errorf("profile %s: %w", p.Name, err)
		}
		w := map[string]float64{}
		for i, c := range spec.Rewards {
			if ws[i] != 0 {
				w[c.Name] = ws[i]
			}
		}
		return w, nil
	}
	if _, err := weights(LearningProfile{"sparse", "sparse"}); err != nil {
		return nil, err
	}
	for _, p := range profiles {
		w, err := weights(p)
		if err != nil {
			return nil, err
		}
		curve := LearningCurve{Name: p.Name, Weights: w}
		for _, c := range cfg.Checkpoints {
			curve.Points = append(curve.Points, LearningPoint{Episodes: c, PerSeed: make([]float64, len(cfg.Seeds))})
		}
		rep.Profiles = append(rep.Profiles, curve)
	}

	type job struct{ p, c, s int }
	var jobs []job
	for p := range profiles {
		for c := range cfg.Checkpoints {
			for s := range cfg.Seeds {
				jobs = append(jobs, job{p, c, s})
			}
		}
	}
	errs := make([]error, len(jobs))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var wg sync.WaitGroup
	for range max(1, min(cfg.Workers, len(jobs))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				j := jobs[i]
				p := profiles[j.p]
				rate, err := learnOnce(ctx, cfg, withReward(p.Reward), withReward("sparse"), cfg.Checkpoints[j.c], cfg.Seeds[j.s])
				if err != nil {
					errs[i] = fmt.Errorf("profile %s, %d training episodes, seed %d: %w", p.Name, cfg.Checkpoints[j.c], cfg.Seeds[j.s], err)
					cancel()
					continue
				}
				rep.Profiles[j.p].Points[j.c].PerSeed[j.s] = rate
			}
		}()
	}
feed:
	for i := range jobs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if err := dojo.CheckContext(ctx); err != nil {
		return nil, err
	}
	for pi := range rep.Profiles {
		for ci := range rep.Profiles[pi].Points {
			pt := &rep.Profiles[pi].Points[ci]
			pt.Success = stats.Average(pt.PerSeed)
			iv := stats.Bootstrap(pt.PerSeed, 0.95, learningResamples, learningBootSeed)
			pt.Lo, pt.Hi = iv.Lo, iv.Hi
		}
	}
	return rep, nil
}

// learnOnce trains one learner under train's options for budget episodes
// with the given seed and returns its success rate on eval's env.
func learnOnce(ctx context.Context, cfg LearningConfig, train, eval dojo.Options, budget int, seed uint64) (float64, error) {
	maker, err := cfg.NewLearner(budget)
	if err != nil {
		return 0, err
	}
	env, err := cfg.Registry.Make(cfg.Env, eval)
	if err != nil {
		return 0, err
	}
	defer dojo.Close(env)
	spec := env.Spec()
	obs, info, err := env.Reset(ctx, cfg.EvalSeed)
	if err != nil {
		return 0, err
	}
	agent, err := maker.NewAgent(ctx, dojo.EpisodeStart{
		Seed: seed, Spec: spec, Tools: slices.Clone(obs.ToolsOr(&spec)), Env: env,
		NewEnv: func() (dojo.Env, error) { return cfg.Registry.Make(cfg.Env, train) },
	})
	if err != nil {
		return 0, err
	}
	if agent == nil {
		return 0, dojo.Errorf(dojo.CodeInternal, "the learner returned no agent and no error")
	}
	wins := 0
	for i := range cfg.EvalEpisodes {
		if i > 0 {
			if obs, info, err = env.Reset(ctx, cfg.EvalSeed+uint64(i)); err != nil {
				return 0, err
			}
		}
		turn := dojo.Turn{Obs: obs, Info: info}
		for n := 1; ; n++ {
			a, err := agent.Act(ctx, turn)
			if err != nil {
				return 0, fmt.Errorf("evaluation episode %d: %w", i, err)
			}
			st, err := env.Step(ctx, a)
			if err != nil {
				return 0, fmt.Errorf("evaluation episode %d: %w", i, err)
			}
			if st.Done() {
				if st.Info.Success {
					wins++
				}
				break
			}
			if spec.MaxSteps > 0 && n >= spec.MaxSteps {
				return 0, dojo.Errorf(dojo.CodeInternal, "%s did not end the episode within max_steps=%d", cfg.Env, spec.MaxSteps)
			}
			turn = dojo.Turn{Step: n, Obs: st.Obs, Reward: st.Reward, Info: st.Info}
		}
	}
	return float64(wins) / float64(cfg.EvalEpisodes), nil
}

// table is the report as rows: a header, then one row per profile with
// its weights, the mean success at each budget, and the interval at the
// last.
func (r *LearningReport) table() [][]string {
	head := []string{"profile", "weights"}
	for _, c := range r.Checkpoints {
		head = append(head, fmt.Sprintf("%d eps", c))
	}
	head = append(head, "95% CI at "+fmt.Sprint(r.Checkpoints[len(r.Checkpoints)-1]))
	rows := [][]string{head}
	for _, p := range r.Profiles {
		var ws []string
		for _, k := range slices.Sorted(maps.Keys(p.Weights)) {
			ws = append(ws, fmt.Sprintf("%s=%s", k, trimNum(p.Weights[k])))
		}
		row := []string{p.Name, strings.Join(ws, ",")}
		for _, pt := range p.Points {
			row = append(row, pct(pt.Success))
		}
		last := p.Points[len(p.Points)-1]
		row = append(row, fmt.Sprintf("[%.1f, %.1f]", 100*last.Lo, 100*last.Hi))
		rows = append(rows, row)
	}
	return rows
}

func trimNum(x float64) string { return fmt.Sprintf("%g", x) }

func (r *LearningReport) caption() string {
	return fmt.Sprintf("%s: %s trained under each profile for the budgets shown (%d training seeds), its greedy policy's success on the sparse task (%d episodes, seeds %d+); mean over the seeds, %s", r.Label, r.Learner, len(r.Seeds), r.EvalEpisodes, r.EvalSeed, r.Interval)
}

// WriteText writes the comparison for a terminal.
func (r *LearningReport) WriteText(w io.Writer) error {
	fmt.Fprintln(w, r.caption())
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, row := range r.table() {
		fmt.Fprintln(tw, strings.Join(row, "\t"))
	}
	return tw.Flush()
}

// WriteMarkdown writes the comparison as a Markdown table with its
// caption.
func (r *LearningReport) WriteMarkdown(w io.Writer) error {
	fmt.Fprintf(w, "%s.\n\n", r.caption())
	rows := r.table()
	fmt.Fprintf(w, "| %s |\n", strings.Join(rows[0], " | "))
	seps := make([]string, len(rows[0]))
	for i := range seps {
		seps[i] = "---:"
		if i < 2 {
			seps[i] = "---"
		}
	}
	fmt.Fprintf(w, "|%s|\n", strings.Join(seps, "|"))
	for _, row := range rows[1:] {
		fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
	}
	_, err := fmt.Fprintln(w)
	return err
}

// Size of learning.png, in pixels.
const (
	learningW       = 720
	learningLegendW = 240
	learningH       = 440
)

// Plot draws the learning curves: success on the sparse task against the
// training budget, one line per profile with its interval as a band.
func (r *LearningReport) Plot() (*vgimg.Canvas, error) {
	p := newPlot(fmt.Sprintf("%s: %s, success on the sparse task", r.Label, r.Learner))
	p.X.Label.Text = "training episodes"
	p.Y.Label.Text = fmt.Sprintf("success (mean of %d seeds, 95%% bootstrap band)", len(r.Seeds))
	p.Y.Min, p.Y.Max = 0, 1
	p.Add(plotter.NewGrid())
	leg := plot.NewLegend()
	leg.TextStyle.Font.Size = vg.Points(9)
	leg.Top, leg.Left = true, true
	for i, c := range r.Profiles {
		col := plotutil.Color(i)
		line := make(plotter.XYs, len(c.Points))
		band := make(plotter.XYs, 0, 2*len(c.Points))
		for k, pt := range c.Points {
			line[k] = plotter.XY{X: float64(pt.Episodes), Y: pt.Success}
			band = append(band, plotter.XY{X: float64(pt.Episodes), Y: pt.Hi})
		}
		for k := len(c.Points) - 1; k >= 0; k-- {
			band = append(band, plotter.XY{X: float64(c.Points[k].Episodes), Y: c.Points[k].Lo})
		}
		poly, err := plotter.NewPolygon(band)
		if err != nil {
			return nil, err
		}
		r8, g8, b8, _ := col.RGBA()
		poly.Color = color.NRGBA{uint8(r8 >> 8), uint8(g8 >> 8), uint8(b8 >> 8), 0x40}
		poly.LineStyle.Width = 0
		l, pts, err := plotter.NewLinePoints(line)
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = col, vg.Points(1.5)
		pts.Color, pts.Shape = col, draw.CircleGlyph{}
		p.Add(poly, l, pts)
		leg.Add(c.Name, l, pts)
	}
	c := newCanvas(learningW+learningLegendW, learningH)
	dc := draw.New(c)
	p.Draw(draw.Crop(dc, 0, -px(learningLegendW), 0, 0))
	// The legend to the right of the plot, clear of the curves.
	leg.Draw(draw.Crop(dc, px(learningW)+px(8), 0, 0, -px(40)))
	return c, nil
}

// WriteFiles writes learning.json, learning.md and learning.png into dir
// (created if needed) and returns their paths.
func (r *LearningReport) WriteFiles(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, dojo.Errorf(dojo.CodeInvalid, "%v", err)
	}
	var paths []string
	write := func(name string, f func(io.Writer) error) error {
		path := filepath.Join(dir, name)
		out, err := os.Create(path)
		if err != nil {
			return dojo.Errorf(dojo.CodeInvalid, "%v", err)
		}
		if err := f(out); err != nil {
			out.Close()
			return dojo.Errorf(dojo.CodeInternal, "%s: %v", path, err)
		}
		if err := out.Close(); err != nil {
			return dojo.Errorf(dojo.CodeInternal, "%s: %v", path, err)
		}
		paths = append(paths, path)
		return nil
	}
	if err := write("learning.json", func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}); err != nil {
		return nil, err
	}
	if err := write("learning.md", r.WriteMarkdown); err != nil {
		return nil, err
	}
	c, err := r.Plot()
	if err != nil {
		return nil, dojo.Errorf(dojo.CodeInternal, "plot learning.png: %v", err)
	}
	if err := write("learning.png", func(w io.Writer) error {
		_, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(w)
		return err
	}); err != nil {
		return nil, err
	}
	return paths, nil
}
