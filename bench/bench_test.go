package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/dojo-rl/dojo"
	"github.com/dojo-rl/dojo/agents"
	"github.com/dojo-rl/dojo/dojotest"
	"github.com/dojo-rl/dojo/envs"
	"github.com/dojo-rl/dojo/runner"
)

var update = flag.Bool("update", false, "rewrite golden files and references.json")

// tiny is the suite the tests run: one entry of each kind of family, a few
// tasks each, a bandit with a short horizon recording regret.
var tiny = Suite{
	Name: "tiny-v1",
	Entries: []Entry{
		{Env: "gridworld/FrozenLake-v1", Tasks: 30, Seed: 5},
		{Env: "bandit/Bernoulli-2-v0", Options: dojo.Options{"horizon": 40}, Tasks: 8, Seed: 100, Series: []string{RegretSeries}},
		{Env: "toolcall/Mixed-v0", Tasks: 10, Seed: 7},
	},
}

func agent(t *testing.T, name string) dojo.AgentMaker {
	t.Helper()
	m, err := agents.New(name)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func runTiny(t *testing.T, dir, agentName string, trials, workers int) *Report {
	t.Helper()
	rep, err := Run(context.Background(), Config{
		Registry: envs.Default(), Suite: &tiny, Agent: agent(t, agentName), AgentName: agentName,
		Trials: trials, Dir: dir, Workers: workers,
	})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestSuitesAreValid(t *testing.T) {
	t.Parallel()
	reg := envs.Default()
	names := map[string]bool{}
	for _, s := range Suites() {
		if names[s.Name] {
			t.Errorf("suite %s is listed twice", s.Name)
		}
		names[s.Name] = true
		if _, err := s.Manifest(reg); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
		// Seed blocks do not overlap: no two entries share a task.
		type block struct {
			lo, hi uint64
			label  string
		}
		var blocks []block
		for _, e := range s.Entries {
			b := block{e.Seed, e.Seed + uint64(e.Tasks), e.Label()}
			for _, o := range blocks {
				if b.lo < o.hi && o.lo < b.hi {
					t.Errorf("%s: seeds of %s overlap those of %s", s.Name, b.label, o.label)
				}
			}
			blocks = append(blocks, b)
		}
	}
	// core-v1 spans every family registered, so a new family cannot be
	// left out of the benchmark unnoticed.
	covered := map[string]bool{}
	for _, e := range coreV1.Entries {
		covered[dojo.Family(e.Env)] = true
	}
	for _, id := range reg.IDs() {
		if f := dojo.Family(id); !covered[f] {
			covered[f] = true
			t.Errorf("family %s is registered but core-v1 has no entry of it: append its entries to coreV1 in bench/suite.go, then run go test ./bench -run TestReferences -update", f)
		}
	}
}

func TestSuiteValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		s    Suite
		want string
	}{
		{Suite{Name: "core", Entries: tiny.Entries}, "not of the form name-vN"},
		{Suite{Name: "x-v1"}, "no entries"},
		{Suite{Name: "x-v1", Entries: []Entry{{Env: "FrozenLake", Tasks: 1}}}, "not an id"},
		{Suite{Name: "x-v1", Entries: []Entry{{Env: "gridworld/FrozenLake-v1"}}}, "tasks 0"},
		{Suite{Name: "x-v1", Entries: []Entry{{Env: "gridworld/FrozenLake-v1", Tasks: 1}, {Env: "gridworld/FrozenLake-v1", Tasks: 2, Seed: 9}}}, "repeats entry 1"},
	}
	for _, tt := range tests {
		if err := tt.s.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: error %v, want %q", tt.s, err, tt.want)
		}
	}
	if _, err := Lookup("core-v9"); err == nil || !strings.Contains(err.Error(), "core-v1") {
		t.Errorf("Lookup(core-v9) = %v, want an error listing core-v1", err)
	}
	bad := filepath.Join(t.TempDir(), "s.json")
	os.WriteFile(bad, []byte(`{"name": "x-v1", "entries": [{"env": "gridworld/FrozenLake-v1", "tasks": 1, "seeds": 3}]}`), 0o644)
	if _, err := ReadSuite(bad); err == nil || !strings.Contains(err.Error(), `unknown field "seeds"`) {
		t.Errorf("ReadSuite with a misspelt field: %v", err)
	}
}

// The manifest of core-v1 is pinned: a change of its entries or of an env's
// defaults changes its hash and must be deliberate (a new suite version,
// or appended entries before the suite is published).
func TestManifestGolden(t *testing.T) {
	t.Parallel()
	for _, s := range Suites() {
		m, err := s.Manifest(envs.Default())
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.MarshalIndent(m, "", "  ")
		dojotest.Golden(t, filepath.Join("testdata", s.Name+".manifest.json"), append(b, '\n'), *update)
	}
	m, err := coreV1.Manifest(envs.Default())
	if err != nil {
		t.Fatal(err)
	}
	m2, _ := coreV1.Manifest(envs.Default())
	if m2.SHA256 != m.SHA256 || len(m.SHA256) != 64 {
		t.Errorf("manifest hash %q then %q: want the same 64 hex digits", m.SHA256, m2.SHA256)
	}
	// The hash covers the work: other seeds, tasks or options change it.
	for _, change := range []func(*Suite){
		func(s *Suite) { s.Entries[0].Seed++ },
		func(s *Suite) { s.Entries[0].Tasks++ },
		func(s *Suite) { s.Entries[0].Options = dojo.Options{"is_slippery": false} },
		func(s *Suite) { s.Entries = s.Entries[:len(s.Entries)-1] },
	} {
		s := coreV1
		s.Entries = slices.Clone(coreV1.Entries)
		change(&s)
		m3, err := s.Manifest(envs.Default())
		if err != nil {
			t.Fatal(err)
		}
		if m3.SHA256 == m.SHA256 {
			t.Errorf("a changed suite has the same manifest hash %s", m.Short())
		}
	}
}

// An option added to an env later, whose default keeps the env's episodes,
// must not change the hashes of suites made before it; nor does giving an
// option its default value.
func TestManifestHashIgnoresDefaultOptions(t *testing.T) {
	t.Parallel()
	base := envs.Default()
	spec, err := base.Spec("gridworld/FrozenLake-v1")
	if err != nil {
		t.Fatal(err)
	}
	grown := spec
	grown.Options = append(slices.Clone(spec.Options), dojo.Option{Name: "added_later", Type: dojo.OptBool, Default: false, Description: "an option added later"})
	reg := &dojo.Registry{}
	if err := reg.Register(grown, func(o dojo.Options) (dojo.Env, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	s := Suite{Name: "x-v1", Entries: []Entry{{Env: "gridworld/FrozenLake-v1", Tasks: 5, Seed: 7}}}
	before, err := s.Manifest(base)
	if err != nil {
		t.Fatal(err)
	}
	after, err := s.Manifest(reg)
	if err != nil {
		t.Fatal(err)
	}
	if before.SHA256 != after.SHA256 || before.Entries[0].SHA256 != after.Entries[0].SHA256 {
		t.Errorf("an option added with its default changed the hashes: %s → %s", before.Short(), after.Short())
	}
	if _, ok := after.Entries[0].Options["added_later"]; !ok {
		t.Errorf("the manifest does not list the new option resolved: %v", after.Entries[0].Options)
	}
	explicit := Suite{Name: "x-v1", Entries: []Entry{{Env: "gridworld/FrozenLake-v1", Tasks: 5, Seed: 7, Options: dojo.Options{"is_slippery": true, "map_name": "4x4"}}}}
	// The label differs (it names the options given), the work does not.
	m, err := explicit.Manifest(base)
	if err != nil {
		t.Fatal(err)
	}
	if m.Entries[0].SHA256 != before.Entries[0].SHA256 {
		t.Errorf("options given at their defaults changed the entry hash")
	}
	changed := Suite{Name: "x-v1", Entries: []Entry{{Env: "gridworld/FrozenLake-v1", Tasks: 5, Seed: 7, Options: dojo.Options{"added_later": true}}}}
	m, err = changed.Manifest(reg)
	if err != nil {
		t.Fatal(err)
	}
	if m.Entries[0].SHA256 == before.Entries[0].SHA256 {
		t.Errorf("an option set away from its default left the entry hash unchanged")
	}
}

func TestUnknownEnvFailsTheRun(t *testing.T) {
	t.Parallel()
	s := Suite{Name: "x-v1", Entries: append(slices.Clone(tiny.Entries),
		Entry{Env: "nosuch/Family-v0", Tasks: 3}, Entry{Env: "gridworld/Nowhere-v0", Tasks: 3})}
	dir := t.TempDir()
	_, err := Run(context.Background(), Config{Registry: envs.Default(), Suite: &s, Agent: agent(t, "random"), AgentName: "random", Dir: dir})
	if err == nil || dojo.ErrorCode(err) != dojo.CodeNotFound ||
		!strings.Contains(err.Error(), "nosuch/Family-v0 (entry 4)") || !strings.Contains(err.Error(), "gridworld/Nowhere-v0 (entry 5)") {
		t.Fatalf("error %v: want not found naming both missing envs", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a run that cannot start wrote %d files", len(entries))
	}
}

// pngInfo decodes a PNG and reports its size, its distinct colours and the
// share of pixels that are not white.
func pngInfo(t *testing.T, path string) (w, h, colours int, ink float64) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", path, err)
	}
	bounds := img.Bounds()
	seen := map[[4]uint32]bool{}
	inked := 0
	for y := bounds.Min.Y; y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, b, a}] = true
			if r < 0xf000 || g < 0xf000 || b < 0xf000 {
				inked++
			}
		}
	}
	return bounds.Dx(), bounds.Dy(), len(seen), float64(inked) / float64(bounds.Dx()*bounds.Dy())
}

func TestRunWritesTheReport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rep := runTiny(t, dir, "random", 3, 2)
	for _, f := range []string{"run.json", "report.json", "report.md", "success.png", "regret.png", "returns.png", "parts.png"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("the run wrote no %s: %v", f, err)
		}
	}
	// The report's numbers are the episodes' (cross-checked with the
	// runner's own summary of each trial's file).
	reg := envs.Default()
	m, _ := tiny.Manifest(reg)
	for i, me := range m.Entries {
		e := rep.Entries[i]
		if !e.Played || e.Episodes != me.Tasks*3 || e.Trials != 3 {
			t.Fatalf("%s: played %v, %d episodes over %d trials; want %d over 3", e.Label, e.Played, e.Episodes, e.Trials, me.Tasks*3)
		}
		succ := 0
		for tr := range 3 {
			eps, err := readEpisodeFile(episodeFile(dir, &me, tr))
			if err != nil || len(eps) != me.Tasks {
				t.Fatalf("%s trial %d: %d episodes, %v", e.Label, tr, len(eps), err)
			}
			for _, ep := range eps {
				if ep.Success {
					succ++
				}
				if ep.Steps != nil || ep.Parts == nil {
					t.Fatalf("%s: records keep steps %v, parts %v: want part totals and no steps", e.Label, ep.Steps != nil, ep.Parts)
				}
			}
		}
		if e.Successes != succ {
			t.Errorf("%s: %d successes, the files hold %d", e.Label, e.Successes, succ)
		}
		if e.PassHatK[2] > e.PassAtK[0] || e.PassAtK[0] > e.PassAtK[2] || math.Abs(e.PassAtK[0]-e.SuccessRate) > 1e-12 {
			t.Errorf("%s: pass@k %v pass^k %v success %v: want pass^3 ≤ pass@1 = success ≤ pass@3", e.Label, e.PassAtK, e.PassHatK, e.SuccessRate)
		}
		if e.Reference == nil || e.Score == nil || e.Reference.Random == nil {
			t.Errorf("%s: no reference or score (%q)", e.Label, e.ScoreNote)
		}
	}
	// The random agent's trials differ: FrozenLake's trials of a task do
	// not all agree, so pass@3 exceeds pass^3.
	if fl := rep.Entries[0]; fl.PassAtK[2] <= fl.PassHatK[2] {
		t.Errorf("FrozenLake: pass@3 %v ≤ pass^3 %v: the trials played the same", fl.PassAtK[2], fl.PassHatK[2])
	}
	bandit := rep.Entries[1]
	if c := bandit.curves[RegretSeries]; len(c) != 40 || !(c[39] > c[0]) || bandit.SeriesFinal[RegretSeries] != c[39] {
		t.Errorf("bandit regret curve %v (final %v): want 40 increasing points", c, bandit.SeriesFinal)
	}
	if rep.Overall.Entries != 3 || rep.Overall.SuccessCI == nil || !rep.Overall.SuccessCI.Contains(rep.Overall.SuccessRate) {
		t.Errorf("overall %+v", rep.Overall)
	}

	var fromFile Report
	b, _ := os.ReadFile(filepath.Join(dir, "report.json"))
	if err := json.Unmarshal(b, &fromFile); err != nil || fromFile.SHA256 != rep.SHA256 || len(fromFile.Entries) != 3 {
		t.Fatalf("report.json: %v, %+v", err, fromFile)
	}
	md, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	for _, want := range []string{rep.SHA256, "pass^3", "| gridworld/FrozenLake-v1 |", "**overall**", "## Reward parts", "![regret](regret.png)", "## Bandits"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report.md does not contain %q", want)
		}
	}

	// The plots are PNGs of the planned sizes with something drawn.
	sizes := map[string][2]int{}
	w, h := successSize(3, 1)
	sizes["success.png"] = [2]int{w, h}
	w, h = gridSize(1, 2, regretTileW, regretTileH)
	sizes["regret.png"] = [2]int{w, h}
	w, h = gridSize(3, returnsCols, returnsTileW, returnsTileH)
	sizes["returns.png"] = [2]int{w, h}
	most := 0
	for i := range rep.Entries {
		most = max(most, len(shownParts(&rep.Entries[i])))
	}
	w, h = gridSize(3, partsCols, partsTileW, partsTileBase+partsTilePerPart*most)
	sizes["parts.png"] = [2]int{w, h}
	for name, want := range sizes {
		w, h, colours, ink := pngInfo(t, filepath.Join(dir, name))
		if w != want[0] || h != want[1] {
			t.Errorf("%s is %dx%d, want %dx%d", name, w, h, want[0], want[1])
		}
		if colours < 8 || ink < 0.02 {
			t.Errorf("%s has %d colours and %.1f%% ink: looks empty", name, colours, 100*ink)
		}
	}
}

// A run's report depends on its episodes only: the same whatever the
// workers, and the same when the run is resumed after losing episodes.
func TestReportIsDeterministicAndResumes(t *testing.T) {
	t.Parallel()
	a, b := t.TempDir(), t.TempDir()
	ra := runTiny(t, a, "random", 2, 1)
	runTiny(t, b, "random", 2, 2)
	// Cut episode files of b short, as a killed run leaves them, and
	// resume.
	m, _ := tiny.Manifest(envs.Default())
	for _, me := range m.Entries {
		path := episodeFile(b, &me, 1)
		data, _ := os.ReadFile(path)
		lines := bytes.SplitAfter(data, []byte("\n"))
		os.WriteFile(path, append(bytes.Join(lines[:len(lines)/2], nil), lines[len(lines)/2][:10]...), 0o644)
	}
	rb := runTiny(t, b, "random", 2, 2)
	strip := func(r *Report) string {
		for i := range r.Entries {
			r.Entries[i].EpisodeSeconds = 0
		}
		j, _ := json.Marshal(r)
		return string(j)
	}
	if sa, sb := strip(ra), strip(rb); sa != sb {
		t.Errorf("reports differ between 1 worker and a resumed run on 2:\n%s\n%s", sa, sb)
	}
	// Another agent or another suite in the same directory is refused.
	_, err := Run(context.Background(), Config{Registry: envs.Default(), Suite: &tiny, Agent: agent(t, "oracle"), AgentName: "oracle", Dir: b})
	if err == nil || !strings.Contains(err.Error(), `agent "random", not "oracle"`) {
		t.Errorf("other agent in the same directory: %v", err)
	}
	other := Suite{Name: "tiny-v2", Entries: tiny.Entries[:1]}
	_, err = Run(context.Background(), Config{Registry: envs.Default(), Suite: &other, Agent: agent(t, "random"), AgentName: "random", Dir: b})
	if err == nil || !strings.Contains(err.Error(), "other work") {
		t.Errorf("other suite in the same directory: %v", err)
	}
}

func TestUnplayableEntryIsReported(t *testing.T) {
	t.Parallel()
	s := Suite{Name: "x-v1", Entries: []Entry{
		{Env: "bandit/Bernoulli-2-v0", Options: dojo.Options{"horizon": 5}, Tasks: 4},
		{Env: "toolcall/Bank-v0", Tasks: 4},
	}}
	dir := t.TempDir()
	rep, err := Run(context.Background(), Config{Registry: envs.Default(), Suite: &s, Agent: agent(t, "ucb1"), AgentName: "ucb1", Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Entries[0].Played || rep.Entries[1].Played || rep.Entries[1].Unplayable == "" || rep.Overall.Entries != 1 {
		t.Fatalf("entries %+v", rep.Entries)
	}
	if len(rep.Notes) == 0 || !strings.Contains(rep.Notes[0], "toolcall/Bank-v0: not played") {
		t.Errorf("notes %q: want the entry left out named", rep.Notes)
	}
}

func TestPassKOverTasks(t *testing.T) {
	t.Parallel()
	// Four tasks of three trials with 0, 1, 2 and 3 successes. By hand:
	// pass@1 = (0 + 1/3 + 2/3 + 1)/4 = 1/2
	// pass@2 = (0 + (1 − C(2,2)/C(3,2)) + 1 + 1)/4 = (2/3 + 2)/4 = 2/3
	// pass@3 = (0 + 1 + 1 + 1)/4 = 3/4
	// pass^2 = (0 + 0 + C(2,2)/C(3,2) + 1)/4 = (1/3 + 1)/4 = 1/3
	// pass^3 = 1/4
	me := &ManifestEntry{Label: "x", Tasks: 4}
	trials := make([][]runner.Episode, 3)
	for tr := range trials {
		for task := range 4 {
			trials[tr] = append(trials[tr], runner.Episode{Episode: task, Success: tr < task})
		}
	}
	er := EntryReport{Label: "x", Trials: 3}
	summarizeEntry(&er, me, trials)
	wantAt := []float64{0.5, 2.0 / 3, 0.75}
	wantHat := []float64{0.5, 1.0 / 3, 0.25}
	for k := range 3 {
		if math.Abs(er.PassAtK[k]-wantAt[k]) > 1e-12 || math.Abs(er.PassHatK[k]-wantHat[k]) > 1e-12 {
			t.Errorf("k=%d: pass@k %v pass^k %v, want %v and %v", k+1, er.PassAtK[k], er.PassHatK[k], wantAt[k], wantHat[k])
		}
	}
}

func TestScore(t *testing.T) {
	t.Parallel()
	ref := &Reference{Random: &Rate{Episodes: 100, Successes: 10}, Oracle: &Rate{Episodes: 100, Successes: 60}}
	for _, tt := range []struct{ rate, want float64 }{{0.1, 0}, {0.6, 100}, {0.35, 50}, {0.7, 120}, {0, -20}} {
		if got, _ := ref.Score(tt.rate); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("Score(%v) = %v, want %v", tt.rate, got, tt.want)
		}
	}
	for _, bad := range []*Reference{nil, {Random: ref.Random}, {Random: ref.Random, Oracle: ref.Random}} {
		if s, why := bad.Score(0.5); !math.IsNaN(s) || why == "" {
			t.Errorf("Score with reference %+v = %v (%q), want NaN with a reason", bad, s, why)
		}
	}
}

func TestCompare(t *testing.T) {
	t.Parallel()
	ra := runTiny(t, t.TempDir(), "random", 1, 0)
	ro := runTiny(t, t.TempDir(), "oracle", 1, 0)
	c, err := Compare(ra, ro, false)
	if err != nil {
		t.Fatal(err)
	}
	if !c.SameWork || len(c.Warnings) != 0 || len(c.Entries) != 3 || c.Overall.Entries != 3 {
		t.Fatalf("comparison %+v", c)
	}
	for _, d := range c.Entries {
		// The oracle beats random everywhere in the tiny suite, by margins
		// its sample sizes show.
		if !d.Compared || d.SuccessDiff <= 0 || !d.SuccessDiffCI.Contains(d.SuccessDiff) || !d.SuccessSignificant {
			t.Errorf("%s: %+v: want a significant positive difference", d.Label, d)
		}
		if d.ReturnDiffCI == nil || !d.ReturnDiffCI.Contains(d.ReturnDiff) || d.ReturnDiff <= 0 {
			t.Errorf("%s: return difference %v %v", d.Label, d.ReturnDiff, d.ReturnDiffCI)
		}
	}
	// FrozenLake's and toolcall's returns are their successes (or close):
	// those differences are significant; the 8 short bandit episodes'
	// payouts are too noisy to tell.
	if !c.Entries[0].ReturnSignificant || !c.Entries[2].ReturnSignificant || c.Entries[1].ReturnSignificant {
		t.Errorf("return significance %v %v %v, want true false true", c.Entries[0].ReturnSignificant, c.Entries[1].ReturnSignificant, c.Entries[2].ReturnSignificant)
	}
	if !c.Overall.Significant || c.Overall.Diff <= 0.5 {
		t.Errorf("overall %+v", c.Overall)
	}
	// A run against itself: nothing significant.
	self, err := Compare(ra, ra, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range self.Entries {
		if d.SuccessSignificant || d.ReturnSignificant || d.SuccessDiff != 0 {
			t.Errorf("%s compared with itself: %+v", d.Label, d)
		}
	}
	dir := t.TempDir()
	if err := c.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(filepath.Join(dir, "compare.md"))
	if !strings.Contains(string(md), "| gridworld/FrozenLake-v1 |") || !strings.Contains(string(md), "yes") {
		t.Errorf("compare.md:\n%s", md)
	}
	w, h, _, ink := pngInfo(t, filepath.Join(dir, "success.png"))
	if ww, wh := successSize(3, 2); w != ww || h != wh || ink < 0.02 {
		t.Errorf("compare success.png %dx%d (%.1f%% ink), want %dx%d", w, h, 100*ink, ww, wh)
	}

	// Different work is refused, or compared with a loud warning.
	other := tiny
	other.Entries = slices.Clone(tiny.Entries)
	other.Entries[0].Seed = 999
	rx, err := Run(context.Background(), Config{Registry: envs.Default(), Suite: &other, Agent: agent(t, "oracle"), AgentName: "oracle", Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Compare(ra, rx, false); err == nil || !strings.Contains(err.Error(), "different work") {
		t.Errorf("different manifests: %v, want a refusal", err)
	}
	forced, err := Compare(ra, rx, true)
	if err != nil || len(forced.Warnings) == 0 || forced.Entries[0].Compared || !strings.Contains(forced.Entries[0].Note, "different work") || !forced.Entries[1].Compared {
		t.Errorf("forced: %v %+v", err, forced)
	}
}

// TestReferences recomputes the stored references of every built-in suite:
// an env or agent change that moves them fails here. With -update it
// rewrites references.json (for appended entries, or with a new suite
// version).
func TestReferences(t *testing.T) {
	t.Parallel()
	reg := envs.Default()
	all := map[string]*Reference{}
	for _, s := range Suites() {
		m, err := s.Manifest(reg)
		if err != nil {
			t.Fatal(err)
		}
		refs, err := References(context.Background(), reg, m.Entries, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range m.Entries {
			got := refs[e.SHA256]
			all[e.SHA256] = &Reference{Random: got.Random, Oracle: got.Oracle, Label: s.Name + " " + e.Label}
			if got.Random == nil || got.Oracle == nil || !(got.Oracle.Value() > got.Random.Value()) {
				t.Errorf("%s %s: references %+v %+v: a suite entry needs random and oracle references, the oracle doing better", s.Name, e.Label, got.Random, got.Oracle)
			}
			if *update {
				continue
			}
			want, ok := stored[e.SHA256]
			switch {
			case !ok:
				t.Errorf("%s %s has no stored references: run go test ./bench -run TestReferences -update", s.Name, e.Label)
			case *want.Random != *got.Random || *want.Oracle != *got.Oracle:
				t.Errorf("%s %s: references moved: random %+v oracle %+v, stored %+v %+v (an env or agent changed the suite's episodes: that needs a new suite version)",
					s.Name, e.Label, *got.Random, *got.Oracle, *want.Random, *want.Oracle)
			}
		}
	}
	if *update {
		b, _ := json.MarshalIndent(all, "", "  ")
		if err := os.WriteFile("references.json", append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if len(stored) != len(all) {
		t.Errorf("references.json holds %d entries, the built-in suites have %d: run go test ./bench -run TestReferences -update", len(stored), len(all))
	}
}

func TestPerf(t *testing.T) {
	t.Parallel()
	rep, err := Perf(context.Background(), PerfConfig{Registry: envs.Default(), Workers: 2, Duration: 1, Rounds: 2})
	if err != nil {
		t.Fatal(err)
	}
	families := map[string]bool{}
	for _, s := range rep.Steps {
		families[s.Family] = true
		if s.Steps <= 0 || s.StepsPerSec <= 0 || s.Seconds <= 0 || (s.Workers == 1 && s.Speedup != 1) {
			t.Errorf("step rate %+v", s)
		}
	}
	for _, f := range []string{"gridworld", "bandit", "toolcall", "sql", "websim"} {
		if !families[f] {
			t.Errorf("no step rate for family %s", f)
		}
	}
	if len(rep.Steps) != 2*len(stepPlan(envs.Default())) {
		t.Errorf("%d step rates, want two worker counts per env", len(rep.Steps))
	}
	if len(rep.Verify) != len(verifyPlan) {
		t.Fatalf("verify rates %+v: want one for each of %v", rep.Verify, verifyPlan)
	}
	for _, v := range rep.Verify {
		if v.GoldSuccess != 1 || v.Verifications < v.Tasks || v.PerSec <= 0 {
			t.Errorf("verify %+v: every gold response must verify", v)
		}
	}
	if len(rep.Protocol) != 2 || rep.Protocol[1].Method != "env/stepMany" || rep.Protocol[1].StepsPerSec <= rep.Protocol[1].PerSec {
		t.Errorf("protocol %+v", rep.Protocol)
	}
	var b strings.Builder
	if err := rep.WriteTable(&b); err != nil || !strings.Contains(b.String(), "verifications/s") {
		t.Errorf("table: %v\n%s", err, b.String())
	}
	path := filepath.Join(t.TempDir(), "perf.json")
	if err := rep.WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	var back PerfReport
	if data, _ := os.ReadFile(path); json.Unmarshal(data, &back) != nil || len(back.Steps) != len(rep.Steps) {
		t.Errorf("perf.json does not read back")
	}
}

func ExampleTrialSeed() {
	fmt.Println(TrialSeed(42, 0), TrialSeed(42, 1) != TrialSeed(42, 2))
	// Output: 42 true
}

// usageAgent is an agent that reports an LLM's spending.
type usageAgent struct{ dojo.Agent }

func (usageAgent) Usage() map[string]float64 {
	return map[string]float64{"prompt_tokens": 120, "completion_tokens": 8}
}

func TestUsageIsReported(t *testing.T) {
	t.Parallel()
	random := agent(t, "random")
	maker := dojo.AgentMakerFunc(func(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
		a, err := random.NewAgent(ctx, ep)
		return usageAgent{a}, err
	})
	dir := t.TempDir()
	s := Suite{Name: "x-v1", Entries: tiny.Entries[:1]}
	rep, err := Run(context.Background(), Config{Registry: envs.Default(), Suite: &s, Agent: maker, AgentName: "llm", Dir: dir, Trials: 2})
	if err != nil {
		t.Fatal(err)
	}
	e := rep.Entries[0]
	if e.Usage["prompt_tokens"] != 120 || e.UsageTotal["completion_tokens"] != 8*60 || rep.Overall.UsageTotal["prompt_tokens"] != 120*60 {
		t.Errorf("usage %v, total %v, overall %v", e.Usage, e.UsageTotal, rep.Overall.UsageTotal)
	}
	md, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	if !strings.Contains(string(md), "## Usage") || !strings.Contains(string(md), "| **total** | 480 | 7200 |") {
		t.Errorf("report.md usage table:\n%s", md)
	}
}

func FuzzReadSuite(f *testing.F) {
	good, _ := json.Marshal(tiny)
	f.Add(good)
	f.Add([]byte(`{"name": "x-v1", "entries": [{"env": "gridworld/FrozenLake-v1", "tasks": -1}]}`))
	f.Add([]byte(`{"name": "x-v1", "entries": [{"env": "a/B-v0", "options": {"k": [1, {"x": null}]}, "tasks": 1e3, "seed": 18446744073709551615}]}`))
	f.Add([]byte(`[]`))
	reg := envs.Default()
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "s.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := ReadSuite(path)
		if err != nil {
			if dojo.ErrorCode(err) != dojo.CodeInvalid {
				t.Fatalf("error %v has code %q, want invalid", err, dojo.ErrorCode(err))
			}
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("ReadSuite returned an invalid suite: %v", err)
		}
		// A valid suite resolves or says which env or option is wrong.
		if m, err := s.Manifest(reg); err == nil && len(m.SHA256) != 64 {
			t.Fatalf("manifest hash %q", m.SHA256)
		}
	})
}

// BenchmarkLoad reads a run directory and sums it up (bootstrap intervals
// included): what dojo bench report and compare do per run.
func BenchmarkLoad(b *testing.B) {
	dir := b.TempDir()
	random, _ := agents.New("random")
	if _, err := Run(context.Background(), Config{Registry: envs.Default(), Suite: &tiny, Agent: random, AgentName: "random", Dir: dir, Trials: 4}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(dir); err != nil {
			b.Fatal(err)
		}
	}
}

// failingAgent plays like random but fails every episode of the toolcall
// entry as a server that is down would (or fatally, when fatal is set).
func failingAgent(t *testing.T, fatal bool) dojo.AgentMaker {
	random := agent(t, "random")
	return dojo.AgentMakerFunc(func(ctx context.Context, ep dojo.EpisodeStart) (dojo.Agent, error) {
		if dojo.Family(ep.Spec.ID) != "toolcall" {
			return random.NewAgent(ctx, ep)
		}
		return dojo.AgentFunc(func(ctx context.Context, turn dojo.Turn) (dojo.Action, error) {
			err := dojo.Errorf(dojo.CodeUnavailable, "openai: POST http://127.0.0.1:1/v1/chat/completions: connection refused (gave up after 6 attempts)")
			if fatal {
				return dojo.Action{}, dojo.Fatal(err)
			}
			return dojo.Action{}, err
		}), nil
	})
}

// TestFailingEpisodesStopTheRun checks that a suite whose episodes fail
// with an infrastructure error stops after that entry, and writes a report
// that says so: the entry is not run (no 0% success), the errors are
// counted with their first message, and why the run stopped.
func TestFailingEpisodesStopTheRun(t *testing.T) {
	t.Parallel()
	suite := Suite{Name: "fail-v1", Entries: []Entry{tiny.Entries[0], tiny.Entries[2], tiny.Entries[1]}}
	dir := t.TempDir()
	rep, err := Run(context.Background(), Config{
		Registry: envs.Default(), Suite: &suite, Agent: failingAgent(t, false), AgentName: "flaky", Dir: dir,
	})
	if !errors.Is(err, ErrEpisodesFailed) || rep == nil {
		t.Fatalf("Run: %v, want ErrEpisodesFailed and a report", err)
	}
	if !strings.Contains(err.Error(), "toolcall/Mixed-v0, trial 1: 10 of 10 episodes failed") {
		t.Errorf("error %q does not name the entry and the count", err)
	}
	lake, mixed, bandit := rep.Entries[0], rep.Entries[1], rep.Entries[2]
	if !lake.Played || mixed.Played || bandit.Played {
		t.Fatalf("played: %v %v %v, want only the first entry", lake.Played, mixed.Played, bandit.Played)
	}
	if mixed.Episodes != 10 || mixed.Errors != 10 || mixed.ErrorCodes[dojo.CodeUnavailable] != 10 ||
		!strings.HasPrefix(mixed.Unplayable, "not run: all 10 episodes failed") ||
		mixed.ErrorMessages[dojo.CodeUnavailable] != "agent Act at step 0: openai: POST http://127.0.0.1:1/v1/chat/completions: connection refused (gave up after 6 attempts)" {
		t.Errorf("failed entry %+v", mixed)
	}
	if rep.Errors != 10 || rep.Overall.Entries != 1 || rep.Overall.SuccessRate != lake.SuccessRate || !strings.Contains(rep.Stopped, "toolcall/Mixed-v0") {
		t.Errorf("report: errors %d, overall %+v, stopped %q: want 10 errors, the first entry alone in the overall, and why it stopped", rep.Errors, rep.Overall, rep.Stopped)
	}
	md, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	js, _ := os.ReadFile(filepath.Join(dir, "report.json"))
	for _, want := range []string{"The run stopped before the end of the suite", "**10 episodes failed with an error** (unavailable: 10)", "## Errors", "connection refused (gave up after 6 attempts)", "| toolcall/Mixed-v0 | – | not run |"} {
		if !bytes.Contains(md, []byte(want)) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	for _, want := range []string{`"errors": 10`, `"stopped": "toolcall/Mixed-v0, trial 1: 10 of 10`, `"error_messages": {`} {
		if !bytes.Contains(js, []byte(want)) {
			t.Errorf("report.json lacks %q", want)
		}
	}
	var table bytes.Buffer
	rep.WriteTable(&table)
	if !strings.Contains(table.String(), "not run: all 10 episodes failed with an infrastructure error (unavailable: 10)") {
		t.Errorf("table:\n%s", table.String())
	}

	// With AllowErrors the run goes on past the entry.
	rep, err = Run(context.Background(), Config{
		Registry: envs.Default(), Suite: &suite, Agent: failingAgent(t, false), AgentName: "flaky", Dir: t.TempDir(), AllowErrors: true,
	})
	if err != nil || rep.Stopped != "" || !rep.Entries[2].Played || rep.Entries[1].Played || rep.Overall.Entries != 2 {
		t.Errorf("AllowErrors: %v, stopped %q, overall %+v", err, rep.Stopped, rep.Overall)
	}
}

// TestFatalAgentStopsTheRun checks that an agent failing fatally stops the
// suite at once with its error, and the report says why.
func TestFatalAgentStopsTheRun(t *testing.T) {
	t.Parallel()
	suite := Suite{Name: "fail-v1", Entries: []Entry{tiny.Entries[2], tiny.Entries[0]}}
	dir := t.TempDir()
	var log bytes.Buffer
	p := runner.NewProgress(runner.ProgressConfig{W: &log, LogEvery: -1})
	rep, err := Run(context.Background(), Config{
		Registry: envs.Default(), Suite: &suite, Agent: failingAgent(t, true), AgentName: "dead", Dir: dir, AllowErrors: true, Progress: p,
	})
	p.Close()
	if !dojo.IsFatal(err) || !strings.Contains(err.Error(), "connection refused") || rep == nil {
		t.Fatalf("Run: %v, want the agent's fatal error and a report", err)
	}
	if rep.Entries[0].Played || rep.Entries[1].Played || rep.Entries[0].Episodes != 0 || !strings.Contains(rep.Stopped, "connection refused") {
		t.Errorf("report %+v: want nothing played and why it stopped", rep)
	}
	if want := "1/2 toolcall/Mixed-v0  done 0/10"; !strings.HasPrefix(log.String(), want) {
		t.Errorf("progress %q, want it to start with %q", log.String(), want)
	}
}
